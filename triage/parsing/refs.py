"""Parse a cable's REF lines into references: letters, canonical cable IDs, text as written."""

from __future__ import annotations

import re

from triage.model import Reference
from triage.parsing.common import MONTHS, OFFICE_NAMES, fold, make_id, office_code

_REF_ITEM_RE = re.compile(r"(?:(?<=\s)|^)(?:\(([A-Za-z])\)|\u00b6?([A-Za-z])[.)])(?=\s)")
_CABLE_REF_RE = re.compile(
    r"(?<![\w/])(?:(\d{4}|\d{2})\s*)?((?:[A-Z][A-Z'\-]*\s+){0,3}?[A-Z][A-Z']*)\s+0*(\d{1,7})"
    r"(?![\w/])(?!\s+\d)(?!\s*-\s*\d)(?![.,]\d)"
)
_NOT_OFFICE_WORDS = frozenset(
    [
        "JAN",
        "FEB",
        "MAR",
        "APR",
        "MAY",
        "JUN",
        "JUL",
        "AUG",
        "SEP",
        "SEPT",
        "OCT",
        "NOV",
        "DEC",
        "JANUARY",
        "FEBRUARY",
        "MARCH",
        "APRIL",
        "JUNE",
        "JULY",
        "AUGUST",
        "SEPTEMBER",
        "OCTOBER",
        "NOVEMBER",
        "DECEMBER",
        "PARA",
        "PARAS",
        "PARAGRAPH",
        "PARAGRAPHS",
        "EO",
        "SECTION",
        "PAGE",
        "TAB",
        "AND",
        "OR",
        "FOR",
        "OF",
        "THE",
        "IN",
        "ON",
        "AT",
        "TO",
        "BY",
        "SEE",
        "REF",
        "REFS",
        "REFTEL",
        "PREVIOUS",
        "NOTAL",
        "ALSO",
        "FROM",
        "NO",
        "NUMBER",
        "NR",
        "TEL",
        "TELCON",
        "EMAIL",
        "MEMO",
        "LETTER",
        "REPORT",
        "DAILY",
        "IIR",
        "FAX",
        "DATED",
        "ITEM",
        "ANNEX",
        "PART",
        "PHASE",
        "RESOLUTION",
        "UNSCR",
        "ARTICLE",
        "ROOM",
        "NOTE",
        "VOL",
        "VOLUME",
        "ISSUE",
        "CASE",
        "FILE",
    ]
)


_OFFICE_NAME_ENDS = frozenset(name.rsplit(" ", 1)[-1] for name in OFFICE_NAMES)
"""The last words of OFFICE_NAMES: a run of words that ends otherwise is none of them."""


def _home_start(words: list[str], home: str) -> int | None:
    """Where the cable's own office (its ID's office code, ``home``) ends ``words``: the index of
    its first word (the longest such name), or None. A post cites its own cables more than any
    other's, and its name may hold a word that reads as a date (``CASTELLON DEL MAR 32``)."""
    for j in range(max(0, len(words) - 5), len(words)):
        if office_code(" ".join(words[j:])) == home:
            return j
    return None


def _cable_refs(item: str, cable_yy: int | None, home: str | None) -> list[tuple[str, str]]:
    """``(id, text)`` for every cable named in one REF item (``STATE 1234 AND 08 USUN 163``)."""
    up = item.upper()
    out: list[tuple[str, str]] = []
    pos = 0
    while (m := _CABLE_REF_RE.search(up, pos)) is not None:
        pos = m.end()
        words = m.group(2).split()
        home_k = _home_start(words, home) if home else None
        # The office is the words after the last word that cannot be part of one.
        k = len(words) if home_k is None else home_k
        while home_k is None and k > 0 and (
            words[k - 1] not in _NOT_OFFICE_WORDS
            # A month may end an office's name ("CASTELLON DEL MAR 202363"), not a date ("MAY 9").
            or (k == len(words) and k >= 2 and words[k - 1] in MONTHS
                and words[k - 2] not in _NOT_OFFICE_WORDS and len(m.group(3)) >= 3)
        ):  # fmt: skip
            k -= 1
        if home_k is None and k > 0 and words[-1] in _OFFICE_NAME_ENDS:
            # An office whose name holds such a word: "08 THE HAGUE 77", "PORT OF SPAIN 189".
            k = next((j for j in range(k) if " ".join(words[j:]) in OFFICE_NAMES), k)
        if k == len(words):
            pos = m.end(2)  # "AND PREVIOUS 03 RANGOON 1427": retry from the number
            continue
        words = words[k:]
        if len(words[-1]) < 2:
            continue
        office = " ".join(words)
        year = m.group(1) if k == 0 else None
        if year is not None:
            yy = int(year) % 100
        elif cable_yy is not None:
            yy = cable_yy
        else:
            continue
        start = m.start(1) if year is not None else m.start(2) + up[m.start(2) :].find(words[0])
        out.append((make_id(yy, office, m.group(3)), item[start : m.end()].strip()))
    return out


def _item_refs(
    item: str, letter: str | None, cable_yy: int | None, home: str | None
) -> list[Reference]:
    found = _cable_refs(item, cable_yy, home)
    if not found:
        return [Reference(text=item, letter=letter, id=None)]
    if len(found) == 1:
        return [Reference(text=item, letter=letter, id=found[0][0])]
    return [Reference(text=text, letter=letter, id=cid) for cid, text in found]


def parse_refs(text: str, cable_yy: int | None, home: str | None = None) -> list[Reference]:
    """Split a REF block into references: ``A. STATE 1234 B. 08 USUN 163`` or a single one.

    Args:
        text: the REF block.
        cable_yy: the citing cable's two-digit year (a reference without one is of that year).
        home: the office code of the citing cable's ID (``CASTELLONDELMAR``), if known.
    """
    text = fold(text)
    if not text:
        return []
    marks = []
    expected = "A"
    for m in _REF_ITEM_RE.finditer(text):
        letter = (m.group(1) or m.group(2)).upper()
        if letter == expected:
            marks.append((m.start(), m.end(), letter))
            expected = chr(ord(expected) + 1)
    if not marks:
        return _item_refs(text, None, cable_yy, home)
    refs: list[Reference] = []
    if marks[0][0] > 0:
        head = text[: marks[0][0]].strip()
        if head:
            refs.extend(_item_refs(head, None, cable_yy, home))
    for i, (_, end, letter) in enumerate(marks):
        stop = marks[i + 1][0] if i + 1 < len(marks) else len(text)
        item = text[end:stop].strip()
        if item.startswith(f"({letter})"):
            item = item[3:].lstrip()
        refs.extend(_item_refs(item, letter, cable_yy, home))
    return refs
