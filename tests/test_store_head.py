"""The shared queue head: always the true first cables in triage order, with their state."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

import triage._head as head_mod
from triage.model import QueueRow
from triage.queue import order, order_key, parse_query
from triage.store import Store

PRECS = [("FLASH", False), ("IMMEDIATE", True), ("IMMEDIATE", False), ("PRIORITY", False)]
PRECS += [("ROUTINE", False), (None, False)]


def entry(cid: str, rnd: random.Random, **extra: Any) -> dict[str, Any]:
    prec, niact = rnd.choice(PRECS)
    month, day, hour = rnd.randint(1, 12), rnd.randint(1, 28), rnd.randint(0, 23)
    dtg = None if rnd.random() < 0.05 else f"2009-{month:02d}-{day:02d}T{hour:02d}:00:00Z"
    out: dict[str, Any] = {
        "id": cid,
        "precedence": prec,
        "niact": niact,
        "classification": rnd.choice(["UNCLASSIFIED", "SECRET"]),
        "caveats": [],
        "dtg": dtg,
        "origin": "AMEMBASSY ELBONIA",
        "subject": rnd.choice(["FISHERIES TALKS", "GRAIN EMBARGO", "HARBOUR VISIT"]),
        "cable_tags": ["PGOV"],
        "corrected": False,
        "action_paragraphs": [2] if rnd.random() < 0.3 else [],
        "sections": None,
        "conflict": False,
        "missing_sources": [],
        "rejected": None,
        "sources": [{"path": f"{cid}.txt", "size": 1, "mtime": 1.0, "hash": "x"}],
    }
    out.update(extra)
    return out


@pytest.fixture
def small_head(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(head_mod, "HEAD_SIZE", 40)
    return 40


def check(store: Store, query: str = "", need: int = 10) -> list[QueueRow]:
    """The head, filtered, equals the first rows of the full queue, filtered (order and state)."""
    got = store.queue_head()
    assert got is not None
    parsed = parse_query(query) if query else None
    full = order(store.rows())
    want = [r for r in full if parsed is None or parsed.matches(r, store.user)]
    shown = [r for r in got.rows if parsed is None or parsed.matches(r, store.user)]
    assert [r.id for r in got.rows] == [r.id for r in full[: len(got.rows)]]
    if got.complete:
        assert len(got.rows) == len(full)
    assert shown == want[: len(shown)]  # rows compare whole: fields and triage state
    assert len(shown) >= min(need, len(want)) or not got.complete
    return shown


def test_key_is_the_queue_order_key() -> None:
    rnd = random.Random(3)
    for i in range(300):
        e = entry(f"C{i}", rnd)
        row = QueueRow(id=e["id"], precedence=e["precedence"], niact=e["niact"], dtg=e["dtg"])
        assert head_mod.order_key(e["id"], e) == order_key(row)


def test_new_state_has_a_complete_empty_head(tmp_path: Path) -> None:
    store = Store(tmp_path / "db", "alice")
    got = store.queue_head()
    assert got is not None and got.rows == [] and got.complete


def test_head_follows_index_and_state_changes(tmp_path: Path, small_head: int) -> None:
    rnd = random.Random(11)
    db = tmp_path / "db"
    alice, bob = Store(db, "alice"), Store(db, "bob")
    alice.index_put([entry(f"09A{i}", rnd) for i in range(30)])
    check(alice)
    assert alice.queue_head().complete  # type: ignore[union-attr]
    alice.index_put([entry(f"09B{i}", rnd) for i in range(200)])
    got = alice.queue_head()
    assert got is not None and not got.complete and len(got.rows) == small_head
    check(alice)
    top = got.rows[:5]
    # another process's triage changes: state shows for the acting user (read is per user)
    bob.set_action([top[0].id], "done")
    bob.mark_read(top[1].id)
    alice.mark_read(top[2].id)
    bob.add_tags([top[3].id], ["urgent"])
    bob.assign([top[4].id], "alice")
    bob.ack([r.id for r in top])
    assert Store(db, "alice").queue_head().rows[2].read  # type: ignore[union-attr]
    for query in ("", "-action:done", "is:unread", "prec:>=immediate", "fisheries"):
        check(Store(db, "alice"), query)
        check(Store(db, "bob"), query)
    # index changes: a head cable demoted beyond the head, a new FLASH, a deleted source
    demoted = top[0].id
    bob.index_put([entry(demoted, rnd, precedence="ROUTINE", dtg="1999-01-01T00:00:00Z")])
    bob.index_put([entry("09NEWFLASH", rnd, precedence="FLASH", dtg="2010-01-01T00:00:00Z")])
    gone = top[1].id
    bob.index_put([entry(gone, rnd, precedence="FLASH", missing_sources=[f"{gone}.txt"])])
    fresh = Store(db, "alice")
    got = fresh.queue_head()
    assert got is not None and got.rows[0].id == "09NEWFLASH"
    assert demoted not in {r.id for r in got.rows}
    assert len(got.rows) == small_head  # one left (nothing known replaces it), one came in
    for query in ("", "-action:done", "is:unread", "fisheries"):
        check(fresh, query)


def test_big_batches_and_many_demotions_then_rebuild(tmp_path: Path, small_head: int) -> None:
    rnd = random.Random(5)
    db = tmp_path / "db"
    store = Store(db, "alice")
    ids = [f"09C{i}" for i in range(500)]
    store.index_put([entry(cid, rnd) for cid in ids])
    check(store)
    for _ in range(4):  # random re-deliveries, some moving cables in and out of the head
        store.index_put([entry(cid, rnd) for cid in rnd.sample(ids, 60)])
        check(Store(db, "alice"))
    head_ids = [r.id for r in store.queue_head().rows]  # type: ignore[union-attr]
    demote = head_ids[: len(head_ids) - 10]
    store.index_put([entry(cid, rnd, precedence=None, dtg=None) for cid in demote])
    thin = Store(db, "alice")
    assert len(thin.queue_head().rows) == 10  # type: ignore[union-attr]
    check(thin)
    assert thin.ensure_head()
    assert len(thin.queue_head().rows) == small_head  # type: ignore[union-attr]
    check(Store(db, "alice"))
    assert not thin.ensure_head()  # healthy now: nothing rewritten


def test_missing_head_is_built_with_changes_made_meanwhile(tmp_path: Path, small_head: int) -> None:
    rnd = random.Random(8)
    db = tmp_path / "db"
    store = Store(db, "alice")
    store.index_put([entry(f"09D{i}", rnd) for i in range(100)])
    (db / "head.json").unlink()  # a state written before the head existed
    assert store.queue_head() is None
    store.index_put([entry("09E1", rnd, precedence="FLASH")])  # not maintained while missing
    assert store.queue_head() is None
    store.rows()  # the view is now at this seq; another process commits after it
    Store(db, "bob").index_put([entry("09E2", rnd, precedence="FLASH", dtg="2011-01-01T00:00:00Z")])
    assert store.ensure_head()
    got = check(Store(db, "alice"))
    assert got[0].id == "09E2"


def test_corrupt_head_is_ignored_then_rebuilt(tmp_path: Path) -> None:
    rnd = random.Random(2)
    db = tmp_path / "db"
    store = Store(db, "alice")
    store.index_put([entry(f"09F{i}", rnd) for i in range(20)])
    (db / "head.json").write_bytes(b"{not json")
    assert store.queue_head() is None
    assert store.ensure_head()
    check(Store(db, "alice"))


def test_a_writer_killed_before_applying_to_the_head(tmp_path: Path, small_head: int) -> None:
    """The journal record is committed but head.json and the state shards are not yet
    rewritten: readers overlay the record; the next writer applies it."""
    import triage._storage as storage

    rnd = random.Random(4)
    db = tmp_path / "db"
    store = Store(db, "alice")
    store.index_put([entry(f"09G{i}", rnd) for i in range(100)])

    class Died(Exception):
        pass

    def die(point: str) -> None:
        if point == "replaced":
            raise Died

    storage.pause_hook = die
    try:
        with pytest.raises(Died):
            Store(db, "bob").index_put([entry("09KILLED", rnd, precedence="FLASH", dtg=None)])
        got = Store(db, "alice").queue_head()
        assert got is not None and "09KILLED" in {r.id for r in got.rows}
        check(Store(db, "alice"))
        top = got.rows[0].id
        storage.pause_hook = None
        Store(db, "bob").mark_read("09G1")  # recovers: the index record is applied now
        storage.pause_hook = die
        with pytest.raises(Died):
            Store(db, "bob").set_action([top], "done")
    finally:
        storage.pause_hook = None
    got = Store(db, "alice").queue_head()
    assert got is not None
    assert next(r for r in got.rows if r.id == top).action == "done"
    check(Store(db, "alice"), "-action:done")
    Store(db, "bob").mark_read(top)  # the next writer finishes the dead one's apply
    check(Store(db, "alice"), "-action:done")


def test_built_from_rows_or_from_row_values_alike(tmp_path: Path, small_head: int) -> None:
    from triage._rowcodec import row_values
    from triage._view import built_head

    rnd = random.Random(6)
    entries = [entry(f"09H{i}", rnd) for i in range(150)]
    store = Store(tmp_path / "db", "alice")
    store.index_put(entries)
    values = {e["id"]: row_values({**e, "arrived": None}) for e in entries}
    rows = [r for r in store.rows()]
    for r in rows:
        r_values = values[r.id]
        r_values["arrived"] = r.arrived
    assert built_head(rows) == head_mod.from_values(values)
    on_disk = {k: v for k, v in (orjson_load(tmp_path / "db" / "head.json")).items()}
    assert {k: on_disk[k] for k in ("size", "bound", "rows")} == built_head(rows)


def orjson_load(path: Path) -> dict[str, Any]:
    import orjson

    data: dict[str, Any] = orjson.loads(path.read_bytes())
    return data
