"""Benchmark the QUERY filter and triage order on 250,000 synthetic queue rows.

Run: ``.venv/bin/python -m tests.bench.bench_query [--rows N] [--repeat R]``. Prints medians and
p95 in milliseconds: ``order`` and ``filter_rows`` on a plain list, building a QueueIndex, and
per query: parse+compile and ``QueueIndex.filter`` (what the app pays per keystroke; the result
is already in triage order).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from triage import queue
from triage.model import CLASSIFICATIONS, QueueRow

WORDS = [
    "kosovo",
    "serbia",
    "iran",
    "nuclear",
    "talks",
    "embassy",
    "demarche",
    "election",
    "unrest",
    "trade",
    "sanctions",
    "oil",
    "minister",
    "visit",
    "security",
    "council",
    "resolution",
    "refugees",
    "border",
    "ceasefire",
    "aid",
    "budget",
    "energy",
    "pipeline",
    "opposition",
    "parliament",
    "court",
    "corruption",
    "protest",
    "visa",
    "fisheries",
    "climate",
]
POSTS = (
    "AMEMBASSY BELGRADE", "AMEMBASSY PARIS", "USMISSION USUN NEW YORK", "SECSTATE WASHDC",
    "AMEMBASSY PRETORIA", "AMCONSUL HONG KONG", "AMEMBASSY TOKYO", "USMISSION GENEVA",
    "AMEMBASSY BRASILIA", "AMEMBASSY NAIROBI",
)  # fmt: skip
CTAGS = ("PGOV", "PREL", "ECON", "PHUM", "KV", "SR", "IR", "MNUC", "ETRD", "PTER", "UNSC")
PRECS = ("FLASH", "IMMEDIATE", "PRIORITY", "ROUTINE", None)
PREC_WEIGHTS = (1, 10, 30, 55, 4)
CAVEATS = ((), (), (), ("NOFORN",), ("NODIS",), ("EXDIS",), ("NOFORN", "EXDIS"))
USERS = ("alice", "bob", "carol", "dave", None, None, None, None, None, None)

QUERIES = (
    "kosovo",
    '"nuclear talks"',
    "prec:>=immediate is:unacked",
    "class:>=c caveat:noforn -action:done",
    "tag:urgent OR assignee:me",
    "from:belgrade since:2008-01-01 until:2008-12-31",
    "(prec:flash OR prec:immediate) -tag:done kosovo",
    "ctag:pgov ctag:kv -is:read",
    "sections:incomplete OR is:conflict",
)


def make_rows(n: int, seed: int = 7) -> list[QueueRow]:
    """``n`` synthetic rows with a plausible mix of precedence, markings and state."""
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        prec = rnd.choices(PRECS, PREC_WEIGHTS)[0]
        of = rnd.choice((0, 0, 0, 0, 2, 3))
        rows.append(
            QueueRow(
                id=f"{rnd.randint(5, 10):02d}{rnd.choice(POSTS).split()[-1]}{i}",
                precedence=prec,
                niact=prec == "IMMEDIATE" and rnd.random() < 0.1,
                classification=rnd.choice((*CLASSIFICATIONS, None)),
                caveats=list(rnd.choice(CAVEATS)),
                dtg=None
                if rnd.random() < 0.02
                else f"20{rnd.randint(5, 10):02d}-{rnd.randint(1, 12):02d}-"
                f"{rnd.randint(1, 28):02d}T{rnd.randint(0, 23):02d}:{rnd.randint(0, 59):02d}:00Z",
                origin=rnd.choice(POSTS),
                subject=" ".join(rnd.choices(WORDS, k=rnd.randint(4, 12))).upper(),
                cable_tags=rnd.sample(CTAGS, rnd.randint(1, 4)),
                tags=rnd.sample(("urgent", "done", "follow-up", "press"), rnd.randint(1, 2))
                if rnd.random() < 0.1
                else [],
                assignee=rnd.choice(USERS),
                action=rnd.choice(("none", "none", "open", "done")),
                read=rnd.random() < 0.3,
                acked={"user": "alice", "at": "2026-11-28T08:00:00Z"}
                if rnd.random() < 0.5
                else None,
                sections={"received": [1], "of": of} if of else None,
                conflict=rnd.random() < 0.001,
            )
        )
    return rows


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, float, Any]:
    """(median wall ms, p95 wall ms, median CPU ms, last result) of ``repeat`` calls.

    CPU time (``process_time``) is what to compare on a loaded machine: wall time also
    counts the time other processes held the cores.
    """
    walls, cpus = [], []
    result = None
    for _ in range(repeat):
        c0, w0 = time.process_time(), time.perf_counter()
        result = fn()
        walls.append((time.perf_counter() - w0) * 1000)
        cpus.append((time.process_time() - c0) * 1000)
    walls.sort()
    p95 = walls[min(len(walls) - 1, round(0.95 * (len(walls) - 1)))]
    return statistics.median(walls), p95, statistics.median(cpus), result


def main() -> None:
    """Run the benchmark and print its figures."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=250_000)
    ap.add_argument("--repeat", type=int, default=9)
    args = ap.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores, "
        f"load average {load:.1f}; {args.rows:,} rows; times in ms: wall median / p95 (CPU)"
    )
    t0 = time.perf_counter()
    rows = make_rows(args.rows)
    print(f"rows generated in {time.perf_counter() - t0:.1f} s")

    def show(label: str, fn: Callable[[], Any], repeat: int = args.repeat) -> Any:
        wall, p95, cpu, result = timed(fn, repeat)
        print(f"{label:60} {wall:7.1f} / {p95:7.1f} ({cpu:6.1f})")
        return result

    show("floor: [r for r in rows if r.read]", lambda: [r for r in rows if r.read])
    show("order(all rows)", lambda: queue.order(rows), 3)
    index = show("QueueIndex(rows): sorted", lambda: queue.QueueIndex(rows), 3)
    show("QueueIndex.warm(): every column built", index.warm, 1)
    changed = [rows[i] for i in range(0, len(rows), len(rows) // 50)]
    show(f"QueueIndex.upsert({len(changed)} rows)", lambda: index.upsert(changed), 5)
    ordered = index.rows
    queue.clear_cache()
    show("first free-word filter of a list (builds haystacks)",
         lambda: queue.filter_rows(ordered, "kosovo", "alice"), 1)  # fmt: skip
    show("same list again (haystacks kept)",
         lambda: queue.filter_rows(ordered, "kosovo", "alice"))  # fmt: skip

    print(f"\n{'query':50} {'parse':>6}  {'QueueIndex.filter':>24}  {'filter_rows(list)':>24}  "
          f"{'matches':>7}")  # fmt: skip
    walls, cpus = [], []
    for text in QUERIES:
        _, _, parse_ms, q = timed(lambda t=text: queue.parse_query(t), args.repeat)
        wall, p95, cpu, matched = timed(lambda q=q: index.filter(q, "alice"), args.repeat)
        lwall, lp95, lcpu, _ = timed(
            lambda q=q: queue.filter_rows(ordered, q, "alice"), args.repeat
        )
        walls.append(wall)
        cpus.append(cpu)
        print(
            f"{text:50} {parse_ms:6.2f}  {wall:6.1f} / {p95:6.1f} ({cpu:6.1f})  "
            f"{lwall:6.1f} / {lp95:6.1f} ({lcpu:6.1f})  {len(matched):7}"
        )
    print(
        f"QueueIndex.filter over {len(QUERIES)} queries: median of medians "
        f"{statistics.median(walls):.1f} ms wall ({statistics.median(cpus):.1f} CPU), "
        f"slowest {max(walls):.1f} ms wall ({max(cpus):.1f} CPU); target < 100 ms"
    )


if __name__ == "__main__":
    main()
