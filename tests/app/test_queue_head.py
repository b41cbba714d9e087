"""The heads: the first frame shows the real first rows before every row is read.

This user's saved head (the next start reads only the changes since) and the store's shared head
(a first start: nothing of this user saved).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import triage._head as head_mod
from tests.app.queue_support import entry, fill, loaded, make, settings_for, shown_ids
from triage.app.queue_cache import head_path, read_head
from triage.app.widgets.status_bar import StatusBar
from triage.model import QueueRow
from triage.store import Store


def many(n: int) -> list[dict]:  # type: ignore[type-arg]
    precs = ["ROUTINE", "PRIORITY", "IMMEDIATE", "ROUTINE", "ROUTINE"]
    return [
        entry(
            f"09POST{i}",
            precedence=precs[i % 5],
            dtg=f"2009-0{1 + i % 9}-{1 + i % 28:02d}T{i % 24:02d}:00:00Z",
        )
        for i in range(n)
    ]


async def test_head_brought_up_to_date_equals_the_real_first_rows(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, query="-action:done")
    fill(settings, many(600))
    async with make(settings).run_test(size=(100, 30)) as pilot:
        screen = await loaded(pilot)
        head_file = screen._head
    head = read_head(head_file, "-action:done")
    assert head is not None and len(head.rows) == 200 and head.total == 600

    other = Store(settings.db, "other")
    first = head.rows[0].id
    other.set_action([first], "done")  # leaves the view
    other.index_put([entry("09NEWFLASH", precedence="FLASH")])  # arrives at the top
    other.index_put([entry(head.rows[5].id, precedence="ROUTINE", dtg="2001-01-01T00:00:00Z")])
    other.assign([head.rows[3].id], "tester")

    async with make(settings).run_test(size=(100, 30)) as pilot:
        screen = await loaded(pilot)
        store = screen.store
        seq = store.changes_since(2**62)[0]
        partial = screen._from_head(store, head, seq, screen.model.query)
        assert partial is not None
        got = shown_ids_of(partial)
        want = shown_ids(screen)[: len(got)]
        assert got == want
        assert got[0] == "09NEWFLASH" and first not in got
        assert len(got) >= 190
        assert partial.rows[head.rows[3].id].assignee == "tester"


def shown_ids_of(model) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.id for r in model.visible.rows]


# --- the store's shared head: a user's very first start ----------------------------------


def first_frames(monkeypatch: Any, calls: list[tuple[bool, list[QueueRow]]]) -> None:
    """Record what the screen shows when the load worker starts reading every row."""
    real = Store.rows

    def rows(self: Store) -> list[QueueRow]:
        screen = current["app"].queue_screen
        calls.append((bool(screen.partial), list(screen.model.visible.rows)))
        statuses.append(str(screen.query_one(StatusBar).render()))
        return real(self)

    monkeypatch.setattr(Store, "rows", rows)


current: dict[str, Any] = {}
statuses: list[str] = []


async def cold_start(settings: Any, monkeypatch: Any) -> tuple[list[QueueRow], list[QueueRow]]:
    """Start with no saved head of this user: (rows shown first, the view once loaded)."""
    head_path(settings).unlink(missing_ok=True)
    calls: list[tuple[bool, list[QueueRow]]] = []
    with monkeypatch.context() as patch:
        first_frames(patch, calls)
        app = make(settings)
        current["app"] = app
        async with app.run_test(size=(100, 30)) as pilot:
            screen = await loaded(pilot)
            full = list(screen.model.visible.rows)
    assert calls, "the load never read the rows"
    partial, shown = calls[0]
    if partial:  # counts of the first rows alone would be wrong: none are shown yet
        assert statuses[-len(calls)].startswith("counting…"), statuses
    return (shown if partial else []), full


@pytest.mark.parametrize("query", ["", "-action:done", "is:unread", "prec:>=immediate"])
async def test_first_start_shows_the_true_first_screen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    monkeypatch.setattr(head_mod, "HEAD_SIZE", 120)
    settings = settings_for(tmp_path, query=query)
    fill(settings, many(600))
    other = Store(settings.db, "other")
    me = Store(settings.db, "tester")
    top = [r.id for r in other.queue_head().rows[:12]]  # type: ignore[union-attr]
    other.set_action(top[:2], "done")
    other.mark_read(top[2])  # read by someone else: still unread for tester
    me.mark_read(top[3])
    other.assign([top[4]], "tester")
    other.add_tags([top[5]], ["urgent"])
    other.ack(top[6:9])
    other.index_put([entry(top[9], precedence="ROUTINE", dtg="2001-01-01T00:00:00Z")])
    other.index_put([entry("09NEWFLASH", precedence="FLASH")])
    other.index_put([entry(top[10], precedence="FLASH", missing_sources=[f"{top[10]}.txt"])])

    shown, full = await cold_start(settings, monkeypatch)
    assert len(shown) >= 24, "the shared head was not shown first"
    assert shown == full[: len(shown)]  # order and every field, triage state included
    assert top[9] not in {r.id for r in shown}
    assert any(r.id == "09NEWFLASH" for r in shown)


async def test_first_start_of_a_narrow_view_waits_for_the_full_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(head_mod, "HEAD_SIZE", 120)
    settings = settings_for(tmp_path, query="assignee:me")
    fill(settings, many(600))
    Store(settings.db, "other").assign(["09POST599"], "tester")
    shown, full = await cold_start(settings, monkeypatch)
    assert shown == [] and [r.id for r in full] == ["09POST599"]


async def test_first_start_without_a_shared_head_builds_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(tmp_path)
    fill(settings, many(300))
    (Path(settings.db) / "head.json").unlink()  # a state from before the shared head
    shown, full = await cold_start(settings, monkeypatch)
    assert shown == []
    got = Store(settings.db, "tester").queue_head()
    assert got is not None and got.complete and got.rows == full
    shown, full = await cold_start(settings, monkeypatch)
    assert shown == full
