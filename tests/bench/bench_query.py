"""Benchmark the QUERY filter and triage order on 250,000 synthetic queue rows.

Run: ``.venv/bin/python -m tests.bench.bench_query [--rows N] [--repeat R]``. Prints medians and
p95 in milliseconds: ``order`` and ``filter_rows`` on a plain list, building a QueueIndex, and
per query: parse+compile and ``QueueIndex.filter`` (what the app pays per keystroke; the result
is already in triage order).
"""

from __future__ import annotations

import argparse
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


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """(median ms, p95 ms, last result) of ``repeat`` calls."""
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, result


def main() -> None:
    """Run the benchmark and print its figures."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=250_000)
    ap.add_argument("--repeat", type=int, default=9)
    args = ap.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, {args.rows:,} rows")
    t0 = time.perf_counter()
    rows = make_rows(args.rows)
    print(f"rows generated in {time.perf_counter() - t0:.1f} s")

    med, _, _ = timed(lambda: queue.filter_rows(rows, "kosovo", "alice"), 3)
    print(f"filter_rows on a plain list with a free word (haystacks built each time): {med:.0f} ms")
    med, _, _ = timed(lambda: queue.order(rows), 3)
    print(f"order(all {len(rows):,} rows): median {med:.0f} ms")
    med, _, index = timed(lambda: queue.QueueIndex(rows), 3)
    print(f"QueueIndex(rows) built (sorted, haystacks): median {med:.0f} ms")
    changed = [rows[i] for i in range(0, len(rows), len(rows) // 50)]
    med, _, _ = timed(lambda: index.upsert(changed), 5)
    print(f"QueueIndex.upsert of {len(changed)} rows: median {med:.1f} ms")

    print(
        f"{'QueueIndex.filter(query)':52} {'parse':>7} {'filter median / p95':>20} {'matches':>8}"
    )
    worst = []
    for text in QUERIES:
        parse_ms, _, q = timed(lambda t=text: queue.parse_query(t), args.repeat)
        med, p95, matched = timed(lambda q=q: index.filter(q, "alice"), args.repeat)
        worst.append(med)
        print(f"{text:52} {parse_ms:6.2f}  {med:8.1f} / {p95:6.1f} ms {len(matched):8}")
    print(
        f"filter medians over {len(QUERIES)} queries: median {statistics.median(worst):.1f} ms, "
        f"slowest {max(worst):.1f} ms (target < 100 ms)"
    )


if __name__ == "__main__":
    main()
