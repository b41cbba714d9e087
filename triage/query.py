"""The QUERY language: parse a query, compile it to one comprehension, match queue rows.

``parse_query(text)`` returns a ``Query`` (or raises ``QueryError`` saying what is wrong and
where); ``Query.matches(row, user)`` tests one row, ``Query.filter(rows, user)`` keeps the
matching rows in their order. ``triage.queue`` re-exports all of it, with triage order and the
QueueIndex.

Grammar (EBNF). Tokens are separated by white space; ``(``, ``)`` and ``"`` also end a word.
Keywords and field names are case-insensitive, and so is every comparison::

    query    = [ or ] ;
    or       = and , { "OR" , and } ;
    and      = unary , { [ "AND" ] , unary } ;              (* AND is the default *)
    unary    = ( "-" | "NOT" ) , unary | primary ;          (* "-" only at the start of a term *)
    primary  = "(" , or , ")" | term ;
    term     = field , ":" , value | phrase | word ;
    field    = "prec" | "class" | "caveat" | "tag" | "ctag" | "assignee" | "action"
             | "is" | "from" | "since" | "until" | "sections" | "id" ;
    value    = phrase | bare , { "," , bare } ;             (* a,b means a OR b *)
    phrase   = '"' , { char - '"' } , '"' ;
    word     = bare - ( "OR" | "AND" | "NOT" ) ;            (* a word may contain "-": P-3 *)
    bare     = char - ( space | "(" | ")" | '"' | "-" ) , { char - ( space | "(" | ")" | '"' ) } ;

Meaning of terms:

- ``word`` / ``"phrase"``: substring of the ID, subject, origin or cable TAGS.
- ``prec:`` flash | niact | immediate | priority | routine | unknown (also z, o, p, r and
  unique prefixes); ``prec:immediate`` includes NIACT IMMEDIATE. ``prec:>=immediate``,
  ``>``, ``<=``, ``<`` compare triage rank (FLASH > NIACT > IMMEDIATE > ... > unknown);
  ``prec:immediate+`` is ``>=`` and ``prec:priority-`` is ``<=`` (no shell quoting needed).
- ``class:`` u | sbu | lou | c | s | ts | unknown (or the full words, unique prefixes);
  ``class:>=c`` (or ``class:c+``; ``>``, ``<=`` or ``c-``, ``<``) compares restrictiveness;
  UNKNOWN counts as the most restrictive.
- ``caveat:``, ``ctag:`` (the cable's TAGS line), ``tag:`` (users' tags): exact, any case.
- ``assignee:`` a user name, ``me`` (the acting user) or ``none``.
- ``action:`` none | open | done.
- ``is:`` unread | read | unacked (FLASH/NIACT/IMMEDIATE not yet acknowledged) | acked |
  niact | flagged | conflict | corrected | missing (a source file is gone) | assigned |
  incomplete.
- ``from:`` substring of the origin.
- ``since:`` / ``until:`` on the DTG, inclusive: YYYY, YYYY-MM, YYYY-MM-DD,
  YYYY-MM-DDTHH:MM, YYYY-MM-DDTHH:MM:SS (a trailing Z, or a space for the T inside quotes,
  is allowed; years 1900 to 9999), today, yesterday (UTC days), or an age such as 12h, 7d,
  2w (hours, days, weeks before now, up to 5 digits). Anything else is a QueryError. A date
  covers its whole period (``until:2008`` keeps all of 2008), an age one moment. A row
  without a DTG never matches either.
- ``sections:`` incomplete | complete.
- ``id:`` prefix of the cable ID.

A query compiles once to one list comprehension (generated Python source that holds only
operators and generated names; every value from the query is bound as a constant, never
pasted into the source). Free words test a lowercase haystack per row. A second form reads
per-field columns (``COLUMNS``) that ``triage.queue.QueueIndex`` keeps.

This module compiles and holds the ``Query``; the parts live in ``triage._query_lex`` (tokens,
``QueryError``, ``FIELDS``), ``triage._query_parse`` (the parser: tokens to a tree of tests),
``triage._query_dates`` (since:/until: values) and ``triage._query_columns`` (``rank_of``,
``haystack``, ``COLUMNS``, ``BULK_COLUMNS``: what the tests read from a row). Their public
names are re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from triage._query_columns import (
    BULK_COLUMNS,
    COLUMNS,
    NAMESPACE,
    UNIQUE_COLUMNS,
    haystack,
    rank_of,
)
from triage._query_lex import FIELDS, QueryError
from triage._query_parse import IS_VALUES, PREC_NAMES, Node, Parser
from triage.model import QueueRow

__all__ = [
    "BULK_COLUMNS",
    "COLUMNS",
    "FIELDS",
    "IS_VALUES",
    "PREC_NAMES",
    "UNIQUE_COLUMNS",
    "Query",
    "QueryError",
    "haystack",
    "parse_query",
    "rank_of",
]


def _emit(node: Node, columns: bool = False) -> str:
    if node.kind == "test":
        return node.cexpr if columns else node.expr
    if node.kind == "not":
        return f"(not {_emit(node.children[0], columns)})"
    # Cheap tests first: AND / OR of pure tests may be evaluated in any order.
    parts = sorted(node.children, key=lambda c: c.cost)
    return "(" + f" {node.kind} ".join(_emit(c, columns) for c in parts) + ")"


def _annotate(node: Node) -> None:
    if node.kind == "test":
        return
    for child in node.children:
        _annotate(child)
    node.cost = sum(c.cost for c in node.children)
    node.cols = frozenset().union(*(c.cols for c in node.children))


@dataclass(frozen=True, slots=True)
class Query:
    """A compiled query. Build with ``parse_query``; empty text matches every row."""

    text: str
    source: str
    """The generated Python expression (for debugging); "True" for an empty query."""
    uses_haystack: bool
    columns: tuple[str, ...]
    """The QueueIndex columns the query reads."""
    _filter: Callable[[Sequence[QueueRow], Sequence[str] | None, str], list[QueueRow]]
    _match: Callable[[QueueRow, str | None, str], bool]
    _cfilter: Callable[[Sequence[QueueRow], Sequence[Sequence[Any]], str], list[QueueRow]]

    @property
    def is_empty(self) -> bool:
        """True when the query has no terms (it matches everything)."""
        return self.source == "True"

    def matches(self, row: QueueRow, user: str) -> bool:
        """Whether one row matches.

        Args:
            row: the queue row.
            user: the acting user (for ``assignee:me``).

        Returns:
            True when the row matches.
        """
        hay = haystack(row) if self.uses_haystack else None
        return bool(self._match(row, hay, user.lower()))

    def filter(
        self,
        rows: Sequence[QueueRow],
        user: str,
        haystacks: Sequence[str] | None = None,
    ) -> list[QueueRow]:
        """The matching rows, in their given order.

        Args:
            rows: queue rows, or a QueueIndex (which holds their haystacks).
            user: the acting user (for ``assignee:me``).
            haystacks: ``haystack(row)`` of each row, in the same order, kept by a caller
                that filters the same rows often (computing them costs ~1 us per row);
                ignored for a QueueIndex.

        Returns:
            A new list of the matching rows.
        """
        from triage.queue import QueueIndex, cached_haystacks  # queue imports this module

        if isinstance(rows, QueueIndex):
            return rows.filter(self, user)
        if self.is_empty:
            return list(rows)
        if not isinstance(rows, list):
            rows = list(rows)
        if not self.uses_haystack:
            haystacks = None
        elif haystacks is None:
            haystacks = cached_haystacks(rows)
        elif len(haystacks) != len(rows):
            raise ValueError("haystacks must have one entry per row")
        return self._filter(rows, haystacks, user.lower())


def parse_query(text: str, *, now: datetime | None = None) -> Query:
    """Parse and compile a query.

    Args:
        text: the query, e.g. ``prec:>=immediate -action:done kosovo``.
        now: the moment relative dates (``7d``, ``today``) count from; default the current
            UTC time.

    Returns:
        The compiled Query.

    Raises:
        QueryError: the message says what is wrong and ``position`` where.
    """
    parser = Parser(text, now or datetime.now(UTC))
    node = parser.parse()
    columns: tuple[str, ...] = ()
    if node is None:
        expr, cexpr = "True", "True"
    else:
        _annotate(node)
        expr, cexpr = _emit(node), _emit(node, columns=True)
        columns = tuple(sorted(node.cols))
    uses_hay = "hay" in columns
    # Row form: one comprehension over the rows (and their haystacks).
    if uses_hay:
        src = f"def _filter(rows, hays, u):\n    return [r for r, h in zip(rows, hays) if {expr}]\n"
    else:
        src = f"def _filter(rows, hays, u):\n    return [r for r in rows if {expr}]\n"
    src += f"def _match(r, h, u):\n    return {expr}\n"
    # Column form (QueueIndex): iterate the needed columns only; touch a row only if it matches.
    names = ", ".join(f"v_{name}" for name in columns)
    if not columns:
        src += f"def _cfilter(rows, cols, u):\n    return [r for r in rows if {cexpr}]\n"
    elif len(columns) == 1:
        src += (
            f"def _cfilter(rows, cols, u):\n"
            f"    return [rows[i] for i, {names} in enumerate(cols[0]) if {cexpr}]\n"
        )
    else:
        src += (
            f"def _cfilter(rows, cols, u):\n"
            f"    return [rows[i] for i, ({names}) in enumerate(zip(*cols)) if {cexpr}]\n"
        )
    namespace = dict(NAMESPACE)
    namespace.update(parser.consts)
    exec(compile(src, "<query>", "exec"), namespace)
    return Query(
        text,
        expr,
        uses_hay,
        columns,
        namespace["_filter"],
        namespace["_match"],
        namespace["_cfilter"],
    )
