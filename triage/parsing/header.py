"""Parse the routing header of a cable: transmission id, precedence, DTG, FM, TO, INFO, XMT."""

from __future__ import annotations

import re

from triage.model import Addressee
from triage.parsing.common import MONTHS, full_year

PROSIGNS = {"Z": "FLASH", "O": "IMMEDIATE", "P": "PRIORITY", "R": "ROUTINE"}
"""Precedence prosigns of the line before the DTG."""

PRECEDENCE_WORDS = ("FLASH", "IMMEDIATE", "PRIORITY", "ROUTINE")

DTG_RE = re.compile(
    r"^(?:([ZOPR])\s+(?:([ZOPR])\s+)?)?(\d{2})(\d{2})(\d{2})Z\s+([A-Za-z]{3})\s+(\d{2}|\d{4})(?:\s+[A-Z]{2,4})?"
    r"(?:\s*\(CCY\b[^)]*\)?)?\s*$"
)
"""``O 222215Z FEB 08``, ``O R 051020Z JUN 79``, ``291359Z Nov 00``; a corrected copy's
``O 091547Z OCT 09 (CCY ADC1AECC MSI3311-632)``."""

_PROSIGN_CHARS = ("Z", "O", "P", "R")
DE_RE = re.compile(r"^DE\s+([A-Z0-9]+)\s+#\s*(\d+)")
DATE_LINE_RE = re.compile(
    r"^(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,\s+(\d{1,2})\s+([A-Za-z]+)\s+(\d{4}),\s+"
    r"(\d{1,2}):(\d{2})(?:\s+|$)"
)
"""The viewer's date line: ``Friday, 11 January 2008, 11:28``."""

_ADDRESSEE_RE = re.compile(
    r"^(?:([A-Z0-9]{3,9})/)?(.*?)"
    r"(?:\s+(NIACT\s+IMMEDIATE|FLASH|IMMEDIATE|PRIORITY|ROUTINE))?"
    r"(?:\s+(\d{1,6}(?:-\d{1,6})?))?\s*$"
)


def parse_dtg(line: str) -> tuple[str | None, str | None, int] | None:
    """Read a precedence/DTG line.

    Returns:
        ``(action_precedence, iso_dtg, two_digit_year)`` or None when ``line`` is not one.
    """
    c0 = line[:1]
    if not c0.isdecimal() and (c0 not in _PROSIGN_CHARS or not line[1:2].isspace()):
        return None  # what DTG_RE's first characters cannot be: spares the regex call
    m = DTG_RE.match(line)
    if m is None:
        return None
    prosign, _, dd, hh, mi, mon, yyyy = m.groups()
    month = MONTHS.get(mon.upper())
    if month is None:
        return None
    day, hour, minute = int(dd), int(hh), int(mi)
    year = int(yyyy)
    yy = year % 100
    year = full_year(year)
    if not (1 <= day <= 31 and hour <= 24 and minute <= 59):
        return None
    precedence = PROSIGNS.get(prosign) if prosign else None
    iso = f"{year:04d}-{month:02d}-{day:02d}T{min(hour, 23):02d}:{minute:02d}:00Z"
    return precedence, iso, yy


def parse_date_line(line: str) -> tuple[int, str] | None:
    """A viewer date line: ``(two-digit year, rest of the line)``, or None."""
    m = DATE_LINE_RE.match(line)
    if m is None:
        return None
    return int(m.group(3)) % 100, line[m.end() :].strip()


def _is_serial(word: str) -> bool:
    """``re.fullmatch(r"\\d{1,6}(?:-\\d{1,6})?", word)`` (``\\d`` is what isdecimal tests)."""
    if word.isdecimal():
        return len(word) <= 6
    head, dash, tail = word.partition("-")
    return (
        dash == "-"
        and 0 < len(head) <= 6
        and 0 < len(tail) <= 6
        and head.isdecimal()
        and tail.isdecimal()
    )


_PRECEDENCE_TOKENS = frozenset(("FLASH", "IMMEDIATE", "PRIORITY", "ROUTINE"))


def _addressee_parts(s: str) -> tuple[str | None, str, str | None, str | None]:
    """``_ADDRESSEE_RE.match(s).group(1, 2, 3, 4)``, read from the end of the line.

    The regex's lazy name ends at the first blank where the tail (a precedence, a serial,
    both or neither) runs to the end; that tail is one of: `` PREC SERIAL``, `` SERIAL``,
    `` PREC``, nothing, and the longest one present starts first. So the last word is tried
    as a serial, then the word before it as a precedence (``NIACT IMMEDIATE`` is two words).
    Valid when ``s`` is stripped and printable (no blank but " ", no newline).
    """
    slash = s.find("/", 3, 10)
    head = s[:slash]  # [A-Z0-9]{3,9} before the slash (its length is find's bounds)
    if slash > 0 and head.isascii() and head.isalnum() and (head.isupper() or head.isdigit()):
        routing: str | None = head
        start = slash + 1
    else:
        routing = None
        start = 0
    j = s.rfind(" ", start)
    if j < 0:
        return routing, s[start:], None, None
    runs = "  " in s  # without runs of blanks, the blanks before a word start at its " "
    end = len(s)
    serial = None
    word = s[j + 1 :]
    if _is_serial(word):
        serial = word
        end = len(s[:j].rstrip(" ")) if runs else j  # where the blanks before the serial start
        j = s.rfind(" ", start, end)
        if j < 0:
            return routing, s[start:end], None, serial
        word = s[j + 1 : end]
    if word not in _PRECEDENCE_TOKENS:
        return routing, s[start:end], None, serial
    precedence = word
    end = len(s[:j].rstrip(" ")) if runs else j
    if word == "IMMEDIATE" and s.endswith("NIACT", start, end):
        k = end - 5  # "NIACT" must be a word after a blank, as the regex's "\s+NIACT"
        if k > start and s[k - 1] == " ":
            precedence = "NIACT IMMEDIATE"
            end = len(s[:k].rstrip(" ")) if runs else k - 1
    return routing, s[start:end], precedence, serial


def parse_addressee(line: str) -> Addressee:
    """One TO/INFO addressee line: ``RUEHC/SECSTATE WASHDC IMMEDIATE 3794``."""
    s = line.strip()
    if s.isprintable():
        routing, name, precedence, serial = _addressee_parts(s)
        if "  " in name or name[:1] == " ":
            name = " ".join(name.split())
    else:
        m = _ADDRESSEE_RE.match(s)
        if m is None:  # pragma: no cover - the pattern matches any string
            return Addressee(name=s)
        routing, name, precedence, serial = m.group(1, 2, 3, 4)
        name = " ".join(name.split())
    if precedence is not None and precedence.startswith("NIACT"):
        precedence = "IMMEDIATE"
    if not name:
        name = s
    return Addressee(name, routing, precedence, serial)


def is_addressee_continuation(line: str, current: list[Addressee]) -> bool:
    """A line inside a TO/INFO block that wraps the previous addressee rather than adding one."""
    if not current:
        return False
    last = current[-1]
    if last.precedence or last.serial:
        return False
    if "/" in line[:10]:
        return False
    return bool(current[0].routing)


def precedence_from_addressees(to: list[Addressee]) -> str | None:
    """The highest precedence among action addressees."""
    best = None
    for a in to:
        if a.precedence in PRECEDENCE_WORDS:
            rank = PRECEDENCE_WORDS.index(a.precedence)
            if best is None or rank < best:
                best = rank
    return PRECEDENCE_WORDS[best] if best is not None else None


_SEGMENT_RE = re.compile(
    r"\S.*?\b(?:FLASH|IMMEDIATE|PRIORITY|ROUTINE)\b(?:\s+\d{1,6}(?:-\d{1,6})?(?!\S))?"
)


def split_addressees(line: str) -> list[str]:
    """Addressees run together on one line (a rendering joined them): split after each
    precedence (and serial). A line with one addressee comes back as it is."""
    if not ("IMMEDIATE " in line or "PRIORITY " in line or "ROUTINE " in line or "FLASH " in line):
        return [line]
    parts = []
    end = 0
    for m in _SEGMENT_RE.finditer(line):
        parts.append(m.group(0))
        end = m.end()
    tail = line[end:].strip()
    if tail:
        parts.append(tail)
    return parts or [line]


def parse_addressees(line: str) -> list[Addressee]:
    """``[parse_addressee(a) for a in split_addressees(line)]``: the addressees on one line."""
    first = parse_addressee(line)
    if not ("IMMEDIATE " in line or "PRIORITY " in line or "ROUTINE " in line or "FLASH " in line):
        return [first]  # what split_addressees gives back whole
    if (
        first.precedence is not None
        and line.count("IMMEDIATE")
        + line.count("PRIORITY")
        + line.count("ROUTINE")
        + line.count("FLASH")
        == 1
    ):
        # The line's only precedence word ends it (with its serial): split_addressees would
        # give the line back whole.
        return [first]
    return [parse_addressee(a) for a in split_addressees(line)]
