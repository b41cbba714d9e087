"""Atomic, durable JSON files for the store, and the TinyDB ``Storage`` that writes them.

Every write goes to a temp file in the same folder, is fsynced, gets the group mode, is
``os.replace``-d over the target, and the folder is fsynced: a reader sees the old file or the
new one, never half of one, and a kill or power loss after the replace keeps the new one.
"""

from __future__ import annotations

import contextlib
import gc
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson
from tinydb.storages import Storage

from triage._errors import SchemaError

FILE_MODE = 0o660
"""Group read/write, nothing for others: officers of one group share the state folder."""

DIR_MODE = 0o2770
"""Folders the store creates: group-shared, setgid so new files keep the folder's group."""

TEST_PAUSE_ENV = "TRIAGE_TEST_PAUSE"
"""Seconds to sleep at every pause point (tests that kill a writer in the critical section)."""

pause_hook: Callable[[str], None] | None = None
"""Test hook called at each pause point: ``staged`` (temp files written, not yet replaced) and
``replaced`` (replaced, before returning). None in normal use."""


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
    try:
        with no_gc():
            return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise SchemaError(
            f"state file {path} is not valid JSON ({exc}); it was left untouched: restore it "
            "from a backup or move it aside"
        ) from exc


def read_json(path: Path) -> Any | None:
    """The parsed content of a file, or None when it does not exist."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        return None
    return loads(data, path)


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


def stage(path: Path, data: Any) -> str:
    """Write ``data`` as JSON to a fsynced temp file beside ``path``; return the temp name."""
    blob = orjson.dumps(data)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        view = memoryview(blob)
        while view:
            view = view[os.write(fd, view) :]
        os.fchmod(fd, FILE_MODE)
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    os.close(fd)
    return tmp


def publish(staged: Iterable[tuple[str, Path]]) -> None:
    """``os.replace`` staged temp files over their targets, then fsync each folder once."""
    items = list(staged)
    pause("staged")
    folders: dict[Path, None] = {}
    for tmp, path in items:
        os.replace(tmp, path)
        folders[path.parent] = None
    for folder in folders:
        fsync_dir(folder)
    pause("replaced")


def write_json(path: Path, data: Any) -> None:
    """Atomically and durably replace one file with ``data`` as JSON."""
    publish([(stage(path, data), path)])


def write_many(files: dict[Path, Any]) -> None:
    """Stage every file first, then replace them all: one publish for one commit's files."""
    staged: list[tuple[str, Path]] = []
    try:
        for path, data in files.items():
            staged.append((stage(path, data), path))
    except BaseException:
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        raise
    publish(staged)


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
