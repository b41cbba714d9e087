"""Render queue rows for the command line: table, show, history, CSV and JSON exports.

All cable text passes through ``textsafe.safe_text``; JSON escapes control and bidi characters.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson

from triage.model import (
    CAVEAT_ABBREV,
    CLASSIFICATION_ABBREV,
    Precedence,
    QueueRow,
    classification_rank,
)
from triage.textsafe import safe_text

_JSON_ESCAPE = {
    c: f"\\u{c:04x}"
    for c in (
        0x7F,
        *range(0x80, 0xA0),
        0x061C,
        0x200E,
        0x200F,
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
        0x2028,
        0x2029,
        0xFEFF,
    )
}
"""Characters orjson writes raw that a terminal may act on: escaped inside JSON strings (they
can only occur inside strings, so the result is the same JSON)."""


def json_line(obj: Any) -> str:
    """One object as a JSON line that carries no raw control or bidi character.

    Args:
        obj: anything orjson serialises.

    Returns:
        The JSON text followed by a newline.
    """
    text = orjson.dumps(obj).decode()
    if not text.isascii():
        text = text.translate(_JSON_ESCAPE)
    return text + "\n"


def acked_text(acked: dict[str, Any] | None) -> str:
    """``alice at 2026-11-28 08:23:51Z`` for an acknowledgement, ``-`` for none."""
    if not acked:
        return "-"
    return f"{safe_text(str(acked.get('user', '?')))} at {short_time(acked.get('at', '?'))}"


PRECEDENCE_LABEL = ("FLASH", "NIACT", "IMMED", "PRIOR", "ROUTN", "-----")
"""Five-letter precedence words by rank, as the app's queue shows them."""


_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_POST_PREFIXES = ("AMEMBASSY ", "AMCONSUL ", "USMISSION ", "USDEL ", "USLO ", "AMCONGEN ")
"""Kinds of post dropped from the origin in the table; ``SECSTATE WASHDC`` shows as SECSTATE."""


def short_marking(row: QueueRow) -> str:
    """``S//NF``: the classification's standard abbreviation and short caveats."""
    base = CLASSIFICATION_ABBREV.get(row.classification, "UNK")
    caveats = [CAVEAT_ABBREV.get(c.upper(), c) for c in row.caveats]
    return safe_text("//".join([base, "/".join(caveats)]) if caveats else base)


def marking(classification: str | None, caveats: Sequence[str]) -> str:
    """``SECRET//NOFORN/EXDIS``: a banner line; ``UNKNOWN`` when no marking was found."""
    base = classification or "UNKNOWN"
    return safe_text(f"{base}//{'/'.join(caveats)}" if caveats else base)


def short_dtg(dtg: str | None) -> str:
    """``2008-02-22T22:15:00Z`` -> ``22FEB08``."""
    if not dtg:
        return ""
    try:
        return f"{dtg[8:10]}{_MONTHS[int(dtg[5:7]) - 1]}{dtg[2:4]}"
    except (ValueError, IndexError):
        return safe_text(dtg)[:7]


def military_dtg(dtg: str | None) -> str:
    """``2008-02-22T22:15:00Z`` -> ``222215Z FEB 08``, as a cable writes it."""
    if not dtg:
        return ""
    try:
        return f"{dtg[8:10]}{dtg[11:13]}{dtg[14:16]}Z {_MONTHS[int(dtg[5:7]) - 1]} {dtg[2:4]}"
    except (ValueError, IndexError):
        return safe_text(dtg)


def short_origin(origin: str | None) -> str:
    """The post without its kind: ``AMEMBASSY BELGRADE`` -> ``BELGRADE``."""
    text = safe_text(origin)
    if text.startswith("SECSTATE"):
        return "SECSTATE"
    for prefix in _POST_PREFIXES:
        if text.startswith(prefix):
            return text[len(prefix) :]
    return text


def subject_text(row: QueueRow) -> str:
    """The subject to print: the cable's, else ``(file NAME)`` for a row without one (a text
    file that is not a cable), so the row says what it is. Safe to print.

    Args:
        row: a queue row.

    Returns:
        One line without control characters ("" when there is neither).
    """
    subject = safe_text(row.subject).strip()
    if subject:
        return subject
    if row.sources:
        more = f", +{len(row.sources) - 1} more" if len(row.sources) > 1 else ""
        return f"(file {safe_text(row.sources[0])}{more})"
    return ""


MARKS = (
    ("●", "unread", "unread (the same mark as in the app)"),
    ("!", "ack due", "awaiting acknowledgement (FLASH, NIACT, IMMEDIATE)"),
)
"""The marks column of ``triage list``, one position each: (mark, short word, meaning)."""

FLAGS = (
    ("X", "conflict", "conflict: two texts claim this ID"),
    ("F", "flagged", "flagged for attention"),
    ("?", "source gone", "a source file is gone"),
    ("P", "partial", "partial: sections missing"),
    ("C", "corrected", "corrected copy"),
    ("R", "rejected", "rejected"),
)
"""The FLAGS column of ``triage list``: one letter each, in this order."""


def legend(rows: Sequence[QueueRow]) -> str:
    """One short line explaining the marks, and the FLAGS letters these rows carry.

    Args:
        rows: the rows of the table.

    Returns:
        ``marks: ● unread, ! ack due; FLAGS: ? source gone (triage list --help)``.
    """
    letters = set("".join(flags_text(row) for row in rows))
    text = "marks: " + ", ".join(f"{mark} {word}" for mark, word, _ in MARKS)
    shown = [f"{mark} {word}" for mark, word, _ in FLAGS if mark in letters]
    if shown:
        text += "; FLAGS: " + ", ".join(shown)
    return text + " (triage list --help)"


def marks_text(row: QueueRow) -> str:
    """Two positions: ``●`` unread, ``!`` awaiting acknowledgement (blank when not)."""
    unread, ack_due = (mark for mark, _, _ in MARKS)
    return (unread if not row.read else " ") + (ack_due if row.needs_ack else " ")


def flags_text(row: QueueRow) -> str:
    """The FLAGS letters of a row (see ``FLAGS``), "" for none."""
    return "".join(
        letter
        for letter, on in zip(
            (mark for mark, _, _ in FLAGS),
            (
                row.conflict,
                row.flagged,
                row.missing_sources,
                row.sections_incomplete,
                row.corrected,
                row.rejected,
            ),
            strict=True,
        )
        if on
    )


_GIVE_WAY = ((5, 5), (6, 5))
"""(column, narrowest) that give way, in turn, when a table does not fit: origin, assignee."""

_SUBJECT_MIN = 12


def format_table(rows: Sequence[QueueRow], width: int | None) -> list[str]:
    """The queue as text lines no wider than ``width`` (when at all possible).

    Columns: marks (``*`` unread, ``!`` awaiting acknowledgement), ID, precedence (NIACT for
    NIACT IMMEDIATE), classification abbreviation with caveats (never cut), DTG, origin,
    assignee, action, FLAGS (only when a row has one; see ``FLAGS``), subject (gets what is
    left; cut with an ellipsis). ``legend(rows)`` explains the marks and flags.

    Args:
        rows: the rows, in the order to print.
        width: the widest a line may be; None cuts nothing (every cell whole).

    Returns:
        The title line, then one line per row; no trailing blanks.
    """
    from rich.cells import cell_len, set_cell_size  # imported here: only tables need it

    from triage.queue import rank_of

    records = [
        (
            marks_text(row),
            safe_text(row.id),
            PRECEDENCE_LABEL[rank_of(row)],
            short_marking(row),
            short_dtg(row.dtg),
            short_origin(row.origin),
            safe_text(row.assignee) if row.assignee else "-",
            row.action if row.action != "none" else "-",
            flags_text(row),
            subject_text(row),
        )
        for row in rows
    ]
    titles = ("", "ID", "PREC", "CLASS", "DTG", "ORIGIN", "ASSIGNEE", "ACT", "FLAGS", "SUBJECT")
    caps = (2, 0, 5, 0, 7, 10, 8, 4, 0, 0)  # 0: as wide as needed (IDs, markings never cut)
    shown = [k for k in range(len(titles)) if k != 8 or any(r[8] for r in records)]
    widths: dict[int, int] = {}
    for k in shown[:-1]:
        need = max([cell_len(titles[k]), *(cell_len(r[k]) for r in records)])
        widths[k] = need if caps[k] == 0 or width is None else min(need, caps[k])
    last = shown[-1]
    if width is None:
        widths[last] = max([cell_len(titles[last]), *(cell_len(r[last]) for r in records)])
    else:
        over = sum(widths.values()) + len(widths) + _SUBJECT_MIN - width
        for k, narrowest in _GIVE_WAY:
            if over <= 0:
                break
            take = min(over, max(0, widths[k] - narrowest))
            widths[k] -= take
            over -= take
        widths[last] = max(_SUBJECT_MIN, width - sum(widths.values()) - len(widths))

    def cell(text: str, w: int) -> str:
        if cell_len(text) > w:
            return set_cell_size(text, w - 1) + "…"
        return set_cell_size(text, w)

    def line(values: Sequence[str]) -> str:
        return " ".join(cell(values[k], widths[k]) for k in shown).rstrip()

    return [line(titles), *(line(r) for r in records)]


def number_ranges(numbers: Sequence[int]) -> str:
    """``1-5, 7, 9, 10`` for [1, 2, 3, 4, 5, 7, 9, 10]: sorted, without repeats, three or more
    in a row as a range."""
    parts: list[str] = []
    runs: list[list[int]] = []
    for n in sorted(set(numbers)):
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    for run in runs:
        parts.extend([f"{run[0]}-{run[-1]}"] if len(run) > 2 else map(str, run))
    return ", ".join(parts)


def sections_text(sections: dict[str, Any] | None) -> str:
    """What was received and what is missing: ``have 1, 2 of 3; missing 3``, ``have all 3``;
    "" for a cable that is not in sections."""
    if not sections or not sections.get("of"):
        return ""
    try:
        of = int(sections["of"])
        got = sorted({int(n) for n in sections.get("received") or ()})
    except (TypeError, ValueError):
        return safe_text(str(sections))
    missing = [n for n in range(1, of + 1) if n not in got]
    if not missing:
        return f"have all {of}"
    return f"have {number_ranges(got) or 'none'} of {of}; missing {number_ranges(missing)}"


def show_lines(row: QueueRow, text: dict[str, Any]) -> list[str]:
    """``triage show``: banner, the row's fields, summary and paragraphs, banner again.

    Args:
        row: the queue row.
        text: parsed text fields (``summary``, ``paragraphs``, ``errors``) from the sources.

    Returns:
        Lines without newlines; no control characters.
    """
    banner = marking(row.classification, row.caveats)
    rank = row.rank
    prec = {Precedence.NIACT_IMMEDIATE: "NIACT IMMEDIATE", Precedence.UNKNOWN: "unknown"}.get(
        rank, safe_text(row.precedence)
    )
    action = row.action + (" (derived)" if row.action_derived else "")
    if row.action_paragraphs:
        action += f"; action requests in paragraph {', '.join(map(str, row.action_paragraphs))}"
    fields = [
        ("ID", safe_text(row.id)),
        ("Precedence", prec),
        ("Classification", banner),
        ("DTG", military_dtg(row.dtg) + (f"  ({short_time(row.dtg)})" if row.dtg else "")),
        ("From", safe_text(row.origin)),
        ("Subject", subject_text(row)),
        ("TAGS", " ".join(safe_text(t) for t in row.cable_tags)),
        ("Tags", ", ".join(safe_text(t) for t in row.tags)),
        ("Assignee", safe_text(row.assignee) if row.assignee else "(none)"),
        ("Action", action),
        ("Acknowledged", acked_text(row.acked) if row.acked else "no"),
        ("Arrived", short_time(row.arrived) if row.arrived else ""),
        ("Sections", sections_text(row.sections)),
        ("Corrected", "yes" if row.corrected else ""),
        ("Conflict", "yes: two different texts claim this ID" if row.conflict else ""),
        ("Flagged", safe_text(row.flagged)),
        ("Sources", ", ".join(safe_text(s) for s in row.sources)),
        ("Missing", ", ".join(safe_text(s) for s in row.missing_sources)),
    ]
    lines = [banner, ""]
    lines += [f"{name + ':':15} {value}" for name, value in fields if value]
    if text.get("summary"):
        lines += ["", "SUMMARY: " + safe_text(text["summary"])]
    for para in text.get("paragraphs") or []:
        number = para.get("number")
        mark = f"({safe_text(para['marking'])}) " if para.get("marking") else ""
        head = f"{number}. " if number is not None else ""
        lines += ["", f"{head}{mark}{safe_text(para.get('text'), multiline=True)}"]
    for error in text.get("errors") or []:
        lines.append(f"note: {safe_text(error)}")
    lines += ["", banner]
    return lines


def history_value(value: Any) -> str:
    """One old or new value of a history entry, readable and safe."""
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "[" + ", ".join(safe_text(str(v)) for v in value) + "]"
    if isinstance(value, dict):
        if "user" in value and "at" in value:
            return acked_text(value)
        return safe_text(orjson.dumps(value).decode())
    return safe_text(str(value))


def short_time(value: Any) -> str:
    """``2026-11-28T08:23:48.171174+00:00`` -> ``2026-11-28 08:23:48Z``."""
    text = safe_text(str(value))
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%SZ")


def history_line(entry: dict[str, Any]) -> str:
    """One history entry: ``when  who (os login)  field: old -> new``."""
    who = safe_text(str(entry.get("user", "?")))
    os_user = entry.get("os_user")
    if os_user and os_user != entry.get("user"):
        who += f" ({safe_text(str(os_user))})"
    undo = f"  (undo of #{entry['undo_of']})" if entry.get("undo_of") is not None else ""
    return (
        f"{short_time(entry.get('at', '?'))}  {who}  {safe_text(str(entry.get('field', '?')))}: "
        f"{history_value(entry.get('old'))} -> {history_value(entry.get('new'))}{undo}"
    )


# --- export -----------------------------------------------------------------------------

CSV_COLUMNS = (
    "classification", "caveats", "id", "precedence", "niact", "dtg", "origin", "subject",
    "cable_tags", "tags", "assignee", "action", "acked_by", "acked_at", "read", "arrived",
    "sections", "corrected", "conflict", "flagged", "sources", "missing_sources",
)  # fmt: skip
"""Export columns: every row starts with its own classification and caveats."""

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def banner(rows: Sequence[QueueRow]) -> tuple[str, str | None, list[str]]:
    """The banner of an export: (text, highest classification, every caveat in it).

    The highest classification is the most restrictive in the rows; a row with no marking
    counts as UNKNOWN, the most restrictive of all. An empty export is UNCLASSIFIED.
    """
    if not rows:
        return "UNCLASSIFIED", "UNCLASSIFIED", []
    top = max(rows, key=lambda r: classification_rank(r.classification)).classification
    if top is not None and classification_rank(top) >= classification_rank(None):
        top = None  # a value the model does not know is UNKNOWN
    caveats = sorted({c for r in rows for c in r.caveats})
    return marking(top, caveats), top, caveats


def csv_cell(value: str) -> str:
    """A CSV cell a spreadsheet shows as text: one starting (after blanks) with ``=``, ``+``,
    ``-``, ``@``, tab or CR is prefixed with ``'`` so it never runs as a formula."""
    if value.lstrip(" ").startswith(_FORMULA_START) or value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv_record(row: QueueRow) -> list[str]:
    acked = row.acked or {}
    sections = ""
    if row.sections and row.sections.get("of"):
        got = "+".join(str(n) for n in sorted(row.sections.get("received") or []))
        sections = f"{got} of {row.sections['of']}"
    values: dict[str, Any] = {
        "classification": row.classification or "UNKNOWN",
        "caveats": "; ".join(row.caveats),
        "id": row.id,
        "precedence": row.precedence or "",
        "niact": "yes" if row.niact else "no",
        "dtg": row.dtg or "",
        "origin": row.origin or "",
        "subject": row.subject or "",
        "cable_tags": "; ".join(row.cable_tags),
        "tags": "; ".join(row.tags),
        "assignee": row.assignee or "",
        "action": row.action,
        "acked_by": str(acked.get("user") or ""),
        "acked_at": str(acked.get("at") or ""),
        "read": "yes" if row.read else "no",
        "arrived": row.arrived or "",
        "sections": sections,
        "corrected": "yes" if row.corrected else "no",
        "conflict": "yes" if row.conflict else "no",
        "flagged": row.flagged or "",
        "sources": "; ".join(row.sources),
        "missing_sources": "; ".join(row.missing_sources),
    }
    return [csv_cell(safe_text(str(values[name]))) for name in CSV_COLUMNS]


def write_export(rows: Sequence[QueueRow], fmt: str, out: TextIO, *, query: str, user: str) -> None:
    """Write an export: the banner first, then one record per row (see README, Export).

    CSV: line 1 is the banner alone in one cell, line 2 the column names, then the rows.
    JSON: JSON Lines; line 1 is ``{"banner": ..., "classification": ..., "caveats": [...],
    "count": N, "query": ..., "exported_by": ..., "exported_at": ...}``, then one queue row
    per line.
    """
    text, top, caveats = banner(rows)
    if fmt == "json":
        out.write(
            json_line(
                {
                    "banner": text,
                    "classification": top or "UNKNOWN",
                    "caveats": caveats,
                    "count": len(rows),
                    "query": query,
                    "exported_by": user,
                    "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
                }
            )
        )
        for row in rows:
            out.write(json_line(row.to_json()))
        return
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_cell(text)])
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(_csv_record(row))
