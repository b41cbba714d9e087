"""The store's in-memory view: every queue row, kept fresh from the journal.

Loaded once from the ``rows/`` and ``state/`` shards (and ``sources/`` once ``source_info`` is
asked), then brought up to date by reading only the journal records written since: the cost
of a refresh grows with the number of changes, not of cables. A changed row is replaced by a
new object, so a list of rows handed out earlier stays a consistent snapshot.
"""

from __future__ import annotations

import dataclasses
import gc
import heapq
from collections.abc import Iterable
from typing import Any

from triage import _head
from triage import _rowcodec as rowcodec
from triage._errors import SchemaError
from triage._journal import StateFiles, applied_of, shard_of
from triage._storage import no_gc, read_json
from triage.model import QueueRow


def with_state(row: QueueRow, state: dict[str, Any] | None, user: str) -> QueueRow:
    """Set a row's triage-state fields in place from a state document; return the row."""
    if state is None:
        return row
    row.tags = list(state.get("tags") or ())
    row.assignee = state.get("assignee")
    action = state.get("action")
    row.action_derived = action is None
    row.action = action if action is not None else ("open" if row.action_paragraphs else "none")
    row.read = user in (state.get("read") or ())
    row.acked = state.get("acked")
    row.flagged = state.get("flagged")
    return row


class View:
    """Queue rows, states and (on demand) the full index of one state folder, for one user."""

    def __init__(self, files: StateFiles, user: str) -> None:
        """A view of ``files`` as ``user`` sees it (read flags are per user)."""
        self.files = files
        self.user = user
        self.seq = -1
        """The journal sequence the view reflects; -1 before the first load."""
        self.rows: dict[str, QueueRow] = {}
        self.states: dict[str, dict[str, Any]] = {}
        self.rows_loaded = False
        self.sources: SourceIndex | None = None
        """Inbox path -> (cable id, its source dict), once ``load_sources`` was called."""

    @property
    def loaded(self) -> bool:
        """True once the rows have been loaded."""
        return self.rows_loaded

    def refresh(self, rows: bool = True) -> None:
        """Bring the view up to the journal head, loading the rows first if ``rows`` and not
        yet loaded (a view used only for ``source_info`` never loads them)."""
        head = self.files.head()
        if self.seq < 0 or (rows and not self.rows_loaded):
            self.load(head, rows=True)
            return
        if head == self.seq:
            return
        records = []
        for seq in range(self.seq + 1, head + 1):
            record = self.files.record(seq)
            if record is None:  # older than the journal kept: start again
                self.load(self.files.head(), rows=self.rows_loaded)
                return
            records.append(record)
        for record in records:
            self.apply(record)
        self.seq = head

    def load(self, head: int, rows: bool = True) -> None:
        """Read every rows and state shard (if ``rows``) and, once wanted, every sources
        shard, all as of ``head``."""
        with no_gc():
            if rows:
                self._read_rows()
            if self.sources is not None:
                self._read_sources()
            record = self.files.record(head) if head else None
            if record:  # the newest record may not be applied to the shards yet
                self.apply(record)
            self.seq = head
            # Long-lived and acyclic: move it out of the collector's sight before the
            # collector comes back on (else its first run scans all of it).
            gc.freeze()

    def _read_rows(self) -> None:
        rows: dict[str, QueueRow] = {}
        states: dict[str, dict[str, Any]] = {}
        for shard in range(self.files.shards):
            rows.update(rowcodec.keyed_queue_rows(read_json(self.files.shard_path("rows", shard))))
            data = read_json(self.files.shard_path("state", shard))
            if data:
                states.update(data.get("state") or {})
        for cid, state in states.items():
            found = rows.get(cid)
            if found is not None:
                with_state(found, state, self.user)
        self.rows, self.states, self.rows_loaded = rows, states, True

    def _read_sources(self) -> None:
        self.sources = SourceIndex()
        for shard in range(self.files.shards):
            self.sources.add_shard(read_json(self.files.shard_path("sources", shard)))

    def _set_sources(self, cid: str, items: list[Any]) -> None:
        assert self.sources is not None
        self.sources.set(cid, items, shard_of(cid, self.files.shards))

    def load_sources(self) -> None:
        """Load every cable's source files (for ``source_info``) once; then keep them fresh."""
        if self.sources is not None:
            self.refresh(rows=False)
            return
        self.sources = SourceIndex()  # wanted from now on
        if self.seq < 0:
            self.load(self.files.head(), rows=False)
            return
        self.refresh(rows=False)
        with no_gc():
            self._read_sources()
            record = self.files.record(self.seq) if self.seq else None
            if record:
                for cid, entry in record.get("index", {}).items():
                    self._set_sources(cid, list(entry.get("sources") or ()))

    def apply(self, record: dict[str, Any]) -> None:
        """Apply one journal record's state and index changes (idempotent)."""
        if self.sources is not None:
            for cid, entry in record.get("index", {}).items():
                self._set_sources(cid, list(entry.get("sources") or ()))
        if not self.rows_loaded:
            return
        for cid, state in record.get("state", {}).items():
            self.states[cid] = state
            row = self.rows.get(cid)
            if row is not None:
                self.rows[cid] = with_state(dataclasses.replace(row), state, self.user)
        for cid, entry in record.get("index", {}).items():
            row = rowcodec.queue_row(cid, rowcodec.row_values(entry))
            self.rows[cid] = with_state(row, self.states.get(cid), self.user)

    def point_row(self, cable_id: str) -> QueueRow | None:
        """One row read straight from its shards (no full load), or None if unknown."""
        head = self.files.head()
        values = rowcodec.decode(read_json(self.files.path_for("rows", cable_id))).get(cable_id)
        states = read_json(self.files.path_for("state", cable_id)) or {}
        state = (states.get("state") or {}).get(cable_id)
        record = self.files.record(head) if head else None
        if record:
            if cable_id in record.get("index", {}):
                values = rowcodec.row_values(record["index"][cable_id])
            if cable_id in record.get("state", {}):
                state = record["state"][cable_id]
        if values is None:
            return None
        return with_state(rowcodec.queue_row(cable_id, values), state, self.user)


class SourceIndex:
    """Inbox path -> (cable id, source dict) over the sources shards' decoded columns.

    Loading keeps the columns as they decode (shared lists) and maps each path to its
    position; the dict for a path is built only when asked. Entries from journal records
    since the load are kept whole and win over the columns.
    """

    _SHIFT = 24

    def __init__(self) -> None:
        """An empty index; ``add_shard`` the shards in order."""
        self._shards: list[tuple[list[Any], dict[str, list[Any]], dict[str, list[Any]]]] = []
        self._where: dict[str, int] = {}
        self._live: dict[str, tuple[str, dict[str, Any]]] = {}
        self._live_paths: dict[str, list[str]] = {}

    def add_shard(self, data: dict[str, Any] | None) -> None:
        """Add the next sources shard (shard numbers follow the order of the calls)."""
        owners, cols, present = rowcodec.source_columns(data)
        base = len(self._shards) << self._SHIFT
        self._shards.append((owners, cols, present))
        if owners:
            self._where.update(zip(cols["path"], range(base, base + len(owners)), strict=True))

    def set(self, cid: str, items: list[Any], shard: int) -> None:
        """A cable's sources as a journal record gives them (replacing what it had)."""
        for path in self._live_paths.pop(cid, ()):
            if self._live.get(path, ("",))[0] == cid:
                del self._live[path]
        if shard < len(self._shards):
            owners, cols, _ = self._shards[shard]
            base = shard << self._SHIFT
            for i, owner in enumerate(owners):
                if owner == cid and self._where.get(cols["path"][i]) == base + i:
                    del self._where[cols["path"][i]]
        paths = []
        for src in items:
            if isinstance(src, dict) and src.get("path") is not None:
                self._live[str(src["path"])] = (cid, src)
                paths.append(str(src["path"]))
        self._live_paths[cid] = paths

    def get(self, path: str) -> tuple[str, dict[str, Any]] | None:
        """(cable id, a fresh copy of the source dict) of one inbox path, or None."""
        live = self._live.get(path)
        if live is not None:
            return live[0], dict(live[1])
        where = self._where.get(path)
        if where is None:
            return None
        owners, cols, present = self._shards[where >> self._SHIFT]
        i = where & ((1 << self._SHIFT) - 1)
        return owners[i], {name: col[i] for name, col in cols.items() if present[name][i]}


@dataclasses.dataclass(slots=True)
class QueueHead:
    """The first cables in triage order, with the acting user's triage state."""

    seq: int
    """The journal sequence they are as of (at least)."""
    rows: list[QueueRow]
    """In triage order."""
    complete: bool
    """True when they are every cable known (else more cables sort after the last one)."""


def read_queue_head(files: StateFiles, user: str) -> QueueHead | None:
    """Read ``head.json`` and the state of its cables; None when there is no usable head.

    Costs one read of the head and of the state shards of its cables (at most
    ``_head.HEAD_SIZE`` of them), never a read of every row.
    """
    head = files.head()
    try:
        data = read_json(files.head_path)
    except SchemaError:
        return None  # a cache: the full load rebuilds it
    if not isinstance(data, dict) or "rows" not in data:
        return None
    record = files.record(head) if head else None
    if record and applied_of(data) < head and record.get("head"):
        _head.merge(data, record.get("index", {}))
    values = _head.rows_of(data)
    by_path: dict[Any, list[str]] = {}
    for cid in values:
        by_path.setdefault(files.path_for("state", cid), []).append(cid)
    states: dict[str, Any] = {}
    fresh = (record or {}).get("state") or {}
    for path, ids in by_path.items():
        try:
            shard = read_json(path) or {}
        except SchemaError:
            return None
        table = shard.get("state") or {}
        newer = applied_of(shard) < head
        for cid in ids:
            states[cid] = fresh[cid] if newer and cid in fresh else table.get(cid)
    rows = [
        with_state(rowcodec.queue_row(cid, vals), states.get(cid), user)
        for cid, vals in values.items()
    ]
    return QueueHead(seq=head, rows=rows, complete=data.get("bound") is None)


def built_head(rows: Iterable[QueueRow], size: int | None = None) -> dict[str, Any]:
    """A head (``head.json`` content without ``_meta``) from every queue row."""
    size = size or _head.HEAD_SIZE
    keyed = heapq.nsmallest(
        size + 1,
        ((_head.key_of(r.id, r.precedence, r.niact, r.dtg), r) for r in rows),
        key=lambda item: item[0],
    )
    bound = keyed[size - 1][0] if len(keyed) > size else None
    kept = {
        row.id: {name: getattr(row, name) for name in rowcodec.COLUMNS} for _, row in keyed[:size]
    }
    return {"size": size, "bound": bound, "rows": rowcodec.encode(kept)}
