"""Watch the inbox folder with watchdog and call back with complete files. Knows nothing of Textual.

``InboxWatcher`` runs a watchdog observer (inotify on Linux; ``PollingObserver`` on request or
when the native one cannot start) and one thread of its own that turns raw events into two
callbacks, both invoked from that thread, in event order:

* ``callback(path)``: a file is complete and should be (re)ingested. A file renamed in (a
  ``moved`` event, or a ``created`` event with no writer opening it) is complete at once. A file
  written in place is complete when its writer closes it: on the native (inotify) observer, a
  file seen opened by a writer or modified waits for its ``closed`` event, however long the
  writer pauses; only a writer that never closes is given up on, when the file's size and
  mtime have not changed for ``unclosed_interval`` seconds (10 s). The polling observer sees
  no opens or closes: there a file is complete when its size and mtime have not changed for
  ``stable_interval`` seconds. A new folder is reported too (ingest rejects folders named like
  cables; its files arrive as their own events).
* ``on_deleted(path)``: a file or folder was deleted or moved out of the inbox (for a folder,
  every path under it is gone).

Hidden files and folders (the state folder ``.triage/`` lives in the inbox), temporary names
(``.part``, ``.tmp``, ``~``, ``.swp``, ``#...#`` ...) and the folders given as ``ignore`` (a
state folder elsewhere in the inbox) are ignored. Events are never dropped: the
observer's handler only appends to an unbounded queue, so a slow callback delays, not loses.

Start the watcher before scanning the inbox, so that no file falls between the scan and the
first event; ingest skips files it already knows.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePath
from typing import Any

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileOpenedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserverVFS

log = logging.getLogger(__name__)

TEMP_SUFFIXES = (
    ".part",
    ".partial",
    ".tmp",
    ".temp",
    ".crdownload",
    ".download",
    ".swp",
    ".swx",
    "~",
)
"""Names ending like this are files still being written by some tool; they are never read."""

OLD_NS = 2_000_000_000
"""A file that appears (``created``) with an mtime older than this (ns) came by rename or link:
no wait for a writer's ``opened`` event."""

ObserverFactory = Callable[[], BaseObserver]
"""Builds an unstarted watchdog observer; tests inject one that fails to start."""


def is_ignored_name(name: str) -> bool:
    """True for a hidden or temporary file or folder name (one path component).

    Args:
        name: a single file or folder name.

    Returns:
        Whether ingest and the watcher must leave it alone.
    """
    if not name or name.startswith("."):
        return True
    if name.startswith("#") and name.endswith("#"):
        return True
    return name.lower().endswith(TEMP_SUFFIXES)


def is_ignored(relative: PurePath | str) -> bool:
    """True when any component of a path relative to the inbox is hidden or temporary.

    Args:
        relative: a path relative to the inbox.

    Returns:
        Whether the path is outside what triage reads.
    """
    text = relative if isinstance(relative, str) else relative.as_posix()
    return any(is_ignored_name(part) for part in text.replace(os.sep, "/").split("/") if part)


def excluded(folders: Iterable[Path | str | None], inbox: Path | str) -> tuple[str, ...]:
    """The POSIX paths, relative to the inbox, of those ``folders`` that are inside it.

    A folder may be named through a link or with ``..`` (``--db inbox/sub/../state``): each is
    taken both as written (made absolute) and resolved, against the inbox both ways.

    Args:
        folders: folders to leave alone (the state folder); None entries are skipped.
        inbox: the inbox folder.

    Returns:
        Their paths relative to the inbox, for ``under``; empty when none is inside it.
    """
    root, real_root = os.path.abspath(inbox), os.path.realpath(inbox)
    out: list[str] = []
    for folder in folders:
        if folder is None:
            continue
        for path, base in ((os.path.abspath(folder), root), (os.path.realpath(folder), real_root)):
            if path.startswith(base + os.sep):
                rel = path[len(base) + 1 :].rstrip(os.sep).replace(os.sep, "/")
                if rel and rel not in out:
                    out.append(rel)
    return tuple(out)


def under(relative: str, folders: tuple[str, ...]) -> bool:
    """Whether the POSIX inbox-relative path is one of ``folders`` (from ``excluded``) or in one."""
    return any(relative == f or relative.startswith(f + "/") for f in folders)


@dataclass(slots=True)
class _Pending:
    """A file seen being created or written that is not yet known to be complete."""

    writer: bool
    """A writer opened or modified it, or it is still empty after ``rename_grace``: complete
    when its size settles (otherwise it was created by a rename or a link)."""
    deadline: float
    """When to look at it next (monotonic seconds)."""
    stat: tuple[int, int] | None = None
    """(size, mtime_ns) at the last event or look."""
    closes: bool = False
    """The native observer saw a writer open or modify it: complete at its ``closed`` event;
    its size must stay unchanged for ``unclosed_interval`` (not ``stable_interval``) when the
    writer never closes."""


_STOP = object()


class _Handler(FileSystemEventHandler):
    """Watchdog's side: append every event to the watcher's queue, nothing else."""

    def __init__(self, sink: queue.SimpleQueue[Any]) -> None:
        self._sink = sink

    def dispatch(self, event: FileSystemEvent) -> None:
        self._sink.put((time.monotonic(), event))


class InboxWatcher:
    """Watch an inbox and call back with complete files and with deleted paths.

    Args:
        inbox: the folder to watch (must exist).
        callback: called with the absolute path of each complete file or new folder.
        on_deleted: called with the absolute path of each deleted or moved-out file or folder.
        polling: use watchdog's PollingObserver (network filesystems where inotify sees nothing).
        stable_interval: seconds a file's size must stay unchanged to count as complete under
            the polling observer, which sees no closes.
        unclosed_interval: on the native observer, seconds the size of a file being written
            must stay unchanged to count as complete when its writer never closes it (the
            ``closed`` event is what normally tells); long, so a writer pausing mid-file is
            waited for.
        rename_grace: seconds to wait after a ``created`` event for the ``opened`` event that a
            writer's ``open(O_CREAT)`` emits; without one the file came by rename and is complete.
        poll_interval: seconds between the polling observer's scans.
        observer_factory: builds the native observer (default: watchdog's platform Observer).
        ignore: folders inside the inbox whose files are never reported (the state folder
            when ``--db`` names an ordinary folder in the inbox), compared resolved.
    """

    def __init__(
        self,
        inbox: Path,
        callback: Callable[[Path], None],
        *,
        on_deleted: Callable[[Path], None] | None = None,
        polling: bool = False,
        stable_interval: float = 0.3,
        unclosed_interval: float = 10.0,
        rename_grace: float = 0.02,
        poll_interval: float = 1.0,
        observer_factory: ObserverFactory | None = None,
        ignore: Iterable[Path | str | None] = (),
    ) -> None:
        self.inbox = Path(os.path.abspath(inbox))
        self._ignored = excluded(ignore, inbox)
        self.callback = callback
        self.on_deleted = on_deleted
        self.polling = polling
        self.stable_interval = stable_interval
        self.unclosed_interval = unclosed_interval
        self.rename_grace = rename_grace
        self.poll_interval = poll_interval
        self._observer_factory: ObserverFactory = observer_factory or Observer
        self.mode: str | None = None
        """``"native"`` or ``"polling"`` once started; None before."""
        self.fallback_reason: str | None = None
        """Why the native observer could not start, when the watcher fell back to polling."""
        self._events: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._pending: dict[str, _Pending] = {}
        self._observer: BaseObserver | None = None
        self._thread: threading.Thread | None = None
        self._prefix = str(self.inbox) + os.sep

    # --- lifecycle ------------------------------------------------------------------------

    def start(self) -> None:
        """Start the observer (falling back to polling) and the watcher's thread.

        Raises:
            FileNotFoundError: the inbox does not exist.
        """
        if self._thread is not None:
            raise RuntimeError("InboxWatcher already started")
        if not self.inbox.is_dir():
            raise FileNotFoundError(f"inbox {self.inbox} does not exist")
        handler = _Handler(self._events)
        observer: BaseObserver | None = None
        if not self.polling:
            try:
                observer = self._observer_factory()
                observer.schedule(handler, str(self.inbox), recursive=True)
                observer.start()
                self.mode = "native"
            except Exception as exc:  # inotify limits (ENOSPC, EMFILE), unsupported filesystems
                self.fallback_reason = f"{type(exc).__name__}: {exc}"
                log.warning("native inbox observer failed (%s); polling instead", exc)
                if observer is not None:
                    _stop_quietly(observer)
                observer = None
        if observer is None:
            # lstat: links are not followed out of the inbox; hidden and temporary names
            # (the state folder with its many files) are not even listed.
            skip = frozenset(os.path.join(str(self.inbox), *f.split("/")) for f in self._ignored)
            observer = PollingObserverVFS(
                os.lstat,
                partial(_visible_entries, skip=skip),
                polling_interval=self.poll_interval,
            )
            observer.schedule(handler, str(self.inbox), recursive=True)
            observer.start()
            self.mode = "polling"
        self._observer = observer
        self._thread = threading.Thread(target=self._run, name="triage-inbox-watcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the observer and the watcher's thread and join both. Files still being written
        are forgotten (the next scan finds them)."""
        if self._observer is not None:
            _stop_quietly(self._observer)
            self._observer = None
        if self._thread is not None:
            self._events.put(_STOP)
            self._thread.join()
            self._thread = None

    def __enter__(self) -> InboxWatcher:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def pending(self) -> list[Path]:
        """Files seen being written and not yet reported complete (a snapshot)."""
        return [Path(p) for p in list(self._pending)]

    # --- the watcher's thread -------------------------------------------------------------

    def _run(self) -> None:
        while True:
            timeout = self._next_timeout()
            try:
                item = self._events.get(timeout=timeout)
            except queue.Empty:
                item = None
            if item is _STOP:
                return
            if item is not None:
                at, event = item
                self._safely(self._handle, event, at)
            self._run_due()

    def _next_timeout(self) -> float | None:
        if not self._pending:
            return None
        soonest = min(p.deadline for p in self._pending.values())
        return max(0.0, soonest - time.monotonic())

    def _safely(self, fn: Callable[..., None], *args: Any) -> None:
        try:
            fn(*args)
        except Exception:  # a callback's failure must never end the watcher
            log.exception("inbox watcher: %s failed", getattr(fn, "__name__", fn))

    def _inside(self, path: str) -> str | None:
        """The path relative to the inbox, or None when it is outside, hidden or temporary."""
        if not path.startswith(self._prefix):
            return None
        relative = path[len(self._prefix) :]
        if not relative or is_ignored(relative):
            return None
        if self._ignored and under(relative.replace(os.sep, "/"), self._ignored):
            return None
        return relative

    def _written(self, at: float, stat: tuple[int, int] | None) -> _Pending:
        """A file a writer opened or modified: on the native observer, waiting for its close."""
        if self.mode == "native":
            return _Pending(True, at + self.unclosed_interval, stat, closes=True)
        return _Pending(True, at + self.stable_interval, stat)

    def _handle(self, event: FileSystemEvent, at: float) -> None:
        src = os.fsdecode(event.src_path)
        if isinstance(event, FileMovedEvent | DirMovedEvent):
            dest = os.fsdecode(event.dest_path)
            self._gone(src, is_dir=isinstance(event, DirMovedEvent))
            if dest and self._inside(dest) is not None:
                self._pending.pop(dest, None)
                self._complete(dest)
            return
        if isinstance(event, FileDeletedEvent | DirDeletedEvent):
            self._gone(src, is_dir=isinstance(event, DirDeletedEvent))
            return
        if self._inside(src) is None:
            return
        if isinstance(event, DirCreatedEvent):
            self._complete(src)
        elif isinstance(event, FileClosedEvent):
            self._pending.pop(src, None)
            self._complete(src)
        elif isinstance(event, FileCreatedEvent):
            if self.mode == "polling":  # no opened/closed events: only stability tells
                self._pending[src] = _Pending(True, at + self.stable_interval, _stat(src))
            else:
                current = _stat(src)
                if current is not None and current[0] > 0 and current[1] < time.time_ns() - OLD_NS:
                    # Written long before it appeared here: renamed or linked in, not being
                    # written by a fresh open(O_CREAT), whose file would be new.
                    self._complete(src)
                    return
                self._pending[src] = _Pending(False, at + self.rename_grace)
        elif isinstance(event, FileOpenedEvent):
            # Readers (ingest itself) open files too: only a file just created gains a writer.
            pending = self._pending.get(src)
            if pending is not None and not pending.writer:
                self._pending[src] = self._written(at, _stat(src))
        elif isinstance(event, FileModifiedEvent):
            self._pending[src] = self._written(at, _stat(src))

    def _gone(self, path: str, *, is_dir: bool) -> None:
        if is_dir:
            prefix = path + os.sep
            for key in [k for k in self._pending if k.startswith(prefix)]:
                del self._pending[key]
        self._pending.pop(path, None)
        if self.on_deleted is not None and self._inside(path) is not None:
            self._safely(self.on_deleted, Path(path))

    def _complete(self, path: str) -> None:
        self._safely(self.callback, Path(path))

    def _run_due(self) -> None:
        now = time.monotonic()
        due = [(k, p) for k, p in self._pending.items() if p.deadline <= now]
        for key, pending in due:
            current = _stat(key)
            if current is None:  # gone meanwhile: its deleted event follows
                self._pending.pop(key, None)
                continue
            if not pending.writer and current[0] > 0:
                # created and no writer opened it: renamed or linked in, complete now
                self._pending.pop(key, None)
                self._complete(key)
            elif pending.writer and current == pending.stat:
                self._pending.pop(key, None)
                self._complete(key)
            else:  # still changing, or created empty by no writer seen (a FIFO, an empty file)
                pending.writer = True
                pending.stat = current
                settle = self.unclosed_interval if pending.closes else self.stable_interval
                pending.deadline = now + settle


def _visible_entries(
    path: str | None, skip: frozenset[str] = frozenset()
) -> Iterator[os.DirEntry[str]]:
    """``os.scandir`` without hidden or temporary names nor the ``skip`` paths, for the
    polling observer."""
    with os.scandir(path) as entries:
        return iter([e for e in entries if not is_ignored_name(e.name) and e.path not in skip])


def _stat(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path, follow_symlinks=False)
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


def _stop_quietly(observer: BaseObserver) -> None:
    try:
        observer.stop()
        if observer.is_alive():
            observer.join()
    except Exception:  # stopping a half-started observer may fail; nothing to keep
        log.debug("stopping observer failed", exc_info=True)
