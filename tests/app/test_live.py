"""Live behaviour: deliveries while running, other processes' changes, alerts, no alarm storm."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from tests.app.queue_support import (
    cable,
    deliver,
    fill,
    loaded,
    make,
    settings_for,
    wait_for,
)
from triage.app.queue_cache import read_marker
from triage.store import Store

SIZE = (120, 40)


def alerts(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [n.message for n in app._notifications if n.title == "Needs acknowledgement"]


async def scanned(pilot) -> None:  # type: ignore[no-untyped-def]
    screen = await loaded(pilot)
    await wait_for(pilot, lambda: not screen._scanning)


async def test_delivery_appears_live_and_the_cursor_stays(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    for n in range(1, 4):
        deliver(settings.inbox, f"routine{n}.txt", cable(n, "R", f"ROUTINE {n}", day=20 + n))
    app = make(settings, watch=True, scan=True)
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        screen = app.queue_screen
        assert screen is not None
        await wait_for(pilot, lambda: len(screen.model) == 3)
        await pilot.press("j")
        here = screen.table.cursor_id
        assert here == "25BRASKOV2"
        await wait_for(pilot, lambda: app.watcher is not None)
        started = time.perf_counter()
        deliver(settings.inbox, "flash.txt", cable(77, "Z", "FLASH ARRIVAL"))
        await wait_for(pilot, lambda: "25BRASKOV77" in screen.model.rows, timeout=5)
        elapsed = time.perf_counter() - started
        assert elapsed < 3, elapsed
        assert screen.model.visible.rows[0].id == "25BRASKOV77"  # FLASH goes to the top
        assert screen.table.cursor_id == here  # ...and the cursor did not move off its cable
        await wait_for(pilot, lambda: len(alerts(app)) == 1)
        assert "FLASH ARRIVAL" in alerts(app)[0]
        assert screen.model.counts.unacked == 1
        assert screen.model.rows["25BRASKOV77"].needs_ack  # flagged until acknowledged
        await pilot.press("home", "exclamation_mark")
        await wait_for(pilot, lambda: screen.model.counts.unacked == 0)
        assert Store(settings.db, "x").row("25BRASKOV77").acked is not None


async def test_another_process_change_shows_within_a_second(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    fill(settings)
    other = Store(settings.db, "colleague")
    async with make(settings).run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        await asyncio.sleep(0.3)
        started = time.perf_counter()
        other.assign(["09ELBONIA4"], "colleague")
        other.add_tags(["09ELBONIA5"], ["hot"])
        await wait_for(
            pilot,
            lambda: (
                screen.model.rows["09ELBONIA4"].assignee == "colleague"
                and screen.model.rows["09ELBONIA5"].tags == ["hot"]
            ),
            timeout=3,
        )
        assert time.perf_counter() - started < 1.5


async def test_first_ingest_of_an_archive_raises_one_summary(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    for n in range(1, 9):
        deliver(settings.inbox, f"flash{n}.txt", cable(n, "Z", f"OLD FLASH {n}"))
    app = make(settings, watch=False, scan=True)
    async with app.run_test(size=SIZE) as pilot:
        await scanned(pilot)
        await wait_for(pilot, lambda: len(app.queue_screen.model) == 8)  # type: ignore[union-attr]
        await pilot.pause(0.3)
        assert len(alerts(app)) == 1
        assert "8 FLASH" in alerts(app)[0]
        marker = app.queue_screen._marker  # type: ignore[union-attr]
    assert read_marker(marker)


async def test_arrivals_since_this_user_last_ran_are_alerted(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    store = fill(settings, [])
    app = make(settings)
    async with app.run_test(size=SIZE) as pilot:  # first run: sets the marker
        await loaded(pilot)
    from tests.app.queue_support import entry

    await asyncio.sleep(0.01)
    store.index_put([entry("09NEW1", precedence="FLASH", subject="WHILE YOU WERE AWAY")])
    store.index_put([entry("09NEW2", precedence="ROUTINE")])
    app = make(settings)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await wait_for(pilot, lambda: len(alerts(app)) == 1)
        assert "WHILE YOU WERE AWAY" in alerts(app)[0]
    app = make(settings)
    async with app.run_test(size=SIZE) as pilot:  # seen: no second alert
        await loaded(pilot)
        await pilot.pause(0.2)
        assert alerts(app) == []


async def test_many_changes_at_once_rebuild_the_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.app.queue_support import entry
    from triage.app.screens import queue_sync

    monkeypatch.setattr(queue_sync, "RELOAD_ABOVE", 3)
    settings = settings_for(tmp_path)
    store = fill(settings)
    app = make(settings)
    bells: list[int] = []
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        await pilot.pause(0.3)
        app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
        before = len(alerts(app))
        await pilot.press("j", "j")
        here = screen.table.cursor_id
        store.index_put(
            [entry(f"09BULK{i}", precedence="ROUTINE") for i in range(4)]
            + [entry("09BULKFLASH", precedence="FLASH", subject="BULK FLASH")]
        )
        await wait_for(pilot, lambda: "09BULKFLASH" in screen.model.rows)
        assert len(screen.model) == 11
        assert screen.table.cursor_id == here
        await wait_for(pilot, lambda: any("BULK FLASH" in m for m in alerts(app)))
        assert len(alerts(app)) == max(before, 1)  # replaces the alert still shown, if any
        assert bells
