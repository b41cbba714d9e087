"""The cable index as ingest writes it: entries committed in bounded pieces, and the shared
queue head (``head.json``, derived from the index) rebuilt when it has thinned out."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from typing import Any

from triage import _head
from triage._errors import SchemaError
from triage._journal import StateFiles, shard_of, with_applied
from triage._storage import read_json
from triage._txn import Change, Txn, now

INDEX_SHARDS_PER_COMMIT = 4
"""index_put commits big batches in pieces touching at most this many index shards ..."""

INDEX_ENTRIES_PER_COMMIT = 1000
"""... and holding at most this many entries, so the lock never covers a whole ingest batch."""

IndexMerge = Callable[[dict[str, Any] | None, dict[str, Any]], dict[str, Any]]
"""``merge(stored, given) -> entry`` for ``Store.index_put``: run under the lock."""

OpenTxn = Callable[[], AbstractContextManager[Txn]]
"""The store's ``_txn``: one locked read-modify-write."""


def put(
    files: StateFiles,
    open_txn: OpenTxn,
    entries: Iterable[dict[str, Any]],
    notes: dict[str, str],
    merge: IndexMerge | None,
) -> Change:
    """Insert or replace index entries in commits of bounded size (see ``Store.index_put``).

    Args:
        files: the state files.
        open_txn: opens one transaction per commit.
        entries: the entries, each with its ``id``.
        notes: id -> text of a history entry (field ``index``) committed with the entry.
        merge: ``merge(stored, given) -> entry`` run under the lock, or None to replace.

    Returns:
        The IDs put, with the seq of the last commit.
    """
    by_shard: dict[int, dict[str, dict[str, Any]]] = {}
    for entry in entries:
        cid = str(entry["id"])
        by_shard.setdefault(shard_of(cid, files.shards), {})[cid] = entry
    seq = files.head()
    ids: list[str] = []
    group: dict[str, dict[str, Any]] = {}
    shards_in_group = 0
    for shard in sorted(by_shard):
        if shards_in_group >= INDEX_SHARDS_PER_COMMIT:
            seq = _commit(open_txn, group, notes, merge)
            group, shards_in_group = {}, 0
        shards_in_group += 1
        for cid, entry in by_shard[shard].items():
            if len(group) >= INDEX_ENTRIES_PER_COMMIT:
                seq = _commit(open_txn, group, notes, merge)
                group, shards_in_group = {}, 1
            group[cid] = entry
            ids.append(cid)
    if group:
        seq = _commit(open_txn, group, notes, merge)
    return Change(seq=seq, ids=ids, message=f"{len(ids)} cable(s) indexed")


def _commit(
    open_txn: OpenTxn,
    group: dict[str, dict[str, Any]],
    notes: dict[str, str],
    merge: IndexMerge | None,
) -> int:
    with open_txn() as txn:
        at = now()
        index: dict[str, dict[str, Any]] = {}
        history: list[dict[str, Any]] = []
        for cid, entry in group.items():
            old = txn.table("index", cid, "cables").get(cid)
            new = dict(merge(old, entry) if merge is not None else entry)
            new["id"] = cid
            new["arrived"] = (old or {}).get("arrived") or entry.get("arrived") or at
            index[cid] = new
            if cid in notes:
                history.append(txn.entry(cid, "index", None, notes[cid], at))
        record: dict[str, Any] = {"cmd": "index", "at": at, "ids": list(index), "index": index}
        if _head.affected(txn.head_data(), index):
            record["head"] = True
        if history:
            record["history"] = history
        return txn.commit(record)


def head_wanted(files: StateFiles, locked: Callable[[], AbstractContextManager[Any]]) -> bool:
    """True when ``head.json`` is missing or has thinned out; one that is not valid JSON (a
    cache) is dropped under ``locked()``, not kept."""
    try:
        current = read_json(files.head_path)
    except SchemaError:
        current = None
    if not _head.thin(current):
        return False
    if current is None and files.head_path.exists():
        with locked():  # not valid JSON: a cache, so it is dropped, not kept
            try:
                read_json(files.head_path)
            except SchemaError:
                files.head_path.unlink()
    return True


def write_head(txn: Txn, built: dict[str, Any], seq: int) -> bool:
    """Write ``built`` (a head built from the rows as of ``seq``), brought up to ``txn.head``.

    Returns:
        True when written; False when another process rebuilt the head meanwhile, or the
        journal no longer holds every record since ``seq``.
    """
    files = txn.files
    try:
        current = read_json(files.head_path)
    except SchemaError:
        current = None
    if not _head.thin(current):
        return False  # another process rebuilt it meanwhile
    for s in range(seq + 1, txn.head + 1):
        record = files.record(s)
        if record is None:
            return False
        if record.get("index"):
            _head.merge(built, record["index"])
    files.write_plain({files.head_path: with_applied(built, txn.head, None)})
    return True
