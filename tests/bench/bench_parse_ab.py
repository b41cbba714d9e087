"""Compare the parser of another checkout with this one's, in one process, alternating.

``python -m tests.bench.bench_parse_ab OLD_CHECKOUT [--repeat 7]`` (e.g. after
``git worktree add /tmp/old <commit>``) loads ``triage.parsing`` from both trees, then times the
``triage parse`` code path (parse_bytes + to_json + orjson.dumps) over the corpus per rendering,
old and new in turn, by CPU time, and prints medians and the ratio. Alternating in one process
keeps the machine's changing speed out of the comparison.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus"
RENDERINGS = (("plain", "txt"), ("markdown", "md"), ("html", "html"))


def _load(root: Path) -> Callable[[bytes, str], Any]:
    """``parse_bytes`` of the ``triage`` package under ``root`` (a fresh import)."""
    for name in [m for m in sys.modules if m == "triage" or m.startswith("triage.")]:
        del sys.modules[name]
    sys.path.insert(0, str(root))
    try:
        import triage.parsing as parsing
    finally:
        sys.path.pop(0)
    return parsing.parse_bytes


def main(argv: list[str] | None = None) -> int:
    """Print old and new cables/s per rendering and the speed-up."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("old", type=Path, help="a checkout of the version to compare against")
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    args = ap.parse_args(argv)
    if not (args.corpus / "truth.jsonl").is_file():
        print(f"corpus not found at {args.corpus}", file=sys.stderr)
        return 1
    blobs = {
        folder: [(str(p), p.read_bytes()) for p in sorted((args.corpus / folder).glob(f"*.{ext}"))]
        for folder, ext in RENDERINGS
    }
    parsers = {"old": _load(args.old.resolve()), "new": _load(REPO)}
    times: dict[tuple[str, str], list[float]] = {(v, k): [] for v in parsers for k in blobs}
    for _ in range(args.repeat):
        for version, parse_bytes in parsers.items():
            for folder, files in blobs.items():
                start = time.process_time()
                for name, data in files:
                    orjson.dumps(parse_bytes(data, name).to_json())
                times[(version, folder)].append(time.process_time() - start)
    for folder, files in blobs.items():
        old = statistics.median(times[("old", folder)])
        new = statistics.median(times[("new", folder)])
        print(
            f"{folder:9} old {len(files) / old:6.0f} cables/s  new {len(files) / new:6.0f} "
            f"cables/s  speed-up {old / new:.2f}x (CPU time, median of {args.repeat})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
