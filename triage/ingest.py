"""Inbox files -> parse -> merge sections and copies -> store. One code path for CLI and app.

Public interface:

* ``scan(inbox, exclude=()) -> list[Path]``: what ingest must look at (see its docstring);
  the store's state folder is never ingested, wherever it is inside the inbox.
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

The work is split by step: ``triage._inbox_scan`` (which paths, named how),
``triage._ingest_worker`` (reading and parsing, in worker processes), ``triage._ingest_run``
(one run: classify, parse, merge, commit) and ``triage._ingest_types`` (the report, the store
interface).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path

from triage._inbox_scan import InboxUnreadable, scan
from triage._ingest_run import IngestRun
from triage._ingest_types import IndexStore, IngestReport
from triage._ingest_worker import default_workers

__all__ = [
    "InboxUnreadable",
    "IndexStore",
    "IngestReport",
    "default_workers",
    "ingest_files",
    "ingest_inbox",
    "scan",
]


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
    run = IngestRun(store, inbox, workers, progress, cancelled)
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
        InboxUnreadable: the inbox cannot be listed (nothing is changed in the store).
    """
    started = time.perf_counter()
    if not Path(inbox).is_dir():
        raise FileNotFoundError(f"inbox {inbox} does not exist or is not a folder")
    run = IngestRun(store, inbox, workers, progress, cancelled)
    jobs = run.classify(scan(inbox, exclude=[getattr(store, "state_dir", None)]))
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
