"""Ingest on real inbox folders: identity, sections, corrected copies, conflicts, rejects,
restarts; and the live path (watcher -> ingest -> store) under both observers."""

from __future__ import annotations

import os
import queue
import shutil
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cablegen import GeneratedCable, make_cable, render, write_inbox
from triage import _ingest_worker, parsing
from triage.identity import compose, path_id, rebase
from triage.ingest import InboxUnreadable, IngestReport, ingest_files, ingest_inbox, scan
from triage.store import LockTimeoutError, Store
from triage.watcher import InboxWatcher

WAIT = 6.0
"""Upper bound on any wait for the live path (seconds)."""


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
def store(inbox: Path) -> Store:
    return Store(inbox / ".triage", "tester", os_user="tester")


def put(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def run(paths: list[Path], store: Store, inbox: Path) -> IngestReport:
    return ingest_files(paths, store, inbox, workers=0)


def entry(store: Store, cable_id: str) -> dict[str, Any]:
    found = store.index_get(cable_id)
    assert found is not None, cable_id
    return found


def snapshot(inbox: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file outside the state folder: size, mtime and bytes."""
    out = {}
    for path in sorted(inbox.rglob("*")):
        rel = path.relative_to(inbox)
        if rel.parts[0] == ".triage" or not path.is_file() or path.is_symlink():
            continue
        st = path.stat()
        out[str(rel)] = (st.st_size, st.st_mtime_ns, path.read_bytes())
    return out


def corrected_pair(
    sections: int = 1,
    action: bool | None = None,
    original_action: bool | None = None,
    seed_from: int = 1000,
) -> tuple[GeneratedCable, GeneratedCable]:
    """An original and its corrected copy whose every text the parser reads as corrected
    (and, with ``action``, whose action request it finds).

    Searching for the seed keeps these tests about ingest, not about which caption forms the
    parser reads; the search is deterministic.
    """
    for seed in range(seed_from, seed_from + 300):
        corrected = make_cable(seed, sections=sections, corrected=True, action=action)
        texts = [corrected.plain, *corrected.section_texts]
        if not all(parsing.parse(t).corrected for t in texts):
            continue
        if action and not parsing.parse(corrected.plain).action_requests:
            continue
        kind = action if original_action is None else original_action
        original = make_cable(seed, sections=sections, action=kind)
        if original.id == corrected.id:
            return original, corrected
    raise AssertionError("no corrected copy the parser reads")


def late_action_cable() -> GeneratedCable:
    """A 3-section cable whose action request (found by the parser) is not in section 1."""
    for seed in range(2000, 2300):
        c = make_cable(seed, sections=3, action=True)
        found = [[a.paragraph for a in parsing.parse(t).action_requests] for t in c.section_texts]
        if c.action_paragraphs and not found[0] and found[1] + found[2] == c.action_paragraphs:
            return c
    raise AssertionError("no cable with a parsed action request after section 1")


def conflicting(plain: str) -> str:
    """Another text claiming the same ID: a different subject, not a corrected copy."""
    assert "SUBJECT: " in plain
    return plain.replace("SUBJECT: ", "SUBJECT: DISPUTED ", 1)


# --- identity ------------------------------------------------------------------------


def test_two_renderings_are_one_item(inbox: Path, store: Store) -> None:
    c = make_cable(11)
    a = put(inbox, "a.txt", render(c, "txt"))
    b = put(inbox, "b.html", render(c, "html"))
    report = run([a], store, inbox)
    assert report.added == [c.id]
    report = run([b], store, inbox)
    assert report.merged == [c.id] and not report.added and not report.conflicts
    row = store.row(c.id)
    assert sorted(row.sources) == ["a.txt", "b.html"]
    assert not row.conflict
    assert row.subject == c.subject and row.dtg == c.dtg
    assert len(store.rows()) == 1


def test_three_renderings_in_one_batch(inbox: Path, store: Store) -> None:
    c = make_cable(12, sections=2)
    paths = [put(inbox, f"c.{k}", render(c, k)) for k in ("txt", "md", "html")]
    report = run(paths, store, inbox)
    assert report.added == [c.id]
    row = store.row(c.id)
    assert sorted(row.sources) == ["c.html", "c.md", "c.txt"]
    assert row.sections == {"received": [1, 2], "of": 2}
    assert not row.sections_incomplete and not row.conflict


def test_file_without_id_is_keyed_by_path(inbox: Path, store: Store) -> None:
    note = put(inbox, "notes/lunch.txt", "Lunch with the deputy chief of mission moved to 1300.\n")
    report = run([note], store, inbox)
    expected = path_id("notes/lunch.txt")
    assert report.added == [expected]
    assert expected.startswith("X-") and len(expected) == 10
    assert store.row(expected).sources == ["notes/lunch.txt"]
    # the same text elsewhere is a different item: keyed by path
    other = put(inbox, "lunch-copy.txt", note.read_text())
    run([other], store, inbox)
    assert len(store.rows()) == 2


# --- sections ------------------------------------------------------------------------


@pytest.mark.parametrize("order", [(3, 1, 2), (2, 3, 1)])
def test_sections_out_of_order_merge(
    inbox: Path, store: Store, order: tuple[int, int, int]
) -> None:
    c = make_cable(5, sections=3)
    expected_received: list[int] = []
    for number in order:
        path = put(inbox, f"{c.id}-{number}.txt", c.section_texts[number - 1])
        run([path], store, inbox)
        expected_received = sorted([*expected_received, number])
        row = store.row(c.id)
        assert row.sections == {"received": expected_received, "of": 3}
        assert row.sections_incomplete == (len(expected_received) < 3)
    row = store.row(c.id)
    assert row.subject == c.subject
    assert row.action_paragraphs == c.action_paragraphs
    assert not row.conflict
    assert len(row.sources) == 3
    assert len(store.rows()) == 1


def test_archive_file_and_single_section_agree(inbox: Path, store: Store) -> None:
    c = make_cable(6, sections=2)
    whole = put(inbox, "whole.txt", c.plain)
    second = put(inbox, "part2.md", render(c, "md", c.section_texts[1]))
    run([second, whole], store, inbox)
    row = store.row(c.id)
    assert not row.conflict
    assert row.sections == {"received": [1, 2], "of": 2}
    assert sorted(row.sources) == ["part2.md", "whole.txt"]


def test_late_section_with_action_flags_a_done_cable(inbox: Path, store: Store) -> None:
    c = late_action_cable()
    late = next(i for i in (1, 2) if set(c.action_paragraphs) & set(c.section_paragraphs[i]))
    early = [i for i in range(3) if i != late]
    run([put(inbox, f"s{i}.txt", c.section_texts[i]) for i in early], store, inbox)
    store.set_action([c.id], "done")
    report = run([put(inbox, f"s{late}.txt", c.section_texts[late])], store, inbox)
    assert report.flagged == [c.id]
    row = store.row(c.id)
    assert row.flagged and str(c.action_paragraphs[0]) in row.flagged
    assert row.action == "done"  # flagged, not silently changed


# --- corrected copies ----------------------------------------------------------------


@pytest.mark.parametrize("corrected_first", [False, True])
def test_corrected_copy_wins_in_either_order(
    inbox: Path, store: Store, corrected_first: bool
) -> None:
    original, corrected = corrected_pair()
    assert original.id == corrected.id and original.subject != corrected.subject
    files = [
        ("orig.txt", render(original, "txt")),
        ("corr.html", render(corrected, "html")),
    ]
    if corrected_first:
        files.reverse()
    first = put(inbox, *files[0])
    run([first], store, inbox)
    store.add_tags([original.id], ["watch"])
    store.assign([original.id], "alice")
    report = run([put(inbox, *files[1])], store, inbox)
    assert not report.conflicts
    row = store.row(original.id)
    assert row.corrected and row.subject == corrected.subject
    assert not row.conflict
    assert sorted(row.sources) == ["corr.html", "orig.txt"]
    assert row.tags == ["watch"] and row.assignee == "alice"  # triage state kept
    notes = [h for h in store.history(original.id) if h["field"] == "index"]
    assert notes, "history records the corrected copy"
    assert "corrected copy" in str(notes[-1]["new"])
    if not corrected_first:
        assert report.updated == [original.id]


def test_corrected_copy_section_by_section(inbox: Path, store: Store) -> None:
    original, corrected = corrected_pair(sections=2)
    paths = [
        put(inbox, "o1.txt", original.section_texts[0]),
        put(inbox, "o2.txt", original.section_texts[1]),
    ]
    run(paths, store, inbox)
    run([put(inbox, "c2.txt", corrected.section_texts[1])], store, inbox)
    e = entry(store, original.id)
    assert e["corrected"] and not e["conflict"]
    assert e["sections"] == {"received": [1, 2], "of": 2}
    shown = {src["path"] for src in e["sources"]}
    assert shown == {"o1.txt", "o2.txt", "c2.txt"}


def test_corrected_copy_with_new_action_flags_done_cable(inbox: Path, store: Store) -> None:
    original, corrected = corrected_pair(action=True, original_action=False)
    assert corrected.action_paragraphs and not original.action_paragraphs
    run([put(inbox, "orig.txt", original.plain)], store, inbox)
    store.set_action([original.id], "done")
    report = run([put(inbox, "corr.txt", corrected.plain)], store, inbox)
    assert report.flagged == [original.id]
    row = store.row(original.id)
    assert row.flagged and "corrected copy" in row.flagged
    assert row.action == "done"


def test_new_action_on_open_cable_is_not_flagged(inbox: Path, store: Store) -> None:
    original, corrected = corrected_pair(action=True, original_action=False)
    run([put(inbox, "orig.txt", original.plain)], store, inbox)
    report = run([put(inbox, "corr.txt", corrected.plain)], store, inbox)
    assert report.flagged == []
    assert store.row(original.id).action == "open"  # derived from the new action request


# --- conflicts -----------------------------------------------------------------------


def test_other_text_claiming_an_id_is_a_conflict(inbox: Path, store: Store) -> None:
    c = make_cable(41)
    run([put(inbox, "first.txt", c.plain)], store, inbox)
    store.add_tags([c.id], ["keep"])
    report = run([put(inbox, "second.txt", conflicting(c.plain))], store, inbox)
    assert report.conflicts == [c.id]
    row = store.row(c.id)
    assert row.conflict
    assert row.subject == c.subject  # nothing replaced: the first text stays shown
    assert sorted(row.sources) == ["first.txt", "second.txt"]
    assert row.tags == ["keep"]
    assert any("conflict" in str(h["new"]) for h in store.history(c.id))


def test_conflict_in_one_batch_keeps_both(inbox: Path, store: Store) -> None:
    c = make_cable(42)
    paths = [put(inbox, "a.txt", c.plain), put(inbox, "b.txt", conflicting(c.plain))]
    run(paths, store, inbox)
    row = store.row(c.id)
    assert row.conflict and sorted(row.sources) == ["a.txt", "b.txt"]


# --- changes, deletions, restarts ----------------------------------------------------


def test_changed_file_is_reparsed_and_keeps_state(inbox: Path, store: Store) -> None:
    note = put(inbox, "memo.txt", "A short memo that is not a cable.\n")
    run([note], store, inbox)
    cid = path_id("memo.txt")
    store.add_tags([cid], ["memo"])
    time.sleep(0.01)
    note.write_text("A short memo that is not a cable, rewritten.\n")
    report = run([note], store, inbox)
    assert report.updated == [cid]
    assert store.row(cid).tags == ["memo"]
    assert entry(store, cid)["sources"][0]["size"] == note.stat().st_size


def test_file_rewritten_as_another_cable_moves_its_source(inbox: Path, store: Store) -> None:
    a, b = make_cable(51), make_cable(52)
    path = put(inbox, "x.txt", a.plain)
    run([path], store, inbox)
    path.write_text(b.plain)
    report = run([path], store, inbox)
    assert report.added == [b.id]
    assert store.row(b.id).sources == ["x.txt"]
    assert store.row(a.id).missing_sources == ["x.txt"]  # the row stays, marked


def test_deleted_source_leaves_the_row_marked(inbox: Path, store: Store) -> None:
    c = make_cable(61)
    a = put(inbox, "a.txt", c.plain)
    b = put(inbox, "b.md", render(c, "md"))
    run([a, b], store, inbox)
    a.unlink()
    report = run([a], store, inbox)
    assert report.missing == [c.id]
    row = store.row(c.id)
    assert row.missing_sources == ["a.txt"] and sorted(row.sources) == ["a.txt", "b.md"]
    b.unlink()
    report = ingest_inbox(store, inbox, workers=0)
    assert report.missing == [c.id]
    row = store.row(c.id)
    assert sorted(row.missing_sources) == ["a.txt", "b.md"]
    assert row.subject == c.subject  # data stays
    # restored: no longer missing
    put(inbox, "a.txt", c.plain)
    ingest_inbox(store, inbox, workers=0)
    assert store.row(c.id).missing_sources == ["b.md"]


def test_source_replaced_by_a_fifo_is_rejected_and_marked_missing(
    inbox: Path, store: Store
) -> None:
    c = make_cable(62)
    path = put(inbox, "c.txt", c.plain)
    run([path], store, inbox)
    path.unlink()
    os.mkfifo(path)
    report = run([path], store, inbox)
    assert "FIFO" in report.rejected["c.txt"]
    assert store.row(c.id).missing_sources == ["c.txt"]


def test_deleted_folder_marks_every_source_under_it(inbox: Path, store: Store) -> None:
    paths = write_inbox(inbox / "batch", 3, seed=70)
    run(paths, store, inbox)
    for p in paths:
        p.unlink()
    (inbox / "batch").rmdir()
    report = run([inbox / "batch"], store, inbox)
    assert len(report.missing) == 3


def _count_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = _ingest_worker.compact_parse

    def counting(data: bytes, source: str) -> dict[str, Any]:
        calls.append(source)
        return real(data, source)

    monkeypatch.setattr(_ingest_worker, "compact_parse", counting)
    return calls


def test_restart_reparses_nothing(
    inbox: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_inbox(inbox, 6, seed=80, renderings=("txt", "md", "html"))
    first = ingest_inbox(store, inbox, workers=0)
    assert len(first.added) == 6
    calls = _count_parses(monkeypatch)
    fresh = Store(inbox / ".triage", "tester", os_user="tester")  # a new process's view
    again = ingest_inbox(fresh, inbox, workers=0)
    assert calls == []
    assert len(again.unchanged) == 6 and not again.added and not again.updated


def test_touched_file_is_hashed_not_reparsed_twice(
    inbox: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = put(inbox, "t.txt", make_cable(81).plain)
    run([path], store, inbox)
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 10**9))
    report = run([path], store, inbox)
    assert not report.updated and not report.added
    calls = _count_parses(monkeypatch)
    run([path], store, inbox)
    assert calls == []  # the new mtime was recorded


def test_parser_version_bump_reparses(
    inbox: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_inbox(inbox, 4, seed=90)
    ingest_inbox(store, inbox, workers=0)
    monkeypatch.setattr(parsing, "PARSER_VERSION", parsing.PARSER_VERSION + "-next")
    calls = _count_parses(monkeypatch)
    report = ingest_inbox(store, inbox, workers=0)
    assert len(calls) == 4 and not report.unchanged
    versions = {
        src["parser_version"] for row in store.rows() for src in entry(store, row.id)["sources"]
    }
    assert versions == {parsing.PARSER_VERSION}
    calls.clear()
    ingest_inbox(store, inbox, workers=0)
    assert calls == []


# --- rejects and what is read --------------------------------------------------------


def test_rejects_with_reasons(inbox: Path, outside: Path, store: Store) -> None:
    good = put(inbox, "good.txt", make_cable(100).plain)
    secret = put(outside, "secret.txt", make_cable(101).plain)
    os.symlink(secret, inbox / "link-out.txt")
    os.symlink(good, inbox / "link-in.txt")
    os.symlink(inbox / "nowhere.txt", inbox / "broken.txt")
    os.mkfifo(inbox / "pipe.txt")
    (inbox / "binary.txt").write_bytes(bytes(range(256)) * 20)
    (inbox / "empty.txt").write_bytes(b"")
    (inbox / "08STATE123.txt").mkdir()
    (inbox / "plain-folder").mkdir()
    put(inbox / "plain-folder", "inner.txt", make_cable(102).plain)
    sock = socket.socket(socket.AF_UNIX)
    try:
        short = Path("/tmp") / f"triage-test-{os.getpid()}.sock"
        sock.bind(str(short))
        os.rename(short, inbox / "sock.txt")
    except OSError:
        pass
    before = snapshot(inbox)
    report = ingest_inbox(store, inbox, workers=0)
    rejects = store.rejects()
    assert rejects == report.rejected
    assert "link leading out" in rejects["link-out.txt"]
    assert "broken link" in rejects["broken.txt"]
    assert "FIFO" in rejects["pipe.txt"]
    assert "binary" in rejects["binary.txt"]
    assert "empty" in rejects["empty.txt"]
    assert "folder named like a cable" in rejects["08STATE123.txt"]
    if (inbox / "sock.txt").exists():
        assert "socket" in rejects["sock.txt"]
    assert "good.txt" not in rejects and "plain-folder/inner.txt" not in rejects
    good_row = store.row(make_cable(100).id)
    assert sorted(good_row.sources) == ["good.txt", "link-in.txt"]  # a link inside is read
    assert store.row(make_cable(102).id).sources == ["plain-folder/inner.txt"]
    assert make_cable(101).id not in {r.id for r in store.rows()}
    assert snapshot(inbox) == before  # the inbox is only read
    sock.close()
    # fixed: a reject goes away
    (inbox / "binary.txt").write_text(make_cable(103).plain)
    run([inbox / "binary.txt"], store, inbox)
    assert "binary.txt" not in store.rejects()
    assert "pipe.txt" in store.rejects()


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_is_rejected(inbox: Path, store: Store) -> None:
    path = put(inbox, "locked.txt", make_cable(110).plain)
    path.chmod(0)
    try:
        report = run([path], store, inbox)
    finally:
        path.chmod(0o644)
    assert "unreadable" in report.rejected["locked.txt"]


def test_scan_skips_hidden_temp_and_state(inbox: Path, store: Store) -> None:
    put(inbox, "a.txt", "x")
    put(inbox, ".hidden.txt", "x")
    put(inbox, "b.txt.part", "x")
    put(inbox, "c~", "x")
    put(inbox, ".cache/d.txt", "x")
    put(inbox, "sub/e.txt", "x")
    store.index_put([])  # the state folder exists
    names = [p.relative_to(inbox).as_posix() for p in scan(inbox)]
    assert names == ["a.txt", "sub/e.txt"]


def test_state_folder_inside_the_inbox_is_never_ingested(inbox: Path, tmp_path: Path) -> None:
    """An ordinary (not hidden) --db folder inside the inbox, named directly or through a link
    or '..': its files are not scanned, and paths under it handed in (the watcher's) ignored."""
    put(inbox, "a.txt", make_cable(130).plain)
    link = tmp_path / "state-link"
    link.symlink_to(inbox / "state", target_is_directory=True)
    (inbox / "sub").mkdir()
    for db in (inbox / "state", inbox / "sub" / ".." / "state", link):
        shutil.rmtree(inbox / "state", ignore_errors=True)
        (inbox / "state").mkdir()
        state = Store(db, "tester", os_user="tester")
        first = ingest_inbox(state, inbox, workers=0)
        assert [p.relative_to(inbox).as_posix() for p in scan(inbox, exclude=[db])] == ["a.txt"]
        second = ingest_inbox(state, inbox, workers=0)
        assert len(first.added) == 1 and not second.added and not second.rejected, db
        state_files = [p for p in (inbox / "state").rglob("*") if p.is_file()]
        assert state_files
        live = ingest_files([*state_files, inbox / "state"], state, inbox, workers=0)
        assert not live.added and not live.rejected and not live.missing
        assert [r.sources for r in state.rows()] == [["a.txt"]]


def test_unreadable_inbox_is_an_error_not_an_empty_inbox(
    inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    put(inbox, "a.txt", make_cable(131).plain)
    state = Store(tmp_path / "state", "tester", os_user="tester")
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:
        if os.path.abspath(path) == str(inbox):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    with pytest.raises(InboxUnreadable, match=f"cannot read the inbox {inbox}"):
        scan(inbox)
    with pytest.raises(InboxUnreadable):
        ingest_inbox(state, inbox, workers=0)
    assert state.rows() == []


def test_never_writes_inbox(inbox: Path, tmp_path: Path) -> None:
    write_inbox(inbox, 5, seed=120, renderings=("txt", "html"))
    before = snapshot(inbox)
    outside_state = Store(tmp_path / "state", "tester", os_user="tester")
    ingest_inbox(outside_state, inbox, workers=0)
    assert snapshot(inbox) == before
    assert sorted(p.name for p in inbox.iterdir()) == sorted(before)


# --- bulk in worker processes --------------------------------------------------------


def test_bulk_in_worker_processes_matches_inline(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    paths = write_inbox(inbox, 40, seed=200, renderings=("txt", "md", "html"))
    for i in range(3):  # sections delivered separately, and a second rendering of one cable
        c = make_cable(300 + i, sections=2)
        for k, text in enumerate(c.section_texts):
            put(inbox, f"sec-{i}-{k}.txt", text)
    put(inbox, "dup.html", render(make_cable(200), "html"))
    a = Store(tmp_path / "a", "tester", os_user="tester")
    b = Store(tmp_path / "b", "tester", os_user="tester")
    progress: list[tuple[int, int]] = []
    pooled = ingest_inbox(a, inbox, workers=2, progress=lambda d, t: progress.append((d, t)))
    inline = ingest_inbox(b, inbox, workers=0)
    assert sorted(pooled.added) == sorted(inline.added)
    assert len(pooled.added) == 43
    assert progress[-1] == (len(paths) + 7, len(paths) + 7)

    def comparable(store: Store) -> dict[str, Any]:
        out = {}
        for row in store.rows():
            d = row.to_json()
            d.pop("arrived")
            d["sources"] = sorted(d["sources"])
            out[row.id] = d
        return out

    assert comparable(a) == comparable(b)


def test_store_error_during_a_pooled_ingest_is_not_taken_for_a_broken_pool(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    inbox = tmp_path / "inbox"
    write_inbox(inbox, 40, seed=500)
    store = Store(tmp_path / "s", "tester", os_user="tester")

    def busy(*args: Any, **kwargs: Any) -> None:
        raise LockTimeoutError("the state is locked by another process")

    monkeypatch.setattr(Store, "index_get", busy)  # merging a parsed chunk reads the index
    with pytest.raises(LockTimeoutError):
        ingest_inbox(store, inbox, workers=2)
    assert "parsing inline" not in caplog.text


def test_cancel_stops_and_commits_what_was_done(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    write_inbox(inbox, 30, seed=400)
    store = Store(tmp_path / "s", "tester", os_user="tester")
    seen = []

    def cancelled() -> bool:
        return len(seen) >= 10

    report = ingest_files(
        scan(inbox),
        store,
        inbox,
        workers=0,
        cancelled=cancelled,
        progress=lambda d, t: seen.append(d),
    )
    assert report.cancelled
    assert len(store.rows()) == len(report.added) == 10
    rest = ingest_inbox(store, inbox, workers=0)
    assert len(rest.added) == 20 and len(rest.unchanged) == 10


# --- the live path: watcher -> ingest -> store, under both observers -----------------


class Live:
    """A watcher whose callbacks ingest into a store, as the app wires it (without Textual)."""

    def __init__(self, inbox: Path, outside: Path, store: Store, polling: bool, **kw: Any):
        self.inbox, self.outside, self.store = inbox, outside, store
        self.reports: queue.Queue[IngestReport] = queue.Queue()
        self.errors: list[BaseException] = []
        self.lock = threading.Lock()
        self.watcher = InboxWatcher(
            inbox,
            self._ingest,
            on_deleted=self._ingest,
            polling=polling,
            stable_interval=0.2,
            poll_interval=0.05,
            **kw,
        )

    def _ingest(self, path: Path) -> None:
        try:
            with self.lock:
                self.reports.put(ingest_files([path], self.store, self.inbox, workers=0))
        except BaseException as exc:  # surfaced by wait_until
            self.errors.append(exc)

    def deliver(self, name: str, text: str, how: str = "rename") -> Path:
        """Deliver a file: renamed in from outside, written in place, or in chunks."""
        target = self.inbox / name
        if how == "rename":
            src = self.outside / name
            src.write_text(text)
            os.rename(src, target)
        elif how == "write":
            target.write_text(text)
        elif how == "chunked":
            with target.open("w") as fh:
                step = max(1, len(text) // 4)
                for i in range(0, len(text), step):
                    fh.write(text[i : i + step])
                    fh.flush()
                    time.sleep(0.03)
        elif how == "temp":
            tmp = self.inbox / (name + ".part")
            tmp.write_text(text)
            os.rename(tmp, target)
        else:
            raise ValueError(how)
        return target

    def wait_until(self, check: Callable[[], bool], what: str) -> None:
        end = time.monotonic() + WAIT
        while time.monotonic() < end:
            if self.errors:
                raise self.errors[0]
            with self.lock:
                if check():
                    return
            time.sleep(0.02)
        raise AssertionError(f"not within {WAIT} s: {what}")

    def row(self, cable_id: str) -> Any:
        ids = {r.id: r for r in self.store.rows()}
        return ids.get(cable_id)


@pytest.fixture(params=["native", "polling"])
def live(
    request: pytest.FixtureRequest, inbox: Path, outside: Path, store: Store
) -> Iterator[Live]:
    if request.param == "native" and not sys.platform.startswith("linux"):
        pytest.skip("inotify only")
    harness = Live(inbox, outside, store, polling=request.param == "polling")
    harness.watcher.start()
    assert harness.watcher.mode == request.param
    try:
        yield harness
    finally:
        harness.watcher.stop()


@pytest.mark.parametrize("how", ["rename", "write", "chunked", "temp"])
def test_live_delivery(live: Live, how: str) -> None:
    c = make_cable(500)
    live.deliver(f"{c.id}.txt", c.plain, how)
    live.wait_until(lambda: live.row(c.id) is not None, f"{c.id} in the store")
    row = live.row(c.id)
    assert row.subject == c.subject and row.sources == [f"{c.id}.txt"]
    assert not any(r.id.startswith("X-") for r in live.store.rows())  # no half-written item


@pytest.mark.parametrize("polling", [False, True])
def test_live_state_folder_inside_the_inbox_does_not_feed_itself(
    inbox: Path, outside: Path, polling: bool
) -> None:
    """``--db inbox/state`` with a watcher not told about it: the store's own writes come back
    as events, and ingest ignores them (no X- rows for state files, no runaway)."""
    if not polling and not sys.platform.startswith("linux"):
        pytest.skip("inotify only")
    state = Store(inbox / "state", "tester", os_user="tester")
    harness = Live(inbox, outside, state, polling=polling)
    with harness.watcher:
        c = make_cable(505)
        harness.deliver(f"{c.id}.txt", c.plain)
        harness.wait_until(lambda: harness.row(c.id) is not None, f"{c.id} in the store")
        time.sleep(0.8)  # the store's writes' events, handed to ingest
        with harness.lock:
            assert [r.id for r in state.rows()] == [c.id]
            assert not state.rejects()


def test_live_hidden_and_temp_ignored(live: Live) -> None:
    c = make_cable(501)
    put(live.inbox, ".hidden.txt", c.plain)
    put(live.inbox, "draft.txt.tmp", c.plain)
    put(live.inbox, "x.txt~", c.plain)
    marker = make_cable(502)
    live.deliver("marker.txt", marker.plain)
    live.wait_until(lambda: live.row(marker.id) is not None, "marker in the store")
    time.sleep(0.3)
    assert [r.id for r in live.store.rows()] == [marker.id]


def test_live_duplicates_sections_corrections_conflicts(live: Live) -> None:
    dup = make_cable(510)
    live.deliver("dup.txt", dup.plain)
    live.deliver("dup.html", render(dup, "html"), "write")
    live.wait_until(lambda: len(getattr(live.row(dup.id), "sources", [])) == 2, "two sources")
    assert not live.row(dup.id).conflict

    sec = make_cable(511, sections=3)
    for number in (2, 3, 1):
        live.deliver(f"sec-{number}.txt", sec.section_texts[number - 1])
    live.wait_until(
        lambda: getattr(live.row(sec.id), "sections", None) == {"received": [1, 2, 3], "of": 3},
        "every section",
    )

    orig, corr = corrected_pair()
    live.deliver("corr.md", render(corr, "md"))
    live.wait_until(lambda: live.row(corr.id) is not None, "corrected copy in")
    live.deliver("orig.txt", orig.plain)
    live.wait_until(lambda: len(getattr(live.row(orig.id), "sources", [])) == 2, "original in")
    row = live.row(orig.id)
    assert row.corrected and row.subject == corr.subject and not row.conflict

    orig2, corr2 = corrected_pair(seed_from=1300)
    live.deliver("orig2.txt", orig2.plain)
    live.wait_until(lambda: live.row(orig2.id) is not None, "second original in")
    assert not live.row(orig2.id).corrected
    live.deliver("corr2.html", render(corr2, "html"), "write")
    live.wait_until(lambda: live.row(orig2.id).corrected, "corrected copy after the original")
    assert live.row(orig2.id).subject == corr2.subject

    live.deliver("other.txt", conflicting(dup.plain))
    live.wait_until(lambda: live.row(dup.id).conflict, "conflict")
    assert live.row(dup.id).subject == dup.subject


def test_live_rejects_and_deletions(live: Live) -> None:
    c = make_cable(520)
    path = live.deliver("c.txt", c.plain)
    live.wait_until(lambda: live.row(c.id) is not None, "cable in")
    (live.outside / "bin.txt").write_bytes(bytes(range(256)) * 10)
    os.rename(live.outside / "bin.txt", live.inbox / "bin.txt")
    os.symlink(live.outside, live.inbox / "08STATE9.txt")
    os.mkfifo(live.inbox / "pipe.txt")
    live.wait_until(lambda: "bin.txt" in live.store.rejects(), "binary rejected")
    live.wait_until(lambda: "08STATE9.txt" in live.store.rejects(), "link out rejected")
    live.wait_until(lambda: "pipe.txt" in live.store.rejects(), "FIFO rejected")
    path.unlink()
    live.wait_until(lambda: live.row(c.id).missing_sources == ["c.txt"], "source missing")


def test_live_native_failure_falls_back(inbox: Path, outside: Path, store: Store) -> None:
    def broken() -> Any:
        raise OSError(28, "inotify watch limit reached")

    harness = Live(inbox, outside, store, polling=False, observer_factory=broken)
    with harness.watcher:
        assert harness.watcher.mode == "polling"
        c = make_cable(530)
        harness.deliver("c.txt", c.plain)
        harness.wait_until(lambda: harness.row(c.id) is not None, "cable in")


# --- compose: the entry as a pure function of its sources ----------------------------


def _src(path: str, fp: str, seen: str, **fields: Any) -> dict[str, Any]:
    base = {
        "id": "24TESTPOST1",
        "dtg": "2024-01-02T03:04:00Z",
        "origin": "AMEMBASSY TEST",
        "classification": "CONFIDENTIAL",
    }
    return {"path": path, "fp": fp, "seen": seen, "mtime": 0, "fields": {**base, **fields}}


def test_compose_is_independent_of_source_order() -> None:
    srcs = [
        _src("s2.txt", "b", "2", sections_present=[2], of=3, action_paragraphs=[7]),
        _src("s1.txt", "a", "1", sections_present=[1], of=3, subject="ONE", caveats=["NOFORN"]),
        _src(
            "c2.txt", "c", "3", sections_present=[2], of=3, corrected=True, classification="SECRET"
        ),
    ]
    a = compose("24TESTPOST1", srcs)
    b = compose("24TESTPOST1", list(reversed(srcs)))
    assert a == b
    assert a["sections"] == {"received": [1, 2], "of": 3}
    assert a["corrected"] and not a["conflict"]
    assert a["action_paragraphs"] == []  # section 2's original is replaced by the correction
    assert a["subject"] == "ONE" and a["caveats"] == ["NOFORN"]
    assert a["classification"] == "SECRET"  # the most restrictive of the chosen texts
    unknown = _src("s3.txt", "d", "4", sections_present=[3], of=3, classification=None)
    assert compose("24TESTPOST1", [*srcs, unknown])["classification"] is None  # UNKNOWN


def test_compose_conflict_keeps_first_seen_and_correction_still_wins() -> None:
    first = _src("a.txt", "a", "1", subject="FIRST")
    other = _src("b.txt", "b", "2", subject="OTHER")
    entry = compose("24TESTPOST1", [other, first])
    assert entry["conflict"] and entry["subject"] == "FIRST"
    fixed = _src("c.txt", "c", "3", subject="FIXED", corrected=True)
    entry = compose("24TESTPOST1", [other, fixed, first])
    assert entry["subject"] == "FIXED"


def test_compose_parts_that_disagree_are_a_conflict() -> None:
    whole = _src("w.txt", "w", "1", sections_present=[1, 2], of=2)
    part = _src("p.txt", "p", "2", sections_present=[2], of=2, dtg="2024-05-06T07:08:00Z")
    assert compose("24TESTPOST1", [whole, part])["conflict"]
    agreeing = _src("q.txt", "q", "2", sections_present=[2], of=2)
    assert not compose("24TESTPOST1", [whole, agreeing])["conflict"]


def test_compose_missing_sources_keep_their_data() -> None:
    gone = {**_src("a.txt", "a", "1", subject="KEPT"), "missing": True}
    entry = compose("24TESTPOST1", [gone])
    assert entry["subject"] == "KEPT" and entry["missing_sources"] == ["a.txt"]


def test_rebase_keeps_what_another_process_added() -> None:
    """Ours added section 2 and marked a.txt missing; meanwhile another process added
    section 3: the rebased entry has all three sections and a.txt still missing."""
    one = _src("s1.txt", "a", "1", sections_present=[1], of=3)
    two = _src("s2.txt", "b", "2", sections_present=[2], of=3)
    three = _src("s3.txt", "c", "3", sections_present=[3], of=3)
    old = _src("old.txt", "o", "0", sections_present=[1], of=3)
    base = compose("24TESTPOST1", [one, old])
    ours = compose("24TESTPOST1", [one, {**old, "missing": True}, two])
    current = compose("24TESTPOST1", [one, old, three])
    got = rebase("24TESTPOST1", base, ours, current)
    assert got == compose("24TESTPOST1", [one, {**old, "missing": True}, two, three])
    assert got["sections"] == {"received": [1, 2, 3], "of": 3}
    assert got["missing_sources"] == ["old.txt"]
    assert rebase("24TESTPOST1", base, ours, base) is ours  # nobody else wrote: as composed
    assert rebase("24TESTPOST1", None, ours, None) is ours
    # a path ours took out (the file now holds another cable) stays out
    moved = compose("24TESTPOST1", [one])
    assert [s["path"] for s in rebase("24TESTPOST1", base, moved, current)["sources"]] == [
        "s1.txt",
        "s3.txt",
    ]


def test_worker_processes_from_a_script_without_main_guard(tmp_path: Path) -> None:
    """Workers need nothing from ``__main__``: a parent script without the ``__main__`` guard
    (which forkserver children would re-run) still gets worker processes, not the fallback."""
    import subprocess

    script = tmp_path / "unguarded.py"
    script.write_text(
        "import sys\n"
        "from pathlib import Path\n"
        "from tests.cablegen import write_inbox\n"
        "from triage import ingest\n"
        "from triage.store import Store\n"
        "d = Path(sys.argv[1])\n"
        "write_inbox(d / 'in', 30)\n"
        "r = ingest.ingest_inbox(Store(d / 's', 'u'), d / 'in', workers=1)\n"
        "print(len(r.added))\n"
    )
    repo = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, str(script), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=repo,
        env={**os.environ, "PYTHONPATH": str(repo)},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "30"
    assert "parsing inline" not in done.stderr, done.stderr


# --- two processes ingesting files of one cable at the same instant ------------------

RACE_ROUNDS = 40
"""Rounds of the race below; the old code (compose outside the lock) lost a source in most."""

FORK = __import__("multiprocessing").get_context("fork")


def _race_files(inbox: Path, kind: str) -> list[tuple[str, Path, Path]]:
    """Per round: a new 2-section cable and the two files two processes ingest at once."""
    out = []
    for r in range(RACE_ROUNDS):
        c = make_cable(3000 + r, sections=2)
        if kind == "sections":  # section 1 as text, section 2 as markdown
            a = put(inbox, f"r{r}-1.txt", c.section_texts[0])
            b = put(inbox, f"r{r}-2.md", render(c, "md", c.section_texts[1]))
        else:  # the whole cable in two renderings
            a = put(inbox, f"r{r}.txt", render(c, "txt"))
            b = put(inbox, f"r{r}.html", render(c, "html"))
        out.append((c.id, a, b))
    return out


def _race_worker(db: str, inbox: str, paths: list[str], barrier: Any, out: Any) -> None:
    store = Store(Path(db), "racer", os_user="racer", lock_timeout=30)
    errors = []
    for path in paths:
        barrier.wait(30)
        try:
            ingest_files([path], store, Path(inbox), workers=0)
        except Exception as exc:  # reported to the parent
            errors.append(repr(exc))
    out.send(errors)
    out.close()


@pytest.mark.parametrize("kind", ["sections", "renderings"])
def test_two_processes_ingesting_one_cable_lose_no_source(
    inbox: Path, store: Store, kind: str
) -> None:
    rounds = _race_files(inbox, kind)
    barrier = FORK.Barrier(2)
    pipes = [FORK.Pipe(duplex=False) for _ in range(2)]
    procs = [
        FORK.Process(
            target=_race_worker,
            args=(
                str(store.state_dir),
                str(inbox),
                [str(r[1 + n]) for r in rounds],
                barrier,
                pipes[n][1],
            ),
        )
        for n in range(2)
    ]
    for p in procs:
        p.start()
    errors = [recv.recv() for recv, _ in pipes]
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    assert errors == [[], []]
    lost = []
    for cable_id, a, b in rounds:
        row = store.row(cable_id)
        expected = sorted(p.relative_to(inbox).as_posix() for p in (a, b))
        if sorted(row.sources) != expected or row.sections != {"received": [1, 2], "of": 2}:
            lost.append((cable_id, row.sources, row.sections))
    assert lost == [], f"{len(lost)} of {RACE_ROUNDS} rounds lost a source: {lost[:3]}"
    assert len(store.rows()) == RACE_ROUNDS
