"""The shared triage state and the cable index, in sharded TinyDB files in the state folder.

Every user command is one read-modify-write under a fair cross-process lock: re-read what it
changes, check compare-and-set expectations, write one journal record (the commit point and the
change sequence number), then apply it to small shard files. See ``triage._journal`` for the
layout and crash recovery, ``triage._storage`` for atomic writes, ``triage._lock`` for the lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from triage import _head
from triage import _rowcodec as rowcodec
from triage import _schema as schema
from triage._errors import (
    LockTimeoutError,
    SchemaError,
    StaleChangeError,
    StoreError,
    UndoError,
    UnknownCableError,
)
from triage._journal import StateFiles, shard_of, with_applied
from triage._lock import FairLock
from triage._schema import SCHEMA_VERSION
from triage._storage import make_dir, read_json
from triage._view import QueueHead, View, built_head, read_queue_head
from triage.config import login_name
from triage.model import ActionState, QueueRow

__all__ = [
    "SCHEMA_VERSION",
    "Change",
    "IndexMerge",
    "LockTimeoutError",
    "QueueHead",
    "SchemaError",
    "StaleChangeError",
    "Store",
    "StoreError",
    "UndoError",
    "UnknownCableError",
]

DEFAULT_SHARDS = 1024
"""Shards per kind for a new state folder: ~250 cables per shard at 250,000 cables, so what
one change or delivery rewrites stays small (tens to ~150 KB), while ``rows()`` opens 2,048
files."""

_DOC_KEY = {"ack": "acked", "flag": "flagged"}
"""History field names that differ from the state document's key they change."""

UNDO_DEPTH = 100
"""Commands kept on each user's undo stack."""

INDEX_SHARDS_PER_COMMIT = 4
"""index_put commits big batches in pieces touching at most this many index shards ..."""

INDEX_ENTRIES_PER_COMMIT = 1000
"""... and holding at most this many entries, so the lock never covers a whole ingest batch."""

ACTIONS = tuple(state.value for state in ActionState)

IndexMerge = Callable[[dict[str, Any] | None, dict[str, Any]], dict[str, Any]]
"""``merge(stored, given) -> entry`` for ``Store.index_put``: run under the lock."""

_EMPTY_STATE: dict[str, Any] = {
    "tags": [],
    "assignee": None,
    "action": None,
    "read": [],
    "acked": None,
    "flagged": None,
}


@dataclass(slots=True)
class Change:
    """The result of one user command: the change sequence number it committed and the IDs."""

    seq: int
    ids: list[str]
    message: str = ""


@dataclass(slots=True)
class _Txn:
    """What one locked read-modify-write has read so far."""

    head: int
    loaded: dict[Path, dict[str, Any] | None] = field(default_factory=dict)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _derived(action_paragraphs: Any) -> str:
    return ActionState.OPEN.value if action_paragraphs else ActionState.NONE.value


class Store:
    """The state folder: cable index (written by ingest) and triage state (written by users).

    Index entries are dicts keyed by cable ``id``. The store persists them as given (ingest.py
    owns their shape) and requires at least the parsed QueueRow fields: ``id``, ``precedence``,
    ``niact``, ``classification``, ``caveats``, ``dtg``, ``origin``, ``subject``,
    ``cable_tags``, ``corrected``, ``action_paragraphs``, ``sections``, ``conflict``,
    ``sources`` (list of dicts with at least ``path``), ``missing_sources`` and ``rejected``.
    The store adds ``arrived`` the first time an ID is put.
    """

    def __init__(
        self,
        state_dir: Path,
        user: str,
        *,
        os_user: str | None = None,
        lock_timeout: float = 5.0,
        shards: int = DEFAULT_SHARDS,
    ) -> None:
        """Open (creating, or migrating under the lock, when needed) the state in ``state_dir``.

        Args:
            state_dir: the state folder; created with group-shared mode when missing.
            user: who is acting (the ``--user`` name), recorded in history and used for undo.
            os_user: the operating-system login recorded beside it (default: the login).
            lock_timeout: seconds to wait for the lock before LockTimeoutError.
            shards: shards per kind, used only when the folder is created.

        Raises:
            SchemaError: a newer major version wrote the state, or a file is not valid JSON.
            StoreError: the folder cannot be created or written.
        """
        self.state_dir = Path(state_dir)
        self.user = user
        self.os_user = os_user or login_name()
        self.lock_timeout = lock_timeout
        try:
            make_dir(self.state_dir)
        except OSError as exc:
            raise StoreError(
                f"cannot create the state folder {self.state_dir}: {exc.strerror or exc}; "
                "pass --db DIR (or set TRIAGE_DB) to a folder you can write"
            ) from exc
        self._lock = FairLock(self.state_dir, lock_timeout)
        self._files = StateFiles(self.state_dir, shards)
        self._open(shards)
        self._view = View(self._files, user)
        self._view_lock = threading.RLock()

    # --- opening, schema, migration -----------------------------------------------------

    def _open(self, shards: int) -> None:
        meta = schema.read_meta(self._files)
        if meta is not None and schema.version(meta) == SCHEMA_VERSION:
            self._files.shards = int(meta["shards"])
            return
        with self._locked():
            meta = schema.read_meta(self._files)
            if meta is None:
                if self._files.log_dir.exists() and any(self._files.log_dir.iterdir()):
                    raise SchemaError(
                        f"state folder {self.state_dir} has a journal but no meta.json; it was "
                        "left untouched: restore meta.json from a backup"
                    )
                self._files.shards = shards
                self._files.make_dirs()
                self._files.write_plain(
                    {self._files.head_path: with_applied(_head.empty(), 0, None)}
                )
                self._files.write_plain({self._files.meta_path: schema.meta_doc(shards)})
                return
            self._files.shards = int(meta["shards"])
            if schema.version(meta) < SCHEMA_VERSION:
                schema.migrate(self._files, meta)

    # --- locking ------------------------------------------------------------------------

    @contextmanager
    def _locked(self) -> Iterator[float]:
        try:
            with self._lock.hold() as waited:
                yield waited
        except OSError as exc:  # no write access, disk full, read-only filesystem...
            raise StoreError(
                f"cannot write the triage state in {self.state_dir}: "
                f"{exc.strerror or exc}{f' ({exc.filename})' if exc.filename else ''}; nothing "
                "was changed: check the folder's group and permissions, or the free space"
            ) from exc

    @contextmanager
    def _txn(self) -> Iterator[_Txn]:
        """One locked read-modify-write: finish a dead writer's commit, then re-read."""
        with self._locked():
            yield _Txn(head=self._files.recover())

    @property
    def last_lock_wait(self) -> float:
        """Seconds the last command waited for the lock."""
        return self._lock.last_wait

    def _read(self, txn: _Txn, path: Path) -> dict[str, Any] | None:
        if path not in txn.loaded:
            txn.loaded[path] = read_json(path)
        return txn.loaded[path]

    def _table(self, txn: _Txn, kind: str, cable_id: str, table: str) -> dict[str, Any]:
        data = self._read(txn, self._files.path_for(kind, cable_id))
        return (data or {}).get(table) or {}

    def _commit(self, txn: _Txn, record: dict[str, Any]) -> int:
        seq = txn.head + 1
        record["seq"] = seq
        record.setdefault("at", _now())
        record.setdefault("user", self.user)
        record.setdefault("os_user", self.os_user)
        for entry in record.get("history", ()):
            entry["seq"] = seq
        self._files.commit(record, txn.loaded)
        txn.head = seq
        return seq

    # --- the cable index (ingest) -------------------------------------------------------

    def index_get(self, cable_id: str) -> dict[str, Any] | None:
        """The index entry of one cable, or None."""
        head = self._files.head()
        data = read_json(self._files.path_for("index", cable_id))
        entry = ((data or {}).get("cables") or {}).get(cable_id)
        record = self._files.record(head) if head else None
        if record and cable_id in record.get("index", {}):
            entry = record["index"][cable_id]
        return entry

    def index_put(
        self,
        entries: Iterable[dict[str, Any]],
        *,
        notes: dict[str, str] | None = None,
        merge: IndexMerge | None = None,
    ) -> Change:
        """Insert or replace index entries (one lock, one commit, one change seq).

        A large batch is committed in pieces of at most ``INDEX_SHARDS_PER_COMMIT`` index
        shards and ``INDEX_ENTRIES_PER_COMMIT`` entries, each its own commit, so the lock never
        covers a whole ingest batch; the returned seq is the last one. ``notes`` (id -> text)
        adds a history entry with field ``index`` (e.g. "corrected copy replaced section 2").

        Args:
            entries: the entries, each with its ``id``.
            notes: id -> text of a history entry (field ``index``) committed with the entry.
            merge: ``merge(stored, given) -> entry``, called under the lock for each entry
                with the entry as stored there now (None for a new ID; not to be mutated) and
                the given one; its result is written. Without it the given entry replaces
                the stored one, which loses what another process wrote since the caller read
                it. Keep it cheap: it runs while the lock is held.
        """
        by_shard: dict[int, dict[str, dict[str, Any]]] = {}
        for entry in entries:
            cid = str(entry["id"])
            by_shard.setdefault(self._files_shard(cid), {})[cid] = entry
        notes = notes or {}
        seq = self._files.head()
        ids: list[str] = []
        group: dict[str, dict[str, Any]] = {}
        shards_in_group = 0
        for shard in sorted(by_shard):
            if shards_in_group >= INDEX_SHARDS_PER_COMMIT:
                seq = self._index_commit(group, notes, merge)
                group, shards_in_group = {}, 0
            shards_in_group += 1
            for cid, entry in by_shard[shard].items():
                if len(group) >= INDEX_ENTRIES_PER_COMMIT:
                    seq = self._index_commit(group, notes, merge)
                    group, shards_in_group = {}, 1
                group[cid] = entry
                ids.append(cid)
        if group:
            seq = self._index_commit(group, notes, merge)
        return Change(seq=seq, ids=ids, message=f"{len(ids)} cable(s) indexed")

    def _head_data(self, txn: _Txn) -> dict[str, Any] | None:
        """The shared queue head as read under the lock; None when missing or unreadable (a
        cache of the rows: ``ensure_head`` rebuilds it)."""
        try:
            return self._read(txn, self._files.head_path)
        except SchemaError:
            txn.loaded[self._files.head_path] = None
            return None

    def _files_shard(self, cable_id: str) -> int:
        return shard_of(cable_id, self._files.shards)

    def _index_commit(
        self,
        group: dict[str, dict[str, Any]],
        notes: dict[str, str],
        merge: IndexMerge | None,
    ) -> int:
        with self._txn() as txn:
            now = _now()
            index: dict[str, dict[str, Any]] = {}
            history: list[dict[str, Any]] = []
            for cid, entry in group.items():
                old = self._table(txn, "index", cid, "cables").get(cid)
                new = dict(merge(old, entry) if merge is not None else entry)
                new["id"] = cid
                new["arrived"] = (old or {}).get("arrived") or entry.get("arrived") or now
                index[cid] = new
                if cid in notes:
                    history.append(self._entry(cid, "index", None, notes[cid], now))
            record: dict[str, Any] = {"cmd": "index", "at": now, "ids": list(index), "index": index}
            if _head.affected(self._head_data(txn), index):
                record["head"] = True
            if history:
                record["history"] = history
            return self._commit(txn, record)

    def source_info(self, path: str) -> dict[str, Any] | None:
        """What the index knows of one inbox file (size, mtime, hash, parser version, id).

        The first call loads every cable's sources (compact ``sources/`` columns); later calls
        only read the journal records written since.
        """
        with self._view_lock:
            self._view.load_sources()
            assert self._view.sources is not None
            found = self._view.sources.get(path)
        if found is None:
            return None
        cid, info = found
        info["id"] = cid
        return info

    def flag(self, cable_id: str, reason: str, *, when_action: str | None = None) -> Change:
        """Flag a cable for attention (e.g. new action requests on a cable marked done).

        Recorded in the history (field ``flag``); not on anyone's undo stack. The flag is
        cleared by ``unflag`` or by the next ``set_action``. With ``when_action`` (e.g.
        ``"done"``) the flag is set only if the cable's action state is that, checked under
        the lock; otherwise nothing changes (``Change.ids`` is empty).
        """

        def change(cid: str, doc: dict[str, Any], txn: _Txn) -> list[tuple[str, Any, Any]]:
            if doc["flagged"] == reason:
                return []
            if when_action is not None and when_action != (
                doc["action"] or self._derived_action(txn, cid)
            ):
                return []
            old, doc["flagged"] = doc["flagged"], reason
            return [("flag", old, reason)]

        return self._command("flag", [cable_id], change, undoable=False)

    def unflag(self, ids: list[str]) -> Change:
        """Clear the attention flag of cables (an undoable command)."""

        def change(cid: str, doc: dict[str, Any], txn: _Txn) -> list[tuple[str, Any, Any]]:
            if doc["flagged"] is None:
                return []
            old, doc["flagged"] = doc["flagged"], None
            return [("flag", old, None)]

        return self._command("unflag", ids, change)

    def set_rejects(self, rejects: dict[str, str]) -> None:
        """Record the files ingest rejected: path -> reason (replaces the previous list)."""
        with self._locked():
            self._files.write_plain({self._files.rejects_path: {"rejects": dict(rejects)}})

    def update_rejects(self, update: Callable[[dict[str, str]], dict[str, str]]) -> None:
        """Replace the rejected files with ``update(current)``, read and written under the lock,
        so two ingests at once never drop each other's entries."""
        with self._locked():
            data = read_json(self._files.rejects_path)
            before = dict((data or {}).get("rejects") or {})
            after = update(dict(before))
            if after != before:
                self._files.write_plain({self._files.rejects_path: {"rejects": dict(after)}})

    def rejects(self) -> dict[str, str]:
        """The rejected inbox files with their reasons."""
        data = read_json(self._files.rejects_path)
        return dict((data or {}).get("rejects") or {})

    # --- reading ------------------------------------------------------------------------

    def rows(self) -> list[QueueRow]:
        """Every cable as a queue row with its triage state, for the acting user (unordered).

        The rows come from the store's in-memory view, refreshed from the journal: the first
        call loads everything, later calls only what changed since. The rows (and lists in
        them) are shared with that view and with earlier results: read them, never modify
        them; a changed cable gets a new row object.
        """
        with self._view_lock:
            self._view.refresh()
            return list(self._view.rows.values())

    def queue_head(self) -> QueueHead | None:
        """The first cables in triage order with the acting user's state, read without loading
        every row (the store keeps them in ``head.json`` on every index change).

        The first rows of any filtered view are the first of these rows that match it, as
        long as some rows are left after them or ``complete`` is true. None when the state
        has no usable head yet (``ensure_head`` builds one).
        """
        return read_queue_head(self._files, self.user)

    def ensure_head(self) -> bool:
        """Build the shared queue head from every row when it is missing or has thinned out
        (cables moved beyond it); loads every row first (seconds at 250,000 cables) unless
        ``rows()`` already did. Returns True when it wrote a new head."""
        try:
            current = read_json(self._files.head_path)
        except SchemaError:
            current = None
        if not _head.thin(current):
            return False
        if current is None and self._files.head_path.exists():
            with self._locked():  # not valid JSON: a cache, so it is dropped, not kept
                try:
                    read_json(self._files.head_path)
                except SchemaError:
                    self._files.head_path.unlink()
        with self._view_lock:
            self._view.refresh()
            seq = self._view.seq
            built = built_head(self._view.rows.values())
        with self._txn() as txn:
            try:
                current = read_json(self._files.head_path)
            except SchemaError:
                current = None
            if not _head.thin(current):
                return False  # another process rebuilt it meanwhile
            for s in range(seq + 1, txn.head + 1):
                record = self._files.record(s)
                if record is None:
                    return False
                if record.get("index"):
                    _head.merge(built, record["index"])
            self._files.write_plain({self._files.head_path: with_applied(built, txn.head, None)})
        return True

    def row(self, cable_id: str) -> QueueRow:
        """One queue row; raises UnknownCableError."""
        with self._view_lock:
            if self._view.loaded:
                self._view.refresh()
                found = self._view.rows.get(cable_id)
            else:
                found = self._view.point_row(cable_id)
        if found is None:
            raise UnknownCableError(f"no cable {cable_id!r} is known in {self.state_dir}")
        return found

    def seq(self) -> int:
        """The newest committed change sequence number (start ``changes_since`` from it)."""
        return self._files.head()

    def changes_since(self, seq: int) -> tuple[int, set[str]]:
        """(latest seq, IDs changed after ``seq``), at a cost that grows with the changes only.

        When ``seq`` is older than the journal kept (``KEEP_RECORDS``), every known ID is
        returned: the caller reloads everything.
        """
        head = self._files.head()
        ids: set[str] = set()
        for s in range(seq + 1, head + 1):
            record = self._files.record(s)
            if record is None:
                with self._view_lock:
                    self._view.refresh()
                    return head, set(self._view.rows)
            ids.update(record.get("ids", ()))
        return head, ids

    def history(self, cable_id: str) -> list[dict[str, Any]]:
        """Every change of one cable: ``seq, at, user, os_user, field, old, new``, oldest first.

        Undo entries also carry ``undo_of`` (the seq of the command they undo).
        """
        head = self._files.head()
        path = self._files.path_for("history", cable_id)
        data = read_json(path) or {}
        table = dict(data.get("history") or {})
        record = self._files.record(head) if head else None
        if record and self._files.peek_applied(path) < head:
            for i, entry in enumerate(record.get("history", ())):
                table[f"{head}.{i}"] = entry
        keyed = []
        for key, entry in table.items():
            if entry.get("id") == cable_id:
                seq, _, idx = key.partition(".")
                keyed.append(((int(seq), int(idx or 0)), entry))
        keyed.sort(key=lambda item: item[0])
        return [dict(entry) for _, entry in keyed]

    # --- user commands: each one lock, one commit, one undo unit --------------------------

    def _command(
        self,
        cmd: str,
        ids: list[str],
        change: Callable[[str, dict[str, Any], _Txn], list[tuple[str, Any, Any]]],
        *,
        undoable: bool = True,
        history: bool = True,
        check: Callable[[_Txn, dict[str, dict[str, Any]]], None] | None = None,
    ) -> Change:
        """Run one command: lock, re-read, check, change each cable, commit state + history."""
        ids = _unique(str(i) for i in ids)
        if not ids:
            raise StoreError(f"{cmd}: no cable IDs given")
        with self._txn() as txn:
            docs = {cid: self._state(txn, cid) for cid in ids}
            if check is not None:
                check(txn, docs)
            now = _now()
            states: dict[str, dict[str, Any]] = {}
            entries: list[dict[str, Any]] = []
            undo: list[dict[str, Any]] = []
            for cid in ids:
                doc = docs[cid]
                changed = change(cid, doc, txn)
                if not changed:
                    continue
                states[cid] = doc
                for name, old, new in changed:
                    if history:
                        shown_old, shown_new = self._shown(txn, cid, name, old, new)
                        entries.append(self._entry(cid, name, shown_old, shown_new, now))
                    undo.append({"id": cid, "field": name, "old": old, "new": new})
            if not states:
                return Change(seq=txn.head, ids=[], message="nothing to change")
            record: dict[str, Any] = {"cmd": cmd, "at": now, "ids": list(states), "state": states}
            if entries:
                record["history"] = entries
                names = self._new_names(txn, entries)
                if names:
                    record["names"] = names
            if undoable:
                record["undo"] = {
                    "user": self.user,
                    "limit": UNDO_DEPTH,
                    "push": {"cmd": cmd, "at": now, "changes": undo},
                }
            seq = self._commit(txn, record)
            return Change(seq=seq, ids=list(states), message=f"{cmd}: {len(states)} cable(s)")

    def _state(self, txn: _Txn, cid: str) -> dict[str, Any]:
        """A fresh copy of one cable's state; raises UnknownCableError for an unknown ID."""
        doc = self._table(txn, "state", cid, "state").get(cid)
        if doc is None and cid not in self._row_ids(txn, cid):
            raise UnknownCableError(
                f"no cable {cid!r} is known in {self.state_dir}: check the ID (triage list)"
            )
        out = {key: (list(v) if isinstance(v, list) else v) for key, v in _EMPTY_STATE.items()}
        for key, value in (doc or {}).items():
            out[key] = list(value) if isinstance(value, list) else value
        return out

    def _row_ids(self, txn: _Txn, cid: str) -> set[str]:
        path = self._files.path_for("rows", cid)
        key = path.with_suffix(".ids")
        if key not in txn.loaded:
            txn.loaded[key] = {"ids": set(rowcodec.ids(self._read(txn, path)))}
        found = txn.loaded[key]
        return found["ids"] if found else set()

    def _derived_action(self, txn: _Txn, cid: str) -> str:
        try:
            paragraphs = rowcodec.value_of(
                self._read(txn, self._files.path_for("rows", cid)), cid, "action_paragraphs"
            )
        except KeyError:
            paragraphs = None
        return _derived(paragraphs)

    def _shown(self, txn: _Txn, cid: str, name: str, old: Any, new: Any) -> tuple[Any, Any]:
        if name != "action":
            return old, new
        derived = f"{self._derived_action(txn, cid)} (derived)"
        return (derived if old is None else old), (derived if new is None else new)

    def _entry(self, cid: str, name: str, old: Any, new: Any, now: str) -> dict[str, Any]:
        return {
            "id": cid,
            "at": now,
            "user": self.user,
            "os_user": self.os_user,
            "field": name,
            "old": old,
            "new": new,
        }

    def _new_names(self, txn: _Txn, entries: list[dict[str, Any]]) -> dict[str, list[str]]:
        data = self._read(txn, self._files.names_path) or {}
        users, tags = data.get("users") or {}, data.get("tags") or {}
        new_users: dict[str, None] = {}
        new_tags: dict[str, None] = {}
        for entry in entries:
            for name in (entry["user"], entry["new"] if entry["field"] == "assignee" else None):
                if isinstance(name, str) and name not in users:
                    new_users[name] = None
            if entry["field"] == "tags":
                for tag in entry["new"] or ():
                    if tag not in tags:
                        new_tags[tag] = None
        out = {}
        if new_users:
            out["users"] = list(new_users)
        if new_tags:
            out["tags"] = list(new_tags)
        return out

    @staticmethod
    def _clean_tags(tags: list[str]) -> list[str]:
        out = _unique(t.strip() for t in tags if t and t.strip())
        if not out:
            raise StoreError("no tag given: a tag is a non-empty word")
        return out

    def _spelled(self, txn: _Txn, wanted: list[str]) -> dict[str, str]:
        """Tags ignore case: ``lower -> spelling`` for the wanted tags, in the order given.

        A tag known (from any cable) as typed keeps that spelling; one known only in other
        case takes the first known spelling in sorted order; a new tag is kept as typed.
        Read under the lock, so two people typing one tag differently get one spelling.
        """
        known = sorted((self._read(txn, self._files.names_path) or {}).get("tags") or {})
        by_lower: dict[str, str] = {}
        for tag in known:
            by_lower.setdefault(tag.lower(), tag)
        exact = set(known)
        out: dict[str, str] = {}
        for tag in wanted:
            low = tag.lower()
            if low not in out:
                out[low] = tag if tag in exact else by_lower.get(low, tag)
        return out

    def add_tags(self, ids: list[str], tags: list[str]) -> Change:
        """Add users' tags (a delta: tags others added meanwhile are kept).

        Tags ignore case, checked under the lock: a tag the cable has in another case is not
        added again, and a new tag takes the spelling it already has on other cables.
        """
        wanted = self._clean_tags(tags)
        spelled: dict[str, str] | None = None

        def change(cid: str, doc: dict[str, Any], txn: _Txn) -> list[tuple[str, Any, Any]]:
            nonlocal spelled
            if spelled is None:
                spelled = self._spelled(txn, wanted)
            old = list(doc["tags"])
            present = {t.lower() for t in old}
            new = old + [t for low, t in spelled.items() if low not in present]
            if new == old:
                return []
            doc["tags"] = new
            return [("tags", old, new)]

        return self._command("tag", ids, change)

    def remove_tags(self, ids: list[str], tags: list[str]) -> Change:
        """Remove users' tags, ignoring case (a delta: other tags are kept)."""
        unwanted = {t.lower() for t in self._clean_tags(tags)}

        def change(cid: str, doc: dict[str, Any], txn: _Txn) -> list[tuple[str, Any, Any]]:
            old = list(doc["tags"])
            new = [t for t in old if t.lower() not in unwanted]
            if new == old:
                return []
            doc["tags"] = new
            return [("tags", old, new)]

        return self._command("untag", ids, change)

    def assign(
        self, ids: list[str], assignee: str | None, *, expected: dict[str, str | None] | None = None
    ) -> Change:
        """Set or clear the assignee; ``expected`` (id -> assignee the screen showed) makes it
        compare-and-set and raises StaleChangeError when it no longer holds."""
        who = assignee.strip() if assignee and assignee.strip() else None

        def check(txn: _Txn, docs: dict[str, dict[str, Any]]) -> None:
            if expected is None:
                return
            stale = [
                (cid, expected[cid], docs[cid]["assignee"])
                for cid in docs
                if cid in expected and expected[cid] != docs[cid]["assignee"]
            ]
            self._refuse_stale(txn, "assignee", stale)

        def change(cid: str, doc: dict[str, Any], txn: _Txn) -> list[tuple[str, Any, Any]]:
            if doc["assignee"] == who:
                return []
            old, doc["assignee"] = doc["assignee"], who
            return [("assignee", old, who)]

        return self._command("assign", ids, change, check=check)

    def set_action(
        self, ids: list[str], state: str, *, expected: dict[str, str] | None = None
    ) -> Change:
        """Set the action state (none/open/done), compare-and-set like ``assign``.

        ``expected`` holds the state the screen showed (derived or not). Setting the action
        also clears an attention flag, in the same undoable command.
        """
        if state not in ACTIONS:
            raise StoreError(f"unknown action state {state!r}: use one of {', '.join(ACTIONS)}")

        def effective(txn: _Txn, cid: str, doc: dict[str, Any]) -> str:
            return doc["action"] if doc["action"] is not None else self._derived_action(txn, cid)

        def check(txn: _Txn, docs: dict[str, dict[str, Any]]) -> None:
            if expected is None:
                return
            stale = [
                (cid, expected[cid], effective(txn, cid, docs[cid]))
                for cid in docs
                if cid in expected and expected[cid] != effective(txn, cid, docs[cid])
            ]
            self._refuse_stale(txn, "action", stale)

        def change(cid: str, doc: dict[str, Any], txn: _Txn) -> list[tuple[str, Any, Any]]:
            out: list[tuple[str, Any, Any]] = []
            if doc["action"] != state:
                out.append(("action", doc["action"], state))
                doc["action"] = state
            if doc["flagged"] is not None:
                out.append(("flag", doc["flagged"], None))
                doc["flagged"] = None
            return out

        return self._command("action", ids, change, check=check)

    def _refuse_stale(self, txn: _Txn, name: str, stale: list[tuple[str, Any, Any]]) -> None:
        if not stale:
            return
        parts = []
        for cid, saw, now in stale[:5]:
            who = self._last_change_by(txn, cid, name)
            parts.append(
                f"{cid}: you saw {saw or 'nobody' if name == 'assignee' else saw}, "
                f"it is now {now or 'nobody' if name == 'assignee' else now}{who}"
            )
        more = f" (and {len(stale) - 5} more)" if len(stale) > 5 else ""
        raise StaleChangeError(
            f"not changed: someone changed the {name} since your screen showed it — "
            + "; ".join(parts)
            + more
            + ". Look again and repeat the change if still wanted."
        )

    def _last_change_by(self, txn: _Txn, cid: str, name: str) -> str:
        table = self._table(txn, "history", cid, "history")
        best: tuple[tuple[int, int], dict[str, Any]] | None = None
        for key, entry in table.items():
            if entry.get("id") == cid and entry.get("field") == name:
                seq, _, idx = key.partition(".")
                k = (int(seq), int(idx or 0))
                if best is None or k > best[0]:
                    best = (k, entry)
        if best is None:
            return ""
        return f" (changed by {best[1].get('user')} at {best[1].get('at')})"

    def ack(self, ids: list[str]) -> Change:
        """Acknowledge receipt; a cable already acknowledged keeps its first acknowledgement."""

        def change(cid: str, doc: dict[str, Any], txn: _Txn) -> list[tuple[str, Any, Any]]:
            if doc["acked"] is not None:
                return []
            doc["acked"] = {"user": self.user, "at": _now()}
            return [("ack", None, doc["acked"])]

        return self._command("ack", ids, change)

    def mark_read(self, cable_id: str) -> None:
        """Mark read for the acting user (not an undoable change, not in the history)."""

        def change(cid: str, doc: dict[str, Any], txn: _Txn) -> list[tuple[str, Any, Any]]:
            if self.user in doc["read"]:
                return []
            doc["read"].append(self.user)
            return [("read", False, True)]

        self._command("read", [cable_id], change, undoable=False, history=False)

    def undo(self) -> Change:
        """Undo the acting user's last command; raises UndoError saying why not.

        The undo is a new command appended to the history (``undo_of`` = the undone seq).
        When someone else changed one of its fields since, nothing is changed, the command is
        dropped from the undo stack (so the next undo goes further back) and UndoError says who.
        """
        with self._txn() as txn:
            path = self._files.undo_path(self.user)
            stack = (self._read(txn, path) or {}).get("undo") or {}
            if not stack:
                raise UndoError(f"nothing to undo for {self.user}")
            top = max(stack, key=int)
            command = stack[top]
            conflicts: list[str] = []
            docs: dict[str, dict[str, Any]] = {}
            for item in command["changes"]:
                cid = item["id"]
                if cid not in docs:
                    docs[cid] = self._state(txn, cid)
                why = self._undo_conflict(item, docs[cid])
                if why:
                    conflicts.append(
                        f"{cid} {item['field']}: {why}"
                        f"{self._last_change_by(txn, cid, item['field'])}"
                    )
            now = _now()
            if conflicts:
                self._commit(
                    txn,
                    {
                        "cmd": "undo-refused",
                        "at": now,
                        "ids": [],
                        "undo": {"user": self.user, "pop": int(top)},
                    },
                )
                raise UndoError(
                    f"cannot undo your {command['cmd']} of {command['at']}: someone changed it "
                    f"since — {'; '.join(conflicts[:5])}. Nothing was changed; that command is "
                    "off your undo list, so undo again goes further back."
                )
            entries = []
            for item in command["changes"]:
                cid, name = item["id"], item["field"]
                doc = docs[cid]
                key = _DOC_KEY.get(name, name)
                old = doc[key]
                doc[key] = self._reverted(item, doc)
                if name != "read":
                    shown_old, shown_new = self._shown(txn, cid, name, old, doc[key])
                    entry = self._entry(cid, name, shown_old, shown_new, now)
                    entry["undo_of"] = int(top)
                    entries.append(entry)
            record: dict[str, Any] = {
                "cmd": "undo",
                "at": now,
                "ids": list(docs),
                "state": docs,
                "history": entries,
                "undo": {"user": self.user, "pop": int(top)},
            }
            seq = self._commit(txn, record)
            return Change(
                seq=seq, ids=list(docs), message=f"undid {command['cmd']} on {len(docs)} cable(s)"
            )

    @staticmethod
    def _undo_conflict(item: dict[str, Any], doc: dict[str, Any]) -> str:
        name, old, new = item["field"], item["old"], item["new"]
        current = doc.get(_DOC_KEY.get(name, name))
        if name == "tags":
            current = current or []
            added = [t for t in new if t not in old]
            removed = [t for t in old if t not in new]
            gone = [t for t in added if t not in current]
            back = [t for t in removed if t in current]
            if gone:
                return f"tag(s) {', '.join(gone)} removed since"
            if back:
                return f"tag(s) {', '.join(back)} added again since"
            return ""
        if current != new:
            return f"now {current!r}, not {new!r}"
        return ""

    @staticmethod
    def _reverted(item: dict[str, Any], doc: dict[str, Any]) -> Any:
        if item["field"] != "tags":
            return item["old"]
        added = {t for t in item["new"] if t not in item["old"]}
        removed = [t for t in item["old"] if t not in item["new"]]
        kept = [t for t in doc["tags"] if t not in added]
        return kept + [t for t in removed if t not in kept]

    def known_users(self) -> list[str]:
        """User names seen as assignees or in the history, sorted (for completion)."""
        data = read_json(self._files.names_path) or {}
        return sorted(data.get("users") or {})

    def known_tags(self) -> list[str]:
        """Users' tags ever added, sorted (for completion)."""
        data = read_json(self._files.names_path) or {}
        return sorted(data.get("tags") or {})
