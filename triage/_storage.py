"""Atomic, durable JSON files for the store, and the TinyDB ``Storage`` that writes them.

Every write goes to a temp file in the same folder, is fsynced, gets the group mode, is
``os.replace``-d over the target, and the folder is fsynced: a reader sees the old file or the
new one, never half of one, and a kill or power loss after the replace keeps the new one.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import orjson
from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

from triage._errors import SchemaError, StoreError

FILE_MODE = 0o660
"""Group read/write, nothing for others: officers of one group share the state folder."""

DIR_MODE = 0o2770
"""Folders the store creates: group-shared, setgid so new files keep the folder's group."""

TEST_PAUSE_ENV = "TRIAGE_TEST_PAUSE"
"""Seconds to sleep at every pause point (tests that kill a writer in the critical section)."""

pause_hook: Callable[[str], None] | None = None
"""Test hook called at each pause point of ``write_many``: ``staged``, ``replaced``,
``applied``. None in normal use."""


def pause(point: str) -> None:
    """Run the test hook, if any, at a named point of a commit."""
    if pause_hook is not None:
        pause_hook(point)
    delay = os.environ.get(TEST_PAUSE_ENV)
    if delay:
        time.sleep(float(delay))


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    """Disable the cyclic GC while building many objects (2-3x faster loads); restore after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def loads(data: bytes, path: Path) -> Any:
    """Parse JSON bytes; invalid JSON is a SchemaError naming the file, which is left as is."""
    enabled = gc.isenabled()
    try:
        if enabled:
            gc.disable()
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise SchemaError(
            f"state file {path} is not valid JSON ({exc}); it was left untouched: restore it "
            "from a backup or move it aside"
        ) from exc
    finally:
        if enabled:
            gc.enable()


def read_json(path: Path) -> dict[str, Any] | None:
    """The parsed content of a state file (always a JSON object), or None when it does not exist.

    A file that cannot be read (permissions, a folder in its place) is a StoreError, and one
    whose JSON is not an object a SchemaError: either way it is left as it is, never taken for
    empty (the next write would then overwrite what it holds).
    """
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StoreError(
            f"cannot read state file {path}: {exc.strerror or exc}; check that you are in the "
            "group that shares the state folder and that the file is a regular file"
        ) from exc
    value = loads(data, path)
    if not isinstance(value, dict):
        raise SchemaError(
            f"state file {path} holds a JSON {type(value).__name__}, not an object; it was left "
            "untouched: restore it from a backup or move it aside"
        )
    return value


def make_dir(path: Path) -> None:
    """Create a folder (and parents) with the shared folder mode when it is missing."""
    if path.is_dir():
        return
    path.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        os.chmod(path, DIR_MODE)


def fsync_dir(path: Path) -> None:
    """Make renames in a folder durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_pool: tuple[int, ThreadPoolExecutor] | None = None


def _executor() -> ThreadPoolExecutor:
    """A per-process pool for fsyncs: concurrent fsyncs share one journal commit of the
    filesystem, so staging n files costs about one flush instead of n."""
    global _pool
    if _pool is None or _pool[0] != os.getpid():
        _pool = (os.getpid(), ThreadPoolExecutor(max_workers=8, thread_name_prefix="triage-fsync"))
    return _pool[1]


def _sync_all(fsyncs: list[Callable[[], None]]) -> None:
    if len(fsyncs) == 1:
        fsyncs[0]()
        return
    for future in [_executor().submit(f) for f in fsyncs]:
        future.result()


def _write_temp(path: Path, data: Any) -> tuple[int, str]:
    blob = orjson.dumps(data)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        view = memoryview(blob)
        while view:
            view = view[os.write(fd, view) :]
        os.fchmod(fd, FILE_MODE)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return fd, tmp


def _stage(files: dict[Path, Any]) -> list[tuple[str, Path]]:
    """Write every file to a temp file beside it and fsync them all (in parallel)."""
    opened: list[tuple[int, str, Path]] = []
    try:
        for path, data in files.items():
            fd, tmp = _write_temp(path, data)
            opened.append((fd, tmp, path))
        _sync_all([functools.partial(os.fsync, fd) for fd, _, _ in opened])
    except BaseException:
        for fd, tmp, _ in opened:
            with contextlib.suppress(OSError):
                os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise
    for fd, _, _ in opened:
        os.close(fd)
    return [(tmp, path) for _, tmp, path in opened]


def _replace(staged: list[tuple[str, Path]]) -> None:
    folders: dict[Path, None] = {}
    for tmp, path in staged:
        os.replace(tmp, path)
        folders[path.parent] = None
    _sync_all([functools.partial(fsync_dir, folder) for folder in folders])


def write_many(files: dict[Path, Any], then: dict[Path, Any] | None = None) -> None:
    """Atomically and durably replace ``files``, then (optionally) ``then``.

    All temp files are written and fsynced first; ``files`` are replaced and their folders
    fsynced — the commit point — and only then ``then``. Test pause points: ``staged``
    (temp files written, nothing replaced), ``replaced`` (``files`` replaced), and
    ``applied`` (``then`` replaced, before returning).
    """
    later = then or {}
    staged = _stage({**files, **later})
    first = staged[: len(files)]
    rest = staged[len(files) :]
    try:
        pause("staged")
    except BaseException:
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise
    _replace(first)
    pause("replaced")
    if rest:
        _replace(rest)
        pause("applied")


def write_json(path: Path, data: Any) -> None:
    """Atomically and durably replace one file with ``data`` as JSON."""
    write_many({path: data})


class AtomicJSONStorage(Storage):
    """A TinyDB storage: orjson, temp file + fsync + ``os.replace`` + folder fsync, mode 0660.

    ``TinyDB(path, storage=AtomicJSONStorage)`` opens any of the store's shard files.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        """Use the file at ``path``; it is created on the first write."""
        self.path = Path(path)

    def read(self) -> dict[str, dict[str, Any]] | None:
        """The whole database, or None when the file does not exist yet."""
        data = read_json(self.path)
        if data is not None and not isinstance(data, dict):
            raise SchemaError(f"state file {self.path} does not hold a JSON object; left untouched")
        return data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        """Replace the whole database atomically and durably."""
        write_json(self.path, data)

    def close(self) -> None:
        """Nothing stays open between calls."""


class StrTable(Table):
    """A TinyDB table whose document IDs are strings (cable IDs, ``seq.i``), as in our files."""

    document_id_class = str  # type: ignore[assignment]  # our files key documents by str

    def _get_next_id(self) -> str:  # pragma: no cover - the store always gives IDs
        raise ValueError("documents of the triage state are stored under an explicit ID")


class ShardDB(TinyDB):
    """``ShardDB(path, storage=AtomicJSONStorage)`` opens one state file with TinyDB."""

    table_class = StrTable
