"""Messages that cross widgets and threads: inbox events, ingest results, changed rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual.message import Message

from triage.model import QueueRow


class InboxChanged(Message):
    """The watcher saw a file in the inbox (posted from the watcher's thread)."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        """The path of the file, as the watcher reported it."""


class CablesIngested(Message):
    """An ingest batch finished; the rows it changed follow as ``RowsChanged``."""

    def __init__(self, report: Any, *, initial: bool = False, rejects: int | None = None) -> None:
        super().__init__()
        self.report = report
        """What ``ingest.ingest_files`` returned."""
        self.initial = initial
        """True for the start-up scan of the inbox."""
        self.rejects = rejects
        """How many inbox files are rejected now, when known."""


class IngestProgress(Message):
    """The start-up scan's progress: ``done`` of ``total`` inbox files looked at (posted from
    the ingest worker, a few times a second at most)."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done = done
        self.total = total


class RowsLoaded(Message):
    """The whole queue was read from the store (posted by the loading worker)."""

    def __init__(
        self,
        model: Any,
        alerts: Sequence[QueueRow],
        first_run: bool,
        *,
        partial: bool = False,
        seq: int = 0,
        reload: bool = False,
        initial: bool = False,
    ) -> None:
        super().__init__()
        self.model = model
        """A ready ``QueueModel``."""
        self.alerts = list(alerts)
        """FLASH/NIACT/IMMEDIATE rows that arrived since this user last ran triage."""
        self.first_run = first_run
        """True when this user has never run triage on this state before."""
        self.partial = partial
        """Only the first rows of the view (the saved head, brought up to date)."""
        self.seq = seq
        """The store's change sequence number the rows are as of."""
        self.reload = reload
        """A rebuild after many changes at once (``alerts`` are the new urgent rows)."""
        self.initial = initial
        """The changes came from the start-up scan."""


class RowsChanged(Message):
    """Fresh copies of rows that changed in the store (ingest, this app or another process)."""

    def __init__(self, rows: Sequence[QueueRow], *, initial: bool = False, seq: int = 0) -> None:
        super().__init__()
        self.rows = list(rows)
        """The rows as the store has them now."""
        self.initial = initial
        """True when they come from the start-up scan (no alarm storm)."""
        self.seq = seq
        """The store's change sequence number they are as of."""


class TriageChanged(Message):
    """This app wrote a triage change; ``ids`` are the cables it touched."""

    def __init__(self, ids: Sequence[str], message: str = "") -> None:
        super().__init__()
        self.ids = list(ids)
        """The cables changed."""
        self.message = message
        """What the store said about the change."""


class FilterApplied(Message):
    """A filter worker finished matching the queue against a QUERY."""

    def __init__(self, text: str, query: Any, matched: Any, generation: int, request: int) -> None:
        super().__init__()
        self.text = text
        """The QUERY text."""
        self.query = query
        """The parsed query, or None for every cable."""
        self.matched = matched
        """The matching rows with their sort keys (an ``OrderedRows``), in triage order."""
        self.generation = generation
        """The model generation the worker matched against."""
        self.request = request
        """Which filter request this answers: only the latest one is shown."""
