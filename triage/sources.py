"""A cable's source files in the inbox: read without blocking on anything but a regular file,
and merged into the text ``triage show`` prints and the app's cable view shows."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from triage.model import ParsedCable, QueueRow

READ_CAP = 5 * 1024 * 1024 + 1
"""Read at most this much of a file: anything larger is over the parser's 5 MB cap anyway."""


def read_capped(fh: BinaryIO) -> bytes:
    """The first ``READ_CAP`` bytes of an open file."""
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
        return read_capped(fh)


def inside(path: Path, folder: Path) -> bool:
    """Whether ``path``, links resolved, is ``folder`` or inside it (False when unresolvable)."""
    try:
        path.resolve().relative_to(folder.resolve())
    except (ValueError, OSError):
        return False
    return True


def cable_text(inbox: Path, row: QueueRow) -> tuple[ParsedCable | None, list[str]]:
    """The text of a cable as it reads (``identity.merge_texts``), from its source files
    still in the inbox (the app's cable view shows the same).

    Args:
        inbox: the inbox folder the sources are relative to.
        row: the cable's queue row.

    Returns:
        ``(merged cable or None when no source could be read, why sources could not be read)``.
    """
    from triage.identity import merge_texts
    from triage.parsing import parse_bytes

    parsed: list[ParsedCable] = []
    problems: list[str] = []
    for rel in row.sources:
        if rel in row.missing_sources:
            continue
        path = inbox / rel
        if not inside(path, inbox):
            continue
        try:
            parsed.append(parse_bytes(read_regular(path), rel))
        except OSError as exc:
            problems.append(f"cannot read {rel}: {exc.strerror or exc}")
    return merge_texts(parsed), problems
