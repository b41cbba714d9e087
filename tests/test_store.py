"""Store unit tests: every method, CAS, undo, schema, corrupt files, modes, crash recovery."""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

import triage._journal as journal
import triage._storage as storage
from triage.store import (
    LockTimeoutError,
    SchemaError,
    StaleChangeError,
    Store,
    StoreError,
    UndoError,
    UnknownCableError,
)


def entry(cid: str, **extra: Any) -> dict[str, Any]:
    """An index entry of the shape ingest writes (fictional cable)."""
    base: dict[str, Any] = {
        "id": cid,
        "precedence": "ROUTINE",
        "niact": False,
        "classification": "CONFIDENTIAL",
        "caveats": ["NOFORN"],
        "dtg": "011200Z JAN 09",
        "origin": "Embassy Ruritania",
        "subject": f"Subject of {cid}",
        "cable_tags": ["PREL"],
        "corrected": False,
        "action_paragraphs": [],
        "sections": None,
        "conflict": False,
        "sources": [
            {"path": f"{cid}.txt", "size": 10, "mtime": 1.5, "hash": "ab", "parser_version": "1"}
        ],
        "missing_sources": [],
        "rejected": None,
    }
    base.update(extra)
    return base


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "state"


@pytest.fixture
def store(db: Path) -> Store:
    s = Store(db, "alice", os_user="alice_os", shards=8)
    s.index_put([entry("C1", action_paragraphs=[4]), entry("C2"), entry("C3")])
    return s


@pytest.fixture
def hook() -> Iterator[list[str]]:
    seen: list[str] = []
    yield seen
    storage.pause_hook = None


# --- index ------------------------------------------------------------------------------


def test_index_put_get_and_arrived_kept(store: Store) -> None:
    first = store.index_get("C1")
    assert first is not None and first["subject"] == "Subject of C1"
    arrived = first["arrived"]
    store.index_put([entry("C1", subject="Corrected")])
    again = store.index_get("C1")
    assert again is not None and again["subject"] == "Corrected" and again["arrived"] == arrived
    assert store.index_get("nope") is None


def test_index_put_keeps_given_arrived_for_new_ids(store: Store) -> None:
    store.index_put([entry("C9", arrived="2026-01-01T00:00:00+00:00")])
    assert store.row("C9").arrived == "2026-01-01T00:00:00+00:00"


def test_index_put_big_batch_commits_in_pieces(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import triage._index as index_mod

    monkeypatch.setattr(index_mod, "INDEX_SHARDS_PER_COMMIT", 2)
    s = Store(db, "ingest", shards=8)
    change = s.index_put([entry(f"B{i}") for i in range(100)])
    assert sorted(change.ids) == sorted(f"B{i}" for i in range(100))
    assert change.seq == 4  # 8 shards, 2 per commit (the 100 entries fit the entry limit)
    assert len(s.rows()) == 100


def test_index_put_merge_runs_on_the_entry_as_stored(store: Store) -> None:
    """``merge`` sees what another process wrote after the caller read the entry."""
    stale = store.index_get("C1")
    assert stale is not None
    other = Store(store.state_dir, "bob", shards=8)
    other.index_put([entry("C1", sources=[*stale["sources"], {"path": "C1.html", "size": 5}])])
    seen: list[tuple[dict[str, Any] | None, dict[str, Any]]] = []

    def merge(stored: dict[str, Any] | None, given: dict[str, Any]) -> dict[str, Any]:
        seen.append((stored, given))
        paths = {s["path"] for s in given["sources"]}
        kept = [s for s in (stored or {}).get("sources") or () if s["path"] not in paths]
        return {**given, "sources": [*kept, *given["sources"]]}

    mine = entry("C1", sources=[*stale["sources"], {"path": "C1.md", "size": 4}])
    store.index_put([mine, entry("C8")], merge=merge)
    assert [(s is None, g["id"]) for s, g in seen] == [(False, "C1"), (True, "C8")]
    assert seen[0][0] is not None and len(seen[0][0]["sources"]) == 2  # bob's copy, re-read
    got = store.index_get("C1")
    assert got is not None and got["arrived"] == stale["arrived"]
    assert sorted(s["path"] for s in got["sources"]) == ["C1.html", "C1.md", "C1.txt"]
    assert store.row("C1").sources == [s["path"] for s in got["sources"]]


def test_index_notes_go_to_history(store: Store) -> None:
    store.index_put([entry("C2", corrected=True)], notes={"C2": "corrected copy replaced text"})
    hist = store.history("C2")
    assert hist[-1]["field"] == "index" and hist[-1]["new"] == "corrected copy replaced text"


def test_source_info(store: Store) -> None:
    info = store.source_info("C2.txt")
    assert info == {
        "path": "C2.txt",
        "size": 10,
        "mtime": 1.5,
        "hash": "ab",
        "parser_version": "1",
        "id": "C2",
    }
    assert store.source_info("missing.txt") is None
    other = Store(store.state_dir, "bob")
    other.index_put([entry("C7", sources=[{"path": "new.txt", "size": 3}])])
    info = store.source_info("new.txt")  # picked up from the journal, not a reload
    assert info is not None and info["id"] == "C7"


def test_rejects(store: Store) -> None:
    assert store.rejects() == {}
    store.set_rejects({"fifo": "not a regular file"})
    assert Store(store.state_dir, "bob").rejects() == {"fifo": "not a regular file"}
    store.set_rejects({})
    assert store.rejects() == {}


# --- rows -------------------------------------------------------------------------------


def test_update_rejects_reads_and_writes_under_the_lock(store: Store, db: Path) -> None:
    store.set_rejects({"a.bin": "binary file"})
    Store(db, "bob").update_rejects(lambda now: {**now, "fifo": "a FIFO"})
    store.update_rejects(lambda now: {k: v for k, v in now.items() if k != "a.bin"})
    assert store.rejects() == {"fifo": "a FIFO"}


def test_rows_and_row(store: Store) -> None:
    rows = {r.id: r for r in store.rows()}
    assert set(rows) == {"C1", "C2", "C3"}
    r1 = rows["C1"]
    assert r1.action == "open" and r1.action_derived
    assert rows["C2"].action == "none" and rows["C2"].action_derived
    assert r1.sources == ["C1.txt"] and r1.tags == [] and not r1.read and r1.acked is None
    assert r1.arrived is not None
    assert store.row("C1") == r1
    fresh = Store(store.state_dir, "alice")
    assert fresh.row("C1") == r1  # point read without a loaded view
    with pytest.raises(UnknownCableError):
        store.row("nope")
    with pytest.raises(UnknownCableError):
        fresh.row("nope")


def test_rows_see_other_processes_changes(store: Store) -> None:
    store.rows()
    other = Store(store.state_dir, "bob")
    other.add_tags(["C2"], ["urgent"])
    assert {r.id: r for r in store.rows()}["C2"].tags == ["urgent"]
    assert store.row("C2").tags == ["urgent"]


# --- commands ---------------------------------------------------------------------------


def test_tags_are_deltas(store: Store) -> None:
    bob = Store(store.state_dir, "bob")
    store.add_tags(["C1"], ["a", "b"])
    bob.add_tags(["C1"], ["c"])
    store.remove_tags(["C1"], ["a"])
    assert store.row("C1").tags == ["b", "c"]
    change = store.add_tags(["C1"], ["b"])
    assert change.ids == []  # nothing changed, nothing committed
    with pytest.raises(StoreError):
        store.add_tags(["C1"], ["  "])
    with pytest.raises(UnknownCableError):
        store.add_tags(["C1", "nope"], ["x"])
    assert "x" not in store.row("C1").tags  # all or nothing


def test_tags_ignore_case_under_the_lock(store: Store) -> None:
    bob = Store(store.state_dir, "bob")
    store.add_tags(["C1"], ["Urgent"])
    assert bob.add_tags(["C1"], ["URGENT", "urgent"]).ids == []  # already there, any case
    bob.add_tags(["C2"], ["urgent", "Watch"])  # known as "Urgent": that spelling
    assert bob.row("C2").tags == ["Urgent", "Watch"]
    store.add_tags(["C3", "C1"], ["watch", "new", "NEW"])
    assert store.row("C3").tags == ["Watch", "new"]
    assert store.row("C1").tags == ["Urgent", "Watch", "new"]
    assert store.known_tags() == ["Urgent", "Watch", "new"]
    assert store.undo().ids == ["C3", "C1"]  # undo of a case-folded add removes what it added
    assert store.row("C3").tags == [] and store.row("C1").tags == ["Urgent"]
    bob.remove_tags(["C1", "C2"], ["URGENT", "watch"])
    assert bob.row("C1").tags == [] and bob.row("C2").tags == []


def test_change_tags_removes_and_adds_in_one_undoable_command(store: Store) -> None:
    bob = Store(store.state_dir, "bob")
    store.add_tags(["C1", "C2"], ["Old", "keep"])
    bob.add_tags(["C1"], ["bobs"])
    change = store.change_tags(["C1", "C2"], ["new"], ["OLD"])  # case ignored, as remove_tags
    assert change.message == "tag: 2 cable(s)"
    assert store.row("C1").tags == ["keep", "bobs", "new"]
    assert store.row("C2").tags == ["keep", "new"]
    entries = [e for e in store.history("C1") if e["field"] == "tags"]
    assert (entries[-1]["old"], entries[-1]["new"]) == (["Old", "keep", "bobs"],
                                                        ["keep", "bobs", "new"])  # fmt: skip
    assert store.change_tags(["C1"], ["NEW"], ["absent"]).ids == []  # nothing to change
    store.undo()  # one undo: Old back, new gone, bob's tag kept
    assert store.row("C1").tags == ["keep", "bobs", "Old"]
    assert store.row("C2").tags == ["keep", "Old"]
    with pytest.raises(StoreError):
        store.change_tags(["C1"], [], [])


def test_tags_spelled_two_ways_at_once_end_up_once(tmp_path: Path) -> None:
    """Two processes add one new tag in two spellings at the same moment: one spelling wins."""
    db = tmp_path / "db"
    Store(db, "x", shards=8).index_put([entry("C1"), entry("C2")])
    barrier = threading.Barrier(2)

    def add(user: str, tag: str) -> None:
        s = Store(db, user)
        barrier.wait()
        s.add_tags(["C1", "C2"], [tag])

    threads = [
        threading.Thread(target=add, args=("ann", "Hot")),
        threading.Thread(target=add, args=("bob", "HOT")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    tags = Store(db, "x").row("C1").tags
    assert len(tags) == 1 and tags == Store(db, "x").row("C2").tags


def test_assign_cas(store: Store) -> None:
    bob = Store(store.state_dir, "bob")
    store.assign(["C1"], "alice", expected={"C1": None})
    with pytest.raises(StaleChangeError) as err:
        bob.assign(["C1", "C2"], "bob", expected={"C1": None, "C2": None})
    assert "C1" in str(err.value) and "alice" in str(err.value)
    assert store.row("C2").assignee is None  # bulk refused as a whole
    bob.assign(["C1"], "bob", expected={"C1": "alice"})
    assert store.row("C1").assignee == "bob"
    store.assign(["C1"], None)
    assert store.row("C1").assignee is None
    store.assign(["C1"], "  ")
    assert store.row("C1").assignee is None


def test_action_derived_history_and_cas(store: Store) -> None:
    change = store.set_action(["C1"], "done", expected={"C1": "open"})
    row = store.row("C1")
    assert row.action == "done" and not row.action_derived
    hist = store.history("C1")[-1]
    assert (hist["field"], hist["old"], hist["new"]) == ("action", "open (derived)", "done")
    assert hist["seq"] == change.seq
    with pytest.raises(StaleChangeError):
        store.set_action(["C1"], "open", expected={"C1": "open"})
    store.set_action(["C2"], "open")
    assert store.history("C2")[-1]["old"] == "none (derived)"
    with pytest.raises(StoreError):
        store.set_action(["C1"], "maybe")


def test_ack(store: Store) -> None:
    store.ack(["C1"])
    acked = store.row("C1").acked
    assert acked is not None and acked["user"] == "alice" and acked["at"]
    Store(store.state_dir, "bob").ack(["C1"])
    assert store.row("C1").acked == acked  # the first acknowledgement stays


def test_mark_read_per_user_not_undoable(store: Store) -> None:
    store.add_tags(["C1"], ["x"])
    store.mark_read("C1")
    assert store.row("C1").read
    assert not Store(store.state_dir, "bob").row("C1").read
    assert all(h["field"] != "read" for h in store.history("C1"))
    store.undo()  # undoes the tag, not the read
    row = store.row("C1")
    assert row.read and row.tags == []


def test_flag(store: Store) -> None:
    store.set_action(["C1"], "done")
    store.flag("C1", "new action requests in section 2")
    assert store.row("C1").flagged == "new action requests in section 2"
    assert store.history("C1")[-1]["field"] == "flag"
    store.undo()  # the flag is not on the undo stack: this undoes set_action
    row = store.row("C1")
    assert row.action_derived and row.flagged == "new action requests in section 2"
    store.set_action(["C1"], "open")  # re-examining the action clears the flag
    assert store.row("C1").flagged is None
    store.flag("C2", "x")
    store.unflag(["C2"])
    assert store.row("C2").flagged is None


def test_flag_when_action(store: Store) -> None:
    assert store.flag("C1", "new requests", when_action="done").ids == []  # still open
    assert store.row("C1").flagged is None
    store.set_action(["C1"], "done")
    assert store.flag("C1", "new requests", when_action="done").ids == ["C1"]
    assert store.row("C1").flagged == "new requests"


# --- undo -------------------------------------------------------------------------------


def test_undo_bulk_is_one_unit_and_repeats(store: Store) -> None:
    store.add_tags(["C1", "C2"], ["t"])
    store.assign(["C1", "C2", "C3"], "alice")
    change = store.undo()
    assert sorted(change.ids) == ["C1", "C2", "C3"]
    assert all(r.assignee is None for r in store.rows())
    store.undo()
    assert all(r.tags == [] for r in store.rows())
    with pytest.raises(UndoError, match="nothing to undo"):
        store.undo()


def test_undo_of_ack(store: Store) -> None:
    store.ack(["C1"])
    assert store.row("C1").acked is not None
    store.undo()
    assert store.row("C1").acked is None
    assert [h["field"] for h in store.history("C1")] == ["ack", "ack"]


def test_undo_of_action_restores_the_flag_it_cleared(store: Store) -> None:
    store.flag("C1", "new action requests")
    store.set_action(["C1"], "done")
    assert store.row("C1").flagged is None
    store.undo()
    row = store.row("C1")
    assert row.flagged == "new action requests" and row.action_derived


def test_undo_appends_history(store: Store) -> None:
    first = store.set_action(["C1"], "done")
    store.undo()
    hist = store.history("C1")
    assert [h["new"] for h in hist] == ["done", "open (derived)"]
    assert hist[-1]["undo_of"] == first.seq
    assert store.row("C1").action_derived


def test_undo_is_per_user_across_instances(store: Store) -> None:
    store.add_tags(["C1"], ["mine"])
    Store(store.state_dir, "bob").add_tags(["C2"], ["his"])
    Store(store.state_dir, "alice").undo()  # alice's other "app" undoes alice's command
    assert store.row("C1").tags == [] and store.row("C2").tags == ["his"]


def test_undo_refuses_when_someone_else_changed_it(store: Store) -> None:
    store.assign(["C1"], "alice")
    store.add_tags(["C2"], ["t"])
    bob = Store(store.state_dir, "bob")
    bob.remove_tags(["C2"], ["t"])
    with pytest.raises(UndoError) as err:
        store.undo()
    assert "bob" in str(err.value) and "C2" in str(err.value)
    assert store.row("C2").tags == []
    bob.assign(["C3"], "bob")  # unrelated change does not block the next undo
    store.undo()  # goes further back: the assign
    assert store.row("C1").assignee is None


def test_undo_of_tags_keeps_others_additions(store: Store) -> None:
    store.add_tags(["C1"], ["a"])
    Store(store.state_dir, "bob").add_tags(["C1"], ["b"])
    store.undo()
    assert store.row("C1").tags == ["b"]


# --- reading changes and names ----------------------------------------------------------


def test_changes_since(store: Store) -> None:
    seq, ids = store.changes_since(0)
    assert ids == {"C1", "C2", "C3"}
    assert store.changes_since(seq) == (seq, set())
    Store(store.state_dir, "bob").add_tags(["C2"], ["x"])
    assert store.changes_since(seq) == (seq + 1, {"C2"})


def test_changes_since_reads_only_new_records(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(20):
        store.add_tags(["C1"], [f"t{i}"])
    seq, _ = store.changes_since(0)
    store.add_tags(["C2"], ["x"])
    store.add_tags(["C3"], ["y"])
    reads: list[int] = []
    real = journal.StateFiles.record

    def counting(self: journal.StateFiles, s: int) -> dict[str, Any] | None:
        reads.append(s)
        return real(self, s)

    monkeypatch.setattr(journal.StateFiles, "record", counting)
    assert store.changes_since(seq) == (seq + 2, {"C2", "C3"})
    assert reads == [seq + 1, seq + 2]


def test_changes_since_after_compaction_returns_everything(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(journal, "KEEP_RECORDS", 3)
    s = Store(db, "alice", shards=4)
    s.index_put([entry("C1"), entry("C2")])
    for i in range(6):
        s.add_tags(["C1"], [f"t{i}"])
    assert not s._files.log_path(1).exists()
    head, ids = s.changes_since(0)
    assert head == 7 and ids == {"C1", "C2"}


def test_history_fields(store: Store) -> None:
    store.add_tags(["C1"], ["x"])
    (h,) = store.history("C1")
    assert set(h) >= {"seq", "at", "user", "os_user", "field", "old", "new"}
    assert (h["user"], h["os_user"], h["old"], h["new"]) == ("alice", "alice_os", [], ["x"])
    assert store.history("C3") == []


def test_known_users_and_tags(store: Store) -> None:
    store.assign(["C1"], "carol")
    Store(store.state_dir, "bob").add_tags(["C2"], ["zeta", "alpha"])
    assert store.known_users() == ["alice", "bob", "carol"]
    assert store.known_tags() == ["alpha", "zeta"]


# --- cache staleness, locking -----------------------------------------------------------


def test_two_instances_alternating_lose_nothing(store: Store) -> None:
    bob = Store(store.state_dir, "bob")
    for i in range(10):
        (store if i % 2 else bob).add_tags(["C1"], [f"t{i}"])
    assert store.row("C1").tags == [f"t{i}" for i in range(10)]


def test_lock_timeout(store: Store) -> None:
    holder = Store(store.state_dir, "bob")
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with holder._lock.hold():
            held.set()
            release.wait(5)

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(5)
    waiter = Store(store.state_dir, "carol", lock_timeout=0.2)
    try:
        with pytest.raises(LockTimeoutError, match="locked"):
            waiter.add_tags(["C1"], ["x"])
    finally:
        release.set()
        thread.join()
    waiter.add_tags(["C1"], ["x"])


def test_threads_of_one_process_serialise(store: Store) -> None:
    def work(n: int) -> None:
        for i in range(5):
            store.add_tags(["C1"], [f"{n}-{i}"])

    threads = [threading.Thread(target=work, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(store.row("C1").tags) == 15


# --- files: modes, TinyDB, schema, corruption -------------------------------------------


def test_file_modes(store: Store) -> None:
    store.add_tags(["C1"], ["x"])
    for path in [store.state_dir, *store.state_dir.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o007 == 0, f"{path} is world-accessible: {oct(mode)}"
        assert mode & 0o060 == 0o060, f"{path} is not group read/write: {oct(mode)}"
    assert not list(store.state_dir.rglob("*.tmp"))


def test_shards_are_tinydb_databases(store: Store) -> None:
    store.add_tags(["C1"], ["x"])
    path = store._files.path_for("state", "C1")
    db = storage.ShardDB(path, storage=storage.AtomicJSONStorage)
    doc = db.table("state").get(doc_id="C1")
    assert doc is not None and doc["tags"] == ["x"]
    assert db.tables() >= {"state", "_meta"}
    # A TinyDB write through our storage keeps the file a valid, group-only shard.
    db.table("state").update({"tags": ["x", "y"]}, doc_ids=["C1"])
    assert stat.S_IMODE(path.stat().st_mode) == 0o660
    raw = orjson.loads(path.read_bytes())
    assert raw["state"]["C1"]["tags"] == ["x", "y"]
    assert next(iter(raw)) == "_meta"


def test_newer_schema_refused_and_untouched(db: Path) -> None:
    Store(db, "alice")
    meta = db / "meta.json"
    meta.write_bytes(orjson.dumps({"meta": {"1": {"schema": "2.0", "shards": 256}}}))
    before = meta.read_bytes()
    with pytest.raises(SchemaError, match="newer"):
        Store(db, "alice")
    assert meta.read_bytes() == before


def test_newer_minor_schema_is_read(db: Path) -> None:
    Store(db, "alice", shards=4).index_put([entry("C1")])
    meta = db / "meta.json"
    meta.write_bytes(orjson.dumps({"meta": {"1": {"schema": "1.9", "shards": 4}}}))
    assert Store(db, "alice").row("C1").id == "C1"


@pytest.mark.parametrize("victim", ["meta.json", "state", "rows", "undo", "log"])
def test_corrupt_file_left_untouched(store: Store, victim: str) -> None:
    store.add_tags(["C1"], ["x"])
    if victim == "meta.json":
        path = store.state_dir / "meta.json"
    elif victim == "undo":
        path = store._files.undo_path("alice")
    elif victim == "log":
        path = store._files.log_path(store._files.head())
    else:
        path = store._files.path_for(victim, "C1")
    path.write_bytes(b'{"_meta": {"1": {"applied": 99')
    before = path.read_bytes()
    with pytest.raises(SchemaError, match="not valid JSON"):
        s = Store(store.state_dir, "alice")
        s.add_tags(["C1"], ["y"])
        s.undo()
        s.rows()
    assert path.read_bytes() == before


@pytest.mark.parametrize("old", ["1.0", "1.1"])
def test_migration_keeps_backup(db: Path, old: str) -> None:
    s = Store(db, "alice", shards=4)
    s.index_put([entry("C1"), entry("C2")])
    s.add_tags(["C1"], ["x"])
    # Make it an older state: 1.0 had no rows/ nor sources/, 1.1 no sources/.
    for kind in ("rows", "sources") if old == "1.0" else ("sources",):
        for path in (db / kind).iterdir():
            path.unlink()
        (db / kind).rmdir()
    rows_before = (
        {p.name: p.read_bytes() for p in (db / "rows").glob("*.json")} if (old == "1.1") else {}
    )
    old_meta = orjson.dumps({"meta": {"1": {"schema": old, "shards": 4}}})
    (db / "meta.json").write_bytes(old_meta)
    s2 = Store(db, "alice")
    assert {r.id for r in s2.rows()} == {"C1", "C2"}
    assert s2.row("C1").tags == ["x"]
    info = s2.source_info("C2.txt")
    assert info is not None and info["id"] == "C2"
    backups = list(db.glob(f"backup-{old}-*"))
    assert len(backups) == 1 and (backups[0] / "meta.json").read_bytes() == old_meta
    kept = {p.name: p.read_bytes() for p in (backups[0] / "rows").glob("*.json")}
    assert kept == rows_before
    meta = orjson.loads((db / "meta.json").read_bytes())["meta"]["1"]
    assert meta["schema"] == "1.2" and meta["shards"] == 4


def test_state_folder_not_creatable(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="--db"):
        Store(blocker / "state", "alice")


# --- crash recovery in one process (the multi-process SIGKILL test is separate) -----------


class Died(BaseException):
    """Stands in for a kill at a pause point."""


def die_at(point: str) -> Any:
    def hook(p: str) -> None:
        if p == point:
            raise Died(p)

    return hook


@pytest.mark.parametrize("point", ["staged", "replaced", "applied"])
def test_death_inside_commit(store: Store, hook: list[str], point: str) -> None:
    store.add_tags(["C1"], ["before"])
    storage.pause_hook = die_at(point)
    with pytest.raises(Died):
        store.add_tags(["C1", "C2"], ["during"])
    storage.pause_hook = None
    committed = point != "staged"
    reader = Store(store.state_dir, "bob")
    # Readers overlay an unapplied newest record without taking the lock.
    assert ("during" in reader.row("C2").tags) is committed
    assert any(h["new"] == ["before", "during"] for h in reader.history("C1")) is committed
    # The next writer finishes the dead writer's commit first.
    reader.add_tags(["C3"], ["after"])
    for cid in ("C1", "C2"):
        assert ("during" in reader.row(cid).tags) is committed
    assert reader.row("C3").tags == ["after"]
    assert not [
        p for p in store.state_dir.rglob("*") if p.suffix == ".json" and p.stat().st_size == 0
    ]
    if committed:
        store.undo()  # the undo stack got the command too
        assert "during" not in reader.row("C1").tags


def test_test_pause_env(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(storage.TEST_PAUSE_ENV, "0.01")
    store.add_tags(["C1"], ["slow"])
    assert store.row("C1").tags == ["slow"]


def test_umask_does_not_open_files_to_others(db: Path) -> None:
    old = os.umask(0o000)
    try:
        s = Store(db, "alice", shards=2)
        s.index_put([entry("C1")])
    finally:
        os.umask(old)
    for path in db.rglob("*.json"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o660


def test_dead_waiter_in_lock_queue_is_skipped(store: Store) -> None:
    queue = store.state_dir / "queue"
    queue.mkdir(exist_ok=True)
    dead = queue / f"{1:020d}-{1:08d}-deadbeef.q"  # oldest entry, nobody holds its flock
    dead.write_bytes(b"")
    store.add_tags(["C1"], ["x"])
    assert store.last_lock_wait < 1.0
    assert not dead.exists()


def test_live_waiter_ahead_is_respected(store: Store) -> None:
    import fcntl

    queue = store.state_dir / "queue"
    queue.mkdir(exist_ok=True)
    ahead = queue / f"{1:020d}-{1:08d}-cafecafe.q"
    fd = os.open(ahead, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        waiter = Store(store.state_dir, "bob", lock_timeout=0.1)
        with pytest.raises(LockTimeoutError):
            waiter.add_tags(["C1"], ["x"])
    finally:
        os.close(fd)
    waiter.add_tags(["C1"], ["x"])  # the entry ahead is gone (its holder "died")
    assert not ahead.exists()


def test_sweep_removes_dead_writers_temp_files(store: Store) -> None:
    # What a writer killed between staging and replacing leaves behind.
    litter = [
        store.state_dir / "log" / ".000000000009.json.x1.tmp",
        store.state_dir / "state" / ".000.json.x2.tmp",
    ]
    for path in litter:
        path.write_bytes(b"{")
    with store._lock.hold():
        store._files.sweep()
    assert not any(path.exists() for path in litter)
    assert store._files.head() == 1 and store.row("C1").tags == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_read_only_state_is_a_clear_error(store: Store) -> None:
    for path in [store.state_dir, *store.state_dir.rglob("*")]:
        if path.is_dir():
            path.chmod(0o550)
    try:
        assert store.row("C1").id == "C1"  # reading still works
        with pytest.raises(StoreError, match="cannot write"):
            store.add_tags(["C1"], ["x"])
    finally:
        for path in [store.state_dir, *store.state_dir.rglob("*")]:
            if path.is_dir():
                path.chmod(0o770)


def test_write_failure_is_a_clear_error(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage.os, "fsync", full)
    with pytest.raises(StoreError, match="No space left"):
        store.add_tags(["C1"], ["x"])
    monkeypatch.undo()
    assert store.row("C1").tags == []
    store.add_tags(["C1"], ["x"])
    assert store.row("C1").tags == ["x"]


def test_two_instances_in_threads_exclude_each_other(store: Store) -> None:
    bob = Store(store.state_dir, "bob")

    def work(s: Store, tag: str) -> None:
        for i in range(15):
            s.add_tags(["C1"], [f"{tag}{i}"])

    threads = [threading.Thread(target=work, args=(s, s.user)) for s in (store, bob)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(store.row("C1").tags) == 30
    assert len(store.history("C1")) == 30


def test_source_info_follows_changes(store: Store) -> None:
    assert store.source_info("C1.txt") is not None  # loaded from the sources shards
    other = Store(store.state_dir, "ingest")
    # C1's file changed (new size), C2 lost its file to C3, C4 is new with two files.
    other.index_put(
        [
            entry("C1", sources=[{"path": "C1.txt", "size": 99}]),
            entry("C2", sources=[]),
            entry("C3", sources=[{"path": "C3.txt"}, {"path": "C2.txt", "size": 7}]),
            entry("C4", sources=[{"path": "a.md"}, {"path": "b.html", "mtime": 2}]),
        ]
    )
    assert store.source_info("C1.txt") == {"path": "C1.txt", "size": 99, "id": "C1"}
    assert store.source_info("C2.txt") == {"path": "C2.txt", "size": 7, "id": "C3"}
    assert store.source_info("b.html") == {"path": "b.html", "mtime": 2, "id": "C4"}
    other.index_put([entry("C3", sources=[{"path": "C3.txt"}])])
    assert store.source_info("C2.txt") is None
    fresh = Store(store.state_dir, "x")  # the same from the shards alone
    for path in ("C1.txt", "C2.txt", "b.html", "C3.txt", "a.md"):
        assert fresh.source_info(path) == store.source_info(path)
    info = store.source_info("C1.txt")
    assert info is not None
    info["size"] = 0  # a copy: changing it changes nothing in the store
    assert store.source_info("C1.txt") == {"path": "C1.txt", "size": 99, "id": "C1"}


# --- state files that cannot be read are errors, never taken for empty --------------------


def _first_shard(db: Path, kind: str) -> Path:
    return sorted((db / kind).glob("*.json"))[0]


def test_state_shard_holding_a_json_list_is_refused_and_kept(store: Store, db: Path) -> None:
    store.add_tags(["C1"], ["keep"])
    shard = _first_shard(db, "state")
    shard.write_bytes(b"[]")
    with pytest.raises(SchemaError, match="not an object"):
        Store(db, "bob").add_tags(["C1"], ["other"])
    assert shard.read_bytes() == b"[]"


def test_unreadable_state_file_is_a_store_error(store: Store, db: Path) -> None:
    store.add_tags(["C1"], ["keep"])
    shard = _first_shard(db, "rows")
    shard.unlink()
    shard.mkdir()  # a folder in a file's place reads like a permission problem would
    with pytest.raises(StoreError, match="cannot read state file"):
        Store(db, "bob").rows()
