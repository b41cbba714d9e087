"""Inbox files -> parse -> merge sections and copies -> store. One code path for CLI and app.

Public interface:

* ``scan(inbox) -> list[Path]``: what ingest must look at (see its docstring).
* ``ingest_files(paths, store, inbox, ...) -> IngestReport``: (re)ingest these paths; a path
  that no longer exists marks its source missing. The app calls it with the watcher's paths.
* ``ingest_inbox(store, inbox, ...) -> IngestReport``: ``triage ingest`` and the app's start-up
  scan: every file, sources no longer present marked missing, the full list of rejects.

The inbox is only read (files opened read-only, never written, moved or deleted). Parsing a
batch larger than ``INLINE_MAX`` files runs in worker processes (the parser is pure Python and
holds the GIL); the calling thread only stats, merges and commits. Index entries are written in
chunks (``COMMIT_EVERY``), each a store write that the store splits further into commits of a
few shards, so the store lock never covers a batch.

Index entry shape (what ``Store.index_put`` receives for each cable; the store adds
``arrived``). Every entry is a pure function of its ``sources`` (see ``compose``), so the
arrival order of copies and sections does not matter, except that when two different texts
claim one ID (a conflict) the one seen first stays shown:

    id                  the cable's ID, or ``X-`` + 8 hex of a hash of the path in the inbox
                        for a file without one
    precedence, niact, classification, caveats, dtg, origin, subject, cable_tags, corrected
                        as in parse-json.md, from the chosen text of each section
    action_paragraphs   sorted paragraph numbers of the action requests in the chosen texts
    sections            {"received": [1, 3], "of": 3}, or None for a cable not split
    conflict            True when two different texts (neither a corrected copy of the other)
                        claim the ID; both stay in ``sources``, the first seen stays shown
    missing_sources     paths of sources no longer in the inbox (their data stays)
    rejected            always None here (rejected files are in ``Store.rejects``)
    format, errors      of the first chosen text (errors: at most 5)
    sources             one dict per inbox file, oldest first:
        path            POSIX path relative to the inbox
        size, mtime     bytes and st_mtime_ns when read; with parser_version, a match skips
        hash            blake2b-128 of the bytes
        parser_version  PARSER_VERSION that parsed it
        fp              fingerprint of the normalised parse (any rendering of one text gives
                        the same): ID, DTG, origin, precedence, classification, caveats,
                        corrected, TAGS, subject, section, paragraphs (whitespace folded)
        seen            when ingest first read this text (ISO 8601 UTC)
        missing         True once the file is gone
        fields          the compact parse: id, precedence, niact, classification, caveats,
                        dtg, origin, subject, cable_tags, corrected, action_paragraphs, of,
                        sections_present, format, errors

Choosing per section: sections come from ``sections_present`` (none: the whole text is one
part). Identical fingerprints are one text; a corrected copy beats an original; texts of
different coverage that agree on DTG, origin and section count are parts of one cable;
anything else is a conflict. Shown fields come from the chosen texts in section order (first
non-empty), classification is the most restrictive, caveats and action paragraphs the union.

Several processes (officers' apps, ``triage ingest``) may ingest files of one cable at the
same instant: each commit hands ``index_put`` a merge that, under the store lock, re-applies
this run's source changes (by path: added, replaced, marked missing, taken out) to the entry
as stored there now, and composes it again (``identity.rebase``), so no source is lost. The
report and history notes describe the change against the entry as this run read it.

Known limits: a file first read half-written (a writer opening it more than ``rename_grace`` after
creating it) can leave a path-keyed ``X-`` row whose source is marked missing.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import re
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.machinery import ModuleSpec
from pathlib import Path
from typing import Any, Protocol

import orjson

from triage import parsing
from triage._errors import StoreError
from triage.identity import choose, compact_parse, compose, path_id, rebase
from triage.model import INDEXED_FIELDS
from triage.watcher import is_ignored, is_ignored_name

log = logging.getLogger(__name__)

INLINE_MAX = 8
"""Batches of at most this many files to parse are parsed in the calling thread."""

CHUNK_FILES = 48
"""Files per task sent to a worker process."""

COMMIT_EVERY = 20_000
"""Index entries merged before they are handed to the store in one ``index_put`` (which
commits them in pieces of a few shards each, so the lock is never held for long). Measured:
the store's cost is per commit piece, and small ``index_put`` calls touch every shard in
pieces of few entries: a 10k cold start took 34 s with calls of 500, 2,000 and 7,500 entries,
16 s with one call. The bound keeps memory flat on a 250k cold start."""

READ_CAP = parsing.SIZE_CAP + 1
"""Bytes read from a file at most: one more than the parser's cap, to know it is over."""

_CABLE_NAME = re.compile(
    r"^(\d{2}[A-Za-z][A-Za-z0-9]*\d+([-_. ].*)?|.*\.(txt|text|md|markdown|html?|eml|cable))$",
    re.IGNORECASE,
)
"""A folder with such a name was probably meant to be a cable file: it is rejected."""

_SHOWN = INDEXED_FIELDS
"""Entry fields whose change makes a cable ``updated``."""


class IndexStore(Protocol):
    """The part of ``triage.store.Store`` that ingest uses."""

    def index_get(self, cable_id: str) -> dict[str, Any] | None: ...

    def index_put(
        self,
        entries: Iterable[dict[str, Any]],
        *,
        notes: dict[str, str] | None = None,
        merge: Callable[[dict[str, Any] | None, dict[str, Any]], dict[str, Any]] | None = None,
    ) -> Any: ...

    def source_info(self, path: str) -> dict[str, Any] | None: ...

    def flag(self, cable_id: str, reason: str, *, when_action: str | None = None) -> Any: ...

    def update_rejects(self, update: Callable[[dict[str, str]], dict[str, str]]) -> None: ...

    def rejects(self) -> dict[str, str]: ...

    def rows(self) -> list[Any]: ...


@dataclass(slots=True)
class IngestReport:
    """What one ingest did. IDs in each list at most once; paths are relative to the inbox."""

    added: list[str] = field(default_factory=list)
    """IDs new to the queue."""
    updated: list[str] = field(default_factory=list)
    """IDs whose shown text changed: a changed file, a corrected copy, a reparse."""
    merged: list[str] = field(default_factory=list)
    """IDs that gained a source: another rendering or copy, a section, a conflicting text."""
    unchanged: list[str] = field(default_factory=list)
    """Paths skipped because the index already holds them as they are."""
    rejected: dict[str, str] = field(default_factory=dict)
    """Paths rejected by this run, with the reason."""
    flagged: list[str] = field(default_factory=list)
    """IDs flagged: new action requests on a cable someone marked done."""
    missing: list[str] = field(default_factory=list)
    """IDs with a source newly gone from the inbox."""
    conflicts: list[str] = field(default_factory=list)
    """IDs newly in conflict."""
    cancelled: bool = False
    """The run stopped early; what was done is committed."""
    seconds: float = 0.0
    _members: dict[int, set[str]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def changed_ids(self) -> list[str]:
        """Every ID whose row may look different now."""
        return list(dict.fromkeys(self.added + self.updated + self.merged + self.missing))

    def summary(self) -> str:
        """One line for ``triage ingest`` and the app's status bar."""
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.merged)} merged, "
            f"{len(self.unchanged)} unchanged, {len(self.rejected)} rejected"
            + (f", {len(self.missing)} with missing sources" if self.missing else "")
            + (f", {len(self.flagged)} flagged" if self.flagged else "")
            + (f", {len(self.conflicts)} in conflict" if self.conflicts else "")
            + (" (cancelled)" if self.cancelled else "")
        )

    def _add(self, bucket: list[str], item: str) -> None:
        seen = self._members.get(id(bucket))
        if seen is None:
            seen = self._members[id(bucket)] = set(bucket)
        if item not in seen:
            seen.add(item)
            bucket.append(item)


# --- scanning ---------------------------------------------------------------------------


def scan(inbox: Path) -> list[Path]:
    """Everything in the inbox that ingest must look at, sorted.

    Walks sub-folders. Hidden and temporary names (``.triage/``, ``x.part``) are left out. Gives
    regular files, links (not followed: ingest reads a link leading to a file inside the inbox
    and rejects one leading out), FIFOs, devices and sockets (rejected by ingest), and folders
    named like cables (rejected; not walked). Links to folders are never walked.

    Args:
        inbox: the inbox folder.

    Returns:
        Absolute paths.
    """
    root = os.path.abspath(inbox)
    out: list[str] = []
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if is_ignored_name(entry.name):
                continue
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                if _CABLE_NAME.match(entry.name):
                    out.append(entry.path)
                else:
                    stack.append(entry.path)
            else:
                out.append(entry.path)
    out.sort()
    return [Path(p) for p in out]


# --- reading and parsing (worker processes) -----------------------------------------------


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


def _read_chunk(jobs: list[tuple[str, str]]) -> bytes:
    return orjson.dumps([read_and_parse(job) for job in jobs])


_MAIN_LOCK = threading.Lock()


@contextmanager
def _children_skip_main() -> Iterator[None]:
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


def _pool_context() -> Any:
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


def _rebase_onto(
    bases: dict[str, dict[str, Any] | None],
) -> Callable[[dict[str, Any] | None, dict[str, Any]], dict[str, Any]]:
    """The ``merge`` given to ``index_put``: under the store lock, re-apply this run's source
    changes to each entry as stored now (another process may have added a file meanwhile)."""

    def merge(stored: dict[str, Any] | None, ours: dict[str, Any]) -> dict[str, Any]:
        cable_id = str(ours["id"])
        return rebase(cable_id, bases.get(cable_id), ours, stored)

    return merge


def _copy_entry(entry: dict[str, Any] | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    out = dict(entry)
    out["sources"] = [dict(s) for s in entry.get("sources") or () if isinstance(s, dict)]
    return out


# --- ingesting ------------------------------------------------------------------------


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _relative(path: Path | str, root: str) -> str | None:
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


def _inside(target: str, real_root: str) -> bool:
    return target == real_root or target.startswith(real_root + os.sep)


class _Run:
    """One ingest: the classify, parse, merge and commit steps, and the report."""

    def __init__(
        self,
        store: IndexStore,
        inbox: Path,
        workers: int | None,
        progress: Callable[[int, int], None] | None,
        cancelled: Callable[[], bool] | None,
    ) -> None:
        self.store = store
        self.root = os.path.abspath(inbox)
        self.real_root = os.path.realpath(inbox)
        self.workers = workers if workers is not None else default_workers()
        self.progress = progress
        self.cancelled = cancelled or (lambda: False)
        self.report = IngestReport()
        self.version = parsing.PARSER_VERSION
        self.now = _now()
        self.seen_rel: set[str] = set()
        self.gone: list[str] = []
        self.rejects: dict[str, str] = {}
        self.touched: dict[str, dict[str, Any]] = {}
        self.before: dict[str, dict[str, Any] | None] = {}
        self.notes: dict[str, list[str]] = {}
        self.new_paths: dict[str, set[str]] = {}
        self.rewritten: set[str] = set()
        self.committed = 0
        self.infos: dict[str, dict[str, Any] | None] = {}

    # classify ------------------------------------------------------------------------

    def classify(self, paths: Iterable[Path | str]) -> list[tuple[str, str]]:
        """Stat each path: reject, skip, note as gone, or make a read job."""
        jobs: list[tuple[str, str]] = []
        for path in paths:
            rel = _relative(path, self.root)
            if rel is None or rel in self.seen_rel or is_ignored(rel):
                continue
            self.seen_rel.add(rel)
            absolute = os.path.join(self.root, *rel.split("/"))
            try:
                st = os.lstat(absolute)
            except FileNotFoundError:
                self.gone.append(rel)
                continue
            except OSError as exc:
                self.reject(rel, f"unreadable: {exc.strerror or exc}")
                continue
            mode = st.st_mode
            target = absolute
            if stat.S_ISLNK(mode):
                real = os.path.realpath(absolute)
                if not _inside(real, self.real_root):
                    self.reject(rel, "a link leading out of the inbox")
                    continue
                try:
                    st = os.stat(real)
                except OSError:
                    self.reject(rel, "a broken link")
                    continue
                if stat.S_ISDIR(st.st_mode):
                    continue  # a folder inside the inbox: its files are read where they are
                mode, target = st.st_mode, real
            if stat.S_ISDIR(mode):
                if _CABLE_NAME.match(os.path.basename(absolute)):
                    self.reject(rel, "a folder named like a cable, not a file")
                continue
            if stat.S_ISFIFO(mode):
                self.reject(rel, "a FIFO (named pipe), not a regular file")
                continue
            if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
                self.reject(rel, "a device, not a regular file")
                continue
            if stat.S_ISSOCK(mode):
                self.reject(rel, "a socket, not a regular file")
                continue
            if not stat.S_ISREG(mode):
                self.reject(rel, "not a regular file")
                continue
            info = self.store.source_info(rel)
            self.infos[rel] = info
            if (
                info is not None
                and not info.get("missing")
                and info.get("size") == st.st_size
                and info.get("mtime") == st.st_mtime_ns
                and info.get("parser_version") == self.version
            ):
                self.report.unchanged.append(rel)
                continue
            jobs.append((target, rel))
        return jobs

    def reject(self, rel: str, reason: str) -> None:
        """Record a reject; a file that was a source (now a FIFO, binary ...) is marked missing."""
        self.rejects[rel] = reason
        self.report.rejected[rel] = reason
        self._drop_source(rel, missing=True)

    # parse ---------------------------------------------------------------------------

    def parse(self, jobs: list[tuple[str, str]]) -> None:
        """Read and parse the jobs (inline for a few, else in worker processes) and merge."""
        total = len(jobs)
        if total == 0:
            return
        if total <= INLINE_MAX or self.workers <= 0:
            self._parse_inline(jobs, 0, total)
            return
        size = max(1, min(CHUNK_FILES, -(-total // (self.workers * 4))))
        chunks = [jobs[i : i + size] for i in range(0, total, size)]
        merged: set[int] = set()
        done = 0
        try:
            with ProcessPoolExecutor(
                max_workers=min(self.workers, len(chunks)), mp_context=_pool_context()
            ) as pool:
                with _children_skip_main():  # processes are started by submit
                    futures = {pool.submit(_read_chunk, c): i for i, c in enumerate(chunks)}
                for future in as_completed(futures):
                    if self.cancelled():
                        self.report.cancelled = True
                        for f in futures:
                            f.cancel()
                        return
                    try:
                        results = orjson.loads(future.result())
                    except Exception:  # a broken pool: what is left is parsed inline below
                        log.warning("ingest worker failed; parsing inline", exc_info=True)
                        continue
                    self.merge(results)
                    merged.add(futures[future])
                    done += len(chunks[futures[future]])
                    if self.progress is not None:
                        self.progress(done, total)
                    self._maybe_commit()
        except StoreError:  # the store's own error (lock, corrupt file): not the pool's
            raise
        except Exception:  # the pool could not start (no /dev/shm, process limits ...)
            log.warning("ingest worker processes unavailable; parsing inline", exc_info=True)
        left = [job for i, c in enumerate(chunks) if i not in merged for job in c]
        self._parse_inline(left, done, total)

    def _parse_inline(self, jobs: list[tuple[str, str]], done: int, total: int) -> None:
        for job in jobs:
            if self.cancelled():
                self.report.cancelled = True
                return
            self.merge([read_and_parse(job)])
            done += 1
            if self.progress is not None:
                self.progress(done, total)
            self._maybe_commit()

    def _maybe_commit(self) -> None:
        if len(self.touched) >= COMMIT_EVERY:
            self.commit()

    # merge ---------------------------------------------------------------------------

    def _entry(self, cable_id: str) -> dict[str, Any] | None:
        if cable_id in self.touched:
            return self.touched[cable_id]
        entry = _copy_entry(self.store.index_get(cable_id))
        self.before[cable_id] = _copy_entry(entry)
        return entry

    def _note(self, cable_id: str, text: str) -> None:
        self.notes.setdefault(cable_id, []).append(text)

    def merge(self, results: list[dict[str, Any]]) -> None:
        """Fold read results into the touched entries."""
        for res in results:
            rel = str(res["rel"])
            if res.get("gone"):
                self.gone.append(rel)
                continue
            if "reject" in res:
                self.reject(rel, str(res["reject"]))
                continue
            fields = res["fields"]
            cable_id = fields.get("id") or path_id(rel)
            # what classify read (this run's commits do not move paths between entries)
            info = self.infos[rel] if rel in self.infos else self.store.source_info(rel)
            old_id = info.get("id") if info else None
            if old_id is not None and old_id != cable_id:
                self._drop_source(rel, missing=False)
                info = None
            entry = self._entry(cable_id)
            sources = list(entry["sources"]) if entry else []
            previous = next((s for s in sources if s.get("path") == rel), None)
            src = {
                "path": rel,
                "size": res["size"],
                "mtime": res["mtime"],
                "hash": res["hash"],
                "parser_version": self.version,
                "fp": fields.pop("fp", None),
                "seen": self.now,
                "fields": fields,
            }
            if previous is not None:
                if previous.get("fp") == src["fp"]:
                    src["seen"] = previous.get("seen") or self.now
                if previous.get("hash") != src["hash"] or previous.get("missing"):
                    self.rewritten.add(cable_id)
                sources = [s for s in sources if s is not previous]
            else:
                self.new_paths.setdefault(cable_id, set()).add(rel)
            sources.append(src)
            self.touched[cable_id] = compose(cable_id, sources)

    def _drop_source(self, rel: str, *, missing: bool) -> None:
        """Mark a source missing, or take it out of its entry (path now holds another ID)."""
        info = self.store.source_info(rel)
        cable_id = info.get("id") if info else None
        if cable_id is None:
            return
        entry = self._entry(cable_id)
        if entry is None:
            return
        sources = entry["sources"]
        if missing:
            if all(s.get("missing") for s in sources if s.get("path") == rel):
                return
            sources = [dict(s, missing=True) if s.get("path") == rel else s for s in sources]
        else:
            kept = [s for s in sources if s.get("path") != rel]
            if not kept:  # the entry's only text is gone: keep the row, marked
                kept = [dict(s, missing=True) for s in sources]
            sources = kept
        self.touched[cable_id] = compose(cable_id, sources)

    def mark_gone(self, rels: Iterable[str]) -> None:
        for rel in rels:
            self.rejects.pop(rel, None)
            self._drop_source(rel, missing=True)

    # commit --------------------------------------------------------------------------

    def commit(self) -> None:
        """Write the touched entries (one store write), then flag what needs attention."""
        if not self.touched:
            return
        entries: list[dict[str, Any]] = []
        notes: dict[str, str] = {}
        to_flag: dict[str, str] = {}
        bases: dict[str, dict[str, Any] | None] = {}
        for cable_id, entry in self.touched.items():
            old = self.before.get(cable_id)
            if old is not None and all(old.get(k) == entry.get(k) for k in (*_SHOWN, "sources")):
                continue
            entries.append(entry)
            bases[cable_id] = old
            self._classify_change(cable_id, old, entry, notes, to_flag)
        self.touched = {}
        self.before = {}
        self.new_paths = {}
        self.rewritten = set()
        if entries:
            self.store.index_put(entries, notes=notes, merge=_rebase_onto(bases))
            self.committed += len(entries)
        for cable_id, reason in to_flag.items():
            # Only a cable someone marked done (never derived), checked under the store lock.
            change = self.store.flag(cable_id, reason, when_action="done")
            if getattr(change, "ids", None):
                self.report._add(self.report.flagged, cable_id)

    def _classify_change(
        self,
        cable_id: str,
        old: dict[str, Any] | None,
        new: dict[str, Any],
        notes: dict[str, str],
        to_flag: dict[str, str],
    ) -> None:
        report = self.report
        texts = list(self.notes.pop(cable_id, []))
        if old is None:
            report._add(report.added, cable_id)
            if new.get("conflict"):
                report._add(report.conflicts, cable_id)
            if texts:
                notes[cable_id] = "; ".join(texts)
            return
        old_chosen, _ = choose([s for s in old.get("sources") or () if not s.get("missing")])
        new_chosen, _ = choose([s for s in new["sources"] if not s.get("missing")])
        new_paths = self.new_paths.get(cable_id, set())
        replaced = False
        for section, src in sorted(new_chosen.items()):
            before = old_chosen.get(section)
            if (
                before is not None
                and before.get("path") != src.get("path")
                and before.get("fp") != src.get("fp")
                and (src.get("fields") or {}).get("corrected")
                and not (before.get("fields") or {}).get("corrected")
            ):
                what = f"section {section}" if section else "the text"
                texts.append(f"corrected copy {src['path']} replaced {what}")
                replaced = True
        shows_corrected = any((c.get("fields") or {}).get("corrected") for c in new_chosen.values())
        for src in new["sources"]:
            if (
                shows_corrected
                and src["path"] in new_paths
                and not (src.get("fields") or {}).get("corrected")
                and src not in new_chosen.values()
            ):
                texts.append(f"original {src['path']} arrived after its corrected copy")
        if new.get("conflict") and not old.get("conflict"):
            report._add(report.conflicts, cable_id)
            others = ", ".join(sorted(new_paths)) or "a changed file"
            texts.append(f"conflict: {others} claims this ID with a different text; both kept")
        shown_changed = any(old.get(k) != new.get(k) for k in _SHOWN if k != "missing_sources")
        if set(new.get("missing_sources") or ()) - set(old.get("missing_sources") or ()):
            report._add(report.missing, cable_id)
        if replaced or cable_id in self.rewritten or (shown_changed and not new_paths):
            report._add(report.updated, cable_id)
        elif new_paths:
            report._add(report.merged, cable_id)
        added_actions = sorted(
            set(new.get("action_paragraphs") or ()) - set(old.get("action_paragraphs") or ())
        )
        if added_actions:
            why = "; ".join(texts) or "a new text"
            numbers = ", ".join(str(n) for n in added_actions)
            to_flag[cable_id] = (
                f"new action request(s) in paragraph {numbers} after it was marked done ({why})"
            )
        if texts:
            notes[cable_id] = "; ".join(texts)

    # rejects -------------------------------------------------------------------------

    def save_rejects(self, *, full: bool) -> None:
        def update(before: dict[str, str]) -> dict[str, str]:
            if full:
                return dict(self.rejects)
            current = {k: v for k, v in before.items() if k not in self.seen_rel}
            for rel in self.gone:
                prefix = rel + "/"
                current = {k: v for k, v in current.items() if not k.startswith(prefix)}
            current.update(self.rejects)
            return current

        self.store.update_rejects(update)


def _known_sources(store: IndexStore) -> dict[str, list[str]]:
    """Every source path the queue knows, by ID (present or not)."""
    out: dict[str, list[str]] = {}
    for row in store.rows():
        out[str(row.id)] = list(row.sources or ())
    return out


def ingest_files(
    paths: Iterable[Path | str],
    store: IndexStore,
    inbox: Path,
    *,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> IngestReport:
    """Ingest these inbox paths: parse new and changed files, merge, commit in chunks.

    A path that no longer exists marks its source missing (for a folder: every source under
    it). Hidden, temporary and outside paths are ignored. Rejected paths are added to the
    store's rejects, and paths ingested fine are taken off it.

    Args:
        paths: files (or folders, links, FIFOs ...) in the inbox, absolute or relative to cwd.
        store: the Store (its index methods).
        inbox: the inbox folder.
        workers: worker processes for a batch over ``INLINE_MAX`` files (default:
            ``default_workers()``; 0 parses inline).
        progress: called with (files parsed, files to parse) after each parsed chunk.
        cancelled: polled between chunks; when it returns True, ingest stops after committing
            what it merged.

    Returns:
        The report.
    """
    started = time.perf_counter()
    run = _Run(store, inbox, workers, progress, cancelled)
    jobs = run.classify(paths)
    run.parse(jobs)
    gone = list(run.gone)
    if gone:
        known = None
        for rel in gone:
            if store.source_info(rel) is not None:
                run.mark_gone([rel])
                continue
            if known is None:  # a folder gone: every source under it
                known = _known_sources(store)
            prefix = rel + "/"
            run.mark_gone(p for ps in known.values() for p in ps if p.startswith(prefix))
    run.commit()
    run.save_rejects(full=False)
    run.report.seconds = time.perf_counter() - started
    return run.report


def ingest_inbox(
    store: IndexStore,
    inbox: Path,
    *,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> IngestReport:
    """One pass over the whole inbox: ``triage ingest`` and the app's start-up scan.

    Scans, ingests every new or changed file, marks sources no longer present as missing,
    and replaces the store's rejects with this pass's.

    Args:
        store: the Store.
        inbox: the inbox folder.
        workers: as for ``ingest_files``.
        progress: as for ``ingest_files``.
        cancelled: as for ``ingest_files``.

    Returns:
        The report.

    Raises:
        FileNotFoundError: the inbox does not exist.
    """
    started = time.perf_counter()
    if not Path(inbox).is_dir():
        raise FileNotFoundError(f"inbox {inbox} does not exist or is not a folder")
    run = _Run(store, inbox, workers, progress, cancelled)
    jobs = run.classify(scan(inbox))
    run.parse(jobs)
    if not run.report.cancelled:
        present = run.seen_rel
        missing = [p for paths in _known_sources(store).values() for p in paths if p not in present]
        run.mark_gone(missing)
        run.mark_gone([rel for rel in run.gone if rel not in missing])
    run.commit()
    run.save_rejects(full=not run.report.cancelled)
    run.report.seconds = time.perf_counter() - started
    return run.report
