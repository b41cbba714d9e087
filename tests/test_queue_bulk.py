"""Bulk builders (index columns, order keys, counts) give what the per-row forms give."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triage.app.queue_model import Counts, QueueModel, sort_key
from triage.model import CLASSIFICATIONS, PRECEDENCES, QueueRow
from triage.query import BULK_COLUMNS, COLUMNS
from triage.queue import QueueIndex, order_key, order_keys

_TEXT = st.text(alphabet="aAb\u03a3\u03c3\u03c2\u0130\u00df \x1e\x1f\x00-09Zé", max_size=12)
_OPT_TEXT = st.one_of(st.none(), _TEXT)
_DTG = st.one_of(
    st.none(),
    st.just(""),
    st.sampled_from(["2008-02-22T22:15:00Z", "1999-12-31T23:59:59Z", "200303Z NOV 09"]),
    _TEXT,
)
_SECTIONS = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {"of": st.one_of(st.none(), st.integers(0, 4), st.just("x"))},
        optional={"received": st.lists(st.integers(1, 4), max_size=4)},
    ),
)
_rows = st.lists(
    st.builds(
        QueueRow,
        id=st.text("0123456789ABXZ-\x1e", min_size=1, max_size=8),
        precedence=st.sampled_from((*PRECEDENCES, None, "BOGUS")),
        niact=st.booleans(),
        classification=st.sampled_from((*CLASSIFICATIONS, None)),
        caveats=st.lists(st.sampled_from(["NOFORN", "EXDIS"]), max_size=2),
        dtg=_DTG,
        origin=_OPT_TEXT,
        subject=_OPT_TEXT,
        cable_tags=st.lists(_TEXT, max_size=3),
        corrected=st.booleans(),
        tags=st.lists(_TEXT, max_size=2),
        assignee=st.sampled_from([None, "Tester", "tester", "other"]),
        action=st.sampled_from(["none", "open", "done"]),
        read=st.booleans(),
        acked=st.one_of(st.none(), st.just({"by": "x", "at": "y"})),
        sections=_SECTIONS,
        conflict=st.booleans(),
        missing_sources=st.lists(st.just("a.txt"), max_size=1),
        flagged=st.sampled_from([None, "", "why"]),
    ),
    max_size=30,
)


@given(_rows)
@settings(max_examples=200, deadline=None)
def test_bulk_columns_equal_the_row_forms(rows: list[QueueRow]) -> None:
    assert set(BULK_COLUMNS) == set(COLUMNS)
    for name, build in BULK_COLUMNS.items():
        want = [COLUMNS[name](row) for row in rows]
        assert build(rows) == want, name
        assert QueueIndex._make_column(name, rows) == want, name


@given(_rows)
@settings(max_examples=200, deadline=None)
def test_order_keys_equal_order_key(rows: list[QueueRow]) -> None:
    assert order_keys(rows) == [order_key(row) for row in rows]


@given(_rows, st.sampled_from(["tester", "Tester", "nobody"]))
@settings(max_examples=200, deadline=None)
def test_counts_of_equal_adding_each_row(rows: list[QueueRow], user: str) -> None:
    unique = list({row.id: row for row in rows}.values())
    one_by_one = Counts()
    for row in unique:
        one_by_one.add(row, user)
    assert Counts.of(unique, [sort_key(r) for r in unique], user) == one_by_one
    from triage.app import queue_model

    old, queue_model._SLICE = queue_model._SLICE, 4  # several slices
    try:
        assert Counts.of(unique, [sort_key(r) for r in unique], user) == one_by_one
        assert QueueModel.build(rows, user).counts == one_by_one
    finally:
        queue_model._SLICE = old
    model = QueueModel.build(rows, user)  # a later row with the same ID replaces an earlier
    assert model.counts == one_by_one
    assert [r.id for r in model.ordered.rows] == [r.id for r in QueueIndex(unique).rows]
    assert all(model.keys[r.id] == order_key(r) for r in unique)


@given(_rows)
@settings(max_examples=150, deadline=None)
def test_columns_built_in_the_order_rows_were_made_equal_the_plain_ones(
    rows: list[QueueRow],
) -> None:
    model = QueueModel.build(rows, "tester")
    assert model.made is not None
    model.prepare_index()
    index = model.index
    assert index._made is not None or len(model.rows) == 0
    plain = QueueIndex(model.rows.values())
    assert index.rows == plain.rows and index._keys == plain._keys
    assert index._key_of == plain._key_of
    for name in COLUMNS:
        assert index.column(name) == plain.column(name) == [COLUMNS[name](r) for r in index], name
    model.warm_index()
    assert index._made is None and model.made is None
    warmed = QueueModel.build(rows, "tester")
    warmed.warm_index()  # every column at once: the grouped ones in one permutation
    assert warmed.index._cols == plain._cols


def test_grouped_columns_fall_back_when_values_are_mostly_distinct(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from triage import queue

    monkeypatch.setattr(queue, "_MAX_COMBOS", 3)
    rows = [
        QueueRow(f"C{i:03d}", precedence=PRECEDENCES[i % 4], niact=i % 3 == 0, read=i % 5 == 0)
        for i in range(300)
    ]
    model = QueueModel.build(rows, "tester")
    model.warm_index()
    plain = QueueIndex(rows)
    for name in COLUMNS:
        assert model.index.column(name) == plain.column(name), name


def test_made_order_is_dropped_once_rows_change() -> None:
    rows = [QueueRow(f"C{i:03d}", precedence="ROUTINE", dtg=f"2008-01-{i % 28 + 1:02d}T00:00:00Z")
            for i in range(50)]  # fmt: skip
    model = QueueModel.build(rows, "tester")
    model.update([QueueRow("C007", precedence="FLASH")])  # before the index is made
    model.prepare_index()
    assert model.index._made is None
    model = QueueModel.build(rows, "tester")
    model.prepare_index()
    model.index.upsert([QueueRow("C008", precedence="FLASH")])  # after: the version moved
    assert model.index._made_now() is None
    model.warm_index()
    assert model.index.column("prec") == [r.precedence for r in model.index]
