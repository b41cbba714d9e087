"""One locked read-modify-write of the state folder: the files it read, per-cable reads, the commit.

A ``Txn`` lives only while the store holds its lock (``Store._txn``): every file it reads is
kept in ``loaded`` so that the commit (``StateFiles.commit``) applies the journal record to
what was read, and nothing is read twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from triage import _rowcodec as rowcodec
from triage._errors import SchemaError, UnknownCableError
from triage._journal import StateFiles
from triage._storage import read_json
from triage.model import ActionState

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


def now() -> str:
    """The current time as stored in records and history entries (UTC, microseconds)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def unique(items: Iterable[str]) -> list[str]:
    """The items without repeats, in their first order."""
    return list(dict.fromkeys(items))


def _derived(action_paragraphs: Any) -> str:
    return ActionState.OPEN.value if action_paragraphs else ActionState.NONE.value


@dataclass(slots=True)
class Txn:
    """What one locked read-modify-write has read so far, and who is acting."""

    files: StateFiles
    user: str
    os_user: str
    head: int
    loaded: dict[Path, dict[str, Any] | None] = field(default_factory=dict)

    def read(self, path: Path) -> dict[str, Any] | None:
        """The content of one state file, read once per transaction."""
        if path not in self.loaded:
            self.loaded[path] = read_json(path)
        return self.loaded[path]

    def table(self, kind: str, cable_id: str, table: str) -> dict[str, Any]:
        """One table of the shard of one kind holding ``cable_id`` (empty when missing)."""
        data = self.read(self.files.path_for(kind, cable_id))
        return (data or {}).get(table) or {}

    def commit(self, record: dict[str, Any]) -> int:
        """Commit one journal record (the next seq; who and when filled in); returns its seq."""
        seq = self.head + 1
        record["seq"] = seq
        record.setdefault("at", now())
        record.setdefault("user", self.user)
        record.setdefault("os_user", self.os_user)
        for entry in record.get("history", ()):
            entry["seq"] = seq
        self.files.commit(record, self.loaded)
        self.head = seq
        return seq

    def head_data(self) -> dict[str, Any] | None:
        """The shared queue head as read under the lock; None when missing or unreadable (a
        cache of the rows: ``ensure_head`` rebuilds it)."""
        try:
            return self.read(self.files.head_path)
        except SchemaError:
            self.loaded[self.files.head_path] = None
            return None

    def state(self, cid: str) -> dict[str, Any]:
        """A fresh copy of one cable's state; raises UnknownCableError for an unknown ID."""
        doc = self.table("state", cid, "state").get(cid)
        if doc is None and cid not in self._row_ids(cid):
            raise UnknownCableError(
                f"no cable {cid!r} is known in {self.files.root}: check the ID (triage list)"
            )
        out = {key: (list(v) if isinstance(v, list) else v) for key, v in _EMPTY_STATE.items()}
        for key, value in (doc or {}).items():
            out[key] = list(value) if isinstance(value, list) else value
        return out

    def _row_ids(self, cid: str) -> set[str]:
        path = self.files.path_for("rows", cid)
        key = path.with_suffix(".ids")
        if key not in self.loaded:
            self.loaded[key] = {"ids": set(rowcodec.ids(self.read(path)))}
        found = self.loaded[key]
        return found["ids"] if found else set()

    def derived_action(self, cid: str) -> str:
        """The action state a cable has when nobody set one: open when it requests action."""
        try:
            paragraphs = rowcodec.value_of(
                self.read(self.files.path_for("rows", cid)), cid, "action_paragraphs"
            )
        except KeyError:
            paragraphs = None
        return _derived(paragraphs)

    def shown(self, cid: str, name: str, old: Any, new: Any) -> tuple[Any, Any]:
        """Old and new values as the history shows them (an unset action as its derived one)."""
        if name != "action":
            return old, new
        derived = f"{self.derived_action(cid)} (derived)"
        return (derived if old is None else old), (derived if new is None else new)

    def entry(self, cid: str, name: str, old: Any, new: Any, now: str) -> dict[str, Any]:
        """One history entry by the acting user."""
        return {
            "id": cid,
            "at": now,
            "user": self.user,
            "os_user": self.os_user,
            "field": name,
            "old": old,
            "new": new,
        }

    def last_change_by(self, cid: str, name: str) -> str:
        """`` (changed by USER at WHEN)`` for the newest history entry of one field, or ""."""
        table = self.table("history", cid, "history")
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
