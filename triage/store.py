"""The shared triage state and the cable index, in sharded TinyDB files in the state folder.

Every user command is one read-modify-write under a fair cross-process lock: re-read what it
changes, check compare-and-set expectations, write one journal record (the commit point and the
change sequence number), then apply it to small shard files. See ``triage._journal`` for the
layout and crash recovery, ``triage._storage`` for atomic writes, ``triage._lock`` for the lock,
``triage._schema`` for creating and migrating the folder, ``triage._txn`` for one
read-modify-write, ``triage._index`` for the index and the queue head ingest keeps,
``triage._commands`` and ``triage._undo`` for what the user commands change, and
``triage._view`` for the rows read back.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from triage import _commands as commands
from triage import _index
from triage import _schema as schema
from triage._errors import (
    LockTimeoutError,
    SchemaError,
    StaleChangeError,
    StoreError,
    UndoError,
    UnknownCableError,
)
from triage._index import IndexMerge
from triage._journal import StateFiles
from triage._lock import FairLock
from triage._schema import SCHEMA_VERSION
from triage._storage import make_dir, read_json
from triage._txn import Change, Txn, unique
from triage._undo import undo_last
from triage._view import QueueHead, View, built_head, read_queue_head
from triage.config import login_name
from triage.model import QueueRow

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
        schema.open_state(self._files, shards, self._locked)
        self._view = View(self._files, user)
        self._view_lock = threading.RLock()

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
    def _txn(self) -> Iterator[Txn]:
        """One locked read-modify-write: finish a dead writer's commit, then re-read."""
        with self._locked():
            yield Txn(self._files, self.user, self.os_user, head=self._files.recover())

    @property
    def last_lock_wait(self) -> float:
        """Seconds the last command waited for the lock."""
        return self._lock.last_wait

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
        return _index.put(self._files, self._txn, entries, notes or {}, merge)

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
        return self._command("flag", [cable_id], commands.flag(reason, when_action), undoable=False)

    def unflag(self, ids: list[str]) -> Change:
        """Clear the attention flag of cables (an undoable command)."""
        return self._command("unflag", ids, commands.unflag)

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
        if not _index.head_wanted(self._files, self._locked):
            return False
        with self._view_lock:
            self._view.refresh()
            seq = self._view.seq
            built = built_head(self._view.rows.values())
        with self._txn() as txn:
            return _index.write_head(txn, built, seq)

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
        change: commands.ChangeFn,
        *,
        undoable: bool = True,
        history: bool = True,
        check: commands.CheckFn | None = None,
    ) -> Change:
        """Run one command: lock, re-read, check, change each cable, commit state + history."""
        ids = unique(str(i) for i in ids)
        if not ids:
            raise StoreError(f"{cmd}: no cable IDs given")
        with self._txn() as txn:
            return commands.run(
                txn, cmd, ids, change, undoable=undoable, history=history, check=check
            )

    def add_tags(self, ids: list[str], tags: list[str]) -> Change:
        """Add users' tags (a delta: tags others added meanwhile are kept).

        Tags ignore case, checked under the lock: a tag the cable has in another case is not
        added again, and a new tag takes the spelling it already has on other cables.
        """
        return self._command("tag", ids, commands.add_tags(commands.clean_tags(tags)))

    def remove_tags(self, ids: list[str], tags: list[str]) -> Change:
        """Remove users' tags, ignoring case (a delta: other tags are kept)."""
        unwanted = {t.lower() for t in commands.clean_tags(tags)}
        return self._command("untag", ids, commands.remove_tags(unwanted))

    def change_tags(self, ids: list[str], add: list[str], remove: list[str]) -> Change:
        """Remove ``remove`` and add ``add`` (both ignoring case, as ``remove_tags`` and
        ``add_tags`` do) in one undoable command: the tag dialog's ``-old new``."""
        if not add and not remove:
            commands.clean_tags([])  # raises: no tag given
        unwanted = {t.lower() for t in commands.clean_tags(remove)} if remove else set()
        wanted = commands.clean_tags(add) if add else []
        return self._command("tag", ids, commands.change_tags(wanted, unwanted))

    def assign(
        self, ids: list[str], assignee: str | None, *, expected: dict[str, str | None] | None = None
    ) -> Change:
        """Set or clear the assignee; ``expected`` (id -> assignee the screen showed) makes it
        compare-and-set and raises StaleChangeError when it no longer holds."""
        change, check = commands.assign(assignee, expected)
        return self._command("assign", ids, change, check=check)

    def set_action(
        self, ids: list[str], state: str, *, expected: dict[str, str] | None = None
    ) -> Change:
        """Set the action state (none/open/done), compare-and-set like ``assign``.

        ``expected`` holds the state the screen showed (derived or not). Setting the action
        also clears an attention flag, in the same undoable command.
        """
        if state not in commands.ACTIONS:
            raise StoreError(
                f"unknown action state {state!r}: use one of {', '.join(commands.ACTIONS)}"
            )
        change, check = commands.set_action(state, expected)
        return self._command("action", ids, change, check=check)

    def ack(self, ids: list[str]) -> Change:
        """Acknowledge receipt; a cable already acknowledged keeps its first acknowledgement."""
        return self._command("ack", ids, commands.ack)

    def mark_read(self, cable_id: str) -> None:
        """Mark read for the acting user (not an undoable change, not in the history)."""
        self._command("read", [cable_id], commands.mark_read, undoable=False, history=False)

    def undo(self) -> Change:
        """Undo the acting user's last command; raises UndoError saying why not.

        The undo is a new command appended to the history (``undo_of`` = the undone seq).
        When someone else changed one of its fields since, nothing is changed, the command is
        dropped from the undo stack (so the next undo goes further back) and UndoError says who.
        """
        with self._txn() as txn:
            return undo_last(txn)

    def known_users(self) -> list[str]:
        """User names seen as assignees or in the history, sorted (for completion)."""
        data = read_json(self._files.names_path) or {}
        return sorted(data.get("users") or {})

    def known_tags(self) -> list[str]:
        """Users' tags ever added, sorted (for completion)."""
        data = read_json(self._files.names_path) or {}
        return sorted(data.get("tags") or {})
