"""The queue screen: the live queue, its view (QUERY), the status line and every triage key."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.notifications import Notification, Notify, SeverityLevel
from textual.screen import Screen
from textual.worker import get_current_worker

from triage import queue as queue_logic
from triage.app.messages import (
    CablesIngested,
    FilterApplied,
    IngestProgress,
    RowsChanged,
    RowsLoaded,
)
from triage.app.queue_model import OrderedRows, QueueModel, clean
from triage.app.screens.queue_sync import POLL_SECONDS, QueueSync, read_cable
from triage.app.widgets.footer import KeyFooter
from triage.app.widgets.queue_table import LEGEND, QueueTable
from triage.app.widgets.status_bar import StatusBar, ViewBar
from triage.model import QueueRow
from triage.store import Change, StaleChangeError, StoreError

if TYPE_CHECKING:
    from triage.app.app import TriageApp
    from triage.store import Store

ALERT_SECONDS = 7
"""How long an arrival alert stays: the row's ``!`` and the status line keep the state."""

ALERT_TITLE = "Needs acknowledgement"

ALERT_SUBJECT = 60
"""An alert shows at most this many characters of the subject."""

NEXT_ACTION = {"none": "open", "open": "done", "done": "none"}
"""``x`` cycles the action state: none, open, done."""

_VIEW_KEYS = [
    Binding(
        str(n),
        f"view({n})",
        f"View {n}",
        id=f"view-{n}",
        show=False,
        tooltip=f"Saved view {n} of the config file's [views]",
    )
    for n in range(1, 10)
]


@dataclass
class Outcome:
    """What :meth:`QueueScreen.reporting` saw: ``failed`` once the store call raised."""

    failed: bool = False


def urgent_label(row: QueueRow) -> str:
    """``FLASH``, ``NIACT IMMEDIATE`` or ``IMMEDIATE`` for an alert."""
    if row.precedence == "FLASH":
        return "FLASH"
    return "NIACT IMMEDIATE" if row.niact else "IMMEDIATE"


class QueueScreen(QueueSync, Screen[None]):
    """The queue of cables in triage order, filtered by the current view."""

    AUTO_FOCUS = "QueueTable"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open_cable", "Open", id="open", tooltip="Read the cable (marks it read)"),
        Binding(
            "exclamation_mark",
            "ack",
            "Ack",
            id="ack",
            tooltip="Acknowledge FLASH/IMMEDIATE traffic (cable or selection)",
        ),
        Binding("slash", "filter", "Filter", id="filter", tooltip="Filter with a QUERY"),
        Binding(
            "t", "tag", "Tag", id="tag", tooltip="Add tags (-tag removes) to the cable or selection"
        ),
        Binding("a", "assign", "Assign", id="assign", tooltip="Assign the cable or selection"),
        Binding(
            "x",
            "cycle_action",
            "Action",
            id="cycle-action",
            tooltip="Cycle the action state: none, open, done",
        ),
        Binding(
            "escape",
            "clear_selection",
            "Unselect",
            id="clear-selection",
            show=False,
            tooltip="Clear the selection",
        ),
        Binding(
            "v", "next_view", "Views", id="next-view", tooltip="Next saved view of the config file"
        ),
        Binding(
            "0",
            "view(0)",
            "Start view",
            id="view-0",
            show=False,
            tooltip="Back to the view the queue started with",
        ),
        *_VIEW_KEYS,
        Binding("u", "undo", "Undo", id="undo", tooltip="Undo your last change"),
        Binding(
            "space",
            "toggle_select",
            "Select",
            id="select",
            tooltip="Select or unselect the cable for a bulk change",
        ),
        Binding(
            "R",
            "rejects",
            "Rejects",
            id="rejects",
            show=False,
            tooltip="Files of the inbox that were rejected, with reasons",
        ),
        Binding("question_mark", "help", "Keys", id="help", tooltip="The keys of this screen"),
    ]

    def __init__(self) -> None:
        super().__init__(id="queue-screen")
        settings = self.triage.settings
        self.model = QueueModel(user=settings.user, query_text=settings.query)
        """The rows shown; replaced when the load finishes, then changed row by row."""
        self.loaded = False
        """True once the whole queue was read from the store."""
        self.rejects = 0
        """How many inbox files were rejected."""
        self.view_name: str | None = None
        self._init_sync(settings)
        self.partial = False
        """True while the queue shows the saved head, before the whole queue is read."""
        self._scanning = True
        self._ingesting: tuple[int, int] | None = None
        """``(done, total)`` files of the start-up scan while it parses; None otherwise."""
        self._scan_urgent: dict[str, QueueRow] = {}
        self._filter_request = 0
        self._filter_busy = False
        self._alert_note: Notification | None = None

    @property
    def triage(self) -> TriageApp:
        """The app, typed."""
        return self.app  # type: ignore[return-value]

    @property
    def store(self) -> Store:
        """The shared store (opened by the loading worker)."""
        store = self.triage.store
        if store is None:
            raise StoreError("the state is not open yet")
        return store

    @property
    def table(self) -> QueueTable:
        """The queue table."""
        return self.query_one(QueueTable)

    def compose(self) -> ComposeResult:
        """View line, queue, status line (the key footer is added after the first rows)."""
        yield ViewBar(id="view-bar")
        yield QueueTable(self.model, id="queue")
        yield StatusBar(id="status-bar")

    def _add_footer(self) -> None:
        # Footer's first layout costs ~0.1-0.2 s of CSS work: after the first rows are drawn.
        if not self.query(KeyFooter):
            self.mount(KeyFooter())
            self.call_after_refresh(self.refresh_bindings)

    def on_mount(self) -> None:
        self._show_status()
        self.query_one(ViewBar).show(self.model.query_text, 0, 0, loading=True)
        self._load()

    # --- loading and syncing (thread workers; they post messages, never touch widgets) ---

    def on_unmount(self) -> None:
        if self.loaded:
            self._save_head(self.model, self._applied_seq)

    def on_rows_loaded(self, message: RowsLoaded) -> None:
        if self.loaded and not message.reload:
            return
        self._carry_query(message)  # a QUERY typed while only the head was shown
        selected = self.model.selected
        self.model = message.model
        self.model.selected = selected & set(self.model.rows)
        self.model.keep_visible_selection()
        self.table.set_model(self.model)
        if message.reload:
            self._applied_seq = max(self._applied_seq, message.seq)
            self._refresh_bars()
            gc.freeze()
            self._arrived(message.alerts, message.initial)
            return
        self.call_after_refresh(self._add_footer)
        if message.partial:
            self.partial = True
            self._refresh_bars()
            return
        self.partial = False
        self.loaded = True
        # The rows live as long as the app: keep the cyclic GC from walking them (a full
        # collection over 250k rows stalls the UI for most of a second).
        gc.freeze()
        self._applied_seq = message.seq
        self._refresh_bars()
        self.set_interval(POLL_SECONDS, self._poll)
        alerts = message.alerts
        if alerts:
            if message.first_run or len(alerts) > 1:
                self._alert_summary(len(alerts), "await acknowledgement")
            else:
                self._alert(alerts[0])
        self.triage.start_scan()

    def on_rows_changed(self, message: RowsChanged) -> None:
        self._applied_seq = max(self._applied_seq, message.seq)
        new = self.model.update(message.rows)
        self.table.model_changed()
        self._refresh_bars()
        self._arrived([row for row in new if row.needs_ack], message.initial)

    def _arrived(self, urgent: list[QueueRow], initial: bool) -> None:
        """Alert new FLASH/NIACT/IMMEDIATE arrivals (one summary for a burst or the scan)."""
        if not urgent:
            return
        if self._scanning:
            self._scan_urgent.update((row.id, row) for row in urgent)
        elif initial or len(urgent) > 1:
            self._alert_summary(len(urgent), "arrived")
        else:
            self._alert(urgent[0])

    def on_cables_ingested(self, message: CablesIngested) -> None:
        if message.rejects is not None:
            self.rejects = message.rejects
            self._show_status()
        if message.initial:
            self._scanning = False
            if self._ingesting is not None:
                self._ingesting = None
                self._refresh_bars()
            urgent = [
                r for r in self._scan_urgent.values() if self.model.rows.get(r.id, r).needs_ack
            ]
            self._scan_urgent.clear()
            if urgent:
                self._alert_summary(len(urgent), "in the inbox await acknowledgement")

    def on_ingest_progress(self, message: IngestProgress) -> None:
        if self._scanning:
            self._ingesting = (message.done, message.total)
            self._refresh_bars()

    def on_filter_applied(self, message: FilterApplied) -> None:
        if message.request != self._filter_request:
            return
        self._filter_busy = False
        self.model.apply_filter(message.text, message.query, message.matched, message.generation)
        self.table.model_changed()
        self._refresh_bars()

    def on_queue_table_cursor_moved(self, message: QueueTable.CursorMoved) -> None:
        message.stop()

    # --- alerts --------------------------------------------------------------------------

    def _alert(self, row: QueueRow) -> None:
        self._notice(
            f"{urgent_label(row)} {clean(row.id)}: {clean(row.subject)[:ALERT_SUBJECT]}",
            "error" if row.precedence == "FLASH" else "warning",
        )

    def _alert_summary(self, count: int, what: str) -> None:
        ack = self.key_for("ack", "!")
        self._notice(f"{count:,} FLASH/NIACT/IMMEDIATE {what}. {ack} acknowledges.", "warning")

    def key_for(self, binding_id: str, default: str) -> str:
        """The key bound to ``binding_id`` as displayed (the first, if the keymap gives several)."""
        for active in self.active_bindings.values():
            if active.binding.id == binding_id:
                return self.app.get_key_display(active.binding)
        return default

    def _notice(self, message: str, severity: SeverityLevel) -> None:
        """Ring and show one short-lived alert, replacing the one still on screen (if any).

        The lasting state is in the status line (``unacked N``) and the rows' ``!`` marks; the
        toast only draws the eye, so a burst never stacks toasts over the queue.
        """
        self.app.bell()
        app = self.app
        old, self._alert_note = self._alert_note, None
        if old is not None and not old.has_expired:
            # Textual has no public "replace a toast": forget the old one, then raise the new.
            app._unnotify(old, refresh=False)
            if old.title == ALERT_TITLE:
                message = f"{message} (and earlier alerts: filter is:unacked)"
        note = Notification(message, ALERT_TITLE, severity, ALERT_SECONDS, markup=False)
        self._alert_note = note
        app.post_message(Notify(note))

    # --- bars ----------------------------------------------------------------------------

    def _refresh_bars(self) -> None:
        self._show_status()
        self.query_one(ViewBar).show(
            self.model.query_text,
            len(self.model),
            self.model.counts.total,
            name=self.view_name,
            busy=self._filter_busy,
            loading=not self.loaded,
            ingesting=self._ingesting,
        )
        if self.partial:
            self.query_one(ViewBar).show(
                self.model.query_text, 0, 0, loading=True, ingesting=self._ingesting
            )

    def _show_status(self) -> None:
        self.query_one(StatusBar).show(
            self.model.counts,
            user=self.triage.settings.user,
            inbox=self.triage.settings.inbox,
            rejects=self.rejects,
            rejects_key=self.key_for("rejects", "R"),
            counting=self.partial,
            selected=len(self.model.selected),
        )

    # --- filter and views ----------------------------------------------------------------

    @staticmethod
    def parse(text: str) -> tuple[Any, str | None]:
        """Parse a QUERY: ``(query or None for every cable, error message or None)``."""
        if not text.strip():
            return None, None
        try:
            return queue_logic.parse_query(text), None
        except queue_logic.QueryError as exc:
            return None, str(exc)

    def apply_query(self, text: str, *, name: str | None = None) -> None:
        """Show the rows matching ``text`` (a QUERY; empty: every cable), matched in a worker."""
        query, error = self.parse(text)
        if error:
            self.app.notify(f"Not a valid QUERY: {error}", severity="error", markup=False)
            return
        self.view_name = name
        self._filter_request += 1
        self._filter_busy = True
        self._refresh_bars()
        model = self.model
        token, snapshot, pending = model.begin_filter()
        request = self._filter_request
        # run_worker with a description: the @work decorator would repr() every argument
        # (the whole model) to describe the worker.
        self.run_worker(
            partial(self._match, model, text, query, snapshot, pending, token, request),
            name="filter",
            description=f"filter {text!r}",
            group="filter",
            exclusive=True,
            thread=True,
            exit_on_error=False,
        )

    def _match(
        self,
        model: QueueModel,
        text: str,
        query: Any,
        snapshot: OrderedRows,
        pending: list[QueueRow],
        token: int,
        request: int,
    ) -> None:
        matched = model.filter_in_worker(snapshot, pending, query)
        if not get_current_worker().is_cancelled:
            self.post_message(FilterApplied(text, query, matched, token, request))

    def action_filter(self) -> None:
        from triage.app.screens.dialogs import FilterDialog

        def check(text: str) -> str | None:
            return self.parse(text)[1]

        def done(text: str | None) -> None:
            if text is not None:
                self.apply_query(text.strip())

        self.app.push_screen(FilterDialog(self.model.query_text, check), done)

    def action_view(self, number: int) -> None:
        """Show saved view ``number`` (1-9) of the config file; 0 is the start view."""
        settings = self.triage.settings
        if number == 0:
            self.apply_query(settings.query)
            return
        views = list(settings.views.items())
        if number > len(views):
            self.app.notify(
                f"No saved view {number}: the config file's [views] has {len(views)}.",
                severity="warning",
                markup=False,
            )
            return
        name, text = views[number - 1]
        self.apply_query(text, name=name)

    def palette_commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        """Extra command-palette entries: each saved view of the config file by name."""
        views = list(self.triage.settings.views.items())
        out: list[tuple[str, str, Callable[[], Any]]] = [
            (f"View: {clean(name)}", f"QUERY {clean(text)}", partial(self.action_view, n))
            for n, (name, text) in enumerate(views, start=1)
        ]
        out.append(
            (
                "View: start",
                f"QUERY {clean(self.triage.settings.query)}",
                partial(self.action_view, 0),
            )
        )
        return out

    def action_next_view(self) -> None:
        views = list(self.triage.settings.views)
        if not views:
            self.app.notify(
                "No saved views: add a [views] table to the config file.",
                severity="warning",
                markup=False,
            )
            return
        current = views.index(self.view_name) + 1 if self.view_name in views else 0
        self.action_view(current % len(views) + 1 if current < len(views) else 0)

    # --- selection -----------------------------------------------------------------------

    def action_toggle_select(self) -> None:
        row = self.table.current
        if row is None:
            return
        selected = self.model.selected
        selected.symmetric_difference_update({row.id})
        self.table.action_cursor_down()
        self.table.refresh()
        self._show_status()

    def action_clear_selection(self) -> None:
        if self.model.selected:
            self.model.selected.clear()
            self.table.refresh()
            self._show_status()

    def targets(self) -> list[str]:
        """The selection, else the highlighted cable."""
        return self.model.targets(self.table.cursor_id)

    # --- triage commands: the store is written in threads ---------------------------------

    @contextlib.contextmanager
    def reporting(self, what: str, *, severity: SeverityLevel = "error") -> Iterator[Outcome]:
        """Turn a failed store call into one notification instead of a dead worker (and app).

        A ``StoreError`` (lock timeout, unreadable state file...) or an ``OSError`` (a state
        file made a folder, a shared folder with the wrong group) raised in the block is
        shown as ``"<what>: <error>"`` (never as markup) and swallowed; the queue stays usable.

        Args:
            what: What did not happen, e.g. ``"Not marked read"``.
            severity: The notification's severity.

        Yields:
            An :class:`Outcome` whose ``failed`` is True after the block raised.
        """
        outcome = Outcome()
        try:
            yield outcome
        except (StoreError, OSError) as exc:
            outcome.failed = True
            self.app.notify(f"{what}: {exc}", severity=severity, markup=False)

    async def _write(self, what: str, command: Callable[[], Change], *, clear: bool = True) -> bool:
        try:
            change = await asyncio.to_thread(command)
        except StaleChangeError as exc:
            self.app.notify(
                f"{what}: not changed, someone changed it first. {exc}",
                title="Changed meanwhile",
                severity="warning",
                markup=False,
            )
            ok = False
        except (StoreError, OSError) as exc:
            self.app.notify(f"{what}: {exc}", severity="error", markup=False)
            ok = False
        else:
            if change.message:
                self.app.notify(change.message, markup=False, timeout=3)
            if clear and self.model.selected:
                self.model.selected.clear()
                self.table.refresh()
                self._show_status()
            ok = True
        if ok:
            with self.reporting("Cannot show the change", severity="warning"):
                await asyncio.to_thread(self.fetch_changes)
        else:  # one notification per key: the poll tries again and reports a lasting failure
            with contextlib.suppress(StoreError, OSError):
                await asyncio.to_thread(self.fetch_changes)
        return ok

    @work(group="triage")
    async def action_tag(self) -> None:
        await self.tag(self.targets())

    @work(group="triage")
    async def action_assign(self) -> None:
        await self.assign(self.targets())

    @work(group="triage")
    async def action_cycle_action(self) -> None:
        await self.cycle_action(self.targets())

    @work(group="triage")
    async def action_ack(self) -> None:
        await self.acknowledge(self.targets())

    # The commands themselves, for these keys and the cable view's (await them in a worker:
    # the dialogs are pushed with push_screen_wait). ``clear``: empty the selection after.

    async def tag(self, ids: list[str], *, clear: bool = True) -> bool:
        """Ask for tags (``-tag`` removes) and add/remove them on ``ids``; True if written."""
        from triage.app.screens.dialogs import TagDialog

        if not ids:
            return False
        with self.reporting("Cannot tag") as out:
            known = await asyncio.to_thread(self.store.known_tags)
        if out.failed:
            return False
        tags = await self.app.push_screen_wait(TagDialog(known))
        if not tags:
            return False
        add = [t for t in tags if not t.startswith("-")]
        remove = [t[1:] for t in tags if t.startswith("-") and len(t) > 1]
        store = self.store
        # One command, so one ``u`` undoes the whole "-old new".
        return await self._write("Tag", lambda: store.change_tags(ids, add, remove), clear=clear)

    async def assign(self, ids: list[str], *, clear: bool = True) -> bool:
        """Ask for an assignee of ``ids`` (compare-and-set on their assignees); True if written."""
        from triage.app.screens.dialogs import AssignDialog

        rows = self.model.rows
        ids = [cid for cid in ids if cid in rows]
        if not ids:
            return False
        expected = {cid: rows[cid].assignee for cid in ids}
        current = rows[ids[0]].assignee if len(ids) == 1 else None
        with self.reporting("Cannot assign") as out:
            known = await asyncio.to_thread(self.store.known_users)
        if out.failed:
            return False
        name = await self.app.push_screen_wait(AssignDialog(known, current))
        if name is None:
            return False
        name = self.triage.settings.person(name)  # ``me``: the acting user
        store = self.store
        return await self._write(
            "Assign", lambda: store.assign(ids, name or None, expected=expected), clear=clear
        )

    async def cycle_action(self, ids: list[str], *, clear: bool = True) -> bool:
        """Move ``ids`` to the action state after the first one's: none, open, done."""
        rows = self.model.rows
        ids = [cid for cid in ids if cid in rows]
        if not ids:
            return False
        state = NEXT_ACTION.get(rows[ids[0]].action, "open")
        expected = {cid: rows[cid].action for cid in ids}
        store = self.store
        return await self._write(
            "Action", lambda: store.set_action(ids, state, expected=expected), clear=clear
        )

    async def acknowledge(self, ids: list[str], *, clear: bool = True) -> bool:
        """Acknowledge those of ``ids`` that await it; True if any was written."""
        rows = self.model.rows
        ids = [cid for cid in ids if cid in rows and rows[cid].needs_ack]
        if not ids:
            self.app.notify("Nothing to acknowledge here.", markup=False, timeout=3)
            return False
        store = self.store
        return await self._write("Acknowledge", lambda: store.ack(ids), clear=clear)

    @work(group="triage")
    async def action_undo(self) -> None:
        store = self.store
        await self._write("Undo", store.undo, clear=False)

    # --- other screens -------------------------------------------------------------------

    @work(group="open")
    async def action_open_cable(self, cable_id: str | None = None) -> None:
        """Open a cable (the highlighted one by default): marks it read for this user."""
        from triage.app.screens.cable import CableScreen

        row = self.model.rows.get(cable_id) if cable_id else self.table.current
        if row is None:
            return
        with self.reporting(f"Cannot open {row.id}") as out:
            store, inbox = self.store, self.triage.settings.inbox
            fresh, cable, history = await asyncio.to_thread(read_cable, store, row.id, inbox)
        if out.failed:
            return
        if not fresh.read:  # the cable opens all the same; the row stays unread
            with self.reporting("Not marked read", severity="warning") as out:
                await asyncio.to_thread(store.mark_read, fresh.id)
            if not out.failed:
                with contextlib.suppress(StoreError, OSError):  # the poll reports it
                    await asyncio.to_thread(self.fetch_changes)
        await self.app.push_screen(
            CableScreen(fresh, cable, history, open_reference=self.open_reference, queue=self)
        )

    def open_reference(self, cable_id: str) -> bool:
        """Open a referenced cable if the queue knows it (for the cable view)."""
        if cable_id not in self.model.rows:
            return False
        self.table.move_to(cable_id)
        self.app.pop_screen()
        self.action_open_cable(cable_id)
        return True

    @work(group="open")
    async def action_rejects(self) -> None:
        from triage.app.screens.dialogs import RejectsScreen

        with self.reporting("Cannot list the rejected files") as out:
            rejects = await asyncio.to_thread(self.store.rejects)
        if out.failed:
            return
        await self.app.push_screen(RejectsScreen(rejects))

    def help_legend(self) -> list[tuple[str, str]]:
        """The row marks, explained in ``?`` under the keys (with the ack key actually bound)."""
        ack = self.key_for("ack", "!")
        return [(mark, text.replace("press !", f"press {ack}")) for mark, text in LEGEND]

    def action_help(self) -> None:
        from triage.app.screens.help import HelpScreen

        self.app.push_screen(HelpScreen())
