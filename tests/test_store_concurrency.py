"""Store under real concurrency: several writer processes at once, and SIGKILLs mid-commit.

The default run does a reduced version of each; ``-m slow`` runs the full counts (4 processes
x 300 changes, 240 kills).
"""

from __future__ import annotations

import itertools
import multiprocessing as mp
import os
import random
import signal
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pytest

import triage._storage as storage
from triage.store import StaleChangeError, Store

CABLES = [f"K{i}" for i in range(5)]
FORK = mp.get_context("fork")


def make_state(db: Path) -> None:
    s = Store(db, "ingest", shards=16)
    s.index_put(
        [
            {"id": cid, "action_paragraphs": [1], "sources": [{"path": f"{cid}.txt"}]}
            for cid in CABLES
        ]
    )


# --- 4 writers at once ------------------------------------------------------------------


def writer(db: str, n: int, changes: int, out: Connection) -> None:
    store = Store(Path(db), f"w{n}", lock_timeout=30)
    rng = random.Random(n)
    tags: list[tuple[str, str]] = []
    assigned = stale = 0
    waits: list[float] = []
    for k in range(changes):
        cid = rng.choice(CABLES)
        if k % 3 == 2:
            seen = store.row(cid).assignee
            try:
                change = store.assign([cid], f"w{n}-{k}", expected={cid: seen})
                assigned += bool(change.ids)
            except StaleChangeError:
                stale += 1
        else:
            tag = f"w{n}-{k}"
            store.add_tags([cid], [tag])
            tags.append((cid, tag))
        waits.append(store.last_lock_wait)
    out.send({"tags": tags, "assigned": assigned, "stale": stale, "waits": waits})
    out.close()


def run_writers(db: Path, procs: int, changes: int) -> list[dict[str, Any]]:
    make_state(db)
    pipes = [FORK.Pipe(duplex=False) for _ in range(procs)]
    workers = [
        FORK.Process(target=writer, args=(str(db), n, changes, pipes[n][1])) for n in range(procs)
    ]
    for w in workers:
        w.start()
    results = [recv.recv() for recv, _ in pipes]
    for w in workers:
        w.join(60)
        assert w.exitcode == 0
    return results


def check_writers(db: Path, results: list[dict[str, Any]]) -> None:
    store = Store(db, "checker")
    rows = {r.id: r for r in store.rows()}
    expected = [pair for res in results for pair in res["tags"]]
    lost = [(cid, tag) for cid, tag in expected if tag not in rows[cid].tags]
    assert lost == [], f"{len(lost)} tag changes lost"
    assigned = 0
    for cid in CABLES:
        hist = store.history(cid)
        tag_adds = [h for h in hist if h["field"] == "tags"]
        assert len(tag_adds) == sum(1 for c, _ in expected if c == cid)
        chain = [h for h in hist if h["field"] == "assignee"]
        assigned += len(chain)
        for before, after in itertools.pairwise(chain):
            # Compare-and-set: every assignment started from the value the previous one left.
            assert after["old"] == before["new"], f"stale overwrite on {cid}: {after}"
        if chain:
            assert rows[cid].assignee == chain[-1]["new"]
    assert assigned == sum(res["assigned"] for res in results)


def test_four_writers_lose_nothing(tmp_path: Path) -> None:
    results = run_writers(tmp_path / "state", 4, 45)
    check_writers(tmp_path / "state", results)


@pytest.mark.slow
def test_four_writers_hundreds_of_changes(tmp_path: Path) -> None:
    results = run_writers(tmp_path / "state", 4, 300)
    check_writers(tmp_path / "state", results)
    waits = sorted(w for res in results for w in res["waits"])
    print(
        f"lock wait p50 {waits[len(waits) // 2] * 1e3:.1f} ms, "
        f"p99 {waits[int(len(waits) * 0.99)] * 1e3:.1f} ms"
    )


# --- SIGKILL inside the critical section --------------------------------------------------


def victim(db: str, n: int, kill_at: int, out: Connection) -> None:
    """Commit changes, reporting each success; stop dead at pause point number ``kill_at``."""
    calls = 0

    def hook(point: str) -> None:
        nonlocal calls
        calls += 1
        if calls == kill_at:
            out.send(("paused", point))
            time.sleep(60)

    storage.pause_hook = hook
    store = Store(Path(db), f"v{n % 3}", lock_timeout=30)
    rng = random.Random(n)
    for k in range(50):
        cid = rng.choice(CABLES)
        if k % 4 == 3:
            seen = store.row(cid).assignee
            out.send(("try-assign", cid, f"v{n}-{k}"))
            try:
                store.assign([cid], f"v{n}-{k}", expected={cid: seen})
            except StaleChangeError:
                continue
            out.send(("assigned", cid, f"v{n}-{k}"))
        else:
            out.send(("try-tag", cid, f"v{n}-{k}"))
            store.add_tags([cid], [f"v{n}-{k}"])
            out.send(("tagged", cid, f"v{n}-{k}"))
    out.send(("done",))
    time.sleep(60)


def kill_rounds(db: Path, rounds: int) -> dict[str, int]:
    make_state(db)
    rng = random.Random(1234)
    committed: dict[str, set[str]] = {cid: set() for cid in CABLES}
    points: dict[str, int] = {}
    for n in range(rounds):
        timed = n % 4 == 3  # every fourth kill lands at a random instant instead of a pause
        recv, send = FORK.Pipe(duplex=False)
        kill_at = 10**9 if timed else rng.randint(1, 9)
        proc = FORK.Process(target=victim, args=(str(db), n, kill_at, send))
        proc.start()
        send.close()
        deadline = time.monotonic() + (rng.uniform(0.005, 0.08) if timed else 30)
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not recv.poll(left):
                assert timed, "victim hung"
                break
            msg = recv.recv()
            if msg[0] == "paused":
                points[msg[1]] = points.get(msg[1], 0) + 1
                break
            if msg[0] == "tagged":
                committed[msg[1]].add(msg[2])
            elif msg[0] == "done":
                break
        assert proc.pid is not None
        os.kill(proc.pid, signal.SIGKILL)
        proc.join(10)
        while recv.poll(0):  # successes reported just before a timed kill still count
            try:
                msg = recv.recv()
            except EOFError:
                break
            if msg[0] == "tagged":
                committed[msg[1]].add(msg[2])
        recv.close()
        # After every kill: the state loads, every reported success is there, and tags and
        # history agree (a change and its history entry commit together).
        check = Store(db, "checker")
        rows = {r.id: r for r in check.rows()}
        for cid in CABLES:
            missing = committed[cid] - set(rows[cid].tags)
            assert not missing, f"round {n}: committed tags lost on {cid}: {missing}"
            added = {
                t
                for h in check.history(cid)
                if h["field"] == "tags"
                for t in h["new"]
                if t not in h["old"]
            }
            assert added == set(rows[cid].tags), f"round {n}: tags and history disagree"
            committed[cid] = set(rows[cid].tags)  # an in-flight change may have committed
    # Every writer after the kills finishes cleanly and no temp file is mistaken for state.
    after = Store(db, "after")
    after.add_tags([CABLES[0]], ["after"])
    assert "after" in after.row(CABLES[0]).tags
    with after._lock.hold():
        after._files.sweep()  # the temp files of writers killed at "staged" go
    assert not [p for p in db.rglob("*.tmp") if p.parent.name != "queue"]
    after._lock.clean_queue(older_than=0)  # processes killed while joining the lock queue
    assert not list(db.rglob("*.tmp"))
    return points


def test_sigkill_inside_commit(tmp_path: Path) -> None:
    points = kill_rounds(tmp_path / "state", 100)
    assert sum(points.values()) >= 70
    assert {"staged", "replaced", "applied"} <= set(points)


@pytest.mark.slow
def test_sigkill_inside_commit_200(tmp_path: Path) -> None:
    points = kill_rounds(tmp_path / "state", 280)
    assert sum(points.values()) >= 200, points
    assert {"staged", "replaced", "applied"} <= set(points)
