"""Benchmark the app: first frame at 10k and 250k cables, filter time, scrolling, delivery, RSS.

Run: ``python -m tests.bench.bench_app [--sizes 10000,250000] [--deliveries 40]``.

States are built once through ``Store.index_put`` (fictional rows) under ``.bench-tmp/`` and
reused. Each first-frame figure comes from a fresh child process: the clock starts before the
child is spawned (interpreter start and imports included) and stops when the queue table has
drawn its first screenful of real rows (``cold``: no saved head of this user, so the store's
shared head is shown first; ``warm``: this user's saved head of the last session, brought up
to date). A state built before the shared head existed gets one first (``ensure_head``). The inbox
scan is off in these children (an empty inbox would mark every source missing); ingest has
its own benchmark. Figures are medians unless marked.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
SCRATCH = REPO / ".bench-tmp" / "app"
QUERIES = ["prec:>=immediate", "kosovo", "-action:done assignee:me", "class:>=s is:unread"]
WORDS = [
    "talks",
    "minister",
    "visit",
    "trade",
    "election",
    "security",
    "nuclear",
    "embargo",
    "delegation",
    "aid",
    "refugee",
    "summit",
    "bilateral",
    "fisheries",
    "kosovo",
    "harbour",
    "customs",
    "grain",
]


def build_state(n: int) -> Path:
    """A state folder with ``n`` fictional cables (built once, then reused)."""
    sys.path.insert(0, str(REPO))
    from tests.app.queue_support import entry
    from triage.store import Store

    folder = SCRATCH / f"state-{n}"
    done = folder / ".built"
    if done.exists():
        if not (folder / "head.json").exists():  # built before the store kept a shared head
            started = time.perf_counter()
            Store(folder, "loader", os_user="loader").ensure_head()
            print(f"  shared head built in {time.perf_counter() - started:.1f} s", flush=True)
        return folder
    rnd = random.Random(n)
    store = Store(folder, "loader", os_user="loader")
    precs = [
        ("FLASH", False),
        ("IMMEDIATE", True),
        ("IMMEDIATE", False),
        ("PRIORITY", False),
        ("ROUTINE", False),
    ]
    batch: list[dict[str, Any]] = []
    started = time.perf_counter()
    for i in range(n):
        prec, niact = rnd.choices(precs, weights=[1, 1, 5, 20, 73])[0]
        year = rnd.randint(2001, 2010)
        batch.append(
            entry(
                f"{year % 100:02d}POST{i}",
                precedence=prec,
                niact=niact,
                classification=rnd.choice(["UNCLASSIFIED", "CONFIDENTIAL", "SECRET", None]),
                dtg=f"{year}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
                f"T{rnd.randint(0, 23):02d}:{rnd.randint(0, 59):02d}:00Z",
                subject=" ".join(rnd.choices(WORDS, k=6)).upper(),
                action_paragraphs=[2] if rnd.random() < 0.1 else [],
            )
        )
        if len(batch) == 20_000:
            store.index_put(batch)
            batch = []
    if batch:
        store.index_put(batch)
    done.write_text(str(n))
    print(f"  built {n:,} cables in {time.perf_counter() - started:.0f} s", flush=True)
    return folder


def settings_for(state: Path, home: Path) -> Any:
    from triage.config import Settings

    inbox = home / "inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    return Settings(
        inbox=inbox, db=state, user="bench", os_user="bench", config_path=home / "config.toml"
    )


def _vm(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) // 1024
    return 0


# --- child: first frame, filter, scroll, RSS ---------------------------------------------


async def _time_filters(screen: Any) -> dict[str, dict[str, Any]]:
    """Each of QUERIES applied 5 times, from ``apply_query`` to the complete count shown."""
    result = {}
    for text in QUERIES:
        times, cpu = [], []
        for _ in range(5):
            started, cpu_started = time.perf_counter(), time.process_time()
            screen.apply_query(text)
            while screen._filter_busy:
                await asyncio.sleep(0.001)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - cpu_started)
        result[text] = {
            "median_ms": 1000 * statistics.median(times),
            "max_ms": 1000 * max(times),
            "cpu_ms": 1000 * statistics.median(cpu),
            "matches": len(screen.model),
        }
    screen.apply_query("")
    while screen._filter_busy:
        await asyncio.sleep(0.001)
    return result


async def child_first_frame(state: Path, home: Path, t0: float, filters: bool) -> dict[str, Any]:
    from textual.geometry import Region

    from triage.app.app import TriageApp
    from triage.app.screens import queue_sync

    drawn: list[float] = []
    plain_init = queue_sync.QueueSync._init_sync

    class DrawnEvent(threading.Event):
        """Set by the screen once it has repainted with the head (``call_after_refresh``)."""

        def set(self) -> None:
            drawn.append(time.time())
            super().set()

    def init_sync(self: Any, settings: Any) -> None:
        plain_init(self, settings)
        self._head_drawn = DrawnEvent()

    queue_sync.QueueSync._init_sync = init_sync  # type: ignore[method-assign]
    from triage.app.widgets.queue_table import QueueTable

    painted: list[float] = []
    plain_render_line = QueueTable.render_line

    def render_line(self: Any, y: int) -> Any:
        strip = plain_render_line(self, y)
        if not painted and y == 1 and len(self.model) and strip.text.strip():
            painted.append(time.time())  # the compositor drew the first row of real rows
        return strip

    QueueTable.render_line = render_line  # type: ignore[method-assign]
    from triage.app.queue_model import QueueModel

    warmed: list[float] = []
    plain_warm = QueueModel.warm_index

    def warm_index(self: Any) -> None:  # the load worker's last step: every column built
        plain_warm(self)
        warmed.append(time.time())

    QueueModel.warm_index = warm_index  # type: ignore[method-assign]
    from triage.app.screens.queue import QueueScreen

    taken: list[float] = []
    plain_loaded = QueueScreen.on_rows_loaded

    def on_rows_loaded(self: Any, message: Any) -> None:  # the screen takes the whole queue
        plain_loaded(self, message)
        if not message.partial and not taken:
            taken.append(time.time())

    QueueScreen.on_rows_loaded = on_rows_loaded  # type: ignore[method-assign]
    app = TriageApp(settings_for(state, home), watch=False, scan=False)
    out: dict[str, Any] = {}
    async with app.run_test(size=(100, 30)) as pilot:
        while True:
            screen = app.queue_screen
            if screen is not None and (screen.partial or screen.loaded) and len(screen.model):
                break
            await asyncio.sleep(0.002)
        await pilot.pause()  # the frame with those rows is drawn
        table = screen.table
        assert table.render_line(1).text.strip(), "no row drawn"
        # The first frame is when the compositor drew a row of real rows: with a head, before
        # the worker goes on to read every row (it waits for the screen's after-refresh event),
        # which holds the GIL and delays this coroutine's own look ("seen").
        out["first_frame"] = (painted[0] if painted else time.time()) - t0
        out["drawn_event"] = (drawn[0] - t0) if drawn else None
        out["seen"] = time.time() - t0
        out["from_head"] = screen.partial and not screen.loaded
        while not screen.loaded:
            await asyncio.sleep(0.005)
        await pilot.pause()
        out["full"] = time.time() - t0
        out["load_cpu"] = time.process_time()
        out["cables"] = screen.model.counts.total
        out["rss_after_load_mb"] = _vm("VmRSS")
        if filters:
            # the filter index (per-field columns) is built in the load worker after the load;
            # before it is ready a filter tests rows one by one (slower, see the report)
            while screen.model.index is None:
                await asyncio.sleep(0.01)
            out["index_ready"] = time.time() - t0
            out["filters"] = await _time_filters(screen)
            # page down, then draw the whole table as the compositor does (every line new)
            region = Region(0, 0, table.size.width, table.size.height)
            keys = []
            for _ in range(200):
                started = time.perf_counter()
                table.action_page_down()
                table.render_lines(region)
                keys.append(time.perf_counter() - started)
                await asyncio.sleep(0)
            out["pagedown_ms"] = {
                "median": 1000 * statistics.median(keys),
                "max": 1000 * max(keys),
            }
        give_up = time.time() + 30
        while not warmed and time.time() < give_up:
            await asyncio.sleep(0.01)
        out["columns"] = (warmed[0] - t0) if warmed else None
        if filters and warmed:
            await asyncio.sleep(0.2)  # the worker's last steps (saving the head)
            out["filters_warm"] = await _time_filters(screen)
        out["taken"] = (taken[0] - t0) if taken else None
        out["peak_rss_mb"] = _vm("VmHWM")
    return out


async def child_early_filter(state: Path, home: Path, t0: float, delay: float) -> dict[str, Any]:
    """Type each of ``QUERIES`` in turn from ``delay`` s after the first frame: how long until
    the screen shows its complete match count (the whole queue loaded, the filter applied)."""
    from triage.app.app import TriageApp
    from triage.app.widgets.queue_table import QueueTable

    painted: list[float] = []
    plain_render_line = QueueTable.render_line

    def render_line(self: Any, y: int) -> Any:
        strip = plain_render_line(self, y)
        if not painted and y == 1 and len(self.model) and strip.text.strip():
            painted.append(time.time())
        return strip

    QueueTable.render_line = render_line  # type: ignore[method-assign]
    app = TriageApp(settings_for(state, home), watch=False, scan=False)
    out: dict[str, Any] = {"delay": delay, "times_ms": [], "loaded": [], "lost": 0}
    async with app.run_test(size=(100, 30)):
        while not painted:
            await asyncio.sleep(0.002)
        out["first_frame"] = painted[0] - t0
        while time.time() < painted[0] + delay:
            await asyncio.sleep(0.002)
        screen = app.queue_screen
        assert screen is not None

        async def watch_load() -> None:
            while not screen.loaded:
                await asyncio.sleep(0.005)
            out["full"] = time.time() - t0

        watcher = asyncio.create_task(watch_load())
        total = None
        for text in QUERIES:
            loaded = screen.loaded  # typed after the whole queue was loaded
            started = time.perf_counter()
            screen.apply_query(text)
            while not (
                screen.loaded
                and not screen._filter_busy
                and screen.model.query_text == text
                and screen.model.counts.total == len(screen.model.rows)
            ):
                if time.perf_counter() - started > 20:
                    out["lost"] += 1
                    break
                await asyncio.sleep(0.001)
            else:
                out["times_ms"].append(1000 * (time.perf_counter() - started))
                out["loaded"].append(loaded)
            total = screen.model.counts.total
        out["cables"] = total
        await watcher
    return out


def early_filters(state: Path, home: Path, delays: list[float]) -> dict[str, Any]:
    """``child_early_filter`` at each delay, each in a fresh process (warm start)."""
    times: list[float] = []
    after_load: list[float] = []
    per_delay: dict[float, list[float]] = {}
    full: list[float] = []
    lost = 0
    for delay in delays:
        t0 = time.time()
        proc = subprocess.run(
            [sys.executable, "-m", "tests.bench.bench_app", "--early", str(state), str(home),
             str(t0), str(delay)],
            cwd=REPO, capture_output=True, text=True, check=False,
        )  # fmt: skip
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
        if proc.returncode or not lines:
            raise SystemExit(f"child failed: {proc.stderr[-2000:]}")
        r = json.loads(lines[-1])
        per_delay[delay] = r["times_ms"]
        full.append(r["full"])
        times.extend(r["times_ms"])
        after_load.extend(t for t, done in zip(r["times_ms"], r["loaded"], strict=True) if done)
        lost += r["lost"]
    return {
        "per_delay": per_delay,
        "all": times,
        "after_load": after_load,
        "lost": lost,
        "full": full,
    }


def print_early(figures: dict[str, Any]) -> None:
    times = figures["all"]
    full = figures["full"]
    print(f"  whole queue loaded in these runs: median {statistics.median(full):.2f} s")
    for delay, ms in figures["per_delay"].items():
        print(f"  typed {delay:>4} s after the first frame: {[round(x) for x in ms]} ms")
    if times:
        print(
            f"filter typed soon after the first frame, until its complete count: median "
            f"{statistics.median(times):.0f} ms, max {max(times):.0f} ms "
            f"({len(times)} filters, {figures['lost']} never shown complete)"
        )
    after = figures["after_load"]
    if after:
        print(
            f"  of which typed once the whole queue was loaded: median "
            f"{statistics.median(after):.0f} ms, max {max(after):.0f} ms ({len(after)} filters)"
        )


# --- in process: delivery -> row on screen -----------------------------------------------


async def deliveries(state: Path, home: Path, count: int) -> dict[str, Any]:
    sys.path.insert(0, str(REPO))
    from tests.app.queue_support import cable
    from triage.app.app import TriageApp

    settings = settings_for(state, home)
    for old in settings.inbox.iterdir():
        old.unlink()
    app = TriageApp(settings, watch=True, scan=False)
    times: list[float] = []
    async with app.run_test(size=(100, count + 10)):
        while app.queue_screen is None or not app.queue_screen.loaded or app.watcher is None:
            await asyncio.sleep(0.01)
        screen = app.queue_screen
        screen.apply_query("delivery")  # only the delivered cables: each one is on screen
        while screen._filter_busy:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.5)
        base = random.randrange(10**6)
        for i in range(count):
            serial = base + i
            prec = "ZOPR"[i % 4]
            tmp = settings.inbox / f".c{serial}.part"
            tmp.write_text(cable(serial, prec, f"BENCH DELIVERY {i}"), encoding="utf-8")
            cid = f"25BRASKOV{serial}"
            started = time.perf_counter()
            tmp.rename(settings.inbox / f"c{serial}.txt")
            # on screen: the table has drawn a line of that cable (its line cache holds it)
            while not any(key[0] == cid for key in list(screen.table._lines.keys())):
                if time.perf_counter() - started > 10:
                    raise SystemExit(f"{cid} was not drawn within 10 s")
                await asyncio.sleep(0.001)
            times.append(time.perf_counter() - started)
            await asyncio.sleep(0.05)
    times.sort()
    return {
        "n": len(times),
        "p50_ms": 1000 * statistics.median(times),
        "p95_ms": 1000 * times[int(0.95 * (len(times) - 1))],
        "max_ms": 1000 * times[-1],
    }


def child_store(state: Path) -> dict[str, Any]:
    """A fresh process: ``Store.queue_head()`` then ``Store.rows()``, timed, and RSS."""
    from triage.store import Store

    store = Store(state, "bench", os_user="bench")
    started = time.perf_counter()
    head = store.queue_head()
    head_s = time.perf_counter() - started
    started = time.perf_counter()
    rows = store.rows()
    return {
        "queue_head": head_s,
        "head_rows": len(head.rows) if head else 0,
        "rows": time.perf_counter() - started,
        "n": len(rows),
        "rss_mb": _vm("VmRSS"),
    }


def store_figures(state: Path, runs: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"queue_head": [], "rows": [], "rss_mb": []}
    for _ in range(runs):
        proc = subprocess.run(
            [sys.executable, "-m", "tests.bench.bench_app", "--store", str(state)],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(proc.stdout.splitlines()[-1])
        for key in out:
            out[key].append(r[key])
    return out


async def child_empty(t0: float) -> dict[str, Any]:
    """The baseline: an empty Textual app with one Static, measured the same way."""
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    class Empty(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("hello")

    async with Empty().run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        return {"first_frame": time.time() - t0}


def empty_baseline() -> float:
    t0 = time.time()
    proc = subprocess.run(
        [sys.executable, "-m", "tests.bench.bench_app", "--empty", str(t0)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(json.loads(proc.stdout.splitlines()[-1])["first_frame"])


def run_child(state: Path, home: Path, filters: bool) -> dict[str, Any]:
    t0 = time.time()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.bench.bench_app",
            "--child",
            str(state),
            str(home),
            str(t0),
            "1" if filters else "0",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode or not lines:
        raise SystemExit(f"child failed: {proc.stderr[-2000:]}")
    return dict(json.loads(lines[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10000,250000")
    parser.add_argument("--runs", type=int, default=3, help="first-frame runs per size")
    parser.add_argument("--deliveries", type=int, default=40)
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--empty", help=argparse.SUPPRESS)
    parser.add_argument("--store", help=argparse.SUPPRESS)
    parser.add_argument("--early", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument(
        "--early-delays",
        default="0.5,1,2,4",
        help="seconds after the first frame at which filters are typed",
    )
    parser.add_argument(
        "--early-only", action="store_true", help="only the filters typed soon after start"
    )
    args = parser.parse_args()
    if args.early:
        state, home, t0, delay = args.early
        result = asyncio.run(child_early_filter(Path(state), Path(home), float(t0), float(delay)))
        print(json.dumps(result), flush=True)
        return
    delays = [float(x) for x in args.early_delays.split(",")]
    if args.early_only:
        for n in [int(x) for x in args.sizes.split(",")]:
            print(f"== {n:,} cables ==", flush=True)
            print_early(early_filters(build_state(n), SCRATCH / f"home-{n}", delays))
        return
    if args.store:
        print(json.dumps(child_store(Path(args.store))), flush=True)
        return
    if args.empty:
        print(json.dumps(asyncio.run(child_empty(float(args.empty)))), flush=True)
        return
    if args.child:
        state, home, t0, filters = args.child
        result = asyncio.run(child_first_frame(Path(state), Path(home), float(t0), filters == "1"))
        print(json.dumps(result), flush=True)
        return
    print(
        f"bench_app: {os.cpu_count()} cores, python {sys.version.split()[0]}, "
        f"load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    empty = [empty_baseline() for _ in range(3)]
    print(
        f"baseline, an empty Textual app's first frame: median {statistics.median(empty):.2f} s "
        f"{[round(x, 2) for x in empty]}",
        flush=True,
    )
    for n in [int(x) for x in args.sizes.split(",")]:
        print(f"\n== {n:,} cables ==", flush=True)
        state = build_state(n)
        home = SCRATCH / f"home-{n}"
        head = None
        cold, warm, full, cold_seen, warm_seen = [], [], [], [], []
        columns: list[float] = []
        taken: list[float] = []
        used_head: list[bool] = []
        cold_head: list[bool] = []
        rss = 0
        for run in range(args.runs):
            for f in (home / "cache").glob("*.head.json") if (home / "cache").exists() else []:
                f.unlink()
            r = run_child(state, home, filters=False)
            cold.append(r["first_frame"])
            cold_seen.append(r["seen"])
            cold_head.append(r["from_head"])
            full.append(r["full"])
            if r.get("columns") is not None:
                columns.append(r["columns"])
            if r.get("taken") is not None:
                taken.append(r["taken"])
            rss = max(rss, r["peak_rss_mb"])
            r = run_child(state, home, filters=run == args.runs - 1)
            warm.append(r["first_frame"])
            warm_seen.append(r["seen"])
            used_head.append(r["from_head"])
            rss = max(rss, r["peak_rss_mb"])
            head = r
        print(
            f"first frame, cold (no saved head): median {statistics.median(cold):.2f} s "
            f"{[round(x, 2) for x in cold]} (head shown first: {cold_head}; seen by the "
            f"bench's coroutine {statistics.median(cold_seen):.2f} s)"
        )
        print(
            f"first frame, warm (saved head):    median {statistics.median(warm):.2f} s "
            f"{[round(x, 2) for x in warm]} (head shown first: {used_head}; seen "
            f"{statistics.median(warm_seen):.2f} s)"
        )
        print(
            f"whole queue loaded:                median {statistics.median(full):.2f} s "
            f"{[round(x, 2) for x in full]}"
        )
        if taken:
            print(
                f"  (of which the screen took it in: median {statistics.median(taken):.2f} s "
                f"{[round(x, 2) for x in taken]}; the line above waits for the bench's "
                "coroutine, which gets the GIL late while the worker builds columns)"
            )
        if columns:
            print(
                f"every filter index column built:   median {statistics.median(columns):.2f} s "
                f"{[round(x, 2) for x in columns]} (cold runs)"
            )
        print(f"peak RSS: {rss} MB")
        sf = store_figures(state, args.runs)
        print(
            "fresh process: Store.queue_head() median "
            f"{1000 * statistics.median(sf['queue_head']):.0f} ms, "
            f"Store.rows() median {statistics.median(sf['rows']):.2f} s "
            f"{[round(x, 2) for x in sf['rows']]}, RSS after rows() {max(sf['rss_mb']):.0f} MB"
        )
        if head and "index_ready" in head:
            print(f"filter index ready (last run): {head['index_ready']:.2f} s after start")
        for key, when in (
            ("filters", "typed once the index exists, its columns still being built"),
            ("filters_warm", "typed once every index column is built"),
        ):
            if head and key in head:
                print(f"filters {when}:")
                for text, f in head[key].items():
                    print(
                        f"  filter {text!r:28}: median {f['median_ms']:.0f} ms "
                        f"(CPU {f['cpu_ms']:.0f} ms), max {f['max_ms']:.0f} ms, "
                        f"{f['matches']:,} matches"
                    )
        if n >= 100_000:
            print_early(early_filters(state, home, delays))
        if head and "filters" in head:
            pd = head["pagedown_ms"]
            print(
                f"page down + draw the whole table (200 pages): median {pd['median']:.1f} ms, "
                f"max {pd['max']:.1f} ms"
            )
    print("\n== delivery -> row on screen ==", flush=True)
    for n in [0, 10_000]:
        state = SCRATCH / f"state-deliveries-{n}"  # a fresh copy each run: only new rows match
        shutil.rmtree(state, ignore_errors=True)
        if n:
            shutil.copytree(build_state(n), state)
        home = SCRATCH / f"home-deliveries-{n}"
        shutil.rmtree(home, ignore_errors=True)
        r = asyncio.run(deliveries(state, home, args.deliveries))
        print(
            f"{n:,} cables known: {r['n']} renamed-in files, p50 {r['p50_ms']:.0f} ms, "
            f"p95 {r['p95_ms']:.0f} ms, max {r['max_ms']:.0f} ms"
        )


if __name__ == "__main__":
    main()
