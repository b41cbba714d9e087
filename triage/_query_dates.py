"""Read a since:/until: value (a date, today, yesterday or an age) as DTG-comparable bounds."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from triage._query_lex import QueryError

_AGE_RE = re.compile(r"(\d{1,5})([hdw])")
_DATE_RE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?Z?)?)?)?")


def date_bounds(low: str, pos: int, name: str, now: datetime) -> tuple[str, str]:
    """(start, end) of the period a since:/until: value names, as DTG-comparable text.

    since: keeps DTGs >= start, until: DTGs < end. A date names its whole period (a year,
    month, day, minute or second); an age names one second, ``now`` less the age.

    Args:
        low: the value, lowercase.
        pos: where the term starts in the query (for the error).
        name: ``since`` or ``until`` (for the error).
        now: the moment ``today``, ``yesterday`` and ages count from.

    Returns:
        (start, end) as DTG-comparable text.

    Raises:
        QueryError: the value names no date, day or age.
    """
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
