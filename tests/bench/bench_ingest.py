"""Benchmark ingest: cold bulk ingest, re-ingest after a restart, and delivery -> in the store.

Run: ``.venv/bin/python -m tests.bench.bench_ingest [--cables N] [--known M] [--deliveries D]``.

1. Cold: N generated cables (txt, md and html in turn) ingested into an empty state with worker
   processes (``ingest_inbox``, the code path of ``triage ingest``): cables/s. With ``--inline``
   the same on one process for the ratio.
2. Restart: a new Store on the same state, ``ingest_inbox`` again (nothing is reparsed): s.
3. Delivery: a file renamed into the watched inbox -> watcher callback -> ``ingest_files`` of
   that one file -> store commit returned; p50/p95 over D deliveries, with the N cables known,
   and again after padding the index to M cables known. Native observer, then polling.

Scratch files go to ``.bench-tmp/`` in the repo (the repo's filesystem), removed afterwards.
"""

from __future__ import annotations

import argparse
import os
import platform
import queue
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from tests.cablegen import make_cable, render, write_inbox
from triage.ingest import default_workers, ingest_files, ingest_inbox
from triage.store import Store
from triage.watcher import InboxWatcher

REPO = Path(__file__).resolve().parents[2]
SCRATCH = REPO / ".bench-tmp" / "ingest"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def ms(values: list[float]) -> str:
    return (
        f"p50 {statistics.median(values) * 1000:7.1f} ms   p95 {pct(values, 0.95) * 1000:7.1f} ms"
        f"   max {max(values) * 1000:7.1f} ms   (n={len(values)})"
    )


def cold(inbox: Path, state: Path, workers: int, n: int) -> Store:
    store = Store(state, "bench", os_user="bench")
    t = time.perf_counter()
    report = ingest_inbox(store, inbox, workers=workers)
    dt = time.perf_counter() - t
    label = f"{workers} worker process(es)" if workers else "inline (1 process)"
    print(f"cold ingest, {label:24s}: {dt:6.2f} s  {n / dt:7.0f} cables/s   {report.summary()}")
    return store


def restart(inbox: Path, state: Path, n: int) -> None:
    times = []
    for _ in range(3):
        store = Store(state, "bench", os_user="bench")
        t = time.perf_counter()
        report = ingest_inbox(store, inbox)
        times.append(time.perf_counter() - t)
        assert len(report.unchanged) == n, report.summary()
    med = statistics.median(times)
    print(f"re-ingest unchanged (new Store): median {med:6.2f} s  {n / med:7.0f} files/s")


def pad_index(store: Store, total: int) -> None:
    """Add synthetic index entries (copies of a real one under new IDs) up to ``total``."""
    have = len(store.rows())
    if have >= total:
        return
    template = dict(store.rows()[0].to_json())
    batch: list[dict[str, Any]] = []
    t = time.perf_counter()
    for i in range(have, total):
        entry = {k: template.get(k) for k in template}
        entry["id"] = f"99PAD{i}"
        entry["sources"] = [{"path": f"pad/{i}.txt", "size": 1, "mtime": 1, "hash": "0"}]
        entry["missing_sources"] = []
        batch.append(entry)
        if len(batch) >= 5000:
            store.index_put(batch)
            batch = []
    if batch:
        store.index_put(batch)
    print(f"  (padded the index to {total} cables in {time.perf_counter() - t:.1f} s)")


def deliveries(inbox: Path, store: Store, count: int, *, polling: bool, seed: int) -> None:
    outside = SCRATCH / "outside"
    outside.mkdir(parents=True, exist_ok=True)
    done: queue.Queue[tuple[str, float]] = queue.Queue()

    def on_file(path: Path) -> None:
        report = ingest_files([path], store, inbox, workers=0)
        for cid in report.added:
            done.put((cid, time.perf_counter()))

    watcher = InboxWatcher(inbox, on_file, polling=polling, poll_interval=0.1)
    watcher.start()
    # Warm-up: the first source_info loads the index once (start-up cost, reported apart).
    t = time.perf_counter()
    store.source_info("warm-up")
    warm = time.perf_counter() - t
    latencies: list[float] = []
    try:
        for i in range(count):
            c = make_cable(seed + i)
            name = f"{c.id}.{('txt', 'md', 'html')[i % 3]}"
            src = outside / name
            src.write_text(render(c, name.rsplit(".", 1)[1]))
            t0 = time.perf_counter()
            os.rename(src, inbox / name)
            cid, t1 = done.get(timeout=30)
            assert cid == c.id, (cid, c.id)
            latencies.append(t1 - t0)
            time.sleep(0.02)
    finally:
        watcher.stop()
    known = len(store.rows())
    print(
        f"delivery -> in the store, {watcher.mode:7s}, {known:7d} known: {ms(latencies)}"
        f"   (index load once: {warm:.2f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cables", type=int, default=10_000)
    parser.add_argument("--known", type=int, default=100_000)
    parser.add_argument("--deliveries", type=int, default=100)
    parser.add_argument("--inline", action="store_true", help="also time a one-process ingest")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = parser.parse_args()
    print(
        f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.system()} {platform.release()}; scratch {SCRATCH}"
    )
    shutil.rmtree(SCRATCH, ignore_errors=True)
    inbox = SCRATCH / "inbox"
    t = time.perf_counter()
    write_inbox(inbox, args.cables, seed=1000, renderings=("txt", "md", "html"))
    size = sum(p.stat().st_size for p in inbox.iterdir())
    print(
        f"wrote {args.cables} cables ({size / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s; "
        f"workers: {default_workers()}"
    )
    try:
        os.sync()
        store = cold(inbox, SCRATCH / "state", default_workers(), args.cables)
        if args.inline:
            cold(inbox, SCRATCH / "state-inline", 0, args.cables)
        restart(inbox, SCRATCH / "state", args.cables)
        seed = 5_000_000
        deliveries(inbox, store, args.deliveries, polling=False, seed=seed)
        seed += args.deliveries
        deliveries(inbox, store, max(10, args.deliveries // 5), polling=True, seed=seed)
        seed += args.deliveries
        if args.known > args.cables:
            big = Store(SCRATCH / "state", "bench", os_user="bench")
            pad_index(big, args.known)
            big = Store(SCRATCH / "state", "bench", os_user="bench")
            deliveries(inbox, big, args.deliveries, polling=False, seed=seed)
    finally:
        if not args.keep:
            shutil.rmtree(SCRATCH, ignore_errors=True)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
