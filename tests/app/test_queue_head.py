"""The saved head: the next start shows the real first rows after reading only the changes."""

from __future__ import annotations

from pathlib import Path

from tests.app.queue_support import entry, fill, loaded, make, settings_for, shown_ids
from triage.app.queue_cache import read_head
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
