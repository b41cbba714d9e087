"""Shared pieces of the parser: years, dates, office names and canonical cable IDs."""

from __future__ import annotations

import datetime as _dt
import json
import re
from importlib import resources

MONTHS = {
    "JAN": 1,
    "FEB": 2,
    "MAR": 3,
    "APR": 4,
    "MAY": 5,
    "JUN": 6,
    "JUL": 7,
    "AUG": 8,
    "SEP": 9,
    "OCT": 10,
    "NOV": 11,
    "DEC": 12,
}
"""Three-letter month names, upper case."""

_THIS_YY = _dt.datetime.now(tz=_dt.UTC).year % 100


def full_year(yy: int) -> int:
    """A two-digit year not later than the current year's is 20YY, else 19YY."""
    if yy >= 100:
        return yy
    return 2000 + yy if yy <= _THIS_YY else 1900 + yy


def iso_date(year: int, month: int, day: int) -> str | None:
    """``YYYY-MM-DD`` or None when the date does not exist."""
    try:
        return _dt.date(year, month, day).isoformat()
    except ValueError:
        return None


_DATE_RE = re.compile(
    r"(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})|(\d{1,2})\s+([A-Za-z]{3})[A-Za-z]*\.?,?\s+(\d{2,4})"
)


def parse_date(text: str) -> str | None:
    """Read a DECL date: ``02/22/2018``, ``11/29/10``, ``2018-02-22``, ``22 FEB 2018``.

    Returns:
        ``YYYY-MM-DD``, or None for ``N/A`` and anything that is not a date.
    """
    m = _DATE_RE.search(text)
    if m is None:
        return None
    if m.group(1):
        a, b, c = m.group(1), m.group(2), m.group(3)
        if len(a) == 4:
            return iso_date(int(a), int(b), int(c))
        return iso_date(full_year(int(c)), int(a), int(b))
    month = MONTHS.get(m.group(5).upper())
    if month is None:
        return None
    return iso_date(full_year(int(m.group(6))), month, int(m.group(4)))


def _load_offices() -> tuple[dict[str, str], tuple[str, ...], frozenset[str]]:
    try:
        raw = resources.files("triage").joinpath("data/offices.json").read_text("utf-8")
        data = json.loads(raw)
        aliases = {str(k).upper(): str(v) for k, v in data.get("aliases", {}).items()}
        prefixes = tuple(str(p).upper() + " " for p in data.get("prefixes", []))
        names = frozenset(" ".join(str(n).upper().split()) for n in data.get("names", []))
        return aliases, prefixes, names
    except (OSError, ValueError, ModuleNotFoundError):
        return {}, (), frozenset()


OFFICE_ALIASES, OFFICE_PREFIXES, OFFICE_NAMES = _load_offices()
"""Office names as written -> office part of a cable ID; prefixes such as ``AMEMBASSY``;
multi-word office names read whole in REF lines (``THE HAGUE``, ``PORT OF SPAIN``)."""


def office_code(name: str) -> str:
    """The office part of a canonical ID: ``USUN NEW YORK`` -> ``USUNNEWYORK``, ``USUN`` too."""
    key = " ".join(name.upper().split())
    alias = OFFICE_ALIASES.get(key)
    if alias is not None:
        return alias
    if not key.startswith(OFFICE_PREFIXES):  # one C call for the usual name without one
        return key.replace(" ", "")
    for prefix in OFFICE_PREFIXES:
        if key.startswith(prefix):
            key = key[len(prefix) :]
            alias = OFFICE_ALIASES.get(key)
            if alias is not None:
                return alias
            break
    return key.replace(" ", "")


def make_id(yy: int, office: str, serial: str | int) -> str:
    """Canonical reference ID: ``08`` + ``USUNNEWYORK`` + ``173``."""
    return f"{yy % 100:02d}{office_code(office)}{int(serial)}"


def fold(text: str) -> str:
    """Whitespace folded to single spaces, trimmed, pilcrows dropped."""
    if "\u00b6" in text:
        text = text.replace("\u00b6", "")
    if "\t" in text or "\r" in text or "\xa0" in text or "\f" in text or "\v" in text:
        return " ".join(text.split())
    # Newlines and runs of spaces only (nearly always): str.replace beats split/join 4x.
    text = text.replace("\n", " ")
    # Halve runs of spaces until none is left: a replace that finds nothing costs what an
    # "in" test costs, so no separate test.
    folded = text.replace("  ", " ")
    while len(folded) != len(text):
        text = folded
        folded = text.replace("  ", " ")
    return folded.strip()
