"""One ingest run: classify paths, parse them, merge into index entries, commit to the store."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from triage import parsing
from triage._errors import StoreError
from triage._inbox_scan import CABLE_NAME, excluded, inside, relative, under
from triage._ingest_types import IndexStore, IngestReport
from triage._ingest_worker import (
    children_skip_main,
    default_workers,
    pool_context,
    read_and_parse,
    read_chunk,
)
from triage.identity import choose, compose, path_id, rebase
from triage.model import INDEXED_FIELDS
from triage.watcher import is_ignored

log = logging.getLogger("triage.ingest")
"""The public module's logger, as before ingest was split into modules."""

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

_SHOWN = INDEXED_FIELDS
"""Entry fields whose change makes a cable ``updated``."""


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


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


class IngestRun:
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
        self.state_rels = excluded([getattr(store, "state_dir", None)], inbox)
        """The state folder, when it is inside the inbox (an ordinary ``--db`` folder there):
        never ingested, whatever path names it."""
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
            rel = relative(path, self.root)
            if rel is None or rel in self.seen_rel or is_ignored(rel):
                continue
            if self.state_rels and under(rel, self.state_rels):
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
                if not inside(real, self.real_root):
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
                if CABLE_NAME.match(os.path.basename(absolute)):
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
                max_workers=min(self.workers, len(chunks)), mp_context=pool_context()
            ) as pool:
                with children_skip_main():  # processes are started by submit
                    futures = {pool.submit(read_chunk, c): i for i, c in enumerate(chunks)}
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
