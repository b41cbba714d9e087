"""The state folder's files: the change journal and the sharded TinyDB files it is applied to.

Layout (``N`` shards, chosen when the folder is created and recorded in ``meta.json``)::

    meta.json              {"meta": {"1": {"schema": "1.2", "shards": N}}}
    log/000000000042.json  one journal record per committed change sequence number
    state/NN.json          triage state per cable        (TinyDB table "state", doc id = cable id)
    history/NN.json        history entries per cable     (table "history", doc id = "seq.i")
    index/NN.json          the cable index from ingest   (table "cables", doc id = cable id)
    rows/NN.json           the index's queue-row fields as columns, for fast loading
    sources/NN.json        the index's source files (path, size, mtime, hash, ...) as columns
                           (both see ``triage._rowcodec``; caches rebuilt from index/ on migration)
    undo/<user>.json       one user's undo stack         (table "undo", doc id = seq)
    names.json             user names and tags seen      (tables "users", "tags": name -> {})
    rejects.json           files ingest rejected, with reasons
    head.json              the first cables in triage order (``triage._head``); applied like a
                           shard, by index records that carry ``"head": true``

A commit, under the lock, first writes its journal record (temp, fsync, replace, folder
fsync): that is the commit point, and its number is the change sequence. Then the record is
applied to the shard files it touches, each of which records the last sequence applied to it
in a ``_meta`` table written first in the file. Only the newest record can be unapplied (a
writer killed mid-apply); the next writer re-applies it idempotently before its own commit, and
readers without the lock overlay it in memory. Old journal records are deleted after
``KEEP_RECORDS`` newer ones.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import time
import zlib
from pathlib import Path
from typing import Any

from triage import _head
from triage import _rowcodec as rowcodec
from triage._storage import make_dir, read_json, write_many

KEEP_RECORDS = 20_000
"""Journal records kept for ``changes_since``; an older sequence means "reload everything"."""

_APPLIED = re.compile(rb'^\{"_meta":\{"1":\{"applied":(\d+)')

KINDS = ("state", "history", "index", "rows", "sources")
"""The sharded file kinds; each lives in a folder of that name."""

TABLES = {"state": "state", "history": "history", "index": "cables", "rows": None, "sources": None}
"""The TinyDB table of each kind (rows and sources files hold columns, not a table)."""


def shard_of(key: str, shards: int) -> int:
    """The shard of a cable ID: a stable hash, the same in every process and version."""
    return zlib.crc32(key.encode("utf-8", "surrogatepass")) % shards


def user_key(user: str) -> str:
    """A file name for a user's undo stack: a readable prefix plus a hash (any name is safe)."""
    slug = re.sub(r"[^A-Za-z0-9_-]", "_", user)[:32]
    return f"{slug}-{hashlib.sha256(user.encode('utf-8', 'surrogatepass')).hexdigest()[:12]}"


def applied_of(data: dict[str, Any] | None) -> int:
    """The last journal sequence applied to a loaded shard file (0 for a new one)."""
    if not data:
        return 0
    try:
        return int(data["_meta"]["1"]["applied"])
    except (KeyError, TypeError, ValueError):
        return 0


def with_applied(data: dict[str, Any] | None, seq: int, table: str | None) -> dict[str, Any]:
    """A shard dict with ``_meta`` first (so ``peek_applied`` can read it) at ``seq``."""
    out: dict[str, Any] = {"_meta": {"1": {"applied": seq}}}
    for key, value in (data or {}).items():
        if key != "_meta":
            out[key] = value
    if table is not None:
        out.setdefault(table, {})
    return out


class StateFiles:
    """Paths, the journal, and applying journal records to shard files."""

    def __init__(self, root: Path, shards: int) -> None:
        """The state folder ``root`` with ``shards`` shards per kind."""
        self.root = root
        self.shards = shards
        self.log_dir = root / "log"
        self.meta_path = root / "meta.json"
        self.rejects_path = root / "rejects.json"
        self.names_path = root / "names.json"
        self.head_path = root / "head.json"
        self._head_hint = 0
        self._head_checked = 0.0
        self._log_prefix = f"{self.log_dir}{os.sep}"

    def make_dirs(self) -> None:
        """Create the sub-folders."""
        for name in (*KINDS, "log", "undo"):
            make_dir(self.root / name)

    # --- paths --------------------------------------------------------------------------

    def shard_path(self, kind: str, shard: int) -> Path:
        """The file of one shard of one kind."""
        return self.root / kind / f"{shard:03d}.json"

    def path_for(self, kind: str, cable_id: str) -> Path:
        """The shard file of one kind holding ``cable_id``."""
        return self.shard_path(kind, shard_of(cable_id, self.shards))

    def undo_path(self, user: str) -> Path:
        """The undo stack file of one user."""
        return self.root / "undo" / f"{user_key(user)}.json"

    def log_path(self, seq: int) -> Path:
        """The journal record of one change sequence number."""
        return self.log_dir / f"{seq:012d}.json"

    # --- the journal --------------------------------------------------------------------

    def head(self) -> int:
        """The newest committed sequence number (0 when nothing was ever committed).

        Probes forward from the last head seen (one ``stat`` when nothing changed). The last
        head's own record is re-checked only when it was seen over a second ago: only
        ``KEEP_RECORDS`` newer commits can delete it, and they take far longer than that.
        """
        seq = self._head_hint
        now = time.monotonic()
        if not seq or (now - self._head_checked > 1.0 and not os.path.exists(self._log(seq))):
            seq = self._scan_head()
        while os.path.exists(self._log(seq + 1)):
            seq += 1
        self._head_hint = seq
        self._head_checked = now
        return seq

    def _log(self, seq: int) -> str:
        return f"{self._log_prefix}{seq:012d}.json"

    def _scan_head(self) -> int:
        best = 0
        try:
            names = os.listdir(self.log_dir)
        except FileNotFoundError:
            return 0
        for name in names:
            if name.endswith(".json") and name[:-5].isdigit():
                best = max(best, int(name[:-5]))
        return best

    def oldest(self) -> int:
        """The oldest journal record still kept (0 when there is none)."""
        try:
            names = os.listdir(self.log_dir)
        except FileNotFoundError:
            return 0
        seqs = [int(n[:-5]) for n in names if n.endswith(".json") and n[:-5].isdigit()]
        return min(seqs, default=0)

    def record(self, seq: int) -> dict[str, Any] | None:
        """One journal record, or None when it does not exist (never written, or deleted)."""
        data = read_json(self.log_path(seq))
        return data if isinstance(data, dict) else None

    def commit(self, record: dict[str, Any], loaded: dict[Path, dict[str, Any] | None]) -> None:
        """Write the record (the commit point), then apply it to its files.

        Args:
            record: the journal record; ``record["seq"]`` must be ``head() + 1``.
            loaded: shard files already read under this lock (path -> content), reused.
        """
        seq = int(record["seq"])
        write_many({self.log_path(seq): record}, self.pending_writes(record, loaded))
        self._head_hint = seq
        old = seq - KEEP_RECORDS
        if old > 0:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.log_path(old))
        if seq % 4096 == 0:
            self.sweep(max(old, 0))

    def sweep(self, below: int = 0) -> None:
        """Under the lock: delete journal records older than ``below`` and the temp files of
        writers that died between staging and replacing (every writer stages under the lock,
        so any temp file seen while holding it is garbage)."""
        for folder in (self.log_dir, *(self.root / kind for kind in (*KINDS, "undo")), self.root):
            try:
                names = os.listdir(folder)
            except FileNotFoundError:
                continue
            for name in names:
                stale = name.startswith(".") and name.endswith(".tmp")
                if folder == self.log_dir and name.endswith(".json") and name[:-5].isdigit():
                    stale = int(name[:-5]) < below
                if stale:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(folder / name)

    # --- applying records ---------------------------------------------------------------

    def touched(self, record: dict[str, Any]) -> set[Path]:
        """Every file a record changes."""
        paths: set[Path] = set()
        for cid in record.get("state", {}):
            paths.add(self.path_for("state", cid))
        for entry in record.get("history", []):
            paths.add(self.path_for("history", entry["id"]))
        for cid in record.get("index", {}):
            paths.add(self.path_for("index", cid))
            paths.add(self.path_for("rows", cid))
            paths.add(self.path_for("sources", cid))
        if record.get("undo"):
            paths.add(self.undo_path(record["undo"]["user"]))
        if record.get("names"):
            paths.add(self.names_path)
        if record.get("head"):
            paths.add(self.head_path)
        return paths

    def kind_of(self, path: Path) -> str:
        """The kind of a state file: a shard kind, ``undo``, ``names`` or ``head``."""
        if path == self.names_path:
            return "names"
        if path == self.head_path:
            return "head"
        return path.parent.name

    def apply_to(self, path: Path, data: dict[str, Any] | None, record: dict[str, Any]) -> None:
        """Apply a record's changes for the file ``path`` to its loaded ``data`` in place."""
        kind = self.kind_of(path)
        if kind == "names" and data is not None:
            for key, new in record.get("names", {}).items():
                table = data.setdefault(key, {})
                for name in new:
                    table[name] = {}
        elif kind == "state":
            table = data.setdefault("state", {}) if data is not None else {}
            for cid, doc in record.get("state", {}).items():
                if self.path_for("state", cid) == path:
                    table[cid] = doc
        elif kind == "history":
            table = data.setdefault("history", {}) if data is not None else {}
            seq = record["seq"]
            for i, entry in enumerate(record.get("history", [])):
                if self.path_for("history", entry["id"]) == path:
                    table[f"{seq}.{i}"] = entry
        elif kind == "index":
            table = data.setdefault("cables", {}) if data is not None else {}
            for cid, entry in record.get("index", {}).items():
                if self.path_for(kind, cid) == path:
                    table[cid] = entry
        elif kind == "rows" and data is not None:
            changes = {
                cid: rowcodec.row_values(entry)
                for cid, entry in record.get("index", {}).items()
                if self.path_for(kind, cid) == path
            }
            data.update(rowcodec.update(data, changes))
        elif kind == "sources" and data is not None:
            sources = rowcodec.decode_sources(data)
            for cid, entry in record.get("index", {}).items():
                if self.path_for(kind, cid) == path:
                    sources[cid] = list(entry.get("sources") or ())
            data.update(rowcodec.encode_sources(sources))
        elif kind == "undo" and data is not None:
            apply_undo(data.setdefault("undo", {}), record)
        elif kind == "head" and data is not None and "rows" in data:
            _head.merge(data, record.get("index", {}))

    def apply(self, record: dict[str, Any], loaded: dict[Path, dict[str, Any] | None]) -> None:
        """Apply a record to every file it touches that has not had it yet; one publish."""
        out = self.pending_writes(record, loaded)
        if out:
            write_many(out)

    def pending_writes(
        self, record: dict[str, Any], loaded: dict[Path, dict[str, Any] | None]
    ) -> dict[Path, Any]:
        """The new content of every file the record touches that has not had it yet."""
        seq = int(record["seq"])
        out: dict[Path, Any] = {}
        for path in sorted(self.touched(record)):
            data = loaded[path] if path in loaded else read_json(path)
            if applied_of(data) >= seq:
                continue
            kind = self.kind_of(path)
            table = None if kind == "head" else TABLES.get(kind, kind)
            new = with_applied(data, seq, table)
            self.apply_to(path, new, record)
            out[path] = new
            loaded[path] = new
        return out

    def recover(self) -> int:
        """Under the lock: finish applying the newest record if a writer died; return head."""
        seq = self.head()
        if seq:
            record = self.record(seq)
            if record is not None:
                pending = [p for p in self.touched(record) if self.peek_applied(p) < seq]
                if pending:
                    self.apply(record, {})
        return seq

    @staticmethod
    def peek_applied(path: Path) -> int:
        """The ``_meta`` applied sequence of a shard file from its first bytes (0 if none)."""
        try:
            with open(path, "rb") as fh:
                head = fh.read(64)
        except FileNotFoundError:
            return 0
        match = _APPLIED.match(head)
        if match:
            return int(match.group(1))
        return applied_of(read_json(path))

    def write_plain(self, files: dict[Path, Any]) -> None:
        """Write files outside the journal (meta, rejects, backups) atomically."""
        write_many(files)


def apply_undo(table: dict[str, Any], record: dict[str, Any]) -> None:
    """Apply a record's undo-stack operation (push a command, or pop one) to a stack table."""
    op = record.get("undo") or {}
    if "push" in op:
        table[str(record["seq"])] = op["push"]
        limit = int(op.get("limit", 100))
        if len(table) > limit:
            for key in sorted(table, key=int)[: len(table) - limit]:
                del table[key]
    if "pop" in op:
        table.pop(str(op["pop"]), None)
