"""The year of a cable's ID when it has no DTG and no date line: evidence from its own text."""

from __future__ import annotations

import re

from triage.model import Reference
from triage.parsing.common import full_year

_MONTH = r"(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)[A-Z]*\.?"
_SUBJECT_DATE_RE = re.compile(
    # "NOVEMBER 30 - DECEMBER 1, 2004", "MARCH 3, 2009", "3 MARCH 2009"
    r"\b(?:" + _MONTH + r"\s+\d{1,2}(?:\s*-\s*(?:" + _MONTH + r"\s+)?\d{1,2})?,?"
    r"|\d{1,2}\s+" + _MONTH + r",?)\s+((?:19|20)\d\d)\b",
    re.I,
)
_YEAR_RE = re.compile(r"(?<![\d/.\-])((?:19[5-9]|20[0-3])\d)(?![\d/])")
_LEADING_YEAR_RE = re.compile(r"^(\d{2}|\d{4})\s")

EO_12958_LAST_YEAR = 2010
"""E.O. 12958 was replaced by E.O. 13526 (signed 29 December 2009, in force from June 2010)."""


def subject_date_year(subject: str | None) -> int | None:
    """The year of a full date in the subject (``VISIT, NOVEMBER 30 - DECEMBER 1, 2004``).

    A dated event named in the subject is the cable's own business: on the corpus every such
    subject carries the year of the cable (19 of 19), where a bare year (``2010 ELECTIONS``)
    often names another one.
    """
    if not subject or not any(c.isdigit() for c in subject):
        return None
    years = [int(y) for y in _SUBJECT_DATE_RE.findall(subject)]
    return max(years) if years else None


def cited_year(refs: list[Reference]) -> int | None:
    """The latest year the references cite (a cable cannot cite a later document).

    Counts the written year of a cable reference (``08 STATE 12345``) and years in
    non-cable references (``EMBASSY PARIS DAILY REPORT FOR FEBRUARY 17, 2006``); serials and
    report numbers are never read as years.
    """
    years: list[int] = []
    for r in refs:
        if r.id is not None:
            m = _LEADING_YEAR_RE.match(r.text)
            if m is not None:
                years.append(full_year(int(m.group(1))))
        else:
            years.extend(int(y) for y in _YEAR_RE.findall(r.text))
    return max(years) if years else None


def decl_year(declassify_on: str, eo_12958: bool) -> tuple[int, str]:
    """The cable's year estimated from its DECL date, and how (for ``errors``).

    Ten years before the DECL date (the default period). A cable under E.O. 12958 was
    written by 2010, so when ten years before its DECL date is later than that, the 25-year
    period (the order's other standard one) is taken.
    """
    year = int(declassify_on[:4]) - 10
    if eo_12958 and year > EO_12958_LAST_YEAR:
        return year - 15, (
            "year of the ID inferred from the DECL date less 25 years (E.O. 12958 ended in 2010)"
        )
    return year, "year of the ID inferred from the DECL date less ten years"
