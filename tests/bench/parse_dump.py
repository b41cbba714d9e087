"""Dump the parser's JSON for every corpus file, fixture and sample cable, to compare versions.

``python -m tests.bench.parse_dump OUT.jsonl`` writes one line per file (path relative to its
folder, then the ``triage parse`` object). A change meant to keep output unchanged (a speed
pass) is checked by dumping before and after and comparing the files: ``cmp`` or ``diff``.
Generated cables (``tests/cablegen.py``, fixed seeds) are included so that rare shapes count.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import orjson

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus"


def _files() -> list[tuple[str, Path]]:
    out: list[tuple[str, Path]] = []
    for folder in (CORPUS / "plain", CORPUS / "markdown", CORPUS / "html"):
        if folder.is_dir():
            out += [(f"corpus/{folder.name}/{p.name}", p) for p in sorted(folder.iterdir())]
    for folder in (REPO / "tests" / "fixtures" / "cables", REPO / "inbox"):
        out += [
            (f"{folder.name}/{p.name}", p)
            for p in sorted(folder.iterdir())
            if p.is_file() and not p.name.endswith(".json") and p.name != "README.md"
        ]
    return out


def main(argv: list[str] | None = None) -> int:
    """Write the dump; print how many files it holds."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out", type=Path)
    ap.add_argument(
        "--generated", type=int, default=300, help="generated cables (3 renderings each)"
    )
    args = ap.parse_args(argv)
    sys.path.insert(0, str(REPO))
    from tests import cablegen
    from triage.parsing import parse, parse_bytes

    n = 0
    with args.out.open("wb") as fh:
        for name, path in _files():
            obj = parse_bytes(path.read_bytes(), name).to_json()
            fh.write(orjson.dumps(obj, option=orjson.OPT_SORT_KEYS) + b"\n")
            n += 1
        for seed in range(args.generated):
            cable = cablegen.make_cable(
                seed,
                sections=1 + seed % 3,
                action=seed % 3 == 0,
                corrected=seed % 5 == 0,
                pilcrow=seed % 4 != 0,
                variants=seed % 2 == 0,
            )
            for kind in ("txt", "md", "html"):
                name = f"generated/{seed}.{kind}"
                obj = parse(cablegen.render(cable, kind), name).to_json()
                fh.write(orjson.dumps(obj, option=orjson.OPT_SORT_KEYS) + b"\n")
                n += 1
    print(f"{n} objects written to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
