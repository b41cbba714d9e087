"""Benchmark the cable view: time to open a cable (screen pushed -> first frame) and to jump
to its end, by number of paragraphs, in a bare host app (no store, no parser).

Run: ``.venv/bin/python -m tests.bench.bench_cable_view [--sizes 10,50,200,1000] [--runs 5]``.

Each paragraph is ~340 characters, so 200 paragraphs is ~70 KB of text (the longest cable of
the public corpus is 48 KB). Figures are medians of ``--runs`` fresh apps; the machine is noisy,
compare ratios within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import time

from tests.app._views_fixtures import ViewsApp, sample_cable, sample_history, sample_row
from triage.app.screens.cable import CableScreen
from triage.model import Paragraph

TEXT = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 6


class _TimedCableScreen(CableScreen):
    """Records when its first frame has been drawn."""

    drawn: asyncio.Event

    def on_mount(self) -> None:
        self.drawn = asyncio.Event()
        self.call_after_refresh(self.drawn.set)


async def _one(paragraphs: int) -> tuple[float, float]:
    cable = sample_cable(
        paragraphs=[Paragraph(number=i, marking="C", text=TEXT) for i in range(1, paragraphs + 1)]
    )
    app = ViewsApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = _TimedCableScreen(sample_row(), cable, sample_history())
        start = time.perf_counter()
        await app.push_screen(screen)
        await screen.drawn.wait()
        opened = time.perf_counter() - start
        view = screen.view
        start = time.perf_counter()
        view.scroll_end(animate=False, immediate=True)
        screen.drawn.clear()
        screen.call_after_refresh(screen.drawn.set)
        await screen.drawn.wait()
        to_end = time.perf_counter() - start
    return opened, to_end


async def _main(sizes: list[int], runs: int) -> None:
    print(
        f"cable view, {platform.processor() or platform.machine()}, python "
        f"{platform.python_version()}, medians of {runs}"
    )
    print(f"{'paragraphs':>10} {'KB':>6} {'open (s)':>9} {'to end (s)':>12}")
    for size in sizes:
        results = [await _one(size) for _ in range(runs)]
        opened = statistics.median(r[0] for r in results)
        to_end = statistics.median(r[1] for r in results)
        kb = size * len(TEXT) / 1024
        print(f"{size:>10} {kb:>6.0f} {opened:>9.3f} {to_end:>12.3f}")


def main() -> None:
    """Parse the arguments and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,50,200,1000")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(_main([int(s) for s in args.sizes.split(",")], args.runs))


if __name__ == "__main__":
    main()
