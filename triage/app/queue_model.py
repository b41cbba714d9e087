"""The queue's data: every row by ID, the triage order, the rows matching the QUERY, counts.

Plain data, no Textual: ``QueueModel`` is built in a thread worker from ``Store.rows()`` and then
changed a few rows at a time on the UI thread. The triage order is a sorted list of keys with a
parallel list of rows, so one changed row moves with two bisects instead of a re-sort.
"""

from __future__ import annotations

import gc
import operator
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

from triage.model import PRECEDENCES, Precedence, QueueRow
from triage.queue import MadeOrder, order_key, order_keys
from triage.textsafe import safe_text

SortKey = str
"""``triage.queue.order_key``: ascending string order is triage order (strings sort several
times faster than tuples)."""

_RANKS: dict[tuple[str | None, bool], str] = {
    (p, n): str(int(Precedence.rank(p, n))) for p in (*PRECEDENCES, None) for n in (False, True)
}


def clean(text: str | None) -> str:
    """Cable text made safe to draw on one line (``triage.textsafe.safe_text``).

    Args:
        text: Untrusted text, or None.

    Returns:
        The text without escape sequences or control characters; line breaks become spaces.
    """
    return safe_text(text)


def rank_digit(row: QueueRow) -> str:
    """The row's precedence rank as one digit ("0" FLASH ... "5" unknown)."""
    digit = _RANKS.get((row.precedence, row.niact))
    return digit if digit is not None else str(int(row.rank))


def sort_key(row: QueueRow) -> SortKey:
    """The triage-order key of a row: precedence rank, then newest DTG, then ID.

    The same key as ``triage.queue.order_key`` (the filter index keeps rows in its order, and
    a bisect over its results must agree with ours).

    Args:
        row: A queue row.

    Returns:
        A key whose ascending order is the order of ``triage.queue.order``.
    """
    return order_key(row)


def key_id(key: SortKey) -> str:
    """The cable ID inside a sort key."""
    return key.partition("\x00")[2]


@dataclass(slots=True)
class Counts:
    """The figures of the status line, over every cable known (not only the filtered ones)."""

    total: int = 0
    unread: int = 0
    unacked: int = 0
    open: int = 0
    mine: int = 0

    def add(self, row: QueueRow, user: str, sign: int = 1) -> None:
        """Count one row in (sign 1) or out (sign -1)."""
        self.total += sign
        if not row.read:
            self.unread += sign
        if row.acked is None and rank_digit(row) <= "2":  # FLASH, NIACT, IMMEDIATE
            self.unacked += sign
        if row.action == "open":
            self.open += sign
        if row.assignee is not None and row.assignee == user:
            self.mine += sign

    @classmethod
    def of(cls, rows: list[QueueRow], keys: list[SortKey], user: str) -> Counts:
        """The counts of many rows at once (as ``add`` of each, without a call per row).

        Args:
            rows: Rows with distinct IDs.
            keys: ``sort_key`` of each row, in the same order (its first character is the
                rank digit).
            user: The acting user.

        Returns:
            New counts.
        """
        counts = cls(total=len(rows))
        for start in range(0, len(rows), _SLICE):  # each step holds the GIL a few ms
            part, end = rows[start : start + _SLICE], start + _SLICE
            unacked = map(
                operator.and_,
                map(operator.is_, map(_ACKED, part), repeat(None)),
                map(operator.le, map(operator.itemgetter(0), keys[start:end]), repeat("2")),
            )
            counts.unread += sum(map(operator.not_, map(_READ, part)))
            counts.unacked += sum(unacked)  # FLASH, NIACT, IMMEDIATE
            counts.open += operator.countOf(map(_ACTION, part), "open")
            if user is not None:
                counts.mine += operator.countOf(map(_ASSIGNEE, part), user)
        return counts


_SLICE = 8192
"""Rows per step of ``QueueModel.build``'s C-speed loops (a few ms each)."""

_ACKED = operator.attrgetter("acked")
_READ = operator.attrgetter("read")
_ACTION = operator.attrgetter("action")
_ASSIGNEE = operator.attrgetter("assignee")
_ID = operator.attrgetter("id")


class OrderedRows:
    """Rows kept in triage order, each placed by its current key in a shared ID -> key map.

    Only rows are stored: a bisect looks their keys up as it probes (``bisect(key=...)``), so a
    filter's hits need no key list of their own. The invariant: every row sits in the order of
    ``keys[row.id]``; ``QueueModel.update`` removes a row under its old key before changing it.
    """

    __slots__ = ("_keys", "rows")

    def __init__(self, keys: dict[str, SortKey], rows: list[QueueRow] | None = None) -> None:
        self._keys = keys
        self.rows: list[QueueRow] = rows if rows is not None else []

    def __len__(self) -> int:
        return len(self.rows)

    def _key(self, row: QueueRow) -> SortKey:
        return self._keys[row.id]

    @property
    def keys(self) -> list[SortKey]:
        """The rows' keys, in order (O(n): for checks and tests)."""
        return [self._keys[row.id] for row in self.rows]

    def index(self, key: SortKey) -> int | None:
        """Where the row with ``key`` is, or None."""
        rows = self.rows
        i = bisect_left(rows, key, key=self._key)
        return i if i < len(rows) and self._keys[rows[i].id] == key else None

    def insert(self, key: SortKey, row: QueueRow) -> None:
        """Insert a row at its place in the order (``key`` is its current key)."""
        self.rows.insert(bisect_left(self.rows, key, key=self._key), row)

    def remove(self, key: SortKey) -> None:
        """Remove the row with this key, if present."""
        i = self.index(key)
        if i is not None:
            del self.rows[i]

    def truncate_after(self, key: SortKey) -> None:
        """Drop every row that sorts after ``key``."""
        del self.rows[bisect_right(self.rows, key, key=self._key) :]

    def copy(self) -> OrderedRows:
        """A shallow copy (for a worker to read while the original changes)."""
        return OrderedRows(self._keys, list(self.rows))


@dataclass(repr=False)
class QueueModel:
    """Every row, the triage order, the rows matching the QUERY, the selection, the counts."""

    user: str
    rows: dict[str, QueueRow] = field(default_factory=dict)
    keys: dict[str, SortKey] = field(default_factory=dict)
    ordered: OrderedRows = field(init=False)
    """Every row, in triage order."""
    visible: OrderedRows = field(init=False)
    """The rows matching the query, in triage order: what the table shows."""
    versions: dict[str, int] = field(default_factory=dict)
    query_text: str = ""
    query: Any = None
    """A parsed ``triage.queue.Query``, or None for every cable."""
    selected: set[str] = field(default_factory=set)
    """IDs selected for a bulk change: only visible rows (a filter or a change that hides a
    row drops it, so a bulk key never acts on rows the user cannot see)."""
    counts: Counts = field(default_factory=Counts)
    generation: int = 0
    """Bumped on every change: a filter computed on an older generation is patched up."""
    changed_since: dict[int, set[str]] = field(default_factory=dict)
    index: Any = None
    """A ``triage.queue.QueueIndex`` of every row (columns for fast filters), made in the load
    worker before the model is handed over (``prepare_index``), its columns then built in the
    background; touched only by filter workers after that; None until made."""
    requested: str | None = None
    """The text of the last QUERY handed to a filter worker (None: none yet), applied or not."""
    index_pending: dict[str, QueueRow] = field(default_factory=dict)
    """Rows changed since the index last caught up: the next filter worker upserts them."""
    made: tuple[int, Any] | None = None
    """(generation, ``triage.queue.MadeOrder``) of the rows as ``build`` got them: the index
    builds its columns faster with it; dropped once it is built."""

    def __post_init__(self) -> None:
        self.ordered = OrderedRows(self.keys)
        self.visible = OrderedRows(self.keys)

    def __repr__(self) -> str:  # the default would print every row
        return f"<QueueModel {len(self.rows)} rows, {len(self.visible)} shown>"

    @classmethod
    def build(
        cls, rows: Iterable[QueueRow], user: str, query_text: str = "", query: Any = None
    ) -> QueueModel:
        """Build the model from every row (run in a worker: it sorts the whole queue).

        Args:
            rows: Every queue row.
            user: The acting user (for ``assignee:me`` and the counts).
            query_text: The QUERY shown on screen.
            query: Its parsed form, or None for every cable.

        Returns:
            A ready model.
        """
        # In slices, each C-speed step holds the GIL (and the UI) a few ms at most.
        listed = rows if isinstance(rows, list) else list(rows)
        ids: list[str] = []
        for start in range(0, len(listed), _SLICE):
            ids.extend(map(_ID, listed[start : start + _SLICE]))
        by_id: dict[str, QueueRow] = {}
        for start in range(0, len(ids), _SLICE):
            end = start + _SLICE
            by_id.update(zip(ids[start:end], listed[start:end], strict=True))
        if len(by_id) == len(listed):
            unique = listed if listed is not rows else list(listed)  # kept: the caller's may change
        else:  # a later row with the same ID replaces an earlier one
            unique, ids = list(by_id.values()), list(by_id)
        keys = order_keys(unique)
        key_of: dict[str, SortKey] = {}
        for start in range(0, len(ids), _SLICE):
            end = start + _SLICE
            key_of.update(zip(ids[start:end], keys[start:end], strict=True))
        model = cls(
            user=user,
            rows=by_id,
            keys=key_of,
            query_text=query_text,
            query=query,
            counts=Counts.of(unique, keys, user),
        )
        # one sort (~0.1 s at 250k, holding the GIL): merging sorted slices costs ~1.7x more,
        # the keys then being read in a random order
        made = MadeOrder(unique, keys, sorted(range(len(keys)), key=keys.__getitem__))
        model.ordered = OrderedRows(model.keys, made.in_order(unique))
        model.visible = match(model.ordered, query, user)
        model.made = (model.generation, made)
        return model

    def matches(self, row: QueueRow) -> bool:
        """Whether a row matches the current query."""
        return self.query is None or bool(self.query.matches(row, self.user))

    def __len__(self) -> int:
        return len(self.visible)

    def row_at(self, index: int) -> QueueRow | None:
        """The visible row at ``index``, or None past the end."""
        if 0 <= index < len(self.visible.rows):
            return self.visible.rows[index]
        return None

    def index_of(self, cable_id: str) -> int | None:
        """The visible index of a cable, or None when it is filtered out or unknown."""
        key = self.keys.get(cable_id)
        return None if key is None else self.visible.index(key)

    def update(self, rows: Iterable[QueueRow]) -> list[QueueRow]:
        """Put fresh copies of rows in place (insert new ones, move changed ones).

        Args:
            rows: Rows as the store has them now.

        Returns:
            The rows that were not known before (new arrivals).
        """
        new: list[QueueRow] = []
        user = self.user
        self.generation += 1
        for row in rows:
            cid = row.id
            old_key = self.keys.get(cid)
            old = self.rows.get(cid)
            if old_key is not None and old is not None:
                self.counts.add(old, user, -1)
                self.ordered.remove(old_key)
                self.visible.remove(old_key)
            else:
                new.append(row)
            key = sort_key(row)
            self.rows[cid] = row
            self.keys[cid] = key
            self.versions[cid] = self.versions.get(cid, 0) + 1
            self.counts.add(row, user)
            self.ordered.insert(key, row)
            if self.matches(row):
                self.visible.insert(key, row)
            else:  # a bulk key acts only on rows on screen
                self.selected.discard(cid)
            for pending in self.changed_since.values():
                pending.add(cid)
            self.index_pending[cid] = row
        return new

    def begin_filter(self) -> tuple[int, OrderedRows, list[QueueRow]]:
        """Snapshot for a filter worker: the order (without the index) or the rows the index
        has not seen yet (with it); changes made meanwhile are tracked."""
        self.changed_since[self.generation] = set()
        if self.index is None:
            return self.generation, self.ordered.copy(), []
        pending, self.index_pending = list(self.index_pending.values()), {}
        return self.generation, OrderedRows(self.keys), pending

    def filter_in_worker(
        self, snapshot: OrderedRows, pending: list[QueueRow], query: Any
    ) -> OrderedRows:
        """The rows matching ``query`` (call in the filter worker): from the index when it is
        built (after upserting ``pending``), else by testing the snapshot row by row."""
        self.requested = "" if query is None else query.text
        index = self.index
        if index is None or snapshot._keys is not self.keys:
            return match(snapshot, query, self.user)
        index.upsert(pending)
        if query is None or query.is_empty:
            return OrderedRows(self.keys, list(index.rows))
        return OrderedRows(self.keys, index.filter(query, self.user, build=False))

    def build_index(self) -> None:
        """Build the filter index of every row (call in a worker; ~1 s at 250,000).

        ``prepare_index`` (the index and its free-word column), then ``warm_index``.
        """
        self.prepare_index()
        self.warm_index()

    def prepare_index(self) -> None:
        """Make ``index`` (call in a worker, before the model is handed to the UI thread;
        ~0.25 s at 250,000 rows): the rows in their order (not sorted again) and the free-word
        column, the slowest to build. A filter that needs a column not built yet tests the
        rows one by one, reading that column (tens of ms at 250,000)."""
        from triage.queue import QueueIndex

        made = self.made[1] if self.made and self.made[0] == self.generation else None
        index = QueueIndex.from_ordered(self.ordered.rows, self.keys, made)
        index.warm(["hay"])
        self.index = index

    def warm_index(self) -> None:
        """Build the index's other columns (call in a worker, after ``prepare_index``): a
        filter typed meanwhile runs first (``QueueIndex.warm`` pauses for it)."""
        from triage.queue import clear_cache

        if self.index is None:
            self.prepare_index()
        gc.disable()  # millions of new objects: no collections while building them
        try:
            self.index.warm()
        finally:
            gc.enable()
        self.made = None
        gc.freeze()  # and none over them later (a full collection would stall the UI)
        clear_cache()  # haystacks a row-by-row filter may have cached meanwhile: not needed

    def apply_filter(self, text: str, query: Any, matched: OrderedRows, generation: int) -> None:
        """Show what a filter worker matched, re-checking rows that changed meanwhile."""
        self.query_text, self.query, self.visible = text, query, matched
        changed = self.changed_since.pop(generation, set())
        for gen in [g for g in self.changed_since if g < generation]:
            del self.changed_since[gen]
        if changed:
            self._recheck(matched, changed)
        self.keep_visible_selection()

    def _recheck(self, matched: OrderedRows, changed: set[str]) -> None:
        """Rows that changed after the snapshot: drop their stale entries, re-test them."""
        current = self.keys
        self.visible = OrderedRows(current, [r for r in matched.rows if r.id not in changed])
        for cid in changed:
            row = self.rows[cid]
            if self.matches(row):
                self.visible.insert(current[cid], row)

    def keep_visible_selection(self) -> None:
        """Drop the selected rows the query hides: a bulk key acts only on rows on screen."""
        hidden = [cid for cid in self.selected if self.index_of(cid) is None]
        self.selected.difference_update(hidden)

    def targets(self, cursor_id: str | None) -> list[str]:
        """IDs a bulk command acts on: the selection, else the highlighted cable."""
        if self.selected:
            return sorted(self.selected, key=lambda cid: self.keys.get(cid, "9" + cid))
        return [cursor_id] if cursor_id else []


def match(ordered: OrderedRows, query: Any, user: str) -> OrderedRows:
    """The rows of ``ordered`` that match ``query`` (None: all), order kept.

    Uses the compiled ``Query.filter`` (one comprehension, cached haystacks). When a worker
    runs this on a snapshot, rows changed meanwhile may sit out of place in the result:
    ``QueueModel.apply_filter`` drops and re-inserts every row changed meanwhile.

    Args:
        ordered: Rows in triage order (a snapshot: it must not change meanwhile).
        query: A parsed ``triage.queue.Query`` or None.
        user: The acting user.

    Returns:
        The matching rows.
    """
    if query is None or query.is_empty:
        return ordered.copy()
    return OrderedRows(ordered._keys, query.filter(ordered.rows, user))
