"""The queue table: a ScrollView that draws only the visible rows, and what each column shows.

``QueueTable.render_line(y)`` turns one visible row of the ``QueueModel`` into a ``Strip`` built
from plain strings (never markup, control characters stripped), cached per row version, so its
cost does not grow with the queue (DataTable measures every cell of every row: 12 s at 100k).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from triage.app.queue_model import QueueModel, clean
from triage.model import CAVEAT_ABBREV, CLASSIFICATION_ABBREV, Precedence, QueueRow
from triage.output import FLAGS, flags_text, subject_text

# --- what each column shows -------------------------------------------------------------

PRECEDENCE_LABEL = {
    Precedence.FLASH: "FLASH",
    Precedence.NIACT_IMMEDIATE: "NIACT",
    Precedence.IMMEDIATE: "IMMED",
    Precedence.PRIORITY: "PRIOR",
    Precedence.ROUTINE: "ROUTN",
    Precedence.UNKNOWN: "-----",
}
"""Five-letter precedence words: readable without colour. NIACT IMMEDIATE shows as NIACT."""

PRECEDENCE_COMPONENT = {
    Precedence.FLASH: "queue-table--prec-flash",
    Precedence.NIACT_IMMEDIATE: "queue-table--prec-niact",
    Precedence.IMMEDIATE: "queue-table--prec-immediate",
    Precedence.PRIORITY: "queue-table--prec-priority",
    Precedence.ROUTINE: "queue-table--prec-routine",
    Precedence.UNKNOWN: "queue-table--prec-unknown",
}

CLASSIFICATION_WORD = {
    "UNCLASSIFIED": "UNCLAS",
    "UNCLASSIFIED//FOR OFFICIAL USE ONLY": "SBU",
    "LIMITED OFFICIAL USE": "LOU",
    "CONFIDENTIAL": "CONFIDENTIAL",
    "SECRET": "SECRET",
    "TOP SECRET": "TOP SECRET",
}

CLASSIFICATION_COMPONENT = {
    "UNCLASSIFIED": "queue-table--cls-unclassified",
    "UNCLASSIFIED//FOR OFFICIAL USE ONLY": "queue-table--cls-sbu",
    "LIMITED OFFICIAL USE": "queue-table--cls-lou",
    "CONFIDENTIAL": "queue-table--cls-confidential",
    "SECRET": "queue-table--cls-secret",
    "TOP SECRET": "queue-table--cls-topsecret",
}


_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def classification_text(row: QueueRow, short: bool) -> str:
    """``SECRET//NOFORN`` (or ``S//NF`` when short); UNKNOWN when no marking was found."""
    if short:
        base = CLASSIFICATION_ABBREV.get(row.classification, "UNK")
        caveats = [CAVEAT_ABBREV.get(c.upper(), c[:4]) for c in row.caveats]
    else:
        base = CLASSIFICATION_WORD.get(row.classification or "", "UNKNOWN")
        caveats = list(row.caveats)
    return clean("//".join([base, "/".join(caveats)]) if caveats else base)


def dtg_text(dtg: str | None) -> str:
    """ISO 8601 UTC as a military DTG: ``2008-02-22T22:15:00Z`` -> ``222215Z FEB 08``."""
    if not dtg:
        return ""
    try:
        year, month, day = dtg[2:4], int(dtg[5:7]), dtg[8:10]
        return f"{day}{dtg[11:13]}{dtg[14:16]}Z {_MONTHS[month - 1]} {year}"
    except (ValueError, IndexError):
        return clean(dtg)


def dtg_short(dtg: str | None) -> str:
    """The DTG for narrow terminals, month kept: ``2008-02-22T22:15:00Z`` -> ``22FEB 2215Z``."""
    if not dtg:
        return ""
    try:
        month = int(dtg[5:7])
        return f"{dtg[8:10]}{_MONTHS[month - 1]} {dtg[11:13]}{dtg[14:16]}Z"
    except (ValueError, IndexError):
        return clean(dtg)


def flag_mark(row: QueueRow) -> str:
    """One character for the most pressing flag, shown at every width: the first of the
    letters of ``triage list``'s FLAGS (``X`` conflict, ``F`` flagged, ``?`` a source is gone,
    ``P`` sections missing, ``C`` corrected copy, ``R`` rejected; see ``triage.output.FLAGS``);
    the FLAGS column, when there is room, shows them all."""
    return flags_text(row)[:1] or " "


LEGEND: tuple[tuple[str, str], ...] = (
    ("▶", "the cursor"),
    ("*", "selected (space) for a bulk change"),
    ("●", "unread by you"),
    ("!", "awaiting acknowledgement (FLASH, NIACT, IMMEDIATE): press !"),
    *((mark, meaning) for mark, _word, meaning in FLAGS),
)
"""What the marks at the start of each row mean (the last one is the first FLAGS letter)."""


def sections_text(row: QueueRow) -> str:
    """``2/3`` while sections are missing, else empty."""
    if not row.sections or not row.sections.get("of"):
        return ""
    received = row.sections.get("received") or []
    if not row.sections_incomplete:
        return ""
    return f"{len(received)}/{row.sections['of']}"


@dataclass(frozen=True, slots=True)
class Column:
    """One column of the queue: the key of its cell, its title, width and keep-priority."""

    key: str
    title: str
    width: int
    priority: int
    """0: always shown; higher numbers give way first when the terminal is narrow."""


COLUMNS: tuple[Column, ...] = (
    Column("marks", "", 5, 0),
    Column("precedence", "PREC", 5, 0),
    Column("classification", "CLASS", 9, 0),
    Column("dtg", "DTG", 11, 2),
    Column("origin", "ORIGIN", 18, 6),
    Column("subject", "SUBJECT", 0, 0),
    Column("cable_tags", "TAGS", 14, 7),
    Column("tags", "USER TAGS", 14, 3),
    Column("assignee", "ASSIGNEE", 10, 0),
    Column("action", "ACTION", 6, 1),
    Column("sections", "SECT", 5, 5),
    Column("flags", "FLAGS", 8, 4),
)
"""Left to right. The subject takes whatever the other columns leave."""

SUBJECT_MIN = 24
"""The subject never gets less than this (or 35% of the width, up to 40) while optional
columns could give way."""

WIDE_DTG = 100
"""At or above this width the DTG is the full military one (``222215Z FEB 08``); below it the
compact ``22FEB 2215Z`` (the month kept: cables of different months never look alike)."""

WIDE_CLASS = 140
"""At or above this width the classification is spelled out with its caveats."""


def layout(width: int) -> list[tuple[Column, int]]:
    """Which columns fit in ``width`` cells, and how wide each is.

    Args:
        width: The table's width in cells.

    Returns:
        ``(column, width)`` pairs, left to right; the subject takes the room left over.
    """

    def size(col: Column) -> int:
        if col.key == "classification":
            return 22 if width >= WIDE_CLASS else col.width
        if col.key == "dtg":
            return 14 if width >= WIDE_DTG else col.width
        if col.key in ("origin", "cable_tags", "tags") and width >= 150:
            return col.width + 6
        return col.width

    subject_min = max(SUBJECT_MIN, min(int(width * 0.35), 40))
    chosen = [c for c in COLUMNS if c.priority == 0]
    used = sum(size(c) for c in chosen) + len(chosen) - 1
    for col in sorted((c for c in COLUMNS if c.priority), key=lambda c: c.priority):
        if used + size(col) + 1 + subject_min <= width:
            chosen.append(col)
            used += size(col) + 1
    subject = max(width - used, 4)
    return [(c, subject if c.key == "subject" else size(c)) for c in COLUMNS if c in chosen]


def fit(text: str, width: int) -> str:
    """Pad or truncate to exactly ``width`` cells, with an ellipsis when truncated."""
    if text.isascii():  # one cell per character: plain slicing
        if len(text) <= width:
            return text + " " * (width - len(text))
        return text[: width - 1] + "…" if width > 1 else text[:width]
    size = cell_len(text)
    if size <= width:
        return text + " " * (width - size)
    if width <= 1:
        return set_cell_size(text, width)
    return set_cell_size(text, width - 1) + "…"


# --- the widget -------------------------------------------------------------------------


class QueueTable(ScrollView, can_focus=True, inherit_bindings=False):
    """The queue: one line per cable, drawn on demand from the model's visible rows."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "queue-table--header",
        "queue-table--cursor",
        "queue-table--pointer",
        "queue-table--selected",
        "queue-table--unread",
        "queue-table--alert",
        "queue-table--action-open",
        "queue-table--dim",
        *PRECEDENCE_COMPONENT.values(),
        *CLASSIFICATION_COMPONENT.values(),
        "queue-table--cls-unknown",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "j,down",
            "cursor_down",
            "Down",
            id="cursor-down",
            show=False,
            tooltip="Highlight the next cable",
        ),
        Binding(
            "k,up",
            "cursor_up",
            "Up",
            id="cursor-up",
            show=False,
            tooltip="Highlight the previous cable",
        ),
        Binding(
            "pagedown,ctrl+f",
            "page_down",
            "Page down",
            id="page-down",
            show=False,
            tooltip="One screen down",
        ),
        Binding(
            "pageup,ctrl+b", "page_up", "Page up", id="page-up", show=False, tooltip="One screen up"
        ),
        Binding(
            "home,g",
            "first",
            "First",
            id="first",
            show=False,
            tooltip="The first cable of the queue",
        ),
        Binding(
            "end,G", "last", "Last", id="last", show=False, tooltip="The last cable of the queue"
        ),
    ]

    class CursorMoved(Message):
        """The highlighted cable changed."""

        def __init__(self, cable_id: str | None) -> None:
            super().__init__()
            self.cable_id = cable_id

    def __init__(self, model: QueueModel, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.model = model
        self.cursor = 0
        """Index of the highlighted row among the visible rows."""
        self.cursor_id: str | None = None
        """ID of the highlighted cable: the cursor follows it when rows move."""
        self._lines: LRUCache[tuple[Any, ...], Strip] = LRUCache(512)
        self._cells: LRUCache[tuple[str, int], dict[str, str]] = LRUCache(512)
        self._styles: dict[str, Style] = {}
        self._base: Style | None = None
        self._layout: tuple[int, list[tuple[Column, int]]] = (-1, [])

    # --- model -> screen ----------------------------------------------------------------

    def set_model(self, model: QueueModel) -> None:
        """Show another model (a fresh load), keeping the cursor on the same cable."""
        self.model = model
        self.model_changed()

    def model_changed(self) -> None:
        """The model's rows or filter changed: follow the highlighted cable and redraw."""
        model = self.model
        before = self.cursor
        index = model.index_of(self.cursor_id) if self.cursor_id else None
        if index is None:
            index = min(self.cursor, max(len(model) - 1, 0))
        self.virtual_size = Size(self.size.width, len(model) + 1)
        self._move(index, keep_screen_position=before)
        self.refresh()

    def _move(self, index: int, keep_screen_position: int | None = None) -> None:
        count = len(self.model)
        index = max(0, min(index, count - 1)) if count else 0
        old_id = self.cursor_id
        self.cursor = index
        row = self.model.row_at(index)
        self.cursor_id = row.id if row else None
        body = max(self.size.height - 1, 1)
        top = int(self.scroll_y)
        if keep_screen_position is not None:
            top += index - keep_screen_position
        if index < top:
            top = index
        elif index >= top + body:
            top = index - body + 1
        top = max(0, min(top, max(count + 1 - self.size.height, 0)))
        if top != int(self.scroll_y):
            self.scroll_to(y=top, animate=False, immediate=True)
        self.refresh()
        if self.cursor_id != old_id:
            self.post_message(self.CursorMoved(self.cursor_id))

    def move_to(self, cable_id: str) -> bool:
        """Highlight a cable if it is visible; returns whether it is."""
        index = self.model.index_of(cable_id)
        if index is None:
            return False
        self._move(index)
        return True

    @property
    def current(self) -> QueueRow | None:
        """The highlighted row."""
        return self.model.row_at(self.cursor)

    # --- actions ------------------------------------------------------------------------

    def action_cursor_down(self) -> None:
        self._move(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self._move(self.cursor - 1)

    def action_page_down(self) -> None:
        self._move(self.cursor + max(self.size.height - 2, 1))

    def action_page_up(self) -> None:
        self._move(self.cursor - max(self.size.height - 2, 1))

    def action_first(self) -> None:
        self._move(0)

    def action_last(self) -> None:
        self._move(len(self.model) - 1)

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1:
            self._move(int(self.scroll_y) + event.y - 1)

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(event.size.width, len(self.model) + 1)
        self._lines.clear()
        self._move(self.cursor)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base = None
        self._styles.clear()
        self._lines.clear()

    # --- drawing ------------------------------------------------------------------------

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self._styles[name] = self.get_component_rich_style(name, partial=True)
        return style

    def _columns(self, width: int) -> list[tuple[Column, int]]:
        if self._layout[0] != width:
            self._layout = (width, layout(width))
        return self._layout[1]

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self._base
        if base is None:
            base = self._base = self.rich_style
        if y == 0:
            return self._header(width, base)
        index = int(self.scroll_y) + y - 1
        model = self.model
        visible = model.visible
        if index >= len(visible.rows):
            return Strip.blank(width, base)
        row = visible.rows[index]
        cid = row.id
        version = model.versions.get(cid, 0)
        selected = cid in model.selected
        cursor = index == self.cursor
        key = (cid, version, width, cursor, selected)
        strip = self._lines.get(key)
        if strip is None:
            strip = self._row_strip(row, version, width, base, cursor, selected)
            self._lines[key] = strip
        return strip

    def _header(self, width: int, base: Style) -> Strip:
        style = base + self._style("queue-table--header")
        text = " ".join(fit(col.title, size) for col, size in self._columns(width))
        return Strip([Segment(fit(text, width), style)], width)

    def _cells_for(self, row: QueueRow, version: int, width: int) -> dict[str, str]:
        wide_class, wide_dtg = width >= WIDE_CLASS, width >= WIDE_DTG
        key = (row.id, version * 4 + wide_class * 2 + wide_dtg)
        cells = self._cells.get(key)
        if cells is None:
            cells = {
                "precedence": PRECEDENCE_LABEL[row.rank],
                "classification": classification_text(row, short=not wide_class),
                "dtg": dtg_text(row.dtg) if wide_dtg else dtg_short(row.dtg),
                "origin": clean(row.origin),
                "subject": clean(subject_text(row)) or clean(row.id),
                "cable_tags": clean(" ".join(row.cable_tags)),
                "tags": clean(" ".join(row.tags)),
                "assignee": clean(row.assignee),
                "action": row.action if row.action != "none" else "",
                "sections": sections_text(row),
                "flags": flags_text(row),
            }
            self._cells[key] = cells
        return cells

    def _row_strip(
        self, row: QueueRow, version: int, width: int, base: Style, cursor: bool, selected: bool
    ) -> Strip:
        # The cursor is a ``▶`` in the first column plus a background tint and bold text on
        # the ordinary cells; the badges (precedence, classification) never take the cursor's
        # or the selection's style, so they read the same on every row, in every theme and in
        # NO_COLOR (where the cursor row is also underlined, see triage.tcss).
        over = Style()
        if selected:
            over += self._style("queue-table--selected")
        if cursor:
            over += self._style("queue-table--cursor")
        line = base + over
        style_of = self._style
        unread = not row.read
        cells = self._cells_for(row, version, width)
        segments: list[Segment] = []
        append = segments.append
        for col, size in self._columns(width):
            key = col.key
            if key == "marks":
                append(Segment("▶" if cursor else " ", base + style_of("queue-table--pointer")))
                append(Segment("*" if selected else " ", line))
                append(
                    Segment("●" if unread else " ", base + style_of("queue-table--unread") + over)
                )
                alert = style_of("queue-table--alert")
                append(Segment("!" if row.needs_ack else " ", base + alert + over))
                append(Segment(flag_mark(row), base + alert + over))
                append(Segment(" ", line))
                continue
            text = fit(cells[key], size)
            if key == "precedence":
                style = base + style_of(PRECEDENCE_COMPONENT[row.rank])
            elif key == "classification":
                name = CLASSIFICATION_COMPONENT.get(
                    row.classification or "", "queue-table--cls-unknown"
                )
                style = base + style_of(name)
            elif key == "subject" and unread:
                style = base + style_of("queue-table--unread") + over
            elif key == "action" and row.action == "open":
                style = base + style_of("queue-table--action-open") + over
            elif key == "flags":
                style = base + style_of("queue-table--alert") + over
            elif key in ("dtg", "origin", "cable_tags", "sections"):
                style = base + style_of("queue-table--dim") + over
            else:
                style = line
            append(Segment(text, style))
            append(Segment(" ", line))
        segments.pop()  # no gap after the last column: the cells add up to the width
        return Strip(segments, width)
