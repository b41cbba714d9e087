"""Read input files without blocking on anything but a regular file; the ``parse`` subcommand."""

from __future__ import annotations

import argparse
import errno
import os
import stat
import sys
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import orjson

READ_CAP = 5 * 1024 * 1024 + 1
"""Read at most this much of a file: anything larger is over the parser's 5 MB cap anyway."""


def _read_capped(fh: BinaryIO) -> bytes:
    return fh.read(READ_CAP)


_KINDS: tuple[tuple[Callable[[int], bool], str], ...] = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _require_regular(mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    kind = next((name for test, name in _KINDS if test(mode)), "something")
    raise OSError(errno.EINVAL, f"{kind}, not a regular file")


def read_regular(path: str | Path) -> bytes:
    """The first ``READ_CAP`` bytes of a regular file, never blocking on anything else.

    The path is checked before it is opened (opening a FIFO waits for a writer; opening a
    device can act on it), opened non-blocking, and checked again on the open file.

    Args:
        path: the file (links are followed).

    Returns:
        The bytes read.

    Raises:
        OSError: ``strerror`` says why: the system's reason (``No such file or directory``)
            or ``a FIFO, not a regular file`` (a folder, a device, a socket).
    """
    _require_regular(os.stat(path).st_mode)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    with open(fd, "rb") as fh:
        _require_regular(os.fstat(fd).st_mode)
        return _read_capped(fh)


def cmd_parse(args: argparse.Namespace) -> int:
    """Print one JSON object per input, in order; never stops on a bad file."""
    from triage.parsing import parse_bytes  # only `parse` and `show` pay for the parser

    out = sys.stdout.buffer
    for name in args.files:
        if name == "-":
            cable = parse_bytes(_read_capped(sys.stdin.buffer), "-")
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
