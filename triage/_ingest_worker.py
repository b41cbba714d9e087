"""Read and parse inbox files: the work done in worker processes (or inline for a few)."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import stat
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.machinery import ModuleSpec
from typing import Any

import orjson

from triage import parsing
from triage.identity import compact_parse

READ_CAP = parsing.SIZE_CAP + 1
"""Bytes read from a file at most: one more than the parser's cap, to know it is over."""


def read_file(path: str) -> tuple[int, int, bytes]:
    """Open a file read-only without blocking or following a final link; check it is regular.

    Args:
        path: a path already checked not to be a link, or a link's target inside the inbox.

    Returns:
        (size, st_mtime_ns, first READ_CAP bytes).

    Raises:
        OSError: unreadable, or not a regular file (``errno`` EINVAL then).
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0)
    flags |= getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(22, "not a regular file")
        chunks = []
        left = READ_CAP
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return st.st_size, st.st_mtime_ns, b"".join(chunks)
    finally:
        os.close(fd)


def read_and_parse(job: tuple[str, str]) -> dict[str, Any]:
    """Read one file and parse it; never raises. Runs in a worker process or inline.

    Args:
        job: (path to open, path relative to the inbox).

    Returns:
        ``{"rel", "size", "mtime", "hash", "fields"}``, or ``{"rel", "reject"}``.
    """
    path, rel = job
    try:
        size, mtime, data = read_file(path)
    except OSError as exc:
        if exc.errno == 22:
            return {"rel": rel, "reject": "not a regular file"}
        if isinstance(exc, FileNotFoundError):
            return {"rel": rel, "gone": True}
        return {"rel": rel, "reject": f"unreadable: {exc.strerror or exc}"}
    if size == 0 or not data:
        return {"rel": rel, "reject": "an empty file"}
    if size > parsing.SIZE_CAP:
        return {"rel": rel, "reject": f"larger than the {parsing.SIZE_CAP >> 20} MB size cap"}
    digest = hashlib.blake2b(data, digest_size=16).hexdigest()
    try:
        fields = compact_parse(data, rel)
    except Exception as exc:  # the parser promises not to raise; never lose a file if it does
        fields = {"id": None, "errors": [f"parser error: {type(exc).__name__}: {exc}"]}
    if any("binary input" in e for e in fields.get("errors") or ()):
        return {"rel": rel, "reject": "a binary file, not text"}
    return {"rel": rel, "size": size, "mtime": mtime, "hash": digest, "fields": fields}


def read_chunk(jobs: list[tuple[str, str]]) -> bytes:
    """Read and parse a chunk of jobs (the task a worker process runs); results as JSON."""
    return orjson.dumps([read_and_parse(job) for job in jobs])


_MAIN_LOCK = threading.Lock()


@contextmanager
def children_skip_main() -> Iterator[None]:
    """Keep worker processes from re-running the parent's main script.

    Under forkserver and spawn, multiprocessing re-imports ``__main__`` in each child unless
    its spec names a package's ``__main__`` (``python -m pkg``). The workers need nothing from
    it (their function lives in this module), and re-running it breaks for ``python -c``,
    stdin, or a script without the ``if __name__ == "__main__"`` guard. While processes are
    being started, ``__main__`` claims such a spec.
    """
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    with _MAIN_LOCK:
        saved = getattr(main, "__spec__", None)
        main.__spec__ = ModuleSpec("triage.__main__", None)
        try:
            yield
        finally:
            main.__spec__ = saved


def pool_context() -> Any:
    """The multiprocessing context for worker processes: forkserver on Linux, else spawn."""
    if sys.platform.startswith("linux"):
        # Not fork: the app's process has threads (watchdog, Textual) that fork would copy.
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["triage.ingest"])
        return ctx
    return multiprocessing.get_context("spawn")


def default_workers() -> int:
    """Worker processes for bulk parsing: one per core but one, at least one.

    The calling process is busy too (merging and store commits): on 2 cores, 1 worker ingested
    10k cables at ~810 cables/s, 2 workers at ~610, parsing inline at ~630 (medians of 2).
    """
    return max(1, (os.cpu_count() or 2) - 1)
