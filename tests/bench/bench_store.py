"""Benchmark the store at 250,000 and 1,000 cables through the code path the CLI uses.

Run: ``python -m tests.bench.bench_store [--cables 250000] [--quick]``. Scratch state goes to
``.bench-tmp/`` in the repo (gitignored), on the repo's filesystem. The big state (cables known,
50,000 with triage state, 200,000 history entries) is written straight into the shard files
through the store's own storage, not through 250,000 commands.

Figures: one change (median, p99) alone, per CLI-style process (new ``Store`` each time) and per
long-lived app ``Store``; the same with 4 writer processes plus an ingest process running; the
lock wait; a delivery (``index_put`` of one cable); ``changes_since`` + refreshing N foreign
changes; ``rows()`` cold and warm.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import orjson

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from triage import _head as head_mod  # noqa: E402
from triage import _journal as journal  # noqa: E402
from triage import _rowcodec as rowcodec  # noqa: E402
from triage._storage import no_gc  # noqa: E402
from triage.store import DEFAULT_SHARDS, SCHEMA_VERSION, Store  # noqa: E402

SCRATCH = REPO / ".bench-tmp"
PRECEDENCES = ["ROUTINE"] * 6 + ["PRIORITY"] * 3 + ["IMMEDIATE", "FLASH"]
CLASSES = ["UNCLASSIFIED", "CONFIDENTIAL", "SECRET", "LIMITED OFFICIAL USE"]
USERS = [f"officer{i}" for i in range(12)]
TAGS = [f"tag{i}" for i in range(40)]


def cable_id(i: int) -> str:
    return f"{9 + i % 3:02d}BENCHPOST{i}"


def index_entry(i: int, now: str) -> dict[str, Any]:
    """A realistic index entry (~0.5 KB)."""
    cid = cable_id(i)
    return {
        "id": cid,
        "precedence": PRECEDENCES[i % len(PRECEDENCES)],
        "niact": i % 97 == 0,
        "classification": CLASSES[i % len(CLASSES)],
        "caveats": ["NOFORN"] if i % 5 == 0 else [],
        "dtg": f"{i % 28 + 1:02d}{i % 24:02d}{i % 60:02d}Z NOV 09",
        "origin": f"Embassy Post {i % 180}",
        "subject": f"BENCH SUBJECT {i}: MINISTER DISCUSSES TRADE AND REGIONAL SECURITY",
        "cable_tags": ["PREL", "PGOV", "ECON"][: 1 + i % 3],
        "corrected": False,
        "action_paragraphs": [4] if i % 7 == 0 else [],
        "sections": None,
        "conflict": False,
        "sources": [
            {
                "path": f"{cid}.txt",
                "size": 6300 + i % 1000,
                "mtime": 1.7e9 + i,
                "hash": f"{i:064x}",
                "parser_version": "1",
            }
        ],
        "missing_sources": [],
        "rejected": None,
        "parser_version": "1",
        "arrived": now,
    }


def build(root: Path, cables: int, with_state: int, history: int) -> None:
    """Write the shard files of a state holding ``cables`` cables directly."""
    if root.exists():
        shutil.rmtree(root)
    shards = DEFAULT_SHARDS
    files = journal.StateFiles(root, shards)
    root.mkdir(parents=True)
    files.make_dirs()
    now = "2026-11-28T08:00:00.000000+00:00"
    rng = random.Random(7)
    per: dict[str, list[dict[str, Any]]] = {k: [{} for _ in range(shards)] for k in journal.KINDS}
    with no_gc():
        for i in range(cables):
            e = index_entry(i, now)
            s = journal.shard_of(e["id"], shards)
            per["index"][s][e["id"]] = e
            per["rows"][s][e["id"]] = rowcodec.row_values(e)
            per["sources"][s][e["id"]] = e["sources"]
        stated = rng.sample(range(cables), with_state)
        for i in stated:
            cid = cable_id(i)
            per["state"][journal.shard_of(cid, shards)][cid] = {
                "tags": rng.sample(TAGS, 2),
                "assignee": rng.choice(USERS),
                "action": "open",
                "read": rng.sample(USERS, 3),
                "acked": None,
                "flagged": None,
            }
        for h in range(history):
            cid = cable_id(stated[h % with_state])
            per["history"][journal.shard_of(cid, shards)][f"{h + 1}.0"] = {
                "id": cid,
                "at": now,
                "user": rng.choice(USERS),
                "os_user": "bench",
                "field": "tags",
                "old": [],
                "new": ["x"],
                "seq": h + 1,
            }
    for kind, table in journal.TABLES.items():
        for s in range(shards):
            meta = {"_meta": {"1": {"applied": 0}}}
            if kind == "rows":
                data = {**meta, **rowcodec.encode(per[kind][s])}
            elif kind == "sources":
                data = {**meta, **rowcodec.encode_sources(per[kind][s])}
            else:
                data = {**meta, table: per[kind][s]}
            quick_write(files.shard_path(kind, s), data)
    every_row = {cid: values for shard in per["rows"] for cid, values in shard.items()}
    head = {"_meta": {"1": {"applied": 0}}, **head_mod.from_values(every_row)}
    quick_write(files.head_path, head)  # the shared queue head, kept by every index commit
    names = {"users": {u: {} for u in USERS}, "tags": {t: {} for t in TAGS}}
    quick_write(files.names_path, names)
    version = f"{SCHEMA_VERSION[0]}.{SCHEMA_VERSION[1]}"
    quick_write(files.meta_path, {"meta": {"1": {"schema": version, "shards": shards}}})
    os.sync()


def quick_write(path: Path, data: Any) -> None:
    """Set-up only: write without the per-file fsync (one ``os.sync`` at the end)."""
    path.write_bytes(orjson.dumps(data))
    os.chmod(path, 0o660)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1e3


def fmt(values: list[float]) -> str:
    p50, p95, p99 = (pct(values, p) for p in (0.5, 0.95, 0.99))
    return f"median {p50:7.2f} ms  p95 {p95:7.2f}  p99 {p99:7.2f}"


def one_change(store: Store, rng: random.Random, cables: int, k: int) -> None:
    cid = cable_id(rng.randrange(cables))
    kind = k % 3
    if kind == 0:
        store.add_tags([cid], [f"b{k}"])
    elif kind == 1:
        store.assign([cid], rng.choice(USERS))
    else:
        store.set_action([cid], rng.choice(["open", "done", "none"]))


def changes(
    root: Path, cables: int, n: int, cli: bool, seed: int
) -> tuple[list[float], list[float]]:
    """Time ``n`` changes; ``cli``: a new Store per change (what one CLI process does)."""
    rng = random.Random(seed)
    times: list[float] = []
    waits: list[float] = []
    app = Store(root, "bench")
    for k in range(n):
        t0 = time.perf_counter()
        store = Store(root, "bench") if cli else app
        one_change(store, rng, cables, k)
        times.append(time.perf_counter() - t0)
        waits.append(store.last_lock_wait)
    return times, waits


def background_writer(root: str, cables: int, n: int, pace: float, stop: Any, out: Any) -> None:
    store = Store(Path(root), f"writer{n}", lock_timeout=30)
    rng = random.Random(100 + n)
    waits: list[float] = []
    k = 0
    while not stop.is_set():
        one_change(store, rng, cables, k)
        waits.append(store.last_lock_wait)
        k += 1
        if pace:
            time.sleep(rng.uniform(0.5, 1.5) * pace)
    out.put(waits)


def background_ingest(root: str, cables: int, pace: float, stop: Any, out: Any) -> None:
    """Deliveries of new cables, one index_put each, as the watcher would do them."""
    store = Store(Path(root), "ingest", lock_timeout=30)
    now = "2026-11-28T09:00:00.000000+00:00"
    waits: list[float] = []
    i = cables + 10_000_000 + os.getpid() * 100_000
    while not stop.is_set():
        store.index_put([index_entry(i, now)])
        waits.append(store.last_lock_wait)
        i += 1
        time.sleep(random.uniform(0.5, 1.5) * pace)
    out.put(waits)


def contended(
    root: Path, cables: int, n: int, pace: float
) -> tuple[list[float], list[float], list[float]]:
    """Time ``n`` changes while 4 writers (``pace`` s apart, 0 = flat out) and an ingest run."""
    ctx = mp.get_context("fork")
    stop = ctx.Event()
    out = ctx.Queue()
    procs = [
        ctx.Process(target=background_writer, args=(str(root), cables, w, pace, stop, out))
        for w in range(4)
    ]
    procs.append(ctx.Process(target=background_ingest, args=(str(root), cables, 0.1, stop, out)))
    for p in procs:
        p.daemon = True
        p.start()
    time.sleep(0.5)
    try:
        times, waits = changes(root, cables, n, cli=False, seed=5)
    finally:
        stop.set()
    others = [w for _ in procs for w in out.get()]
    for p in procs:
        p.join()
    return times, waits, others


def deliveries(root: Path, cables: int, n: int) -> list[float]:
    store = Store(root, "ingest")
    now = "2026-11-28T09:30:00.000000+00:00"
    out = []
    for k in range(n):
        entry = index_entry(cables + 20_000_000 + k, now)
        t0 = time.perf_counter()
        store.index_put([entry])
        out.append(time.perf_counter() - t0)
    return out


def foreign(root: Path, cables: int, counts: list[int]) -> list[str]:
    app = Store(root, "app")
    app.rows()
    lines = []
    other = Store(root, "other")
    rng = random.Random(9)
    for count in counts:
        seq = app.seq()
        for k in range(count):
            one_change(other, rng, cables, k)
        t0 = time.perf_counter()
        _, ids = app.changes_since(seq)
        t1 = time.perf_counter()
        rows = [app.row(cid) for cid in ids]
        t2 = time.perf_counter()
        lines.append(
            f"  {count:5d} foreign changes: changes_since {1e3 * (t1 - t0):7.2f} ms, "
            f"+ refresh and row() of {len(rows)} ids {1e3 * (t2 - t1):7.2f} ms"
        )
    return lines


def rows_load(root: Path) -> list[str]:
    """rows() cold (new Store: reads every rows and state shard) and warm; source_info's
    first call (reads every sources shard); index_get (one shard)."""
    lines = []
    for attempt in range(3):
        store = Store(root, "bench")
        t0, c0 = time.perf_counter(), time.process_time()
        rows = store.rows()
        t1, c1 = time.perf_counter(), time.process_time()
        store.rows()
        t2 = time.perf_counter()
        lines.append(
            f"rows() #{attempt + 1}: {len(rows):,} rows, cold {(t1 - t0) * 1e3:.0f} ms "
            f"(CPU {(c1 - c0) * 1e3:.0f} ms), warm {(t2 - t1) * 1e3:.1f} ms"
        )
    ingest = Store(root, "ingest")  # a process that only asks source_info (ingest's scan)
    t0, c0 = time.perf_counter(), time.process_time()
    info = ingest.source_info(rows[0].sources[0])
    t1, c1 = time.perf_counter(), time.process_time()
    assert info is not None
    paths = [row.sources[0] for row in rows[:20_000] if row.sources]
    for path in paths:
        ingest.source_info(path)
    t2 = time.perf_counter()
    lines.append(
        f"source_info(): first call (loads all sources) {(t1 - t0) * 1e3:.0f} ms "
        f"(CPU {(c1 - c0) * 1e3:.0f} ms), then {(t2 - t1) / len(paths) * 1e6:.1f} us per path"
    )
    fresh = Store(root, "bench")
    times = []
    for row in rows[:50]:
        t0 = time.perf_counter()
        fresh.index_get(row.id)
        times.append(time.perf_counter() - t0)
    lines.append(f"index_get() (one shard):               {fmt(times)}")
    return lines


def run(cables: int, with_state: int, history: int, n: int, quick: bool) -> None:
    root = SCRATCH / f"store-{cables}"
    t0 = time.perf_counter()
    build(root, cables, with_state, history)
    print(
        f"\n== {cables:,} cables known, {with_state:,} with state, {history:,} history entries "
        f"(built in {time.perf_counter() - t0:.1f} s; load average {os.getloadavg()[0]:.1f}) =="
    )
    for line in rows_load(root):
        print(line)
    times, waits = changes(root, cables, n, cli=True, seed=1)
    print(f"{n} changes alone, new Store each (CLI): {fmt(times)}")
    times, waits = changes(root, cables, n, cli=False, seed=2)
    print(f"{n} changes alone, one Store (app):      {fmt(times)}")
    times = deliveries(root, cables, 50 if quick else 100)
    print(f"delivery (index_put of one cable):      {fmt(times)}")
    for pace, label in ((0.1, "paced ~10 changes/s each"), (0.0, "flat out")):
        times, waits, others = contended(root, cables, n, pace)
        print(f"{n} changes with 4 writers ({label}) + ingest (~10 deliveries/s):")
        print(f"  change:     {fmt(times)}")
        print(f"  lock wait:  {fmt(waits + others)}  ({len(waits) + len(others)} acquisitions)")
    for line in foreign(root, cables, [1, 10, 100] if quick else [1, 10, 100, 1000]):
        print(line)
    print(f"(load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer changes (smoke run)")
    parser.add_argument("--only", type=int, help="only this many cables")
    args = parser.parse_args()
    SCRATCH.mkdir(exist_ok=True)
    n = 60 if args.quick else 200
    version = sys.version.split()[0]
    print(f"store benchmark, {os.cpu_count()} CPUs, scratch {SCRATCH}, python {version}")
    sizes = [(250_000, 50_000, 200_000), (10_000, 5_000, 20_000), (1_000, 500, 2_000)]
    for cables, with_state, history in sizes:
        if args.only and cables != args.only:
            continue
        run(cables, with_state, history, n, args.quick)


if __name__ == "__main__":
    main()
