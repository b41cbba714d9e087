"""The row side of a compiled query: rank, haystack, row expressions and QueueIndex columns."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from triage.model import PRECEDENCES, Precedence, QueueRow

# --- ranks and haystacks ----------------------------------------------------------------

RANK_OF: dict[tuple[str | None, bool], int] = {
    (p, n): int(Precedence.rank(p, n)) for p in (*PRECEDENCES, None) for n in (False, True)
}


def rank_of(row: QueueRow) -> int:
    """The triage rank of a row as an int (0 = FLASH ... 5 = unknown), fast.

    Args:
        row: a queue row.

    Returns:
        The same value as ``int(row.rank)``.
    """
    key = (row.precedence, row.niact)
    rank = RANK_OF.get(key)
    return int(Precedence.rank(*key)) if rank is None else rank


_SEP = "\x1f"
"""Between the fields of a haystack, so a phrase never matches across two fields."""


def haystack(row: QueueRow) -> str:
    """The lowercase text free words search: ID, subject, origin and cable TAGS.

    Args:
        row: a queue row.

    Returns:
        The text, starting with the ID (``id:`` tests it with ``startswith``).
    """
    return _SEP.join(
        (row.id, row.subject or "", row.origin or "", " ".join(row.cable_tags))
    ).lower()


def _has_ci(values: list[str], wanted: str) -> bool:
    return any(v.lower() == wanted for v in values)


def _incomplete(sections: dict[str, Any]) -> bool:
    of = sections.get("of")
    if not of:
        return False
    try:
        return set(sections.get("received") or ()) != set(range(1, int(of) + 1))
    except (TypeError, ValueError):
        return True


NAMESPACE: dict[str, Any] = {
    "__builtins__": {},
    "_has_ci": _has_ci,
    "_incomplete": _incomplete,
    "zip": zip,
    "enumerate": enumerate,
}

ROW_EXPR = {
    "prec": "r.precedence",
    "niact": "r.niact",
    "cls": "r.classification",
    "caveats": "r.caveats",
    "ctags": "r.cable_tags",
    "action": "r.action",
    "read": "r.read",
    "acked": "(r.acked is not None)",
    "flagged": "r.flagged",
    "conflict": "r.conflict",
    "corrected": "r.corrected",
    "missing": "r.missing_sources",
    "incomplete": "(r.sections is not None and _incomplete(r.sections))",
    "dtg": "r.dtg",
    "hay": "h",
}
"""How a test template's ``{column}`` reads from a row in the row form."""


def _lower_tags(row: QueueRow) -> tuple[str, ...] | None:
    return tuple(t.lower() for t in row.tags) if row.tags else None


def _lower_or_none(value: str | None) -> str | None:
    return value.lower() if value is not None else None


COLUMNS: dict[str, Callable[[QueueRow], Any]] = {
    "prec": lambda r: r.precedence,
    "niact": lambda r: r.niact,
    "cls": lambda r: r.classification,
    "caveats": lambda r: tuple(r.caveats),
    "ctags": lambda r: tuple(r.cable_tags),
    "tags": _lower_tags,
    "assignee": lambda r: _lower_or_none(r.assignee),
    "origin": lambda r: _lower_or_none(r.origin),
    "action": lambda r: r.action,
    "read": lambda r: r.read,
    "acked": lambda r: r.acked is not None,
    "flagged": lambda r: r.flagged,
    "conflict": lambda r: r.conflict,
    "corrected": lambda r: r.corrected,
    "missing": lambda r: bool(r.missing_sources),
    "incomplete": lambda r: r.sections is not None and _incomplete(r.sections),
    # A copy made while building the column lies next to its neighbours in memory, which
    # makes a date range test ~4x faster; the first 19 characters compare with since:/until:
    # bounds exactly as the whole DTG does.
    "dtg": lambda r: r.dtg[:19] if r.dtg else r.dtg,
    "hay": haystack,
}
"""The values a QueueIndex keeps per row, one list per name, built when a query first needs
it. Repeated values are stored once, so a column is a compact list of shared objects."""

UNIQUE_COLUMNS = frozenset({"dtg", "hay"})
"""Columns whose values are mostly distinct: not de-duplicated."""


def _lower_each(values: Iterable[str | None]) -> list[str | None]:
    """``v.lower()`` (None kept) of each value, lowering each distinct value once."""
    values = list(values)
    lowered: dict[str | None, str | None] = {v: v.lower() for v in set(values) if v is not None}
    return list(map(lowered.get, values))


def _lower_tags_each(values: Iterable[list[str]]) -> list[tuple[str, ...] | None]:
    """``_lower_tags`` of each row's tags."""
    return [tuple(map(str.lower, tags)) if tags else None for tags in values]


def _attr(name: str) -> Callable[[Sequence[QueueRow]], list[Any]]:
    get = operator.attrgetter(name)
    return lambda rows: list(map(get, rows))


def _mapped(func: Callable[[Any], Any], name: str) -> Callable[[Sequence[QueueRow]], list[Any]]:
    get = operator.attrgetter(name)
    return lambda rows: list(map(func, map(get, rows)))


_G = operator.attrgetter

BULK_COLUMNS: dict[str, Callable[[Sequence[QueueRow]], list[Any]]] = {
    "prec": _attr("precedence"),
    "niact": _attr("niact"),
    "cls": _attr("classification"),
    "caveats": _mapped(tuple, "caveats"),
    "ctags": _mapped(tuple, "cable_tags"),
    "tags": lambda rows: _lower_tags_each(map(_G("tags"), rows)),
    "assignee": lambda rows: _lower_each(map(_G("assignee"), rows)),
    "origin": lambda rows: _lower_each(map(_G("origin"), rows)),
    "action": _attr("action"),
    "read": _attr("read"),
    "acked": lambda rows: [a is not None for a in map(_G("acked"), rows)],
    "flagged": _attr("flagged"),
    "conflict": _attr("conflict"),
    "corrected": _attr("corrected"),
    "missing": _mapped(bool, "missing_sources"),
    "incomplete": lambda rows: [
        s is not None and _incomplete(s) for s in map(_G("sections"), rows)
    ],
    "dtg": lambda rows: [d[:19] if d else d for d in map(_G("dtg"), rows)],
    "hay": lambda rows: list(map(haystack, rows)),  # one pass: faster than column joins
}
"""``COLUMNS`` for many rows at once: ``BULK_COLUMNS[name](rows)`` equals
``[COLUMNS[name](row) for row in rows]``, built without a Python call per row (5-20x faster)."""
