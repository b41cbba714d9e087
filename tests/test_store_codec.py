"""The compact column form of rows and sources shards: every encoding round-trips exactly."""

from __future__ import annotations

from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from triage import _rowcodec as rowcodec

text = st.text(max_size=12)  # any code point, separators and newlines included
small = st.sampled_from(["ROUTINE", "PRIORITY", None, "x\x1fy", "p\x1eq", ""])
row_values = st.fixed_dictionaries(
    {
        "precedence": small,
        "niact": st.booleans(),
        "classification": st.one_of(small, text),
        "caveats": st.lists(st.one_of(small, text).filter(lambda v: v is not None), max_size=3),
        "dtg": st.one_of(st.none(), text),
        "origin": st.one_of(small, text),
        "subject": st.one_of(st.none(), text),
        "cable_tags": st.lists(text, max_size=3),
        "corrected": st.booleans(),
        "action_paragraphs": st.lists(st.integers(0, 300), max_size=3),
        "arrived": st.one_of(st.none(), text),
        "sections": st.one_of(
            st.none(),
            st.fixed_dictionaries(
                {"received": st.lists(st.integers(1, 9)), "of": st.integers(1, 9)}
            ),
        ),
        "conflict": st.booleans(),
        "sources": st.lists(text, max_size=3),
        "missing_sources": st.lists(text, max_size=2),
        "rejected": st.one_of(st.none(), text),
    }
)


def roundtrip(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = orjson.loads(orjson.dumps(data))
    return out


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(text, row_values, max_size=40))
def test_rows_roundtrip(rows: dict[str, dict[str, Any]]) -> None:
    data = roundtrip(rowcodec.encode(rows))
    assert rowcodec.decode(data) == rows
    assert rowcodec.ids(data) == list(rows)
    built = {r.id: r for r in rowcodec.queue_rows(data)}
    for cid, values in rows.items():
        assert built[cid] == rowcodec.queue_row(cid, values)
        assert rowcodec.value_of(data, cid, "subject") == values["subject"]


@settings(max_examples=40, deadline=None)
@given(
    st.dictionaries(text, row_values, max_size=20),
    st.dictionaries(text, row_values, max_size=10),
)
def test_rows_update(rows: dict[str, dict[str, Any]], changes: dict[str, dict[str, Any]]) -> None:
    data = roundtrip(rowcodec.encode(rows))
    updated = roundtrip(rowcodec.update(data, changes))
    assert rowcodec.decode(updated) == {**rows, **changes}


def test_many_distinct_values_and_one_value() -> None:
    rows = {
        f"C{i}": rowcodec.row_values({"origin": f"Post {i % 300}", "arrived": "same"})
        for i in range(2000)
    }
    data = roundtrip(rowcodec.encode(rows))
    assert rowcodec.decode(data) == rows
    assert data["columns"]["arrived"] == {"v": ["same"], "k": " " * 2000}


def test_bool_and_int_are_kept_apart() -> None:
    column = [True, 1, 1.0, False, 0, None, True, 1]
    encoded = roundtrip({"c": rowcodec._encode_column(column)})["c"]
    decoded = rowcodec._decode_column(encoded, len(column))
    assert decoded == column and [type(v) for v in decoded] == [type(v) for v in column]


source = st.fixed_dictionaries(
    {"path": text},
    optional={
        "size": st.integers(0, 10**9),
        "mtime": st.integers(0, 2**62),
        "hash": text,
        "parser_version": small,
        "fp": text,
    },
)


@settings(max_examples=40, deadline=None)
@given(st.dictionaries(text, st.lists(source, min_size=1, max_size=3), max_size=20))
def test_sources_roundtrip(sources: dict[str, list[dict[str, Any]]]) -> None:
    data = roundtrip(rowcodec.encode_sources(sources))
    assert rowcodec.decode_sources(data) == sources
