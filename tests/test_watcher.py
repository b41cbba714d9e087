"""The inbox watcher on real files in tmp_path, under the native and the polling observer."""

from __future__ import annotations

import os
import queue
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from watchdog.observers.api import BaseObserver

from triage.watcher import InboxWatcher, is_ignored, is_ignored_name

WAIT = 5.0
"""Upper bound on any wait for an event (seconds); tests pass in well under it."""

QUIET = 0.8
"""How long to listen to be confident nothing more is coming."""

UNCLOSED = 1.0
"""The fixture watcher's ``unclosed_interval`` (the default, 10 s, would make tests slow)."""


class Events:
    """Callback sink: (kind, path) tuples in a queue.Queue, with bounded waits."""

    def __init__(self) -> None:
        self.q: queue.Queue[tuple[str, Path]] = queue.Queue()
        self.backlog: list[tuple[str, Path]] = []

    def done(self, path: Path) -> None:
        self.q.put(("done", path))

    def deleted(self, path: Path) -> None:
        self.q.put(("deleted", path))

    def wait_for(self, kind: str, path: Path, timeout: float = WAIT) -> list[tuple[str, Path]]:
        """Wait until (kind, path) arrives (or arrived while waiting for another); consume it
        and return what came before it, which stays for the next wait."""
        end = time.monotonic() + timeout
        while (kind, path) not in self.backlog:
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError(
                    f"no {kind} for {path.name} within {timeout} s; saw {self.backlog}"
                )
            try:
                self.backlog.append(self.q.get(timeout=left))
            except queue.Empty:
                continue
        cut = self.backlog.index((kind, path))
        seen = self.backlog[: cut + 1]
        del self.backlog[cut]
        return seen

    def quiet(self, duration: float = QUIET) -> list[tuple[str, Path]]:
        """Everything that arrives within ``duration``."""
        seen, self.backlog = self.backlog, []
        end = time.monotonic() + duration
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return seen
            try:
                seen.append(self.q.get(timeout=left))
            except queue.Empty:
                return seen


@pytest.fixture(params=["native", "polling"])
def mode(request: pytest.FixtureRequest) -> str:
    if request.param == "native" and not sys.platform.startswith("linux"):
        pytest.skip("the event sequences tested are inotify's")
    return str(request.param)


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    return folder


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside"
    folder.mkdir()
    return folder


@pytest.fixture
def events() -> Events:
    return Events()


@pytest.fixture
def watcher(inbox: Path, events: Events, mode: str) -> Iterator[InboxWatcher]:
    w = InboxWatcher(
        inbox,
        events.done,
        on_deleted=events.deleted,
        polling=mode == "polling",
        stable_interval=0.2,
        unclosed_interval=UNCLOSED,
        poll_interval=0.05,
    )
    w.start()
    assert w.mode == mode
    try:
        yield w
    finally:
        w.stop()


def test_ignore_rules() -> None:
    for name in (".triage", ".hidden.txt", "a.part", "a.PART", "b.tmp", "c~", "d.swp", "#e#"):
        assert is_ignored_name(name), name
    for name in ("08STATE1.txt", "cable.md", "x.html", "part", "a#b", "#only-start"):
        assert not is_ignored_name(name), name
    assert is_ignored(".triage/db.json")
    assert is_ignored("sub/.cache/x.txt")
    assert not is_ignored("sub/x.txt")


def test_renamed_in_from_outside(
    watcher: InboxWatcher, inbox: Path, outside: Path, events: Events
) -> None:
    src = outside / "08STATE1.txt"
    src.write_text("a cable\n")
    os.rename(src, inbox / src.name)
    events.wait_for("done", inbox / src.name)
    assert events.quiet(0.4) == []


def test_old_file_renamed_in_is_complete_without_waiting(
    inbox: Path, outside: Path, events: Events
) -> None:
    with InboxWatcher(inbox, events.done, rename_grace=30, stable_interval=30) as w:
        if w.mode != "native":
            pytest.skip("native observer unavailable")
        src = outside / "old.txt"
        src.write_text("written an hour ago\n")
        hour_ago = time.time_ns() - 3600 * 10**9
        os.utime(src, ns=(hour_ago, hour_ago))
        os.rename(src, inbox / "old.txt")
        events.wait_for("done", inbox / "old.txt", timeout=3)


def test_temp_name_renamed_in_place(watcher: InboxWatcher, inbox: Path, events: Events) -> None:
    tmp = inbox / "08STATE2.txt.part"
    with tmp.open("w") as fh:
        fh.write("half")
        fh.flush()
        time.sleep(0.1)
        fh.write(" and the rest\n")
    os.rename(tmp, inbox / "08STATE2.txt")
    seen = events.wait_for("done", inbox / "08STATE2.txt")
    assert all(path.name == "08STATE2.txt" for _, path in seen), seen
    assert events.quiet(0.4) == []


def test_written_in_place(watcher: InboxWatcher, inbox: Path, events: Events) -> None:
    target = inbox / "08STATE3.txt"
    target.write_text("written in one go\n")
    events.wait_for("done", target)
    assert events.quiet(0.4) == []


def test_chunked_write_reported_once_when_complete(
    watcher: InboxWatcher, inbox: Path, events: Events
) -> None:
    target = inbox / "08STATE4.txt"
    with target.open("w") as fh:
        for _ in range(5):
            fh.write("x" * 1000 + "\n")
            fh.flush()
            time.sleep(0.08)
        # still open: nothing may be reported before the writer is done
        assert [e for e in events.quiet(0.05) if e[1] == target] == []
        size_at_close = fh.tell()
    seen = events.wait_for("done", target)
    assert seen.count(("done", target)) == 1
    assert target.stat().st_size == size_at_close


def test_slow_writer_left_open_is_complete_when_stable(
    watcher: InboxWatcher, inbox: Path, events: Events, mode: str
) -> None:
    """A writer that never closes: complete once the size has settled (on the native
    observer only after the long ``unclosed_interval``; polling sees no closes)."""
    target = inbox / "08STATE5.txt"
    fh = target.open("w")
    try:
        fh.write("first\n")
        fh.flush()
        started = time.monotonic()
        events.wait_for("done", target)
        settle = UNCLOSED if mode == "native" else 0.2
        assert time.monotonic() - started >= settle * 0.75  # waited for the size to settle
    finally:
        fh.close()


def test_paused_writer_is_complete_only_at_close(inbox: Path) -> None:
    """Native observer: a writer pausing longer than ``stable_interval`` with the file open is
    waited for until it closes; the file is whole when the callback runs."""
    sizes: queue.Queue[tuple[Path, int, float]] = queue.Queue()

    def done(path: Path) -> None:
        sizes.put((path, path.stat().st_size, time.monotonic()))

    with InboxWatcher(inbox, done, stable_interval=0.2) as w:
        if w.mode != "native":
            pytest.skip("native observer unavailable")
        assert w.unclosed_interval >= 5  # the default gives a pausing writer its time
        for target in (inbox / "08STATE20.txt", inbox / "08STATE21.txt"):
            if target.name.endswith("21.txt"):
                target.write_text("an older text, rewritten in place below\n")
                assert sizes.get(timeout=WAIT)[0] == target
            with target.open("w") as fh:
                for _ in range(3):
                    fh.write("x" * 500 + "\n")
                    fh.flush()
                    time.sleep(0.6)
                early = [sizes.get_nowait() for _ in range(sizes.qsize())]
                assert early == [], f"reported while the writer still had it open: {early}"
                size = fh.tell()
                closed = time.monotonic()
            path, seen_size, at = sizes.get(timeout=WAIT)
            assert (path, seen_size) == (target, size)
            assert at - closed < 1.0  # at the close, not after the unclosed fallback
        time.sleep(0.3)
        assert sizes.empty()


def test_hidden_and_temp_files_ignored(
    watcher: InboxWatcher, inbox: Path, outside: Path, events: Events
) -> None:
    state = inbox / ".triage"
    state.mkdir()
    (state / "index.json").write_text("{}")
    os.replace(state / "index.json", state / "index2.json")
    (inbox / ".hidden.txt").write_text("hidden")
    (inbox / "draft.txt.tmp").write_text("tmp")
    (inbox / "notes~").write_text("backup")
    (inbox / ".notes.swp").write_text("vim")
    (inbox / "#autosave#").write_text("emacs")
    (outside / "x.part").write_text("part")
    os.rename(outside / "x.part", inbox / "x.part")
    os.unlink(inbox / "draft.txt.tmp")
    assert events.quiet() == []


@pytest.mark.parametrize("named", ["plain", "link"])
def test_state_folder_given_as_ignore_is_ignored(
    inbox: Path, outside: Path, events: Events, mode: str, named: str
) -> None:
    """An ordinary (not hidden) state folder inside the inbox (``--db inbox/state``): its
    writes, renames and deletions are never reported, however the folder is named."""
    state = inbox / "state"
    (state / "log").mkdir(parents=True)
    given = state
    if named == "link":
        given = outside / "state-link"
        given.symlink_to(state, target_is_directory=True)
    w = InboxWatcher(
        inbox,
        events.done,
        on_deleted=events.deleted,
        polling=mode == "polling",
        stable_interval=0.2,
        unclosed_interval=UNCLOSED,
        poll_interval=0.05,
        ignore=[given],
    )
    with w:
        (state / "log" / "000000000001.json").write_text("{}")
        (state / "head.json.tmp").write_text("{}")
        os.replace(state / "head.json.tmp", state / "head.json")
        (state / "new").mkdir()
        (state / "log" / "000000000001.json").unlink()
        (inbox / "a.txt").write_text("cable")
        seen = events.wait_for("done", inbox / "a.txt")
        seen += events.quiet()
    assert [(kind, p) for kind, p in seen if p != inbox / "a.txt"] == []


def test_deleted_and_moved_out_reported(
    watcher: InboxWatcher, inbox: Path, outside: Path, events: Events
) -> None:
    a = inbox / "08STATE6.txt"
    b = inbox / "08STATE7.txt"
    a.write_text("a")
    b.write_text("b")
    events.wait_for("done", a)
    events.wait_for("done", b)
    a.unlink()
    events.wait_for("deleted", a)
    os.rename(b, outside / b.name)
    events.wait_for("deleted", b)


def test_rename_inside_inbox_is_delete_plus_complete(
    watcher: InboxWatcher, inbox: Path, events: Events
) -> None:
    a = inbox / "old-name.txt"
    a.write_text("a")
    events.wait_for("done", a)
    os.rename(a, inbox / "new-name.txt")
    seen = events.wait_for("done", inbox / "new-name.txt")
    seen += events.quiet(0.3)
    assert ("deleted", a) in seen


def test_subfolders_watched(watcher: InboxWatcher, inbox: Path, events: Events) -> None:
    sub = inbox / "2008"
    sub.mkdir()
    events.wait_for("done", sub)  # folders are reported: ingest rejects ones named like cables
    time.sleep(0.1)  # the native observer adds the new folder's watch from its own thread
    (sub / "08STATE8.txt").write_text("in a subfolder")
    events.wait_for("done", sub / "08STATE8.txt")


def test_burst_loses_nothing(
    watcher: InboxWatcher, inbox: Path, outside: Path, events: Events
) -> None:
    names = [f"08STATE{1000 + i}.txt" for i in range(150)]
    for name in names:
        (outside / name).write_text(name)
    for name in names:
        os.rename(outside / name, inbox / name)
    got: set[str] = set()
    end = time.monotonic() + 10
    while len(got) < len(names) and time.monotonic() < end:
        try:
            kind, path = events.q.get(timeout=0.5)
        except queue.Empty:
            continue
        if kind == "done":
            got.add(path.name)
    assert got == set(names)


def test_slow_callback_delays_but_drops_nothing(inbox: Path, outside: Path) -> None:
    got: queue.Queue[Path] = queue.Queue()

    def slow(path: Path) -> None:
        time.sleep(0.02)
        got.put(path)

    with InboxWatcher(inbox, slow, stable_interval=0.2, poll_interval=0.05):
        for i in range(40):
            (outside / f"f{i}.txt").write_text("x")
            os.rename(outside / f"f{i}.txt", inbox / f"f{i}.txt")
        names = set()
        end = time.monotonic() + WAIT
        while len(names) < 40 and time.monotonic() < end:
            try:
                names.add(got.get(timeout=0.5).name)
            except queue.Empty:
                continue
    assert len(names) == 40


def test_callback_error_does_not_stop_the_watcher(inbox: Path, events: Events) -> None:
    calls = []

    def flaky(path: Path) -> None:
        calls.append(path)
        if len(calls) == 1:
            raise RuntimeError("boom")
        events.done(path)

    with InboxWatcher(inbox, flaky, stable_interval=0.2, poll_interval=0.05):
        (inbox / "first.txt").write_text("1")
        end = time.monotonic() + WAIT
        while not calls and time.monotonic() < end:
            time.sleep(0.01)
        (inbox / "second.txt").write_text("2")
        events.wait_for("done", inbox / "second.txt")


class _BrokenObserver(BaseObserver):
    """A native observer that cannot start, as when the inotify watch limit is reached."""

    def __init__(self) -> None:
        from watchdog.observers.polling import PollingEmitter

        super().__init__(PollingEmitter)

    def start(self) -> None:
        raise OSError(28, "inotify watch limit reached")


def test_native_failure_falls_back_to_polling(inbox: Path, outside: Path, events: Events) -> None:
    w = InboxWatcher(
        inbox,
        events.done,
        on_deleted=events.deleted,
        stable_interval=0.2,
        poll_interval=0.05,
        observer_factory=_BrokenObserver,
    )
    with w:
        assert w.mode == "polling"
        assert w.fallback_reason is not None and "watch limit" in w.fallback_reason
        (outside / "08STATE9.txt").write_text("x")
        os.rename(outside / "08STATE9.txt", inbox / "08STATE9.txt")
        events.wait_for("done", inbox / "08STATE9.txt")


def test_factory_that_raises_falls_back(inbox: Path, events: Events) -> None:
    def factory() -> BaseObserver:
        raise OSError(24, "too many open files")

    with InboxWatcher(inbox, events.done, poll_interval=0.05, observer_factory=factory) as w:
        assert w.mode == "polling"
        (inbox / "a.txt").write_text("x")
        events.wait_for("done", inbox / "a.txt")


def test_missing_inbox_is_an_error(tmp_path: Path, events: Events) -> None:
    with pytest.raises(FileNotFoundError):
        InboxWatcher(tmp_path / "nope", events.done).start()


def test_stop_joins_threads(inbox: Path, events: Events) -> None:
    import threading

    before = {t.ident for t in threading.enumerate()}
    w = InboxWatcher(inbox, events.done)
    w.start()
    w.stop()
    time.sleep(0.05)
    after = {t.ident for t in threading.enumerate() if t.is_alive()}
    assert after <= before
