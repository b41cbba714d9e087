"""The shared triage state and the cable index, in TinyDB files in the state folder.

INTERFACE STUB: the store helper replaces the bodies; signatures are the contract that
ingest.py, cli.py, queue.py and the app code against. Extend, do not change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from triage.model import QueueRow


class StoreError(Exception):
    """Base of every store error; the message says what the user should do."""


class StaleChangeError(StoreError):
    """A compare-and-set change was made on a screen that had not seen a newer change."""


class LockTimeoutError(StoreError):
    """The state lock was not obtained in time."""


class SchemaError(StoreError):
    """The state was written by a newer major version, or is not valid JSON; it is left as is."""


class UnknownCableError(StoreError):
    """No cable with that ID is known."""


class UndoError(StoreError):
    """Nothing to undo, or someone else changed the field since."""


@dataclass(slots=True)
class Change:
    """The result of one user command: the change sequence number it committed and the IDs."""

    seq: int
    ids: list[str]
    message: str = ""


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
    ) -> None:
        raise NotImplementedError

    # --- the cable index (ingest) -------------------------------------------------------

    def index_get(self, cable_id: str) -> dict[str, Any] | None:
        """The index entry of one cable, or None."""
        raise NotImplementedError

    def index_put(self, entries: Iterable[dict[str, Any]]) -> Change:
        """Insert or replace index entries (one lock, one commit, one change seq)."""
        raise NotImplementedError

    def source_info(self, path: str) -> dict[str, Any] | None:
        """What the index knows of one inbox file (size, mtime, hash, parser version, id)."""
        raise NotImplementedError

    def flag(self, cable_id: str, reason: str) -> Change:
        """Flag a cable for attention (e.g. new action requests on a cable marked done)."""
        raise NotImplementedError

    def set_rejects(self, rejects: dict[str, str]) -> None:
        """Record the files ingest rejected: path -> reason (replaces the previous list)."""
        raise NotImplementedError

    def rejects(self) -> dict[str, str]:
        """The rejected inbox files with their reasons."""
        raise NotImplementedError

    # --- reading ------------------------------------------------------------------------

    def rows(self) -> list[QueueRow]:
        """Every cable as a queue row with its triage state, for the acting user (unordered)."""
        raise NotImplementedError

    def row(self, cable_id: str) -> QueueRow:
        """One queue row; raises UnknownCableError."""
        raise NotImplementedError

    def changes_since(self, seq: int) -> tuple[int, set[str]]:
        """(latest seq, IDs changed after ``seq``), at a cost that grows with the changes only."""
        raise NotImplementedError

    def history(self, cable_id: str) -> list[dict[str, Any]]:
        """Every change of one cable: ``seq, at, user, os_user, field, old, new``, oldest first."""
        raise NotImplementedError

    # --- user commands: each one lock, one commit, one undo unit --------------------------

    def add_tags(self, ids: list[str], tags: list[str]) -> Change:
        raise NotImplementedError

    def remove_tags(self, ids: list[str], tags: list[str]) -> Change:
        raise NotImplementedError

    def assign(
        self, ids: list[str], assignee: str | None, *, expected: dict[str, str | None] | None = None
    ) -> Change:
        """Set or clear the assignee; ``expected`` (id -> assignee the screen showed) makes it
        compare-and-set and raises StaleChangeError when it no longer holds."""
        raise NotImplementedError

    def set_action(
        self, ids: list[str], state: str, *, expected: dict[str, str] | None = None
    ) -> Change:
        """Set the action state (none/open/done), compare-and-set like ``assign``."""
        raise NotImplementedError

    def ack(self, ids: list[str]) -> Change:
        raise NotImplementedError

    def mark_read(self, cable_id: str) -> None:
        """Mark read for the acting user (not an undoable change)."""
        raise NotImplementedError

    def undo(self) -> Change:
        """Undo the acting user's last command; raises UndoError saying why not."""
        raise NotImplementedError

    def known_users(self) -> list[str]:
        raise NotImplementedError

    def known_tags(self) -> list[str]:
        raise NotImplementedError
