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
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from triage.model import (
    CLASSIFICATION_ABBREV,
    CLASSIFICATIONS,
    PRECEDENCES,
    Precedence,
    QueueRow,
)

# --- ranks and haystacks ----------------------------------------------------------------

_RANK_OF: dict[tuple[str | None, bool], int] = {
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
    rank = _RANK_OF.get(key)
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


# --- fields, values, tokens ---------------------------------------------------------------


class QueryError(ValueError):
    """A query that cannot be parsed; ``position`` is the 0-based offset of the problem."""

    def __init__(self, message: str, position: int | None = None) -> None:
        where = f" (column {position + 1})" if position is not None else ""
        super().__init__(f"{message}{where}")
        self.message = message
        self.position = position


FIELDS = (
    "prec", "class", "caveat", "tag", "ctag", "assignee", "action",
    "is", "from", "since", "until", "sections", "id",
)  # fmt: skip
"""Field names, in the order error messages list them."""

IS_VALUES = (
    "unread", "read", "unacked", "acked", "niact", "flagged", "conflict",
    "corrected", "missing", "assigned", "incomplete",
)  # fmt: skip
"""Values of ``is:``."""

PREC_NAMES = ("flash", "niact", "immediate", "priority", "routine", "unknown")
"""Values of ``prec:``, highest rank first (index = Precedence rank)."""

_PREC_ALIASES = {"z": "flash", "o": "immediate", "imm": "immediate", "p": "priority",
                 "r": "routine", "none": "unknown"}  # fmt: skip

_CLASS_NAMES = (*(c.lower() for c in CLASSIFICATIONS), "unknown")
"""Values of ``class:`` least restrictive first (index = classification_rank)."""

_CLASS_ALIASES: dict[str, str] = {
    **{str(abbrev).lower(): (full or "unknown").lower()
       for full, abbrev in CLASSIFICATION_ABBREV.items()},
    "unclas": "unclassified", "fouo": "unclassified//for official use only",
    "conf": "confidential", "top-secret": "top secret", "topsecret": "top secret",
    "none": "unknown",
}  # fmt: skip

_URGENT = frozenset({"FLASH", "IMMEDIATE"})
_KNOWN_PREC = frozenset(PRECEDENCES)
_KNOWN_CLASS = frozenset(CLASSIFICATIONS)
_KEYWORDS = ("or", "and", "not")
_FIELD_RE = re.compile(r"([A-Za-z]+):")
_AGE_RE = re.compile(r"(\d{1,5})([hdw])")
_DATE_RE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?Z?)?)?)?")
_MAX_DEPTH = 64


@dataclass(slots=True)
class _Tok:
    kind: str  # "word", "phrase", "field", "(", ")", "or", "and", "not"
    pos: int
    text: str = ""
    name: str = ""  # field name for kind == "field"
    quoted: bool = False


def _tokenize(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(text)

    def read_phrase(start: int) -> tuple[str, int]:
        end = text.find('"', start + 1)
        if end < 0:
            raise QueryError('unterminated quote: add the closing "', start)
        return text[start + 1 : end], end + 1

    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if c == "(" or c == ")":
            toks.append(_Tok(c, i))
            i += 1
            continue
        if c == '"':
            phrase, j = read_phrase(i)
            toks.append(_Tok("phrase", i, phrase, quoted=True))
            i = j
            continue
        if c == "-":  # a word never starts with '-': here it means NOT
            if i + 1 >= n or text[i + 1].isspace() or text[i + 1] == ")":
                raise QueryError("'-' (NOT) must come right before a term, as in -tag:done", i)
            toks.append(_Tok("not", i))
            i += 1
            continue
        j = i
        while j < n and not text[j].isspace() and text[j] not in '()"':
            j += 1
        chunk = text[i:j]
        m = _FIELD_RE.match(chunk)
        if m:
            name = m.group(1).lower()
            if name not in FIELDS:
                raise QueryError(
                    f"unknown field '{m.group(1)}:'; known fields: "
                    + ", ".join(f + ":" for f in FIELDS)
                    + ' (quote the text to search for it: "'
                    + chunk
                    + '")',
                    i,
                )
            value = chunk[m.end() :]
            quoted = False
            if not value and j < n and text[j] == '"':
                value, j = read_phrase(j)
                quoted = True
                if not value:
                    raise QueryError(f"{name}: needs a value", i)
            elif not value:
                raise QueryError(f"{name}: needs a value, as in {_example(name)}", i)
            toks.append(_Tok("field", i, value, name=name, quoted=quoted))
        elif chunk.lower() in _KEYWORDS:
            toks.append(_Tok(chunk.lower(), i))
        else:
            toks.append(_Tok("word", i, chunk))
        i = j
    return toks


def _example(name: str) -> str:
    return {
        "prec": "prec:flash", "class": "class:s", "caveat": "caveat:noforn",
        "tag": "tag:urgent", "ctag": "ctag:pgov", "assignee": "assignee:me",
        "action": "action:open", "is": "is:unread", "from": "from:belgrade",
        "since": "since:2008-01-31", "until": "until:7d", "sections": "sections:incomplete",
        "id": "id:08state",
    }[name]  # fmt: skip


# --- syntax tree ------------------------------------------------------------------------


@dataclass(slots=True)
class _Node:
    kind: str  # "and", "or", "not", "test"
    children: list[_Node] = field(default_factory=list)
    expr: str = ""  # for "test": a Python expression over r (row), h (haystack), u (user)
    cexpr: str = ""  # the same over column values v_<name> (see COLUMNS), and u
    cost: int = 1
    cols: frozenset[str] = frozenset()


class _Parser:
    def __init__(self, text: str, now: datetime) -> None:
        self.text = text
        self.toks = _tokenize(text)
        self.i = 0
        self.now = now
        self.consts: dict[str, Any] = {}
        self.depth = 0

    # names bound in the generated code's namespace
    def const(self, value: Any) -> str:
        name = f"_c{len(self.consts)}"
        self.consts[name] = value
        return name

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def parse(self) -> _Node | None:
        if not self.toks:
            return None
        node = self.parse_or()
        tok = self.peek()
        if tok is not None:
            if tok.kind == ")":
                raise QueryError("unbalanced ')': no '(' opens it", tok.pos)
            raise QueryError(f"unexpected {tok.kind.upper()}", tok.pos)
        return node

    def enter(self, pos: int) -> None:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise QueryError("query nested too deeply", pos)

    def parse_or(self) -> _Node:
        parts = [self.parse_and()]
        while (tok := self.peek()) is not None and tok.kind == "or":
            self.i += 1
            if self.peek() is None or self.peek().kind in (")", "or"):  # type: ignore[union-attr]
                raise QueryError("OR needs a term on each side", tok.pos)
            parts.append(self.parse_and())
        return parts[0] if len(parts) == 1 else _Node("or", parts)

    def parse_and(self) -> _Node:
        parts: list[_Node] = []
        while (tok := self.peek()) is not None and tok.kind not in ("or", ")"):
            if tok.kind == "and":
                if not parts:
                    raise QueryError("AND needs a term on each side", tok.pos)
                self.i += 1
                nxt = self.peek()
                if nxt is None or nxt.kind in (")", "or", "and"):
                    raise QueryError("AND needs a term on each side", tok.pos)
                continue
            parts.append(self.parse_unary())
        if not parts:
            tok = self.peek()
            if tok is None:
                raise QueryError("the query ends where a term was expected", len(self.text))
            if tok.kind == "or":
                raise QueryError("OR needs a term on each side", tok.pos)
            raise QueryError("empty parentheses: put a term inside", tok.pos)
        return parts[0] if len(parts) == 1 else _Node("and", parts)

    def parse_unary(self) -> _Node:
        tok = self.toks[self.i]
        if tok.kind == "not":
            self.i += 1
            nxt = self.peek()
            if nxt is None or nxt.kind in (")", "or", "and"):
                raise QueryError("NOT needs a term after it", tok.pos)
            self.enter(tok.pos)
            child = self.parse_unary()
            self.depth -= 1
            return _Node("not", [child], cost=child.cost)
        if tok.kind == "(":
            self.i += 1
            self.enter(tok.pos)
            node = self.parse_or()
            self.depth -= 1
            close = self.peek()
            if close is None or close.kind != ")":
                raise QueryError("unbalanced '(': add the closing ')'", tok.pos)
            self.i += 1
            return node
        self.i += 1
        if tok.kind in ("word", "phrase"):
            if not tok.text:
                raise QueryError('empty phrase ""', tok.pos)
            return self.test(f"({self.const(tok.text.lower())} in {{hay}})", 5)
        if tok.kind == "field":
            return self.field(tok)
        raise QueryError(f"unexpected {tok.kind.upper()}", tok.pos)  # pragma: no cover

    @staticmethod
    def test(template: str, cost: int = 1) -> _Node:
        """A test written once over column names: ``({prec} == _c0)``."""
        cols = frozenset(_PLACEHOLDER.findall(template))
        return _Node(
            "test",
            expr=template.format_map(_ROW_EXPR),
            cexpr=template.format_map({name: f"v_{name}" for name in cols}),
            cost=cost,
            cols=cols,
        )

    @staticmethod
    def test_rc(row: str, col: str, column: str, cost: int = 1) -> _Node:
        """A test whose row form and column form differ (the column holds a derived value)."""
        return _Node("test", expr=row, cexpr=col, cost=cost, cols=frozenset({column}))

    def field(self, tok: _Tok) -> _Node:
        values = [tok.text] if tok.quoted else tok.text.split(",")
        if len(values) > 1 and tok.name in ("since", "until"):
            raise QueryError(f"{tok.name}: takes one date", tok.pos)
        nodes = []
        for value in values:
            if not value.strip():
                raise QueryError(f"{tok.name}: has an empty value", tok.pos)
            nodes.append(self.field_value(tok.name, value.strip(), tok.pos))
        return nodes[0] if len(nodes) == 1 else _Node("or", nodes)

    def field_value(self, name: str, value: str, pos: int) -> _Node:
        low = value.lower()
        if name == "prec":
            return self.prec(low, pos)
        if name == "class":
            return self.classification(low, pos)
        if name == "caveat":
            return self.test(f"({self.const(value.upper())} in {{caveats}})", 2)
        if name == "ctag":
            return self.test(f"({self.const(value.upper())} in {{ctags}})", 2)
        if name == "tag":
            c = self.const(low)
            return self.test_rc(
                f"(r.tags and _has_ci(r.tags, {c}))", f"(v_tags is not None and {c} in v_tags)",
                "tags", 3,
            )  # fmt: skip
        if name == "assignee":
            if low == "none":
                return self.test_rc("(r.assignee is None)", "(v_assignee is None)", "assignee")
            who = "u" if low == "me" else self.const(low)
            return self.test_rc(
                f"(r.assignee is not None and r.assignee.lower() == {who})",
                f"(v_assignee == {who})",
                "assignee",
                3,
            )
        if name == "action":
            if low not in ("none", "open", "done"):
                raise self.bad(name, value, ("none", "open", "done"), pos)
            return self.test(f"({{action}} == {self.const(low)})", 2)
        if name == "is":
            return self.is_value(low, value, pos)
        if name == "from":
            c = self.const(low)
            return self.test_rc(
                f"(r.origin is not None and {c} in r.origin.lower())",
                f"(v_origin is not None and {c} in v_origin)",
                "origin",
                6,
            )
        if name in ("since", "until"):
            start, end = self.dates(low, pos, name)
            if name == "since":
                return self.test(f"({{dtg}} is not None and {{dtg}} >= {self.const(start)})", 2)
            return self.test(f"({{dtg}} is not None and {{dtg}} < {self.const(end)})", 2)
        if name == "sections":
            if low == "incomplete":
                return self.test("{incomplete}", 4)
            if low == "complete":
                return self.test("(not {incomplete})", 4)
            raise self.bad(name, value, ("incomplete", "complete"), pos)
        if name == "id":
            return self.test(f"{{hay}}.startswith({self.const(low)})", 2)
        raise QueryError(f"unknown field '{name}:'", pos)  # pragma: no cover

    @staticmethod
    def bad(name: str, value: str, allowed: Sequence[str], pos: int) -> QueryError:
        return QueryError(f"{name}: expects one of {', '.join(allowed)} (not '{value}')", pos)

    def is_value(self, low: str, value: str, pos: int) -> _Node:
        if low == "assigned":
            return self.test_rc("(r.assignee is not None)", "(v_assignee is not None)", "assignee")
        templates = {
            "unread": "(not {read})",
            "read": "{read}",
            "unacked": f"(not {{acked}} and ({{niact}} or {{prec}} in {self.const(_URGENT)}))",
            "acked": "{acked}",
            "niact": "{niact}",
            "flagged": "{flagged}",
            "conflict": "{conflict}",
            "corrected": "{corrected}",
            "missing": "{missing}",
            "incomplete": "{incomplete}",
        }
        if low not in templates:
            raise self.bad("is", value, IS_VALUES, pos)
        return self.test(templates[low], 1)

    @staticmethod
    def split_op(low: str) -> tuple[str, str]:
        for op in (">=", "<=", ">", "<"):
            if low.startswith(op):
                return op, low[len(op) :].strip()
        if len(low) > 1 and low[-1] in "+-":  # no shell quoting needed: immediate+ = >=
            return (">=" if low[-1] == "+" else "<="), low[:-1]
        return "", low

    @staticmethod
    def resolve(low: str, names: Sequence[str], aliases: dict[str, str]) -> str | None:
        if low in names:
            return low
        if low in aliases:
            return aliases[low]
        hits = [n for n in names if n.startswith(low)]
        return hits[0] if len(hits) == 1 else None

    def prec(self, low: str, pos: int) -> _Node:
        op, name = self.split_op(low)
        resolved = self.resolve(name, PREC_NAMES, _PREC_ALIASES)
        if resolved is None:
            raise self.bad("prec", low, PREC_NAMES, pos)
        if op:
            rank = PREC_NAMES.index(resolved)  # higher precedence = lower rank number
            if op == ">=":
                return self.rank_at_most(rank)
            if op == ">":
                return self.rank_at_most(rank - 1)
            if op == "<=":
                return self.negate(self.rank_at_most(rank - 1))
            return self.negate(self.rank_at_most(rank))
        if resolved == "niact":
            return self.test("{niact}")
        if resolved == "unknown":
            return self.test(f"({{prec}} not in {self.const(_KNOWN_PREC)})", 2)
        return self.test(f"({{prec}} == {self.const(resolved.upper())})", 2)

    def rank_at_most(self, k: int) -> _Node:
        """rank <= k, inline: rank is 0 for FLASH, else 1 with NIACT, else by precedence."""
        if k < 0:
            return self.test("False")
        if k >= int(Precedence.UNKNOWN):
            return self.test("True")
        if k == 0:
            return self.test(f"({{prec}} == {self.const('FLASH')})", 2)
        names = frozenset(p for p in PRECEDENCES if _RANK_OF[(p, False)] <= k)
        return self.test(f"({{niact}} or {{prec}} in {self.const(names)})", 2)

    @staticmethod
    def negate(node: _Node) -> _Node:
        return _Node(
            "test",
            expr=f"(not {node.expr})",
            cexpr=f"(not {node.cexpr})",
            cost=node.cost,
            cols=node.cols,
        )

    def classification(self, low: str, pos: int) -> _Node:
        op, name = self.split_op(low)
        resolved = self.resolve(name, _CLASS_NAMES, _CLASS_ALIASES)
        if resolved is None:
            raise self.bad("class", low, ("u", "sbu", "lou", "c", "s", "ts", "unknown"), pos)
        rank = _CLASS_NAMES.index(resolved)
        if op:
            keep = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}[op]
            chosen = {k for k in range(len(_CLASS_NAMES)) if keep(k, rank)}
        else:
            chosen = {rank}
        unknown = len(CLASSIFICATIONS)
        if unknown in chosen:
            excluded = frozenset(CLASSIFICATIONS[k] for k in range(unknown) if k not in chosen)
            return self.test(f"({{cls}} not in {self.const(excluded)})", 2)
        wanted = frozenset(CLASSIFICATIONS[k] for k in chosen)
        return self.test(f"({{cls}} in {self.const(wanted)})", 2)

    def dates(self, low: str, pos: int, name: str) -> tuple[str, str]:
        """(start, end) of the period a since:/until: value names, as DTG-comparable text.

        since: keeps DTGs >= start, until: DTGs < end. A date names its whole period (a year,
        month, day, minute or second); an age names one second, ``now`` less the age.
        """
        now = self.now
        if low in ("today", "yesterday"):
            day = datetime(now.year, now.month, now.day, tzinfo=UTC)
            if low == "yesterday":
                day -= timedelta(days=1)
            return _iso(day), _iso(day + timedelta(days=1))
        m = _AGE_RE.fullmatch(low)
        if m:
            unit = {"h": "hours", "d": "days", "w": "weeks"}[m.group(2)]
            moment = now - timedelta(**{unit: int(m.group(1))})
            return _iso(moment), _after(moment, timedelta(seconds=1))
        m = _DATE_RE.fullmatch(low.upper())
        if m:
            try:
                return _period(m)
            except ValueError:
                pass
        raise QueryError(
            f"{name}: expects a date (YYYY, YYYY-MM, YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS]; "
            f"a year from {_YEARS[0]} to {_YEARS[1]}), today, yesterday or an age like "
            f"12h, 7d, 2w (not '{low}')",
            pos,
        )


_YEARS = (1900, 9999)
"""Years a since:/until: date may name: no DTG is older than 1900 (parse-json.md reads a
two-digit year as 19YY or 20YY), so an earlier year is a typo (``0208-02-18``)."""

_END_OF_TIME = "~"
"""An end bound after every DTG (``~`` sorts after every digit)."""


def _iso(moment: datetime) -> str:
    """``2008-02-18T06:30:00``; the year always four digits (``strftime('%Y')`` writes year
    999 as ``999``, which would compare after ``2008``)."""
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
        f"T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
    )


def _after(start: datetime, step: timedelta) -> str:
    try:
        return _iso(start + step)
    except OverflowError:  # past 9999-12-31
        return _END_OF_TIME


def _period(m: re.Match[str]) -> tuple[str, str]:
    """(start, end) of a date; raises ValueError for a date that does not exist."""
    year, month, day, hour, minute, second = m.groups()
    y = int(year)
    if not _YEARS[0] <= y <= _YEARS[1]:
        raise ValueError(f"year {y} out of range")
    if month is None:
        start = datetime(y, 1, 1)
        return _iso(start), _iso(datetime(y + 1, 1, 1)) if y < 9999 else _END_OF_TIME
    mo = int(month)
    if day is None:
        start = datetime(y, mo, 1)
        if mo == 12:
            return _iso(start), _iso(datetime(y + 1, 1, 1)) if y < 9999 else _END_OF_TIME
        return _iso(start), _iso(datetime(y, mo + 1, 1))
    if hour is None:
        start = datetime(y, mo, int(day))
        return _iso(start), _after(start, timedelta(days=1))
    start = datetime(y, mo, int(day), int(hour), int(minute), int(second or 0))
    step = timedelta(seconds=1) if second is not None else timedelta(minutes=1)
    return _iso(start), _after(start, step)


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


_NAMESPACE: dict[str, Any] = {
    "__builtins__": {},
    "_has_ci": _has_ci,
    "_incomplete": _incomplete,
    "zip": zip,
    "enumerate": enumerate,
}

_ROW_EXPR = {
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

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


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


def _emit(node: _Node, columns: bool = False) -> str:
    if node.kind == "test":
        return node.cexpr if columns else node.expr
    if node.kind == "not":
        return f"(not {_emit(node.children[0], columns)})"
    # Cheap tests first: AND / OR of pure tests may be evaluated in any order.
    parts = sorted(node.children, key=lambda c: c.cost)
    return "(" + f" {node.kind} ".join(_emit(c, columns) for c in parts) + ")"


def _annotate(node: _Node) -> None:
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
    parser = _Parser(text, now or datetime.now(UTC))
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
    namespace = dict(_NAMESPACE)
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
