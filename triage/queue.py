"""Triage order, the QueueIndex, and filtering: pure functions on QueueRow.

``order(rows)`` sorts FLASH, NIACT IMMEDIATE, IMMEDIATE, PRIORITY, ROUTINE, unknown; then newest
DTG first (no DTG last); then ID. ``filter_rows(rows, query, user)`` keeps the rows that match
a QUERY, in their order. The QUERY language itself (grammar, ``parse_query``, ``Query``,
``QueryError``) lives in ``triage.query`` and is re-exported here.
"""

from __future__ import annotations

import operator
import threading
import time
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any, cast, overload

from triage._query_columns import RANK_OF
from triage.model import QueueRow
from triage.query import (
    BULK_COLUMNS,
    COLUMNS,
    FIELDS,
    IS_VALUES,
    PREC_NAMES,
    UNIQUE_COLUMNS,
    Query,
    QueryError,
    haystack,
    parse_query,
    rank_of,
)

__all__ = [
    "FIELDS",
    "IS_VALUES",
    "PREC_NAMES",
    "MadeOrder",
    "Query",
    "QueryError",
    "QueueIndex",
    "cached_haystacks",
    "clear_cache",
    "filter_rows",
    "haystack",
    "order",
    "order_key",
    "order_keys",
    "parse_query",
    "rank_of",
]

# --- order ------------------------------------------------------------------------------

_INVERT_DIGITS = str.maketrans("0123456789", "9876543210")


def order_key(row: QueueRow) -> str:
    """A string that sorts rows in triage order (one string compare is much cheaper than a
    tuple compare: sorting 250,000 rows by it takes about a third of the time).

    Rank digit, then the DTG with its digits inverted so newer sorts first ("~" when there is
    none, after every digit), then NUL and the ID. DTGs follow parse-json.md
    (``2008-02-22T22:15:00Z``, all one width).

    Args:
        row: a queue row.

    Returns:
        The key; two rows with different IDs never have the same key.
    """
    dtg = row.dtg
    return f"{rank_of(row)}{dtg.translate(_INVERT_DIGITS) if dtg else '~'}\x00{row.id}"


_RANK_DIGITS: dict[tuple[str | None, bool], str] = {key: str(rank) for key, rank in RANK_OF.items()}
_PREC_NIACT = operator.attrgetter("precedence", "niact")
_DTG = operator.attrgetter("dtg")
_ROW_ID = operator.attrgetter("id")
_KEY_SEP = "\x1e"
"""Between values joined to be changed at once (DTGs in ``order_keys``, haystacks in
``_in_order``); a value holding it makes the slow way taken (checked)."""


def order_keys(rows: Sequence[QueueRow]) -> list[str]:
    """``order_key(row)`` of every row, built without a Python call per row.

    Args:
        rows: queue rows.

    Returns:
        One key per row, in order.
    """
    if len(rows) > _WARM_SLICE:  # in slices: each holds the GIL (and the UI) a few ms at most
        keys: list[str] = []
        for start in range(0, len(rows), _WARM_SLICE):
            keys.extend(order_keys(rows[start : start + _WARM_SLICE]))
        return keys
    if not rows:
        return []
    digits = list(map(_RANK_DIGITS.get, map(_PREC_NIACT, rows)))
    ranks = cast("list[str]", digits)
    if None in digits:  # a precedence the table does not know: the slow way for those
        ranks = [d if d is not None else str(rank_of(r)) for d, r in zip(digits, rows, strict=True)]
    dtgs = [d or "~" for d in map(_DTG, rows)]
    joined = _KEY_SEP.join(dtgs)
    if joined.count(_KEY_SEP) == len(dtgs) - 1:
        inverted = joined.translate(_INVERT_DIGITS).split(_KEY_SEP)
    else:
        inverted = [d.translate(_INVERT_DIGITS) for d in dtgs]
    return list(map("".join, zip(ranks, inverted, repeat("\x00"), map(_ROW_ID, rows))))


def order(rows: Iterable[QueueRow]) -> list[QueueRow]:
    """Rows in triage order: precedence rank, then newest DTG first (none last), then ID.

    Args:
        rows: queue rows in any order.

    Returns:
        A new list; the input is not changed.
    """
    return sorted(rows, key=order_key)


# --- filtering ---------------------------------------------------------------------------


class _LastHaystacks:
    """The haystacks of the last plain list filtered, reused while that list is unchanged.

    Typing a query filters the same rows again and again: comparing the list with a copy of
    the last one costs ~1 ms at 250,000 rows (identical rows compare by identity), against
    ~300 ms to build every haystack. When rows were replaced, only theirs are rebuilt. A row
    whose ID, subject, origin or cable TAGS changed in place is not noticed: rows are replaced
    whole, never edited in those fields (the store builds new rows).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rows: list[QueueRow] = []
        self._hays: list[str] = []

    def haystacks(self, rows: Sequence[QueueRow]) -> list[str]:
        with self._lock:
            if len(rows) == len(self._rows) and rows == self._rows:
                return self._hays
            old = dict(zip(map(id, self._rows), self._hays, strict=True))
            hays = [old.get(id(row)) or haystack(row) for row in rows]
            self._rows, self._hays = list(rows), hays  # keeps old rows alive: ids stay unique
            return hays

    def clear(self) -> None:
        with self._lock:
            self._rows, self._hays = [], []


_LAST = _LastHaystacks()


def cached_haystacks(rows: list[QueueRow]) -> list[str]:
    """``haystack(row)`` of every row, reusing those of the last list given (see above)."""
    return _LAST.haystacks(rows)


def clear_cache() -> None:
    """Forget the haystacks kept for the last list filtered (frees their memory)."""
    _LAST.clear()


@dataclass(slots=True)
class MadeOrder:
    """Rows in the order they were made, i.e. their order in memory (the store makes them
    shard by shard), with what a sort by triage order learnt about them.

    Reading 250,000 rows in memory order is about 3x faster than in triage order (each row
    of a random order is a cache miss): the index builds its columns in this order, then
    puts the values in triage order (``perm``).
    """

    rows: list[QueueRow]
    keys: list[str]
    """``order_key(row)`` of each row, in the same order."""
    perm: list[int]
    """For each position in triage order, the index of its row in ``rows``."""
    pickers: list[Callable[[Sequence[Any]], Sequence[Any]]] = field(init=False)
    """``perm`` in slices, as functions picking those values from a list (``_pickers``)."""

    def __post_init__(self) -> None:
        self.pickers = _pickers(self.perm)

    def in_order(self, values: Sequence[Any]) -> list[Any]:
        """``[values[i] for i in perm]``: values given in the order made, in triage order."""
        return _pick_all(self.pickers, values)


def _picker(positions: list[int]) -> Callable[[Sequence[Any]], Sequence[Any]]:
    """A function returning ``[values[i] for i in positions]`` at C speed."""
    if len(positions) == 1:
        (only,) = positions
        return lambda values: (values[only],)
    return operator.itemgetter(*positions)


def _pickers(perm: list[int]) -> list[Callable[[Sequence[Any]], Sequence[Any]]]:
    """``_picker`` of each ``_WARM_SLICE`` of a permutation, in order."""
    return [_picker(perm[i : i + _WARM_SLICE]) for i in range(0, len(perm), _WARM_SLICE)]


def _pick_all(
    pickers: list[Callable[[Sequence[Any]], Sequence[Any]]], values: Sequence[Any]
) -> list[Any]:
    out: list[Any] = []
    for pick in pickers:
        out.extend(pick(values))
    return out


def _raw_dtg(rows: Sequence[QueueRow]) -> list[str | None]:
    return list(map(_DTG, rows))


def _in_order(name: str, values: Sequence[Any]) -> Sequence[Any]:
    """Column values put in triage order, copied where copies read faster: a ``dtg`` or
    ``hay`` string made next to its neighbours in triage order makes a filter reading the
    column several times faster than strings scattered in memory."""
    if name == "dtg":
        return [d[:19] if d else d for d in values]
    if name == "hay":
        joined = _KEY_SEP.join(values)
        if joined.count(_KEY_SEP) == len(values) - 1:
            return joined.split(_KEY_SEP)
    return values


_NOT_SHARED = UNIQUE_COLUMNS | {
    "niact", "read", "acked", "conflict", "corrected", "missing", "incomplete",
}  # fmt: skip
"""Columns not de-duplicated: mostly distinct, or booleans (shared already)."""

_GROUPED = frozenset({
    "prec", "niact", "cls", "caveats", "action", "read", "acked", "flagged", "conflict",
    "corrected", "missing", "incomplete",
})  # fmt: skip
"""Columns of few distinct values each, built together by ``QueueIndex._make_group``."""

_MAX_COMBOS = 20_000
"""More distinct tuples of grouped values than this: the group is built column by column."""

_MADE_BUILD: dict[str, Callable[[Sequence[QueueRow]], list[Any]]] = {
    **BULK_COLUMNS,
    "dtg": _raw_dtg,  # sliced in ``_in_order``
}


class QueueIndex(Sequence[QueueRow]):
    """Rows kept in triage order, with per-field columns for filtering many times.

    The app keeps one: a query reads only the columns it needs (compact lists of shared
    values, built on first use and kept up to date), touches a row object only when it
    matches, and the result is already in triage order. Rows are replaced whole (``upsert``)
    when a cable or its state changes, never edited in place. ``filter``, ``upsert`` and
    ``remove`` may be called from different threads (one lock).
    """

    def __init__(self, rows: Iterable[QueueRow] = ()) -> None:
        """Build the index.

        Args:
            rows: queue rows in any order; a later row with the same ID replaces an earlier.
        """
        self._lock = threading.RLock()
        self._version = 0
        self._filtering = 0
        self._filtering_lock = threading.Lock()
        self._build(rows)

    @classmethod
    def from_ordered(
        cls, rows: Sequence[QueueRow], keys: dict[str, str], made: MadeOrder | None = None
    ) -> QueueIndex:
        """An index of rows already in triage order, without sorting them again.

        Args:
            rows: queue rows with distinct IDs, in ascending ``order_key`` order.
            keys: ``order_key(row)`` by row ID for at least these rows (copied).
            made: the same rows in the order they were made, if known: the index's columns
                are then built in that order, much faster (see ``MadeOrder``).

        Returns:
            The index (no columns built yet).
        """
        index = cls()
        row_list = list(rows)
        if made is not None and len(made.perm) == len(row_list) == len(keys):
            index._keys = made.in_order(made.keys)
            index._made = (made.rows, made.pickers, index._version)
            index._key_of = dict(keys)  # the same rows: a copy is faster than a new dict
        else:
            ids = list(map(_ROW_ID, row_list))
            index._keys = list(map(keys.__getitem__, ids))
            index._key_of = dict(zip(ids, index._keys, strict=True))
        index._rows = row_list
        return index

    def _build(self, rows: Iterable[QueueRow]) -> None:
        listed = list(rows)
        unique = list(dict(zip(map(_ROW_ID, listed), listed, strict=True)).values())
        keys = order_keys(unique)
        made = MadeOrder(unique, keys, sorted(range(len(keys)), key=keys.__getitem__))
        self._keys: list[str] = made.in_order(keys)
        self._rows: list[QueueRow] = made.in_order(unique)
        self._key_of: dict[str, str] = dict(zip(map(_ROW_ID, unique), keys, strict=True))
        self._cols: dict[str, list[Any]] = {}
        self._version = getattr(self, "_version", 0) + 1
        self._made: tuple[list[QueueRow], list[Any], int] | None = (
            (unique, made.pickers, self._version) if unique else None
        )
        """(rows in the order made, their pickers, the version they are valid for)."""

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, index: int) -> QueueRow: ...
    @overload
    def __getitem__(self, index: slice) -> list[QueueRow]: ...
    def __getitem__(self, index: int | slice) -> QueueRow | list[QueueRow]:
        return self._rows[index]

    def __iter__(self) -> Iterator[QueueRow]:
        return iter(self._rows)

    @property
    def rows(self) -> list[QueueRow]:
        """Every row in triage order (the index's own list: do not modify it)."""
        return self._rows

    def column(self, name: str) -> list[Any]:
        """One column (see ``COLUMNS``), in triage order, built on first use."""
        values = self._cols.get(name)
        if values is None:
            with self._lock:
                values = self._cols.get(name)
                if values is None:
                    values = self._make_column(name, self._rows, made=self._made_now())
                    self._cols[name] = values
        return values

    def _made_now(self) -> tuple[list[QueueRow], list[Any], int] | None:
        """``_made`` while it still describes the rows (no change since), else None."""
        made = self._made
        return made if made is not None and made[2] == self._version else None

    def has_column(self, name: str) -> bool:
        """Whether a column is built already."""
        return name in self._cols

    @staticmethod
    def _make_column(
        name: str,
        rows: Sequence[QueueRow],
        pause: Any = None,
        made: tuple[list[QueueRow], list[Any], int] | None = None,
    ) -> list[Any]:
        """``COLUMNS[name]`` of every row, built in bulk (``BULK_COLUMNS``), in slices that
        each hold the GIL a few ms; ``pause()`` is called before each slice. With ``made``
        (the same rows in the order they were made, see ``MadeOrder``), read in that order
        and then put in the order of ``rows``."""
        build = BULK_COLUMNS[name] if made is None else _MADE_BUILD[name]
        source = rows if made is None else made[0]
        shared: dict[Any, Any] | None = None if name in _NOT_SHARED else {}
        values: list[Any] = []
        for start in range(0, len(source), _WARM_SLICE):
            if pause is not None:
                pause()  # let a filter run in between (see ``warm``)
            part = build(source[start : start + _WARM_SLICE])
            # repeated values stored once
            values.extend(part if shared is None else map(shared.setdefault, part, part))
        if made is None:
            return values
        if values and name not in UNIQUE_COLUMNS and values.count(values[0]) == len(values):
            return [values[0]] * len(values)  # one value (often: conflict, missing...)
        ordered: list[Any] = []
        for pick in made[1]:
            if pause is not None:
                pause()
            ordered.extend(_in_order(name, pick(values)))
        return ordered

    @staticmethod
    def _make_group(
        names: list[str], made: tuple[list[QueueRow], list[Any], int], pause: Any
    ) -> dict[str, list[Any]]:
        """Several columns of few distinct values at once: each row's values make one tuple,
        equal tuples are shared, and the tuples are put in triage order in one pass and
        split into columns again (one random-order pass instead of one per column). Falls
        back to ``_make_column`` when the rows have too many distinct tuples."""
        rows = made[0]
        cols = []
        for name in names:
            build = _MADE_BUILD[name]
            shared: dict[Any, Any] | None = None if name in _NOT_SHARED else {}
            values: list[Any] = []
            for start in range(0, len(rows), _WARM_SLICE):
                pause()
                part = build(rows[start : start + _WARM_SLICE])
                values.extend(part if shared is None else map(shared.setdefault, part, part))
            cols.append(values)
        combos: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        tuples: list[tuple[Any, ...]] = []
        for start in range(0, len(rows), _WARM_SLICE):
            pause()
            part = list(zip(*(c[start : start + _WARM_SLICE] for c in cols), strict=True))
            tuples.extend(map(combos.setdefault, part, part))
            if len(combos) > _MAX_COMBOS:  # mostly distinct: one column at a time
                return {name: QueueIndex._make_column(name, rows, pause, made) for name in names}
        del cols
        out: list[list[Any]] = [[] for _ in names]
        for pick in made[1]:
            pause()
            for column, picked in zip(out, zip(*pick(tuples), strict=True), strict=True):
                column.extend(picked)
        return dict(zip(names, out, strict=True))

    def _wait_for_filters(self) -> None:
        while self._filtering:
            time.sleep(0.002)

    def warm(self, names: Iterable[str] | None = None) -> None:
        """Build columns now (all by default), e.g. in a worker right after loading, so the
        first keystroke of a filter does not pay for them (~0.7 s for all at 250,000 rows).

        A column is built from a snapshot of the rows without holding the index's lock, in
        slices, pausing while a ``filter`` runs (so a filter typed meanwhile is not slowed
        down by this thread holding the GIL); it is built again under the lock if the rows
        changed meanwhile.
        """
        wanted = [name for name in (COLUMNS if names is None else names) if name not in self._cols]
        with self._lock:
            version, made = self._version, self._made_now()
        group = [name for name in wanted if name in _GROUPED] if made is not None else []
        if len(group) > 1:  # several columns in one permutation (see ``_make_group``)
            built = self._make_group(group, made, self._wait_for_filters)  # type: ignore[arg-type]
            with self._lock:
                if self._version == version:
                    for name, values in built.items():
                        self._cols.setdefault(name, values)
        for name in wanted:
            if name in self._cols:
                continue
            with self._lock:
                rows, version, made = list(self._rows), self._version, self._made_now()
            values = self._make_column(name, rows, self._wait_for_filters, made)
            with self._lock:
                if name in self._cols:
                    continue
                if self._version != version:
                    values = self._make_column(name, self._rows)
                self._cols[name] = values
        if all(name in self._cols for name in COLUMNS):
            self._made = None  # every column built: not needed any more

    def get(self, cable_id: str) -> QueueRow | None:
        """The row with that ID, or None."""
        key = self._key_of.get(cable_id)
        return None if key is None else self._rows[bisect_left(self._keys, key)]

    def position(self, cable_id: str) -> int | None:
        """Where the row with that ID sits in triage order, or None."""
        key = self._key_of.get(cable_id)
        return None if key is None else bisect_left(self._keys, key)

    def upsert(self, rows: Iterable[QueueRow]) -> None:
        """Add rows, or replace the rows with the same IDs, keeping triage order.

        Args:
            rows: new or changed rows.
        """
        changed = list(rows)
        with self._lock:
            self._version += 1
            if len(changed) > 64 and len(changed) * 16 > len(self._rows):
                merged = {row.id: row for row in self._rows}
                merged.update((row.id, row) for row in changed)
                self._build(merged.values())
                return
            cols = self._cols
            for row in changed:
                key = order_key(row)
                old = self._key_of.get(row.id)
                if old == key:
                    i = bisect_left(self._keys, key)
                    self._rows[i] = row
                    for name, values in cols.items():
                        values[i] = COLUMNS[name](row)
                    continue
                if old is not None:
                    self._delete(old)
                i = bisect_left(self._keys, key)
                self._keys.insert(i, key)
                self._rows.insert(i, row)
                for name, values in cols.items():
                    values.insert(i, COLUMNS[name](row))
                self._key_of[row.id] = key

    def remove(self, ids: Iterable[str]) -> None:
        """Drop the rows with these IDs (unknown IDs are ignored)."""
        with self._lock:
            self._version += 1
            for cable_id in ids:
                key = self._key_of.pop(cable_id, None)
                if key is not None:
                    self._delete(key)

    def _delete(self, key: str) -> None:
        i = bisect_left(self._keys, key)
        del self._keys[i], self._rows[i]
        for values in self._cols.values():
            del values[i]

    def filter(self, query: Query | str, user: str, *, build: bool = True) -> list[QueueRow]:
        """The matching rows, in triage order.

        Args:
            query: a Query, or its text (may raise QueryError).
            user: the acting user (for ``assignee:me``).
            build: build the columns the query reads when missing (each ~0.02-0.2 s at
                250,000 rows); when False, a query that needs a column not built yet tests
                the rows one by one instead (with the ``hay`` column, built if missing).

        Returns:
            A new list.
        """
        if isinstance(query, str):
            query = parse_query(query)
        with self._filtering_lock:
            self._filtering += 1  # a background ``warm`` pauses meanwhile
        try:
            with self._lock:  # an upsert from another thread waits for the snapshot
                if query.is_empty:
                    return list(self._rows)
                if build or all(name in self._cols for name in query.columns):
                    cols = [self.column(name) for name in query.columns]
                    return query._cfilter(self._rows, cols, user.lower())
                hays = self.column("hay") if query.uses_haystack else None
                return query._filter(self._rows, hays, user.lower())
        finally:
            with self._filtering_lock:
                self._filtering -= 1


_WARM_SLICE = 8192
"""Rows per slice when ``QueueIndex.warm`` builds a column (a few ms each)."""


def filter_rows(
    rows: Sequence[QueueRow],
    query: Query | str,
    user: str,
    haystacks: Sequence[str] | None = None,
) -> list[QueueRow]:
    """The rows that match a query, in their given order.

    Args:
        rows: queue rows, or a QueueIndex (much faster when filtering the same rows again:
            it holds their haystacks and keeps them in triage order).
        query: a Query, or its text (parsed here; may raise QueryError).
        user: the acting user (for ``assignee:me``).
        haystacks: optional ``haystack(row)`` per row, see ``Query.filter``.

    Returns:
        A new list of the matching rows.
    """
    if isinstance(query, str):
        query = parse_query(query)
    return query.filter(rows, user, haystacks)
