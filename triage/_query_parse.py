"""Parse QUERY tokens into a tree of tests, each a Python expression in row and column form."""

from __future__ import annotations

import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from triage._query_columns import RANK_OF, ROW_EXPR
from triage._query_dates import date_bounds
from triage._query_lex import QueryError, Token, tokenize
from triage.model import (
    CLASSIFICATION_ABBREV,
    CLASSIFICATIONS,
    PRECEDENCES,
    Precedence,
)

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
_MAX_DEPTH = 64

_PLACEHOLDER = re.compile(r"\{(\w+)\}")

# --- syntax tree ------------------------------------------------------------------------


@dataclass(slots=True)
class Node:
    """One node of the tree: AND / OR / NOT of children, or a test in both forms."""

    kind: str  # "and", "or", "not", "test"
    children: list[Node] = field(default_factory=list)
    expr: str = ""  # for "test": a Python expression over r (row), h (haystack), u (user)
    cexpr: str = ""  # the same over column values v_<name> (see COLUMNS), and u
    cost: int = 1
    cols: frozenset[str] = frozenset()


class Parser:
    """Reads the tokens of one query into a Node tree; ``consts`` holds the values it binds."""

    def __init__(self, text: str, now: datetime) -> None:
        self.text = text
        self.toks = tokenize(text)
        self.i = 0
        self.now = now
        self.consts: dict[str, Any] = {}
        self.depth = 0

    # names bound in the generated code's namespace
    def const(self, value: Any) -> str:
        name = f"_c{len(self.consts)}"
        self.consts[name] = value
        return name

    def peek(self) -> Token | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def parse(self) -> Node | None:
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

    def parse_or(self) -> Node:
        parts = [self.parse_and()]
        while (tok := self.peek()) is not None and tok.kind == "or":
            self.i += 1
            if self.peek() is None or self.peek().kind in (")", "or"):  # type: ignore[union-attr]
                raise QueryError("OR needs a term on each side", tok.pos)
            parts.append(self.parse_and())
        return parts[0] if len(parts) == 1 else Node("or", parts)

    def parse_and(self) -> Node:
        parts: list[Node] = []
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
        return parts[0] if len(parts) == 1 else Node("and", parts)

    def parse_unary(self) -> Node:
        tok = self.toks[self.i]
        if tok.kind == "not":
            self.i += 1
            nxt = self.peek()
            if nxt is None or nxt.kind in (")", "or", "and"):
                raise QueryError("NOT needs a term after it", tok.pos)
            self.enter(tok.pos)
            child = self.parse_unary()
            self.depth -= 1
            return Node("not", [child], cost=child.cost)
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
    def test(template: str, cost: int = 1) -> Node:
        """A test written once over column names: ``({prec} == _c0)``."""
        cols = frozenset(_PLACEHOLDER.findall(template))
        return Node(
            "test",
            expr=template.format_map(ROW_EXPR),
            cexpr=template.format_map({name: f"v_{name}" for name in cols}),
            cost=cost,
            cols=cols,
        )

    @staticmethod
    def test_rc(row: str, col: str, column: str, cost: int = 1) -> Node:
        """A test whose row form and column form differ (the column holds a derived value)."""
        return Node("test", expr=row, cexpr=col, cost=cost, cols=frozenset({column}))

    def field(self, tok: Token) -> Node:
        values = [tok.text] if tok.quoted else tok.text.split(",")
        if len(values) > 1 and tok.name in ("since", "until"):
            raise QueryError(f"{tok.name}: takes one date", tok.pos)
        nodes = []
        for value in values:
            if not value.strip():
                raise QueryError(f"{tok.name}: has an empty value", tok.pos)
            nodes.append(self.field_value(tok.name, value.strip(), tok.pos))
        return nodes[0] if len(nodes) == 1 else Node("or", nodes)

    def field_value(self, name: str, value: str, pos: int) -> Node:
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
            start, end = date_bounds(low, pos, name, self.now)
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

    def is_value(self, low: str, value: str, pos: int) -> Node:
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

    def prec(self, low: str, pos: int) -> Node:
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

    def rank_at_most(self, k: int) -> Node:
        """rank <= k, inline: rank is 0 for FLASH, else 1 with NIACT, else by precedence."""
        if k < 0:
            return self.test("False")
        if k >= int(Precedence.UNKNOWN):
            return self.test("True")
        if k == 0:
            return self.test(f"({{prec}} == {self.const('FLASH')})", 2)
        names = frozenset(p for p in PRECEDENCES if RANK_OF[(p, False)] <= k)
        return self.test(f"({{niact}} or {{prec}} in {self.const(names)})", 2)

    @staticmethod
    def negate(node: Node) -> Node:
        return Node(
            "test",
            expr=f"(not {node.expr})",
            cexpr=f"(not {node.cexpr})",
            cost=node.cost,
            cols=node.cols,
        )

    def classification(self, low: str, pos: int) -> Node:
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
