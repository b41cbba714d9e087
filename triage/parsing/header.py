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
    month = MONTHS.get(m.group(6).upper())
    if month is None:
        return None
    day, hour, minute = int(m.group(3)), int(m.group(4)), int(m.group(5))
    year = int(m.group(7))
    yy = year % 100
    year = full_year(year)
    if not (1 <= day <= 31 and hour <= 24 and minute <= 59):
        return None
    precedence = PROSIGNS.get(m.group(1)) if m.group(1) else None
    iso = f"{year:04d}-{month:02d}-{day:02d}T{min(hour, 23):02d}:{minute:02d}:00Z"
    return precedence, iso, yy


def parse_date_line(line: str) -> tuple[int, str] | None:
    """A viewer date line: ``(two-digit year, rest of the line)``, or None."""
    m = DATE_LINE_RE.match(line)
    if m is None:
        return None
    return int(m.group(3)) % 100, line[m.end() :].strip()


_ROUTING_RE = re.compile(r"([A-Z0-9]{3,9})/")
_ADDRESSEE_TAIL_RE = re.compile(
    r"(?:\s+(NIACT\s+IMMEDIATE|FLASH|IMMEDIATE|PRIORITY|ROUTINE))?"
    r"(?:\s+(\d{1,6}(?:-\d{1,6})?))?\s*$"
)
"""``_ADDRESSEE_RE`` in two parts, for a line whose only blank is " " (see parse_addressee)."""


def _addressee_parts(s: str) -> tuple[str | None, str, str | None, str | None]:
    """``_ADDRESSEE_RE.match(s).group(1, 2, 3, 4)`` without its lazy scan, char by char.

    The lazy ``(.*?)`` ends at the first position where the tail matches to the end; the tail
    starts with a blank or matches empty at the end, so only the spaces are tried. Valid when
    ``s`` is stripped and printable (no blank but " ", no newline).
    """
    r = _ROUTING_RE.match(s)
    start = r.end() if r is not None else 0
    tail = _ADDRESSEE_TAIL_RE.match
    p = s.find(" ", start)
    while p >= 0:
        m = tail(s, p)
        if m is not None:
            break
        p = s.find(" ", p + 1)
    else:
        p = len(s)
        m = tail(s, p)
    routing = r.group(1) if r is not None else None
    return routing, s[start:p], m.group(1), m.group(2)  # type: ignore[union-attr]


def parse_addressee(line: str) -> Addressee:
    """One TO/INFO addressee line: ``RUEHC/SECSTATE WASHDC IMMEDIATE 3794``."""
    s = line.strip()
    if s.isprintable():
        routing, name, precedence, serial = _addressee_parts(s)
    else:
        m = _ADDRESSEE_RE.match(s)
        if m is None:  # pragma: no cover - the pattern matches any string
            return Addressee(name=s)
        routing, name, precedence, serial = m.group(1, 2, 3, 4)
    if precedence is not None and precedence.startswith("NIACT"):
        precedence = "IMMEDIATE"
    name = " ".join(name.split())
    if not name:
        name = s
    return Addressee(name=name, routing=routing, precedence=precedence, serial=serial)


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
