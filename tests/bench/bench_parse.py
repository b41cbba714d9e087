"""Benchmark the ``triage parse`` code path over the corpus: cables/s and MB/s per rendering.

Run in a cold process: ``python -m tests.bench.bench_parse [--repeat N]``. For each rendering
it reads every file, then times parse_bytes + to_json + orjson.dumps of every field (what
``triage parse`` does per file), on one core, and prints the median of the repeats, by wall
clock and by CPU time of the process (``time.process_time``: steadier on a shared machine).
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path

import orjson

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus"
RENDERINGS = (("text", "plain", "txt"), ("markdown", "markdown", "md"), ("html", "html", "html"))


def main(argv: list[str] | None = None) -> int:
    """Print cables/s and MB/s per rendering (medians of ``--repeat`` runs)."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    args = ap.parse_args(argv)
    if not (args.corpus / "truth.jsonl").is_file():
        print(f"corpus not found at {args.corpus}", file=sys.stderr)
        return 1
    t0 = time.perf_counter()
    sys.path.insert(0, str(REPO))
    from triage.parsing import parse_bytes

    print(f"import triage.parsing: {1000 * (time.perf_counter() - t0):.0f} ms")
    print(
        f"machine: {platform.machine()} {platform.processor() or ''} cpus={os.cpu_count()} "
        f"python {platform.python_version()}"
    )
    floor_patterns = [
        re.compile(p, re.M)
        for p in (
            r"^VZCZC\S*",
            r"^DE \S+ #\d+",
            r"^[ZOPR] \d{6}Z [A-Z]{3} \d{2}$",
            r"^FM .*$",
            r"^TO .*$",
            r"^TAGS:? .*$",
            r"^SUBJECT: .*$",
            r"^REF: .*$",
            r"^E\.O\. .*$",
            r"^Classified By: .*$",
        )
    ]
    plain = [p.read_bytes() for p in sorted((args.corpus / "plain").glob("*.txt"))]
    floor = []
    floor_cpu = []
    for _ in range(args.repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        for data in plain:
            text = data.decode("utf-8", "replace")
            for pat in floor_patterns:
                pat.search(text)
        floor.append(time.perf_counter() - start)
        floor_cpu.append(time.process_time() - start_cpu)
    med, med_cpu = statistics.median(floor), statistics.median(floor_cpu)
    print(
        f"regex floor (decode + 10 plain searches per plain file): {len(plain) / med:8.0f} files/s"
        f" (CPU time: {len(plain) / med_cpu:.0f} files/s)"
    )
    for fmt, folder, ext in RENDERINGS:
        files = sorted((args.corpus / folder).glob(f"*.{ext}"))
        blobs = [(str(p), p.read_bytes()) for p in files]
        size = sum(len(b) for _, b in blobs)
        times = []
        cpu_times = []
        per_cable: list[float] = []
        for r in range(args.repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            for name, data in blobs:
                if r == 0:
                    s = time.perf_counter()
                    orjson.dumps(parse_bytes(data, name).to_json())
                    per_cable.append(time.perf_counter() - s)
                else:
                    orjson.dumps(parse_bytes(data, name).to_json())
            times.append(time.perf_counter() - start)
            cpu_times.append(time.process_time() - start_cpu)
        med, med_cpu = statistics.median(times), statistics.median(cpu_times)
        per_cable.sort()
        p95 = per_cable[int(0.95 * len(per_cable))] * 1e6
        p99 = per_cable[int(0.99 * len(per_cable))] * 1e6
        print(
            f"{fmt:9} {len(blobs)} files {size / 1e6:6.1f} MB: "
            f"{len(blobs) / med:8.0f} cables/s {size / 1e6 / med:6.1f} MB/s "
            f"(median of {args.repeat} runs; mean {1e6 * med / len(blobs):.0f} us per cable, "
            f"p95 {p95:.0f} us, p99 {p99:.0f} us)\n"
            f"{'':9} CPU time: {len(blobs) / med_cpu:8.0f} cables/s "
            f"{size / 1e6 / med_cpu:6.1f} MB/s (median of {args.repeat} runs)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
