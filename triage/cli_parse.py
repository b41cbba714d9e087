"""The ``parse`` subcommand: parse files (or standard input) to JSON Lines."""

from __future__ import annotations

import argparse
import sys

import orjson

from triage.sources import read_capped, read_regular


def cmd_parse(args: argparse.Namespace) -> int:
    """Print one JSON object per input, in order; never stops on a bad file."""
    from triage.parsing import parse_bytes  # only `parse` and `show` pay for the parser

    out = sys.stdout.buffer
    for name in args.files:
        if name == "-":
            cable = parse_bytes(read_capped(sys.stdin.buffer), "-")
        else:
            try:
                data = read_regular(name)
            except OSError as exc:
                cable = parse_bytes(b"", name)
                cable.errors = [f"cannot read file: {exc.strerror or exc}"]
            else:
                cable = parse_bytes(data, name)
        out.write(orjson.dumps(cable.to_json()) + b"\n")
    out.flush()
    return 0
