"""Find the inbox paths ingest looks at, and name them relative to the inbox."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

from triage.watcher import excluded, is_ignored_name, under

__all__ = ["CABLE_NAME", "InboxUnreadable", "excluded", "inside", "relative", "scan", "under"]

CABLE_NAME = re.compile(
    r"^(\d{2}[A-Za-z][A-Za-z0-9]*\d+([-_. ].*)?|.*\.(txt|text|md|markdown|html?|eml|cable))$",
    re.IGNORECASE,
)
"""A folder with such a name was probably meant to be a cable file: it is rejected."""


class InboxUnreadable(OSError):
    """The inbox folder itself cannot be listed (another user's folder, a lost mount): not an
    empty inbox. The message names the folder and the reason."""


def scan(inbox: Path, exclude: Iterable[Path | str | None] = ()) -> list[Path]:
    """Everything in the inbox that ingest must look at, sorted.

    Walks sub-folders. Hidden and temporary names (``.triage/``, ``x.part``) and the folders in
    ``exclude`` (the state folder, wherever it is inside the inbox) are left out. Gives
    regular files, links (not followed: ingest reads a link leading to a file inside the inbox
    and rejects one leading out), FIFOs, devices and sockets (rejected by ingest), and folders
    named like cables (rejected; not walked). Links to folders are never walked.

    Args:
        inbox: the inbox folder.
        exclude: folders never walked (compared resolved: through links, ``..``).

    Returns:
        Absolute paths.

    Raises:
        InboxUnreadable: the inbox itself cannot be listed (a sub-folder that cannot be is
            left out).
    """
    root = os.path.abspath(inbox)
    skip = set(excluded(exclude, inbox))
    out: list[str] = []
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as exc:
            if folder == root:
                raise InboxUnreadable(
                    f"cannot read the inbox {root}: {exc.strerror or exc}"
                ) from exc
            continue
        for entry in entries:
            if is_ignored_name(entry.name):
                continue
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                if skip and entry.path[len(root) + 1 :].replace(os.sep, "/") in skip:
                    continue
                if CABLE_NAME.match(entry.name):
                    out.append(entry.path)
                else:
                    stack.append(entry.path)
            else:
                out.append(entry.path)
    out.sort()
    return [Path(p) for p in out]


def relative(path: Path | str, root: str) -> str | None:
    """The POSIX path of ``path`` relative to the inbox ``root``, or None when outside it."""
    text = os.fspath(path)
    if not (os.path.isabs(text) and text.startswith(root + os.sep)) or (
        f"{os.sep}." in text[len(root) :]  # '..' or '.' components: normalise first
        or f"{os.sep}{os.sep}" in text
    ):
        text = os.path.abspath(text)
        if not text.startswith(root + os.sep):
            return None
    rel = text[len(root) + 1 :].rstrip(os.sep)
    if not rel:
        return None
    return rel if os.sep == "/" else rel.replace(os.sep, "/")


def inside(target: str, real_root: str) -> bool:
    """Whether ``target`` (a resolved path) is the resolved inbox ``real_root`` or inside it."""
    return target == real_root or target.startswith(real_root + os.sep)
