"""The ``triage`` command line: subcommands, and the terminal app when none is given."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import orjson

from triage.parsing import parse_bytes

READ_CAP = 5 * 1024 * 1024 + 1
"""Read at most this much of a file: anything larger is over the parser's 5 MB cap anyway."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser: global flags, then one subparser per subcommand."""
    parser = argparse.ArgumentParser(
        prog="triage", description="Triage diplomatic cables from a shared inbox."
    )
    parser.add_argument("--inbox", metavar="DIR", help="inbox folder (TRIAGE_INBOX; ./inbox)")
    parser.add_argument("--db", metavar="DIR", help="state folder (TRIAGE_DB; INBOX/.triage)")
    parser.add_argument("--user", metavar="NAME", help="who is acting (TRIAGE_USER; login)")
    parser.add_argument("--theme", metavar="NAME", help="theme (TRIAGE_THEME; triage-dark)")
    parser.add_argument(
        "--polling", action="store_true", help="poll the inbox (network filesystems)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("parse", help="parse cables to JSON Lines; touches no state")
    p.add_argument("files", nargs="+", metavar="FILE", help="files to parse, or - for stdin")
    p.set_defaults(func=cmd_parse)
    return parser


def _read_capped(fh: BinaryIO) -> bytes:
    return fh.read(READ_CAP)


def cmd_parse(args: argparse.Namespace) -> int:
    """Print one JSON object per input, in order; never stops on a bad file."""
    out = sys.stdout.buffer
    for name in args.files:
        if name == "-":
            cable = parse_bytes(_read_capped(sys.stdin.buffer), "-")
        else:
            try:
                with Path(name).open("rb") as fh:
                    data = _read_capped(fh)
            except OSError as exc:
                cable = parse_bytes(b"", name)
                cable.errors = [f"cannot read file: {exc.strerror or exc}"]
            else:
                cable = parse_bytes(data, name)
        out.write(orjson.dumps(cable.to_json()) + b"\n")
    out.flush()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``triage`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from triage.app import run_app  # the app's imports cost ~0.1 s; only pay them here

        return run_app(args)
    return int(args.func(args))
