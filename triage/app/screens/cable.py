"""CableScreen: one cable between its classification banners, scrolled with keys only."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen

from triage.app.widgets.cable_view import CableView, ClassificationBanner, TriageLine, one_line
from triage.app.widgets.footer import KeyFooter
from triage.model import ParsedCable, QueueRow

if TYPE_CHECKING:
    from triage.app.screens.queue import QueueScreen


class CableScreen(Screen[None]):
    """The cable view: banner, fields, REF list, paragraphs, triage state and history.

    Args:
        row: the cable's queue row (triage state).
        cable: the parsed cable, or None when its text cannot be read.
        history: the cable's changes (``seq, at, user, os_user, field, old, new``), oldest first.
        open_reference: called with a referenced cable's ID; returns False when that cable is
            not in the queue (the screen then says so).
        queue: the queue screen whose triage commands ``!``, ``t``, ``a`` and ``x`` use (the
            same dialogs, compare-and-set and store writes in threads); None: keys say so.
    """

    AUTO_FOCUS = ""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="cable-back", tooltip="Back to the queue"),
        Binding("j,down", "scroll_down", "Down", show=False, id="cable-scroll-down"),
        Binding("k,up", "scroll_up", "Up", show=False, id="cable-scroll-up"),
        Binding("pagedown,space", "page_down", "Page down", show=False, id="cable-page-down"),
        Binding("pageup,b", "page_up", "Page up", show=False, id="cable-page-up"),
        Binding("home,g", "scroll_home", "Top", show=False, id="cable-top"),
        Binding("end,G", "scroll_end", "Bottom", show=False, id="cable-bottom"),
        Binding(
            "exclamation_mark",
            "ack",
            "Ack",
            id="cable-ack",
            tooltip="Acknowledge this FLASH/IMMEDIATE cable",
        ),
        Binding("t", "tag", "Tag", id="cable-tag", tooltip="Add tags (-tag removes) to this cable"),
        Binding("a", "assign", "Assign", id="cable-assign", tooltip="Assign this cable"),
        Binding(
            "x",
            "cycle_action",
            "Action",
            id="cable-cycle-action",
            tooltip="Cycle this cable's action state: none, open, done",
        ),
        Binding(
            "r",
            "next_reference",
            "Next ref",
            id="cable-next-reference",
            tooltip="Move to the next referenced cable; enter opens it",
        ),
        Binding("question_mark", "help", "Keys", id="help", tooltip="The keys of this screen"),
    ]

    def __init__(
        self,
        row: QueueRow,
        cable: ParsedCable | None,
        history: list[dict[str, Any]],
        *,
        open_reference: Callable[[str], bool] | None = None,
        queue: QueueScreen | None = None,
    ) -> None:
        super().__init__(classes="cable-screen")
        self.row = row
        """The queue row shown."""
        self.cable = cable
        """The parsed cable shown (None when unavailable)."""
        self.history = history
        """The history shown."""
        self._open_reference = open_reference
        self._queue = queue
        self.sub_title = one_line(row.id)

    def compose(self) -> ComposeResult:
        """Top banner, the scrolling view, bottom banner, footer."""
        classification = self.cable.classification if self.cable else self.row.classification
        caveats = self.cable.caveats if self.cable else self.row.caveats
        yield ClassificationBanner(classification, caveats, id="banner-top")
        yield TriageLine(self.row, id="cable-triage-line")
        yield CableView(
            self.row, self.cable, self.history, open_reference=self._open_reference, id="cable"
        )
        yield ClassificationBanner(classification, caveats, id="banner-bottom")
        yield KeyFooter()

    def on_mount(self) -> None:
        """Opening a cable marks it read for this user (the queue does it before showing this
        screen): a row read before the mark is shown again with the mark."""
        if not self.row.read and self._queue is not None:
            self.run_worker(self.refresh_state(), group="cable-refresh", exclusive=True)

    @property
    def view(self) -> CableView:
        """The scrolling cable view."""
        return self.query_one(CableView)

    def action_back(self) -> None:
        """Return to the screen below (the queue)."""
        self.dismiss(None)

    def action_scroll_down(self) -> None:
        """Scroll one line down."""
        self.view.scroll_down(animate=False)

    def action_scroll_up(self) -> None:
        """Scroll one line up."""
        self.view.scroll_up(animate=False)

    def action_page_down(self) -> None:
        """Scroll one page down."""
        self.view.scroll_page_down(animate=False)

    def action_page_up(self) -> None:
        """Scroll one page up."""
        self.view.scroll_page_up(animate=False)

    def action_scroll_home(self) -> None:
        """Scroll to the top."""
        self.view.scroll_home(animate=False)

    def action_scroll_end(self) -> None:
        """Scroll to the bottom."""
        self.view.scroll_end(animate=False)

    def action_help(self) -> None:
        """List this screen's keys."""
        from triage.app.screens.help import HelpScreen

        self.app.push_screen(HelpScreen())

    def action_next_reference(self) -> None:
        """Focus the next REF that names a cable (enter then opens it)."""
        if not self.view.focus_next_reference():
            self.notify("No referenced cables.", markup=False)

    # --- triage keys: the queue screen's commands on this cable ---------------------------

    async def _triage(self, command: Callable[[QueueScreen], Awaitable[bool]]) -> None:
        queue = self._queue
        if queue is None or not queue.is_attached:
            self.notify("Triage keys work from the queue only here.", markup=False, timeout=3)
            return
        with queue.reporting("Not changed"):  # the commands report their own store errors
            await command(queue)
        await self.refresh_state()

    async def refresh_state(self) -> None:
        """Re-read this cable's row and history from the store (in a thread) and show them."""
        from triage.app.screens.queue_sync import read_state

        queue = self._queue
        if queue is None:
            return
        try:
            row, history = await asyncio.to_thread(read_state, queue.store, self.row.id)
        except Exception as exc:  # the state shown stays; say why it could not be refreshed
            self.notify(f"Cannot refresh {self.row.id}: {exc}", severity="error", markup=False)
            return
        self.row = row
        self.query_one(TriageLine).show(row)
        self.view.update_state(row, history)

    @work(group="cable-triage", exclusive=True)
    async def action_ack(self) -> None:
        """Acknowledge this cable."""
        await self._triage(lambda q: q.acknowledge([self.row.id], clear=False))

    @work(group="cable-triage", exclusive=True)
    async def action_tag(self) -> None:
        """Tag this cable (the tag dialog)."""
        await self._triage(lambda q: q.tag([self.row.id], clear=False))

    @work(group="cable-triage", exclusive=True)
    async def action_assign(self) -> None:
        """Assign this cable (the assign dialog)."""
        await self._triage(lambda q: q.assign([self.row.id], clear=False))

    @work(group="cable-triage", exclusive=True)
    async def action_cycle_action(self) -> None:
        """Cycle this cable's action state."""
        await self._triage(lambda q: q.cycle_action([self.row.id], clear=False))
