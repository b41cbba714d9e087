"""The cable view: one cable's fields, paragraphs and triage state, as plain text.

Every string that comes from a cable, a file name or a user is shown through ``plain_text`` /
``one_line`` (terminal escapes and control characters removed) inside ``Content`` built from
plain strings, so nothing is ever read as Rich/Textual markup.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from triage.model import (
    CLASSIFICATION_ABBREV,
    Addressee,
    ParsedCable,
    Precedence,
    QueueRow,
    Reference,
)
from triage.output import subject_text
from triage.textsafe import safe_text
from triage.theming import classification_class

# --- untrusted text -------------------------------------------------------------------------


def plain_text(text: object) -> str:
    """Text safe to draw in a terminal, line breaks kept (``triage.textsafe.safe_text``).

    Escape sequences go with their parameters; control characters and bidirectional
    overrides are removed; a tab becomes four spaces. Still to be shown as plain text only.

    Args:
        text: anything; None gives "".
    """
    if text is None:
        return ""
    return safe_text(str(text), multiline=True)


def one_line(text: object) -> str:
    """``plain_text`` folded to a single line (runs of whitespace become one space)."""
    if text is None:
        return ""
    return " ".join(safe_text(str(text)).split())


# --- formatting helpers --------------------------------------------------------------------

_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_RUN = 20
"""Ordinary paragraphs drawn by one widget: few widgets to mount, small ones to re-render."""
_TRIAGE_FIELDS = frozenset(
    ("tags", "assignee", "action", "ack", "acked", "read", "flag", "flagged", "undo")
)
"""History fields that users change; any other field is a change to the cable itself."""


def format_dtg(dtg: str | None) -> str:
    """``2008-02-22T22:15:00Z`` -> ``222215Z FEB 08 (2008-02-22 22:15Z)``; else as written."""
    if not dtg:
        return "no DTG"
    try:
        when = datetime.fromisoformat(dtg.replace("Z", "+00:00"))
    except ValueError:
        return one_line(dtg)
    military = f"{when:%d%H%M}Z {_MONTHS[when.month - 1]} {when:%y}"
    return f"{military} ({when:%Y-%m-%d %H:%M}Z)"


def format_when(at: object) -> str:
    """An ISO 8601 time as ``YYYY-MM-DD HH:MMZ`` (UTC); anything else as plain text."""
    if not isinstance(at, str):
        return one_line(at) or "?"
    try:
        when = datetime.fromisoformat(at.replace("Z", "+00:00"))
    except ValueError:
        return one_line(at)
    if when.utcoffset():
        when = when - when.utcoffset()  # type: ignore[operator]
    return f"{when:%Y-%m-%d %H:%M}Z"


def format_value(value: object) -> str:
    """A history value (None, str, list, dict) on one line."""
    if value is None or value == "" or value == []:
        return "(none)"
    if isinstance(value, list | tuple | set):
        return ", ".join(one_line(v) for v in value)
    if isinstance(value, dict):
        if "user" in value and "at" in value:
            return f"{one_line(value['user'])} at {format_when(value['at'])}"
        return ", ".join(f"{one_line(k)}={format_value(v)}" for k, v in value.items())
    if isinstance(value, bool):
        return "yes" if value else "no"
    return one_line(value)


def precedence_label(precedence: str | None, niact: bool) -> str:
    """``FLASH``, ``NIACT IMMEDIATE``, ``IMMEDIATE``... or ``UNKNOWN``."""
    rank = Precedence.rank(precedence, niact)
    if rank is Precedence.NIACT_IMMEDIATE:
        return "NIACT IMMEDIATE"
    if rank is Precedence.UNKNOWN:
        return "UNKNOWN PRECEDENCE"
    return rank.name


def banner_text(classification: str | None, caveats: Iterable[str]) -> str:
    """The banner line: ``SECRET//NOFORN``, or ``UNKNOWN CLASSIFICATION`` when none was found."""
    marking = one_line(classification) if classification else "UNKNOWN CLASSIFICATION"
    extra = [one_line(c) for c in caveats if one_line(c)]
    return "//".join([marking, *extra])


def _addressee(addressee: Addressee) -> Content:
    parts: list[str | tuple[str, str]] = [one_line(addressee.name) or "?"]
    precedence = one_line(addressee.precedence).upper()
    if precedence:
        if "NIACT" in precedence:
            parts += ["  ", (precedence, "bold $precedence-niact")]
        else:
            parts.append(f"  {precedence}")
    if addressee.serial:
        parts.append(f"  {one_line(addressee.serial)}")
    if addressee.routing:
        parts += ["  ", (f"via {one_line(addressee.routing)}", "dim")]
    if addressee.excluded:
        parts.append(f"  (excluding {', '.join(one_line(x) for x in addressee.excluded)})")
    return Content.assemble(*parts)


# --- widgets --------------------------------------------------------------------------------


class ClassificationBanner(Static):
    """A one-line classification banner, coloured by ``$classification-*`` and always in words."""

    def __init__(
        self, classification: str | None, caveats: Iterable[str], *, id: str | None = None
    ) -> None:
        text = banner_text(classification, caveats)
        super().__init__(
            Content(text),
            markup=False,
            id=id,
            classes=f"banner {classification_class(classification)}",
        )
        self.text = text
        """The banner's words (for tests and screen readers)."""


def triage_line(row: QueueRow) -> Content:
    """One line of triage state for the top of the cable view: ack, assignee, action, tags."""
    parts: list[str | tuple[str, str]] = []
    if row.needs_ack:
        parts.append(("NOT ACKNOWLEDGED (!)", "bold reverse"))
    elif row.acked:
        who = one_line(row.acked.get("user")) if isinstance(row.acked, dict) else ""
        parts.append(f"acked by {who}" if who else "acked")
    else:
        parts.append(("no ack needed", "dim"))
    parts += ["  │ ", ("assigned ", "bold"), one_line(row.assignee) or "nobody"]
    action = one_line(row.action) or "none"
    parts += ["  │ ", ("action ", "bold"), (action, "bold") if action == "open" else action]
    if row.tags:
        parts += ["  │ ", ("tags ", "bold"), " ".join(one_line(t) for t in row.tags)]
    return Content.assemble(*parts)


class TriageLine(Static):
    """The cable's triage state on one line under the top banner (ack, assignee, action)."""

    def __init__(self, row: QueueRow, *, id: str | None = None) -> None:
        super().__init__(triage_line(row), markup=False, id=id)

    def show(self, row: QueueRow) -> None:
        """Redraw for ``row``."""
        self.update(triage_line(row))


class RefItem(Static, can_focus=True):
    """One REF line; a cable reference can be opened with enter when it is in the queue."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "open_reference",
            "Open reference",
            id="cable-open-reference",
            tooltip="Open the referenced cable when it is in the queue",
        )
    ]

    class Opened(Message):
        """The user asked to open a referenced cable."""

        def __init__(self, item: RefItem, cable_id: str) -> None:
            super().__init__()
            self.item = item
            self.cable_id = cable_id

    def __init__(self, reference: Reference) -> None:
        letter = one_line(reference.letter)
        text = one_line(reference.text) or "(empty)"
        parts: list[str | tuple[str, str]] = []
        if letter and not re.match(rf"{re.escape(letter)}\W", text):
            parts.append((f"{letter}. ", "bold"))
        parts.append(text)
        if reference.id:
            parts += ["  ", (f"-> {one_line(reference.id)}", "underline")]
        super().__init__(
            Content.assemble(*parts),
            markup=False,
            classes="ref" + (" -cable" if reference.id else ""),
        )
        self.reference = reference
        """The reference shown."""
        self.can_focus = reference.id is not None

    def action_open_reference(self) -> None:
        """Ask the cable view to open the referenced cable."""
        if self.reference.id:
            self.post_message(self.Opened(self, self.reference.id))


class CableView(VerticalScroll, can_focus=False):
    """Scrolling body of the cable view: header fields, REF list, summary, paragraphs, state.

    Not focusable itself: the screen's keys scroll it; REF items inside take focus.
    """

    def __init__(
        self,
        row: QueueRow,
        cable: ParsedCable | None,
        history: list[dict[str, Any]],
        *,
        open_reference: Callable[[str], bool] | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.row = row
        """The queue row (triage state) shown."""
        self.cable = cable
        """The parsed cable, or None when its text is not available."""
        self.history = list(history)
        """The cable's change history, oldest first."""
        self._open_reference = open_reference

    # -- composition --------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """The sections of the view, in reading order."""
        yield Static(self._fields(), markup=False, id="cable-fields", classes="block")
        cable = self.cable
        if cable is None:
            yield Static(
                "The cable's text is not available: only its queue entry is shown.",
                markup=False,
                classes="block -notice",
            )
        if self.row.corrected or (cable is not None and cable.corrected):
            yield from self._corrections()
        if cable is not None:
            yield from self._references(cable.references)
            if cable.summary:
                yield self._title("SUMMARY")
                yield Static(plain_text(cable.summary), markup=False, classes="block summary")
            yield from self._paragraphs(cable)
            marking = self._marking_lines(cable)
            if marking:
                yield Static(Content("\n").join(marking), markup=False, classes="block")
            if cable.errors:
                yield self._title("PARSER NOTES")
                yield Static(
                    "\n".join(f"- {one_line(e)}" for e in cable.errors),
                    markup=False,
                    classes="block -notice",
                )
        yield self._title("TRIAGE")
        yield Static(self._state(), markup=False, id="cable-state", classes="block")
        yield self._title("HISTORY")
        yield Static(self._history(), markup=False, id="cable-history", classes="block")

    @staticmethod
    def _title(text: str) -> Static:
        return Static(text, markup=False, classes="section-title")

    def _fields(self) -> Content:
        row, cable = self.row, self.cable
        precedence = cable.precedence if cable else row.precedence
        niact = (cable.niact if cable else False) or row.niact
        label = precedence_label(precedence, niact)
        prec_style = {
            "FLASH": "bold $precedence-flash",
            "NIACT IMMEDIATE": "bold $precedence-niact",
            "IMMEDIATE": "bold $precedence-immediate",
            "PRIORITY": "$precedence-priority",
            "ROUTINE": "$precedence-routine",
        }.get(label, "")
        lines: list[Content] = []

        def field(name: str, *value: str | tuple[str, str] | Content) -> None:
            lines.append(Content.assemble((f"{name:<8}", "bold"), *value))

        field("ID", one_line(row.id))
        field("PREC", (label, prec_style))
        classification = cable.classification if cable else row.classification
        caveats = cable.caveats if cable else row.caveats
        abbrev = CLASSIFICATION_ABBREV.get(classification, "UNK")
        field("CLASS", f"{banner_text(classification, caveats)} ({abbrev})")
        field("DTG", format_dtg(cable.dtg if cable else row.dtg))
        field("FM", one_line(cable.origin if cable else row.origin) or "(no FM line)")
        if cable is not None:
            for i, addressee in enumerate(cable.to):
                field("TO" if i == 0 else "", _addressee(addressee))
            if not cable.to:
                field("TO", "(no action addressees found)")
            for i, addressee in enumerate(cable.info):
                field("INFO" if i == 0 else "", _addressee(addressee))
        cable_tags = cable.cable_tags if cable else row.cable_tags
        field("TAGS", " ".join(one_line(t) for t in cable_tags) or "(none)")
        subject = one_line(cable.subject if cable else row.subject)
        field("SUBJECT", subject or one_line(subject_text(row)) or "(no subject)")
        if cable is not None and cable.captions:
            field("CAPTION", " ".join(one_line(c) for c in cable.captions))
        return Content("\n").join(lines)

    def _corrections(self) -> ComposeResult:
        yield self._title("CORRECTED COPY")
        changes = [e for e in self.history if str(e.get("field", "")) not in _TRIAGE_FIELDS]
        if changes:
            text = "\n".join(_history_line(e) for e in changes)
            yield Static(
                "What changed from the copy received before:\n" + text,
                markup=False,
                classes="block -corrected",
            )
        else:
            yield Static(
                "This is a corrected copy. What changed from an earlier copy is not recorded.",
                markup=False,
                classes="block -corrected",
            )

    def _references(self, references: list[Reference]) -> ComposeResult:
        if not references:
            return
        yield self._title("REFERENCES")
        for reference in references:
            yield RefItem(reference)

    def _paragraphs(self, cable: ParsedCable) -> ComposeResult:
        action_numbers = set(self.row.action_paragraphs)
        action_numbers.update(a.paragraph for a in cable.action_requests if a.paragraph)
        if cable.paragraphs:
            yield self._title("TEXT")
        # Runs of ordinary paragraphs share one widget (a widget costs milliseconds to mount;
        # a long cable has hundreds of paragraphs); each action request gets its own, framed.
        run: list[Content] = []
        for paragraph in cable.paragraphs:
            is_action = paragraph.number is not None and paragraph.number in action_numbers
            head: list[str | tuple[str, str]] = []
            if is_action:
                head.append(("ACTION REQUEST\n", "bold reverse"))
            if paragraph.number is not None:
                head.append((f"{paragraph.number}. ", "bold"))
            if paragraph.marking:
                head.append(f"({one_line(paragraph.marking)}) ")
            body = Content.assemble(*head, plain_text(paragraph.text).strip())
            if not is_action:
                run.append(body)
                if len(run) == _RUN:
                    yield Static(Content("\n\n").join(run), markup=False, classes="paragraph")
                    run = []
                continue
            if run:
                yield Static(Content("\n\n").join(run), markup=False, classes="paragraph")
                run = []
            yield Static(body, markup=False, classes="paragraph -action-request")
        if run:
            yield Static(Content("\n\n").join(run), markup=False, classes="paragraph")
        loose = [a for a in cable.action_requests if not a.paragraph]
        if loose:
            yield self._title("ACTION REQUESTS")
            for request in loose:
                yield Static(
                    Content.assemble(
                        ("ACTION REQUEST\n", "bold reverse"), plain_text(request.text).strip()
                    ),
                    markup=False,
                    classes="paragraph -action-request",
                )

    @staticmethod
    def _marking_lines(cable: ParsedCable) -> list[Content]:
        lines: list[Content] = []
        if cable.classified_by or cable.reasons:
            text = f"Classified by: {one_line(cable.classified_by) or '(not given)'}"
            if cable.reasons:
                text += f"  Reasons: {one_line(cable.reasons)}"
            lines.append(Content(text))
        if cable.declassify_on:
            lines.append(Content(f"Declassify on: {one_line(cable.declassify_on)}"))
        if cable.signers:
            lines.append(Content(f"Signed: {', '.join(one_line(s) for s in cable.signers)}"))
        return lines

    def _state(self) -> Content:
        row = self.row
        lines: list[Content] = []

        def field(name: str, *value: str | tuple[str, str]) -> None:
            lines.append(Content.assemble((f"{name:<13}", "bold"), *value))

        field("Tags", ", ".join(one_line(t) for t in row.tags) or "(none)")
        field("Assignee", one_line(row.assignee) or "(nobody)")
        action = one_line(row.action) or "none"
        if action == "open" and row.action_derived:
            action += " (from the action requests found)"
        field("Action", (action, "bold $action-open") if row.action == "open" else action)
        if row.acked:
            field("Acknowledged", format_value(row.acked))
        elif row.needs_ack:
            field("Acknowledged", ("NOT ACKNOWLEDGED", "bold $alert"))
        else:
            field("Acknowledged", "(not needed)")
        field("Read", "yes" if row.read else "no")
        field("Arrived", format_when(row.arrived) if row.arrived else "(unknown)")
        field("Sections", _sections(row.sections))
        if row.conflict:
            field("Conflict", ("YES: different texts claim this ID (all kept)", "bold $alert"))
        if row.flagged:
            field("Flagged", (one_line(row.flagged), "bold $alert"))
        sources = [one_line(s) for s in row.sources] or ["(none)"]
        for i, source in enumerate(sources):
            field("Sources" if i == 0 else "", source)
        for i, source in enumerate(row.missing_sources):
            field("Gone" if i == 0 else "", one_line(source))
        return Content("\n").join(lines)

    def update_state(self, row: QueueRow, history: list[dict[str, Any]]) -> None:
        """Show a fresh triage state and history (after a change made from the cable view)."""
        self.row = row
        self.history = list(history)
        self.query_one("#cable-state", Static).update(self._state())
        self.query_one("#cable-history", Static).update(self._history())

    def _history(self) -> Content:
        if not self.history:
            return Content("No changes yet.")
        return Content("\n").join(Content(_history_line(e)) for e in self.history)

    # -- references ---------------------------------------------------------------------

    @on(RefItem.Opened)
    def _open(self, event: RefItem.Opened) -> None:
        event.stop()
        opened = self._open_reference(event.cable_id) if self._open_reference else False
        if not opened:
            self.notify(
                f"{one_line(event.cable_id)} is not in the queue.",
                title="Reference",
                severity="warning",
                markup=False,
            )

    def focus_next_reference(self) -> bool:
        """Focus the next openable REF item (wrapping); False when there is none."""
        items = [item for item in self.query(RefItem) if item.can_focus]
        if not items:
            return False
        focused = self.screen.focused
        index = items.index(focused) + 1 if focused in items else 0
        items[index % len(items)].focus()
        return True


def _sections(sections: dict[str, Any] | None) -> str:
    if not sections or not sections.get("of"):
        return "single section"
    try:
        total = int(sections["of"])
        received = sorted({int(n) for n in sections.get("received", [])})
    except (TypeError, ValueError):
        return one_line(sections)
    missing = [n for n in range(1, total + 1) if n not in received]
    text = f"received {', '.join(map(str, received)) or 'none'} of {total}"
    return text + (f"; MISSING {', '.join(map(str, missing))}" if missing else "; complete")


def _history_line(entry: dict[str, Any]) -> str:
    who = one_line(entry.get("user")) or "?"
    os_user = one_line(entry.get("os_user"))
    if os_user and os_user != who:
        who += f" ({os_user})"
    field = one_line(entry.get("field")) or "?"
    when = format_when(entry.get("at"))
    if field == "index" and entry.get("old") is None:  # ingest's note on what arrived
        return f"{when}  {who}  {format_value(entry.get('new'))}"
    old, new = format_value(entry.get("old")), format_value(entry.get("new"))
    return f"{when}  {who}  {field}: {old} -> {new}"
