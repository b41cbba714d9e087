"""A fair, fast cross-process lock for the state folder: a filelock plus a FIFO waiting queue.

filelock's default polling (50 ms) makes every contended change wait at least that long, and a
process that releases and immediately re-takes the lock starves the others (measured: seconds).
Here the mutual exclusion is still one ``filelock.FileLock`` (``state.lock``), but only the
process at the head of a queue tries to take it, polling every ~0.5 ms:

- a waiter joins the queue by creating ``queue/<time_ns>-<pid>-<random>.q`` and holding an
  ``flock`` on it for as long as it waits (locked before it is renamed to that name);
- it is the head when no older entry is still locked by a live process; an entry whose flock
  can be taken belongs to a process that died, and is removed by whoever notices;
- it leaves the queue when it releases the state lock, so a process that comes back for more
  joins behind everyone already waiting (first come, first served), and only the next in
  line polls the state lock, once it is (nearly) free.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import random
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from triage._errors import LockTimeoutError
from triage._storage import FILE_MODE, make_dir

HEAD_POLL = 0.0005
"""Seconds between the queue head's attempts at the state lock (jittered +-50 %)."""

QUEUE_POLL = 0.001
"""Seconds between a queued waiter's looks at the queue (jittered +-50 %)."""

STALE_JOIN = 60.0
"""A half-joined queue entry (``.tmp``) older than this belongs to a killed process."""


class FairLock:
    """FIFO-fair state lock in ``folder``; ``hold()`` is a context manager yielding the wait."""

    def __init__(self, folder: Path, timeout: float) -> None:
        """Lock files live in ``folder``; ``timeout`` is the default wait in seconds."""
        self.folder = folder
        self.timeout = timeout
        self.queue_dir = folder / "queue"
        self._state = FileLock(folder / "state.lock", mode=FILE_MODE, thread_local=False)
        self._local = threading.Lock()
        self.last_wait = 0.0
        """Seconds the last ``hold()`` waited for the lock (for benchmarks)."""

    @contextlib.contextmanager
    def hold(self, timeout: float | None = None) -> Iterator[float]:
        """Hold the state lock for one read-modify-write; raise LockTimeoutError when not in time.

        Threads of one process queue on an in-process lock first (flock is per open file).
        """
        wait = self.timeout if timeout is None else timeout
        start = time.monotonic()
        deadline = start + wait
        if not self._local.acquire(timeout=max(wait, 0.0)):
            raise self._timeout_error(wait)
        try:
            name, fd = self._join()
            try:
                self._acquire(name, deadline, wait)
                self.last_wait = time.monotonic() - start
                try:
                    yield self.last_wait
                finally:
                    self._state.release()
            finally:
                # Leave the queue only now: while our entry is alive nobody else polls the
                # state lock itself (a filelock attempt costs ~0.1 ms of CPU).
                self._leave(name, fd)
        finally:
            self._local.release()

    def _acquire(self, name: str, deadline: float, wait: float) -> None:
        while True:
            if self._is_head(name):
                try:
                    self._state.acquire(blocking=False)
                    return
                except Timeout:
                    pause = HEAD_POLL
            else:
                pause = QUEUE_POLL
            now = time.monotonic()
            if now >= deadline:
                raise self._timeout_error(wait)
            time.sleep(min(pause * random.uniform(0.5, 1.5), deadline - now))

    def _queue_names(self) -> list[str]:
        try:
            return [n for n in os.listdir(self.queue_dir) if n.endswith(".q")]
        except FileNotFoundError:
            return []

    def _join(self) -> tuple[str, int]:
        make_dir(self.queue_dir)
        if random.random() < 0.02:
            self.clean_queue()
        stem = f"{time.time_ns():020d}-{os.getpid():08d}-{random.getrandbits(32):08x}"
        tmp = self.queue_dir / f"{stem}.tmp"
        fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE)
        with contextlib.suppress(OSError):
            os.fchmod(fd, FILE_MODE)
        fcntl.flock(fd, fcntl.LOCK_EX)
        # Visible under its queue name only once locked, so nobody takes it for a dead waiter.
        os.rename(tmp, self.queue_dir / f"{stem}.q")
        return f"{stem}.q", fd

    def clean_queue(self, older_than: float = STALE_JOIN) -> None:
        """Remove half-joined entries (``.tmp``) left by processes killed while joining."""
        now = time.time()
        with contextlib.suppress(FileNotFoundError), os.scandir(self.queue_dir) as entries:
            for entry in entries:
                if entry.name.endswith(".tmp"):
                    with contextlib.suppress(FileNotFoundError):
                        if now - entry.stat().st_mtime > older_than:
                            os.unlink(entry.path)

    def _leave(self, name: str, fd: int) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.queue_dir / name)
        os.close(fd)

    def _is_head(self, mine: str) -> bool:
        """True when no older queue entry belongs to a live process (dead ones are removed)."""
        for name in sorted(self._queue_names()):
            if name >= mine:
                return True
            if self._alive(name):
                return False
        return True

    def _alive(self, name: str) -> bool:
        path = self.queue_dir / name
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return False
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            # Nobody holds it: its waiter died (or is just leaving). Remove it while we hold it.
            with contextlib.suppress(FileNotFoundError):
                if os.path.samestat(os.fstat(fd), os.stat(path)):
                    os.unlink(path)
            return False
        finally:
            os.close(fd)

    def _timeout_error(self, wait: float) -> LockTimeoutError:
        return LockTimeoutError(
            f"the triage state in {self.folder} stayed locked for {wait:.1f} s (another triage "
            "process is writing, or hung); nothing was changed: try again, and if it persists "
            "look for a stuck triage process"
        )
