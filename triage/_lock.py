"""A fair, fast cross-process lock for the state folder, built from two filelocks.

filelock's default polling (50 ms) makes every contended change wait at least that long, and a
process that releases and immediately re-takes the lock starves the others. Here a waiter first
takes a *gate* lock, then the *state* lock, then lets the gate go. At most one process waits on
the state lock, so the holder, when it comes back for more, queues at the gate behind the
waiter instead of barging past it. Both are polled every 0.5-4 ms with jitter.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from triage._errors import LockTimeoutError
from triage._storage import FILE_MODE

POLL_MIN = 0.0005
"""First poll interval (seconds); it grows by half each attempt up to ``POLL_MAX``."""

POLL_MAX = 0.004
"""Longest poll interval (seconds); each sleep is jittered by +-50 %."""


class FairLock:
    """Gate + state filelocks in ``folder``; ``hold()`` is a context manager yielding the wait."""

    def __init__(self, folder: Path, timeout: float) -> None:
        """Lock files live in ``folder``; ``timeout`` is the default wait in seconds."""
        self.folder = folder
        self.timeout = timeout
        self._gate = FileLock(folder / "gate.lock", mode=FILE_MODE, thread_local=False)
        self._state = FileLock(folder / "state.lock", mode=FILE_MODE, thread_local=False)
        self._local = threading.RLock()
        self.last_wait = 0.0
        """Seconds the last ``hold()`` waited for the lock (for benchmarks)."""

    def _take(self, lock: FileLock, deadline: float) -> bool:
        interval = POLL_MIN
        while True:
            try:
                lock.acquire(blocking=False)
                return True
            except Timeout:
                pass
            now = time.monotonic()
            if now >= deadline:
                return False
            time.sleep(min(interval * random.uniform(0.5, 1.5), max(deadline - now, 0.0)))
            interval = min(interval * 1.5, POLL_MAX)

    @contextlib.contextmanager
    def hold(self, timeout: float | None = None) -> Iterator[float]:
        """Hold the state lock for one read-modify-write; raise LockTimeoutError when not in time.

        Threads of one process queue on an in-process lock first (filelock is per process).
        """
        wait = self.timeout if timeout is None else timeout
        start = time.monotonic()
        deadline = start + wait
        if not self._local.acquire(timeout=max(wait, 0.0)):
            raise self._timeout_error(wait)
        try:
            if not self._take(self._gate, deadline):
                raise self._timeout_error(wait)
            try:
                got = self._take(self._state, deadline)
            finally:
                self._gate.release()
            if not got:
                raise self._timeout_error(wait)
            self.last_wait = time.monotonic() - start
            try:
                yield self.last_wait
            finally:
                self._state.release()
        finally:
            self._local.release()

    def _timeout_error(self, wait: float) -> LockTimeoutError:
        return LockTimeoutError(
            f"the triage state in {self.folder} stayed locked for {wait:.1f} s (another triage "
            "process is writing, or hung); nothing was changed: try again, and if it persists "
            "look for a stuck triage process"
        )
