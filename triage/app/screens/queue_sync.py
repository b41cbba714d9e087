"""Reading the shared store for the queue screen, always in thread workers.

``QueueSync`` is mixed into ``QueueScreen``: the start-up load (this user's saved head, else
the store's shared head, first; then every row), the poll of the store's change sequence
(other processes' changes), fetching the rows that changed, and rebuilding the model after a
burst. Threads here never touch widgets; they post ``RowsLoaded`` / ``RowsChanged`` to the
screen.
"""

from __future__ import annotations

import contextlib
import gc
import operator
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work

from triage.app.messages import RowsChanged, RowsLoaded
from triage.app.queue_cache import (
    HEAD_ROWS,
    Head,
    head_path,
    marker_path,
    read_head,
    read_marker,
    write_head,
    write_marker,
)
from triage.app.queue_model import Counts, QueueModel, rank_digit
from triage.config import Settings
from triage.model import ParsedCable, QueueRow
from triage.store import StoreError, UnknownCableError

if TYPE_CHECKING:
    from triage.app.app import TriageApp
    from triage.store import Store

POLL_SECONDS = 0.5
"""How often the store's change sequence is polled for other processes' changes."""

RELOAD_ABOVE = 2000
"""More changed cables than this at once (a big ingest, a pruned journal): rebuild the whole
model in the worker instead of moving rows one by one on the UI thread."""

MIN_SCREENFUL = 24
"""Rows the shared head must give a view (or the screen's height, if taller) to be shown."""

HEAD_MAX_CHANGES = 100
"""The saved head is used at start only if at most this many cables changed since."""


_ARRIVED = operator.attrgetter("arrived")


def new_urgent(rows: list[QueueRow], marker: str | None) -> list[QueueRow]:
    """The rows that need acknowledgement and arrived after ``marker`` (None: ever).

    The same as testing ``row.needs_ack`` on each, ~10x faster at 250,000 rows: the cheap
    tests first, then the rank from a table.

    Args:
        rows: Queue rows.
        marker: This user's last-seen arrival time, or None.

    Returns:
        Those rows, in the order given.
    """
    return [
        r
        for r in rows
        if r.arrived
        and (not marker or r.arrived > marker)
        and r.acked is None
        and rank_digit(r) <= "2"  # FLASH, NIACT, IMMEDIATE
    ]


def read_cable(
    store: Store, cable_id: str, inbox: Path
) -> tuple[QueueRow, ParsedCable | None, list[dict[str, Any]]]:
    """The fresh row, the text and the history of one cable (call in a thread).

    The text is the one ``triage show`` prints (``triage.sources.cable_text``): every
    section of a cable delivered in parts, a corrected copy over the original. Sources that
    cannot be read are named in the text's parser notes.

    Args:
        store: The shared store.
        cable_id: The cable.
        inbox: The inbox folder its sources are relative to.

    Returns:
        ``(row, text or None when no source can be read, history)``.
    """
    from triage.sources import cable_text  # the parser's imports cost ~0.2 s: only here

    row = store.row(cable_id)
    history = store.history(cable_id)
    cable, problems = cable_text(inbox, row)
    if cable is not None and problems:
        cable.errors = [*problems, *cable.errors]
    return row, cable, history


def read_state(store: Store, cable_id: str) -> tuple[QueueRow, list[dict[str, Any]]]:
    """The fresh row and the history of one cable, without its text (call in a thread).

    Args:
        store: The shared store.
        cable_id: The cable.

    Returns:
        ``(row, history)``.
    """
    return store.row(cable_id), store.history(cable_id)


class QueueSync:
    """The store-reading half of ``QueueScreen`` (see the module docstring)."""

    model: QueueModel
    loaded: bool
    partial: bool
    rejects: int
    _scanning: bool

    def _init_sync(self, settings: Settings) -> None:
        self._seq = 0
        self._sync_lock = threading.Lock()
        self._marker = marker_path(settings)
        self._head = head_path(settings)
        self._newest_seen: str | None = None
        self._applied_seq = 0
        self._head_drawn = threading.Event()

    if TYPE_CHECKING:

        @property
        def triage(self) -> TriageApp: ...

        def post_message(self, message: Any) -> bool: ...

        def run_worker(self, *args: Any, **kwargs: Any) -> Any: ...

        def call_after_refresh(self, callback: Any, *args: Any, **kwargs: Any) -> bool: ...

        @property
        def size(self) -> Any: ...

        @staticmethod
        def parse(text: str) -> tuple[Any, str | None]: ...

        def call_later(self, callback: Any, *args: Any, **kwargs: Any) -> bool: ...

        def apply_query(self, text: str, *, name: str | None = None) -> None: ...

    @work(thread=True, group="load", exit_on_error=False)
    def _load(self) -> None:
        app = self.triage
        user = app.settings.user
        text = self.model.query_text
        query, error = self.parse(text)
        if error:
            app.notify(
                f"The start view {text!r} is not a valid QUERY: {error}",
                severity="error",
                markup=False,
                timeout=10,
            )
            text, query = "", None
        try:
            store = app.open_store()
            seq = store.changes_since(2**62)[0]
            head = read_head(self._head, text)
            partial = None if head is None else self._from_head(store, head, seq, query)
            if partial is None:  # a first start, another view: the store's shared head
                partial = self._from_shared_head(store, text, query)
            if partial is not None:
                self.post_message(RowsLoaded(partial, [], first_run=False, partial=True))
                # Reading every row holds the GIL for seconds at 250k: let the UI draw the
                # head first (the event is set once the screen has handled the message and
                # refreshed).
                self.call_after_refresh(self._head_drawn.set)
                self._head_drawn.wait(1.0)
            rows = store.rows()
            rejects = len(store.rejects())
        except StoreError as exc:
            app.call_from_thread(app.fail, str(exc))
            return
        except OSError as exc:  # a state file made a folder, a shared folder's group or mode
            app.notify(
                f"Cannot read the shared state: {exc}. Check that the files in the state "
                "folder are files you may read and write (a shared folder needs your group "
                "and group write permission), then restart triage.",
                title="Queue not loaded",
                severity="error",
                markup=False,
                timeout=3600,
            )
            return
        gc.disable()  # 250k new rows would set off full collections over and over
        try:
            model = QueueModel.build(rows, user, text, query)
            # The filter index with its free-word column, before the hand-over: a filter
            # typed from the first full frame on reads it (its other columns come below).
            model.prepare_index()
        finally:
            gc.enable()
        marker = read_marker(self._marker)
        alerts = new_urgent(rows, marker)
        newest = max(filter(None, map(_ARRIVED, rows)), default=None)
        if marker is None and newest is None:
            newest = datetime.now(UTC).isoformat(timespec="microseconds")
        if newest and (not marker or newest > marker):
            write_marker(self._marker, newest)
        self._newest_seen = max(newest or "", marker or "") or None
        with self._sync_lock:
            self._seq = seq
        self.rejects = rejects
        self.post_message(RowsLoaded(model, alerts, first_run=marker is None, seq=seq))
        # Let the screen take the model in first: while this thread builds columns, the UI
        # thread gets the GIL only every few ms, and taking a message in needs many turns.
        shown = threading.Event()
        self.call_after_refresh(shown.set)
        shown.wait(1.0)
        # The index's other columns (per-field): built here, not in the user's first filter.
        model.warm_index()
        self._save_head(model, seq)
        with contextlib.suppress(StoreError, OSError):  # everyone's next first start
            store.ensure_head()  # rebuilt only when missing or thinned out

    def _carry_query(self, message: RowsLoaded) -> None:
        """Call first in ``on_rows_loaded``: a QUERY typed while only the head was shown is
        applied again to the whole queue once it arrives (the load built it with the start
        view, and a filter of the head still running is then ignored)."""
        if message.partial or message.reload or self.loaded:
            return
        typed = self.model.requested
        if typed is not None and typed != message.model.query_text:
            self.call_later(self.apply_query, typed)

    def _from_head(self, store: Store, head: Head, seq: int, query: Any) -> QueueModel | None:
        """The saved head brought up to date with what changed since it was saved, or None.

        The head held the first rows of the start view at ``head.seq``. Every cable that was
        not among them then sorted after its last row and has not changed since (or it would
        be among ``ids``), so once the changed rows are put in place, the rows up to that last
        key are exactly the first rows of the view now.
        """
        if not head.rows or not 0 <= seq - head.seq <= HEAD_MAX_CHANGES:
            return None
        _, ids = store.changes_since(head.seq)
        if len(ids) > HEAD_MAX_CHANGES:
            return None
        fresh = []
        for cid in ids:
            try:
                fresh.append(store.row(cid))
            except UnknownCableError:
                continue
        user = self.triage.settings.user
        model = QueueModel.build(head.rows, user, head.query, query)
        limit = model.keys[model.ordered.rows[-1].id]
        counts = head.counts
        known = model.rows
        for row in fresh:
            if row.id in known:
                counts.add(known[row.id], user, -1)
            counts.add(row, user)
        model.update(fresh)
        model.ordered.truncate_after(limit)
        model.visible.truncate_after(limit)
        model.counts = counts
        return model

    def _from_shared_head(self, store: Store, text: str, query: Any) -> QueueModel | None:
        """The first rows of the view from the store's shared head (``Store.queue_head``), or
        None when it has none or too few of its rows match the view to fill the screen.

        The head holds every cable that sorts up to its last row, with this user's state, so
        the rows of the view among them are exactly the view's first rows. Counts over every
        cable stay unknown (zero) until the full load, unless the head is every cable.
        """
        head = store.queue_head()
        if head is None:
            return None
        user = self.triage.settings.user
        model = QueueModel.build(head.rows, user, text, query)
        if not head.complete:
            if len(model.visible) < max(self.size.height, MIN_SCREENFUL):
                return None  # a narrow view: the head cannot fill the screen
            model.counts = Counts()
        return model

    def _save_head(self, model: QueueModel, seq: int) -> None:
        """Keep the first rows of the start view for the next start (a cache, per user)."""
        settings = self.triage.settings
        text = settings.query
        if model.query_text == text:
            rows = model.visible.rows[:HEAD_ROWS]
        else:
            query, error = self.parse(text)
            if error:
                return
            rows = []
            for row in model.ordered.rows:
                if query is None or query.matches(row, model.user):
                    rows.append(row)
                    if len(rows) == HEAD_ROWS:
                        break
        counts = Counts(**{k: getattr(model.counts, k) for k in Counts.__slots__})
        write_head(self._head, Head(seq, text, list(rows), model.counts.total, counts))

    def fetch_changes(self, *, initial: bool = False) -> int:
        """Read what changed in the store since the last look and post it (call in a thread).

        Args:
            initial: The changes come from the start-up scan.

        Returns:
            How many rows changed.
        """
        store = self.triage.store
        if store is None or not self.loaded:
            return 0
        with self._sync_lock:
            latest, ids = store.changes_since(self._seq)
            if len(ids) > RELOAD_ABOVE:
                return self._reload(store, ids, latest, initial)
            rows: list[QueueRow] = []
            for cid in ids:
                try:
                    rows.append(store.row(cid))
                except UnknownCableError:
                    continue
            self._seq = seq = max(self._seq, latest)
            if rows:  # posted under the lock: messages arrive in change order
                self._seen(rows)
                self.post_message(RowsChanged(rows, initial=initial, seq=seq))
        return len(rows)

    def _seen(self, rows: list[QueueRow]) -> None:
        """Move this user's last-seen marker to the newest arrival among ``rows``."""
        newest = max((r.arrived for r in rows if r.arrived), default=None)
        if newest and (self._newest_seen is None or newest > self._newest_seen):
            self._newest_seen = newest
            write_marker(self._marker, newest)

    def _reload(self, store: Store, ids: set[str], latest: int, initial: bool) -> int:
        """Too many changes to apply row by row on the UI thread: rebuild the model here."""
        rows = store.rows()
        old = self.model
        gc.disable()
        try:
            model = QueueModel.build(rows, old.user, old.query_text, old.query)
            model.prepare_index()
        finally:
            gc.enable()
        changed = [r for r in rows if r.id in ids]
        urgent = [r for r in changed if r.id not in old.rows and r.needs_ack]
        self._seen(changed)
        self._seq = max(self._seq, latest)
        self.post_message(
            RowsLoaded(model, urgent, first_run=False, seq=self._seq, reload=True, initial=initial)
        )
        model.warm_index()
        return len(ids)

    def _poll(self) -> None:
        if not self._sync_lock.locked():
            self.run_worker(self._poll_worker, thread=True, group="sync", exit_on_error=False)

    def _poll_worker(self) -> None:
        try:
            self.fetch_changes(initial=self._scanning)
        except (StoreError, OSError) as exc:
            self.triage.notify(
                f"Cannot read the shared state: {exc}", severity="warning", markup=False
            )

    # --- messages ------------------------------------------------------------------------
