"""The queue model (order, incremental updates, filter patching, counts) and column layout."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest

from triage.app.queue_model import Counts, QueueModel, clean, key_id, match, sort_key
from triage.app.widgets.queue_table import COLUMNS, classification_text, dtg_text, layout
from triage.model import QueueRow
from triage.queue import parse_query

PRECS = [
    ("FLASH", False),
    ("IMMEDIATE", True),
    ("IMMEDIATE", False),
    ("PRIORITY", False),
    ("ROUTINE", False),
    (None, False),
]


def rows(n: int, seed: int = 7) -> list[QueueRow]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        prec, niact = rnd.choice(PRECS)
        dtg = (
            None
            if rnd.random() < 0.05
            else (
                f"20{rnd.randint(0, 9):02d}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
                f"T{rnd.randint(0, 23):02d}:{rnd.randint(0, 59):02d}:00Z"
            )
        )
        out.append(
            QueueRow(
                id=f"0{rnd.randint(0, 9)}POST{i}",
                precedence=prec,
                niact=niact,
                dtg=dtg,
                subject=f"subject {i}",
                read=rnd.random() < 0.5,
                assignee=rnd.choice([None, "tester", "other"]),
                action=rnd.choice(["none", "open", "done"]),
            )
        )
    return out


def recount(model: QueueModel) -> Counts:
    counts = Counts()
    for row in model.rows.values():
        counts.add(row, model.user)
    return counts


def reference_order(items: list[QueueRow]) -> list[str]:
    """Triage order written out the slow, obvious way."""
    by_id = sorted(items, key=lambda r: r.id)
    by_dtg = sorted([r for r in by_id if r.dtg], key=lambda r: r.dtg or "", reverse=True)
    by_dtg += [r for r in by_id if not r.dtg]
    return [r.id for r in sorted(by_dtg, key=lambda r: int(r.rank))]


def test_sort_key_is_triage_order() -> None:
    items = rows(500)
    assert [key_id(k) for k in sorted(map(sort_key, items))] == reference_order(items)


def test_order_matches_queue_order() -> None:
    from triage import queue

    items = rows(300)
    assert [key_id(k) for k in sorted(map(sort_key, items))] == [r.id for r in queue.order(items)]


def test_update_moves_inserts_and_counts() -> None:
    items = rows(200)
    model = QueueModel.build(items[:150], "tester")
    new = model.update(items[150:])
    assert {r.id for r in new} == {r.id for r in items[150:]}
    changed = [replace(r, precedence="FLASH", read=True, assignee="tester") for r in items[:20]]
    assert model.update(changed) == []
    expected = reference_order([*changed, *items[20:]])
    assert [key_id(k) for k in model.ordered.keys] == expected
    assert [r.id for r in model.visible.rows] == expected
    assert recount(model) == model.counts
    assert model.counts.total == 200


@pytest.mark.parametrize("indexed", [False, True], ids=["rows", "index"])
def test_filter_applied_late_is_patched_with_changes_made_meanwhile(indexed: bool) -> None:
    items = rows(300)
    model = QueueModel.build(items, "tester")
    if indexed:
        model.build_index()
        model.update([replace(items[7], precedence="FLASH")])  # pending for the index
    token, snapshot, pending = model.begin_filter()
    assert len(pending) == indexed
    query = parse_query("prec:flash")
    matched = model.filter_in_worker(snapshot, pending, query)
    # while the worker ran: one FLASH became ROUTINE, one ROUTINE became FLASH, one arrived
    flash = next(r for r in items if r.precedence == "FLASH")
    routine = next(r for r in items if r.precedence == "ROUTINE")
    model.update(
        [
            replace(flash, precedence="ROUTINE"),
            replace(routine, precedence="FLASH"),
            QueueRow(id="NEW1", precedence="FLASH", dtg="2009-01-01T00:00:00Z"),
        ]
    )
    model.apply_filter("prec:flash", query, matched, token)
    want = [r.id for r in model.ordered.rows if r.precedence == "FLASH"]
    assert [r.id for r in model.visible.rows] == want
    assert [key_id(k) for k in model.visible.keys] == want
    assert flash.id not in want
    assert model.index_of("NEW1") is not None


def test_index_filter_agrees_with_row_by_row_after_updates() -> None:
    items = rows(400)
    model = QueueModel.build(items, "tester")
    model.build_index()
    model.update([replace(r, precedence="FLASH", read=True) for r in items[::7]])
    model.update([QueueRow(id=f"NEW{i}", precedence="IMMEDIATE") for i in range(5)])
    for text in ["", "prec:>=immediate", "subject 1", "-action:done assignee:me", "is:unread"]:
        query = parse_query(text)
        token, snapshot, pending = model.begin_filter()
        got = model.filter_in_worker(snapshot, pending, query)
        model.apply_filter(text, query, got, token)
        want = [r.id for r in model.ordered.rows if query.matches(r, "tester")]
        assert [r.id for r in model.visible.rows] == want
        assert model.visible.keys == sorted(model.visible.keys)


def test_prepared_index_agrees_before_and_after_its_columns_are_built() -> None:
    from triage.queue import QueueIndex

    items = rows(400)
    model = QueueModel.build(items, "tester")
    model.prepare_index()  # only the free-word column: the rest come with warm_index
    index = model.index
    assert isinstance(index, QueueIndex)
    assert index.has_column("hay") and not index.has_column("prec")
    assert [r.id for r in index.rows] == [r.id for r in QueueIndex(items).rows]
    assert all(index.position(r.id) == QueueIndex(items).position(r.id) for r in items[:50])
    model.update([replace(r, precedence="FLASH", read=True) for r in items[::9]])
    texts = ["prec:>=immediate", "subject 1", "-action:done assignee:me", "is:unread 2"]
    for warmed in (False, True):
        if warmed:
            model.warm_index()
            assert index.has_column("prec") and index.has_column("read")
        for text in texts:
            query = parse_query(text)
            token, snapshot, pending = model.begin_filter()
            got = model.filter_in_worker(snapshot, pending, query)
            assert model.requested == text
            model.apply_filter(text, query, got, token)
            want = [r.id for r in model.ordered.rows if query.matches(r, "tester")]
            assert [r.id for r in model.visible.rows] == want
        assert not index.has_column("prec") or warmed  # a filter never builds one itself


def test_warm_builds_a_column_again_when_rows_change_meanwhile() -> None:
    from triage.queue import QueueIndex

    items = rows(20_000)
    index = QueueIndex(items)
    changed = [replace(r, precedence="FLASH") for r in items[:30]]
    calls: list[int] = []

    def pause() -> None:  # a filter worker upserts while the column is being built
        calls.append(1)
        if len(calls) == 2:
            index.upsert(changed)

    index._wait_for_filters = pause  # type: ignore[method-assign]
    index.warm(["prec"])
    assert len(calls) > 2
    assert index.column("prec") == [r.precedence for r in index.rows]
    assert index.filter(parse_query("prec:flash"), "tester") == [
        r for r in index.rows if r.precedence == "FLASH"
    ]


def test_match_agrees_with_filter_rows() -> None:
    from triage.queue import filter_rows

    model = QueueModel.build(rows(400), "tester")
    for text in ["prec:>=immediate", "subject 1", "-action:done assignee:me", "is:unread OR 3"]:
        got = match(model.ordered, parse_query(text), "tester")
        assert [r.id for r in got.rows] == [
            r.id for r in filter_rows(model.ordered.rows, text, "tester")
        ]
        assert [key_id(k) for k in got.keys] == [r.id for r in got.rows]


def test_targets_are_selection_in_triage_order_else_cursor() -> None:
    model = QueueModel.build(rows(50), "tester")
    assert model.targets("X") == ["X"]
    picked = [key_id(k) for k in model.ordered.keys[10:13]]
    model.selected.update(reversed(picked))
    assert model.targets("X") == picked


def test_selection_keeps_only_visible_rows_after_a_filter_or_a_change() -> None:
    model = QueueModel.build(rows(200), "tester")
    flash = [r.id for r in model.ordered.rows if r.precedence == "FLASH"][:2]
    other = [r.id for r in model.ordered.rows if r.precedence == "ROUTINE"][:2]
    model.selected.update(flash + other)
    query = parse_query("prec:flash")
    token, snapshot, pending = model.begin_filter()
    model.apply_filter("prec:flash", query, model.filter_in_worker(snapshot, pending, query), token)
    assert model.selected == set(flash)
    model.update([replace(model.rows[flash[0]], precedence="ROUTINE")])  # no longer matches
    assert model.selected == {flash[1]}
    assert model.targets("X") == [flash[1]]


def test_layout_at_80_keeps_the_essentials_and_gives_the_subject_the_room() -> None:
    for width in (80, 100, 120, 160):
        cols = dict((c.key, w) for c, w in layout(width))
        assert {"precedence", "classification", "subject", "assignee"} <= set(cols)
        assert sum(cols.values()) + len(cols) - 1 <= width
        assert cols["subject"] == max(cols.values())
    assert len(layout(200)) == len(COLUMNS)


def test_cells_are_plain_and_safe() -> None:
    assert clean("a\x1b]0;evil\x07b\x1b[31mc\r\nd\u202ee") == "abc  de"
    row = QueueRow(id="X", classification=None, caveats=["NOFORN"])
    assert classification_text(row, short=True) == "UNK//NF"
    assert classification_text(row, short=False) == "UNKNOWN//NOFORN"
    assert dtg_text("2008-02-22T22:15:00Z") == "222215Z FEB 08"


def test_every_line_is_exactly_the_table_width() -> None:
    from rich.style import Style

    from triage.app.widgets.queue_table import QueueTable

    class Sized(QueueTable):
        def _style(self, name: str) -> Style:
            return Style()

    items = rows(20)
    items[0].subject = "wide 漢字 subject " * 5
    items[1].conflict = True
    model = QueueModel.build(items, "tester")
    table = Sized(model)
    for width in (80, 100, 120, 200):
        table._layout = (-1, [])
        for row in items:
            strip = table._row_strip(row, 0, width, Style(), False, False)
            assert strip.cell_length == width
            assert sum(seg.cell_length for seg in strip) == width


def test_every_binding_has_an_id_and_a_description() -> None:
    from textual.binding import Binding

    from triage.app.app import TriageApp
    from triage.app.screens.queue import QueueScreen
    from triage.app.widgets.queue_table import QueueTable

    ids = []
    for cls in (TriageApp, QueueScreen, QueueTable):
        for binding in cls.BINDINGS:
            assert isinstance(binding, Binding)
            assert binding.id and binding.description, binding
            ids.append(binding.id)
    assert len(ids) == len(set(ids))


async def test_a_query_typed_while_only_the_head_is_shown_applies_to_the_whole_queue(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import triage._head as head_mod
    from tests.app.queue_support import entry, fill, loaded, make, settings_for, wait_for
    from triage.app.queue_cache import head_path
    from triage.store import Store

    monkeypatch.setattr(head_mod, "HEAD_SIZE", 60)
    settings = settings_for(tmp_path)
    precs = ["ROUTINE", "PRIORITY", "IMMEDIATE", "ROUTINE"]
    fill(settings, [entry(f"09POST{i}", precedence=precs[i % 4]) for i in range(400)])
    head_path(settings).unlink(missing_ok=True)
    app = make(settings)
    real = Store.rows
    typed: list[bool] = []

    def rows(self: Store) -> list[QueueRow]:  # the load worker, the head on screen
        screen = app.queue_screen
        assert screen is not None
        typed.append(bool(screen.partial))
        app.call_from_thread(screen.apply_query, "prec:priority")
        return real(self)

    monkeypatch.setattr(Store, "rows", rows)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await loaded(pilot)
        await wait_for(pilot, lambda: not screen._filter_busy)
        await pilot.pause()
        assert typed == [True]
        assert screen.model.query_text == "prec:priority"
        assert len(screen.model.visible) == 100  # every PRIORITY cable, not the head's
