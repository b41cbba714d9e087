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


_PLAIN_TYPES = ({str, type(None)}, {bool, type(None)}, {int, type(None)}, {float, type(None)})
"""Columns whose values can key a dict as they are (no True/1 or 1/1.0 mix-ups)."""


def _encode_column(values: list[Any]) -> Any:
    """Choose the cheapest encoding for one column (see the module docstring)."""
    if not values:
        return values
    types = set(map(type, values))
    if types == {str}:
        joined = SEP.join(values)
        if joined.count(SEP) == len(values) - 1 and len(set(values)) * 2 > len(values):
            return {"j": joined}
    plain = any(types <= allowed for allowed in _PLAIN_TYPES)
    keys = values if plain else list(map(orjson.dumps, values))
    distinct = dict.fromkeys(keys)
    if len(distinct) >= _MAX_CODES or (len(distinct) * 2 > len(values) and len(values) > 8):
        return values
    code = {key: chr(_CODE_BASE + i) for i, key in enumerate(distinct)}
    kept = list(distinct) if plain else [orjson.loads(key) for key in distinct]
    return {"v": kept, "k": "".join(map(code.__getitem__, keys))}


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
    cols = {"id": ids}
    for name in COLUMNS:
        cols[name] = [rows[cid][name] for cid in ids]
    return _encode_columns(cols)


def _encode_columns(cols: dict[str, list[Any]]) -> dict[str, Any]:
    columns: dict[str, Any] = {}
    for name, values in cols.items():
        if name == "sources" and all(
            p and PATH_SEP not in p and SEP not in p for v in values for p in v
        ):
            values = [PATH_SEP.join(v) for v in values]
        columns[name] = _encode_column(values)
    multi = any(len(v) > 1 for v in cols["sources"])
    return {"n": len(cols["id"]), "multi": multi, "columns": columns}


def update(data: dict[str, Any] | None, changes: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A shard's encoded columns with ``changes`` (id -> row_values) put in, column by column."""
    n = int(data.get("n") or 0) if data else 0
    if n and data is not None:
        cols = {name: _decode_column(data["columns"][name], n) for name in ("id", *COLUMNS)}
        cols["sources"] = _sources(cols["sources"])
    else:
        cols = {name: [] for name in ("id", *COLUMNS)}
    position = {cid: i for i, cid in enumerate(cols["id"])}
    for cid, values in changes.items():
        i = position.get(cid)
        if i is None:
            position[cid] = len(cols["id"])
            cols["id"].append(cid)
            for name in COLUMNS:
                cols[name].append(values[name])
        else:
            for name in COLUMNS:
                cols[name][i] = values[name]
    return _encode_columns(cols)


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


def encode_sources(sources: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Encode ``cable id -> its source dicts`` as columns, one row per source."""
    owners: list[str] = []
    flat: list[dict[str, Any]] = []
    for cid, items in sources.items():
        for src in items:
            if isinstance(src, dict) and src.get("path") is not None:
                owners.append(cid)
                flat.append(src)
    names: dict[str, None] = {}
    for src in flat:
        names.update(dict.fromkeys(src))
    columns: dict[str, Any] = {"id": _encode_column(owners)}
    present: dict[str, Any] = {}
    for name in names:
        columns[name] = _encode_column([src.get(name) for src in flat])
        present[name] = _encode_column([name in src for src in flat])
    return {"n": len(flat), "columns": columns, "present": present}


def source_columns(
    data: dict[str, Any] | None,
) -> tuple[list[Any], dict[str, list[Any]], dict[str, list[Any]]]:
    """A sources shard's (owning cable IDs, columns, presence columns), decoded, not rebuilt."""
    if not data or not data.get("n"):
        return [], {}, {}
    n = int(data["n"])
    cols = {name: _decode_column(col, n) for name, col in data["columns"].items()}
    present = {name: _decode_column(col, n) for name, col in data["present"].items()}
    return cols.pop("id"), cols, present


def decode_sources(data: dict[str, Any] | None) -> dict[str, list[dict[str, Any]]]:
    """Decode a sources shard back to ``cable id -> its source dicts``."""
    if not data or not data.get("n"):
        return {}
    n = int(data["n"])
    cols = {name: _decode_column(col, n) for name, col in data["columns"].items()}
    present = {name: _decode_column(col, n) for name, col in data["present"].items()}
    owners = cols.pop("id")
    out: dict[str, list[dict[str, Any]]] = {}
    for i, cid in enumerate(owners):
        src = {name: col[i] for name, col in cols.items() if present[name][i]}
        out.setdefault(cid, []).append(src)
    return out


def ids(data: dict[str, Any] | None) -> list[str]:
    """The cable IDs of a shard, decoding only that column."""
    if not data or not data.get("n"):
        return []
    return _decode_column(data["columns"]["id"], int(data["n"]))


def queue_rows(data: dict[str, Any] | None) -> list[QueueRow]:
    """Build the shard's QueueRows with no triage state (derived action), shared values."""
    return list(keyed_queue_rows(data).values())


def keyed_queue_rows(data: dict[str, Any] | None) -> dict[str, QueueRow]:
    """``queue_rows`` keyed by cable ID (built at C speed)."""
    if not data or not data.get("n"):
        return {}
    n = int(data["n"])
    cols = data["columns"]
    ids = _decode_column(cols["id"], n)

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
    return dict(
        zip(
            ids,
            map(
                QueueRow,
                ids,
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
            ),
            strict=True,
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
