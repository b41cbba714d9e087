"""The shared queue head: the first ``HEAD_SIZE`` cables in triage order, kept by the store.

``head.json`` in the state folder holds the row fields (``triage._rowcodec`` columns) of the
cables that sort first in triage order (precedence rank, newest DTG, ID — the key of
``triage.queue.order_key``, recomputed here so the store does not import the queue), and a
``bound``: every cable whose key is at most ``bound`` is in the head (``bound`` None: the head
holds every cable). So the first rows of any filtered view are the first head rows that match
it, as long as enough of them match.

The file is a journal-applied shard like the others: an index commit that changes the head
carries ``"head": true`` and is applied to ``head.json`` by ``merge`` (deterministic and
idempotent), under the lock, with the same atomic write path. A cable whose new version sorts
after ``bound`` leaves the head (it may now lie anywhere beyond it), so the head can shrink;
the store rebuilds it from every row when it has shrunk below half (``Store.ensure_head``).
"""

from __future__ import annotations

from typing import Any

from triage import _rowcodec as rowcodec
from triage.model import Precedence

HEAD_SIZE = 1000
"""Cables kept in the head: a few screenfuls of any view that matches a few percent."""

_INVERT_DIGITS = str.maketrans("0123456789", "9876543210")


def order_key(cid: str, values: dict[str, Any]) -> str:
    """The triage-order key of a cable (the same string as ``triage.queue.order_key``).

    Args:
        cid: the cable ID.
        values: its row fields (``precedence``, ``niact``, ``dtg``).

    Returns:
        A key whose ascending order is triage order.
    """
    return key_of(cid, values.get("precedence"), bool(values.get("niact")), values.get("dtg"))


def key_of(cid: str, precedence: str | None, niact: bool, dtg: str | None) -> str:
    """``order_key`` from the three fields it depends on."""
    rank = int(Precedence.rank(precedence, niact))
    return f"{rank}{dtg.translate(_INVERT_DIGITS) if dtg else '~'}\x00{cid}"


def empty(size: int | None = None) -> dict[str, Any]:
    """The head of a state with no cable (it holds every cable: none)."""
    return {"size": size or HEAD_SIZE, "bound": None, "rows": rowcodec.encode({})}


def rows_of(data: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """The head's ``cable id -> row_values``, in triage order."""
    return rowcodec.decode((data or {}).get("rows"))


def from_values(rows: dict[str, dict[str, Any]], size: int | None = None) -> dict[str, Any]:
    """A head (``head.json`` content without ``_meta``) from every cable's ``row_values``."""
    size = size or HEAD_SIZE
    keyed = sorted((order_key(cid, values), cid) for cid, values in rows.items())
    bound = keyed[size - 1][0] if len(keyed) > size else None
    kept = {cid: rows[cid] for _, cid in keyed[:size]}
    return {"size": size, "bound": bound, "rows": rowcodec.encode(kept)}


def affected(data: dict[str, Any] | None, entries: dict[str, dict[str, Any]]) -> bool:
    """Whether index entries (id -> entry) change the head: one is in it or sorts within it."""
    if not data or "rows" not in data:
        return False  # no head (yet): ``Store.ensure_head`` builds one
    bound = data.get("bound")
    in_head = set(rowcodec.ids(data.get("rows")))
    for cid, entry in entries.items():
        if cid in in_head or bound is None or order_key(cid, entry) <= bound:
            return True
    return False


def merge(data: dict[str, Any], entries: dict[str, dict[str, Any]]) -> None:
    """Put index entries (id -> entry) into a loaded head in place.

    A new version that sorts within ``bound`` takes its place; one that sorts after it leaves
    the head. Past ``size`` rows, the last ones are dropped and ``bound`` moves up to the last
    row kept. Applying the same entries twice gives the same head.
    """
    size = int(data.get("size") or HEAD_SIZE)
    bound = data.get("bound")
    rows = rows_of(data)
    for cid, entry in entries.items():
        rows.pop(cid, None)
        values = rowcodec.row_values(entry)
        if bound is None or order_key(cid, values) <= bound:
            rows[cid] = values
    keyed = sorted((order_key(cid, values), cid) for cid, values in rows.items())
    if len(keyed) > size:
        bound = keyed[size - 1][0]
        keyed = keyed[:size]
    data["size"] = size
    data["bound"] = bound
    data["rows"] = rowcodec.encode({cid: rows[cid] for _, cid in keyed})


def thin(data: dict[str, Any] | None) -> bool:
    """Whether the head is missing, or has lost over half its rows to cables that moved
    beyond its bound (rebuild it from every row)."""
    if not data or "rows" not in data:
        return True
    if data.get("bound") is None:
        return False
    return int(data["rows"].get("n") or 0) * 2 < int(data.get("size") or HEAD_SIZE)
