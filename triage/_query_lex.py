"""Split QUERY text into tokens; ``QueryError`` says what cannot be read, and where."""

from __future__ import annotations

import re
from dataclasses import dataclass


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

_KEYWORDS = ("or", "and", "not")
_FIELD_RE = re.compile(r"([A-Za-z]+):")


@dataclass(slots=True)
class Token:
    """One token: a word, phrase, field term, parenthesis or keyword, and where it starts."""

    kind: str  # "word", "phrase", "field", "(", ")", "or", "and", "not"
    pos: int
    text: str = ""
    name: str = ""  # field name for kind == "field"
    quoted: bool = False


def tokenize(text: str) -> list[Token]:
    """Split a query into tokens.

    Args:
        text: the query.

    Returns:
        The tokens, in order.

    Raises:
        QueryError: an unterminated quote, a stray '-', an unknown field or a field without
            a value.
    """
    toks: list[Token] = []
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
            toks.append(Token(c, i))
            i += 1
            continue
        if c == '"':
            phrase, j = read_phrase(i)
            toks.append(Token("phrase", i, phrase, quoted=True))
            i = j
            continue
        if c == "-":  # a word never starts with '-': here it means NOT
            if i + 1 >= n or text[i + 1].isspace() or text[i + 1] == ")":
                raise QueryError("'-' (NOT) must come right before a term, as in -tag:done", i)
            toks.append(Token("not", i))
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
            toks.append(Token("field", i, value, name=name, quoted=quoted))
        elif chunk.lower() in _KEYWORDS:
            toks.append(Token(chunk.lower(), i))
        else:
            toks.append(Token("word", i, chunk))
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
