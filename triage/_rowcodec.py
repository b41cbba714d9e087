"""The compact column form of the ``rows/`` shard files: queue-row fields that load fast.

The index holds each cable's full entry (~0.6 KB with its sources' hashes); the queue needs
only the row fields. Loaded as one JSON object per cable, 250,000 cables take seconds of
object creation. Here each shard stores one column per field, encoded per column as:

- ``{"j": "a\\x1fb\\x1f..."}``: mostly-distinct strings joined (one JSON string, one ``split``);
- ``{"v": [distinct values], "k": "codes"}``: repeated values, one character per row naming
  its value (``chr(32 + i)``); rows with equal values share one object;
- a plain JSON list otherwise.

Decoded rows share the objects of equal values (lists included): they are read-only.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import repeat
from typing import Any

import orjson

from triage.model import QueueRow

SEP = "\x1f"
"""Between the values of a joined column."""

PATH_SEP = "\x1e"
"""Between the source paths of one cable in the ``sources`` column."""

COLUMNS = (
    "precedence",
    "niact",
    "classification",
    "caveats",
    "dtg",
    "origin",
    "subject",
    "cable_tags",
    "corrected",
    "action_paragraphs",
    "arrived",
    "sections",
    "conflict",
    "sources",
    "missing_sources",
    "rejected",
)
"""Index fields kept per cable, besides ``id``; ``sources`` holds the paths only."""

_CODE_BASE = 32
_MAX_CODES = 0xD800 - _CODE_BASE  # stay below the surrogate range


def source_paths(sources: Iterable[Any] | None) -> list[str]:
    """The paths of an index entry's ``sources`` (dicts with ``path``, or plain strings)."""
    out: list[str] = []
    for src in sources or ():
        if isinstance(src, dict):
            if src.get("path") is not None:
                out.append(str(src["path"]))
        else:
            out.append(str(src))
    return out


_BOOLS = ("niact", "corrected", "conflict")
_LISTS = ("caveats", "cable_tags", "action_paragraphs", "missing_sources")


def row_values(entry: dict[str, Any]) -> dict[str, Any]:
    """The row fields of an index entry, as stored in a rows shard (types normalised)."""
    values = {name: entry.get(name) for name in COLUMNS}
    for name in _BOOLS:
        values[name] = bool(values[name])
    for name in _LISTS:
        values[name] = list(values[name] or ())
    values["sources"] = source_paths(entry.get("sources"))
    return values


def value_of(data: dict[str, Any] | None, cid: str, name: str) -> Any:
    """One field of one cable in a shard, decoding only two columns; KeyError if absent."""
    all_ids = ids(data)
    try:
        index = all_ids.index(cid)
    except ValueError:
        raise KeyError(cid) from None
    assert data is not None
    column = _decode_column(data["columns"][name], len(all_ids))
    if name == "sources":
        column = _sources(column)
    return column[index]


def _encode_column(values: list[Any]) -> Any:
    if all(isinstance(v, str) and SEP not in v for v in values):
        distinct = set(values)
        if len(distinct) * 2 > len(values):
            return {"j": SEP.join(values)}
    keys: dict[bytes, int] = {}
    codes: list[str] = []
    for value in values:
        key = orjson.dumps(value)
        code = keys.setdefault(key, len(keys))
        if code >= _MAX_CODES:
            return values
        codes.append(chr(_CODE_BASE + code))
    if len(keys) * 2 > len(values) and len(values) > 8:
        return values
    return {"v": [orjson.loads(k) for k in keys], "k": "".join(codes)}


def _decode_column(column: Any, n: int) -> list[Any]:
    return list(_iter_column(column, n))


def _iter_column(column: Any, n: int) -> Iterable[Any]:
    """The values of a column, as cheaply as possible: one value -> repeat; codes below 256
    -> bytes indexing a padded list; otherwise a dict lookup per character."""
    if isinstance(column, list):
        return column
    if "j" in column:
        return column["j"].split(SEP) if n else []
    values = column["v"]
    if len(values) == 1:
        return repeat(values[0], n)
    codes = column["k"]
    if len(values) <= 256 - _CODE_BASE:
        return map(([None] * _CODE_BASE + values).__getitem__, codes.encode("latin-1"))
    lookup = {chr(_CODE_BASE + i): v for i, v in enumerate(values)}
    return map(lookup.__getitem__, codes)


def encode(rows: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Encode ``cable id -> row_values`` as columns."""
    ids = list(rows)
    columns: dict[str, Any] = {"id": _encode_column(ids)}
    for name in COLUMNS:
        values = [rows[cid][name] for cid in ids]
        if name == "sources" and all(PATH_SEP not in p and SEP not in p for v in values for p in v):
            values = [PATH_SEP.join(v) for v in values]
        columns[name] = _encode_column(values)
    multi = any(len(rows[cid]["sources"]) > 1 for cid in ids)
    return {"n": len(ids), "multi": multi, "columns": columns}


def _sources(column: list[Any]) -> list[Any]:
    if column and isinstance(column[0], str):
        return [s.split(PATH_SEP) if s else [] for s in column]
    return column


def decode(data: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Decode a shard's columns back to ``cable id -> row_values`` (fresh objects per row)."""
    if not data or not data.get("n"):
        return {}
    n = int(data["n"])
    cols = {name: _decode_column(col, n) for name, col in data["columns"].items()}
    cols["sources"] = _sources(cols["sources"])
    out: dict[str, dict[str, Any]] = {}
    for i, cid in enumerate(cols["id"]):
        row = {}
        for name in COLUMNS:
            value = cols[name][i]
            row[name] = list(value) if isinstance(value, list) else value
        out[cid] = row
    return out


def ids(data: dict[str, Any] | None) -> list[str]:
    """The cable IDs of a shard, decoding only that column."""
    if not data or not data.get("n"):
        return []
    return _decode_column(data["columns"]["id"], int(data["n"]))


def queue_rows(data: dict[str, Any] | None) -> list[QueueRow]:
    """Build the shard's QueueRows with no triage state (derived action), shared values."""
    if not data or not data.get("n"):
        return []
    n = int(data["n"])
    cols = data["columns"]

    def col(name: str) -> Iterable[Any]:
        return _iter_column(cols[name], n)

    paragraphs = _decode_column(cols["action_paragraphs"], n)
    sources = cols["sources"]
    if isinstance(sources, dict) and "j" in sources and not data.get("multi"):
        paths = sources["j"].split(SEP)
        if "" in paths:
            source_lists: Iterable[Any] = ([p] if p else [] for p in paths)
        else:
            source_lists = map(list, zip(paths))  # one fresh [path] per row, at C speed
    else:
        source_lists = _sources(_decode_column(sources, n))
    return list(
        map(
            QueueRow,
            col("id"),
            col("precedence"),
            col("niact"),
            col("classification"),
            col("caveats"),
            col("dtg"),
            col("origin"),
            col("subject"),
            col("cable_tags"),
            col("corrected"),
            paragraphs,
            map(list, repeat((), n)),  # tags
            repeat(None),  # assignee
            ["open" if ap else "none" for ap in paragraphs],
            repeat(True),  # action_derived
            repeat(False),  # read
            repeat(None),  # acked
            col("arrived"),
            col("sections"),
            col("conflict"),
            source_lists,
            col("missing_sources"),
            repeat(None),  # flagged
            col("rejected"),
        )
    )


def queue_row(cid: str, values: dict[str, Any]) -> QueueRow:
    """One QueueRow with no triage state from ``row_values`` (fresh lists)."""
    ap = list(values.get("action_paragraphs") or ())
    return QueueRow(
        cid,
        values.get("precedence"),
        bool(values.get("niact")),
        values.get("classification"),
        list(values.get("caveats") or ()),
        values.get("dtg"),
        values.get("origin"),
        values.get("subject"),
        list(values.get("cable_tags") or ()),
        bool(values.get("corrected")),
        ap,
        [],
        None,
        "open" if ap else "none",
        True,
        False,
        None,
        values.get("arrived"),
        values.get("sections"),
        bool(values.get("conflict")),
        list(values.get("sources") or ()),
        list(values.get("missing_sources") or ()),
        None,
        values.get("rejected"),
    )
