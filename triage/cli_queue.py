"""The subcommands on the whole queue: ``ingest``, ``rejects``, ``list`` and ``export``."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from triage.cli_common import UNREADABLE_HINT, CliError, open_store, settings_for
from triage.output import banner, format_table, json_line, legend, write_export
from triage.sources import inside
from triage.textsafe import safe_text

if TYPE_CHECKING:
    from triage.model import QueueRow


def _query(words: Sequence[str]) -> Any:
    from triage.queue import QueryError, parse_query

    text = " ".join(words)
    try:
        return parse_query(text)
    except QueryError as exc:
        pointer = ""
        if exc.position is not None:
            pointer = f"\n  {safe_text(text)}\n  {' ' * exc.position}^"
        raise CliError(f"bad QUERY: {exc}{pointer}", 2) from exc


def _matching(rows: list[QueueRow], query: Any, user: str) -> list[QueueRow]:
    """The rows that match, in triage order."""
    from triage.queue import filter_rows, order

    return order(filter_rows(rows, query, user))


# --- ingest -----------------------------------------------------------------------------


class _Progress:
    """``parsed 1200/10000 files`` on one rewritten stderr line."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        self.stream.write(f"\rparsing: {done}/{total} files")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def cmd_ingest(args: argparse.Namespace) -> int:
    """One pass over the inbox; print what was added, updated, merged and rejected."""
    from triage.ingest import InboxUnreadable, ingest_inbox

    settings = settings_for(args)
    store = open_store(settings, need_inbox=True)
    progress = _Progress(sys.stderr) if sys.stderr.isatty() else None
    try:
        report = ingest_inbox(store, settings.inbox, progress=progress)
    except FileNotFoundError as exc:
        raise CliError(f"{exc}; pass --inbox DIR or set TRIAGE_INBOX") from exc
    except InboxUnreadable as exc:
        raise CliError(f"{exc}; {UNREADABLE_HINT}") from exc
    finally:
        if progress is not None:
            progress.close()
    if args.json:
        sys.stdout.write(
            json_line(
                {
                    "added": report.added,
                    "updated": report.updated,
                    "merged": report.merged,
                    "unchanged": len(report.unchanged),
                    "rejected": report.rejected,
                    "flagged": report.flagged,
                    "missing": report.missing,
                    "conflicts": report.conflicts,
                    "cancelled": report.cancelled,
                    "seconds": round(report.seconds, 3),
                }
            )
        )
        return 0
    out = sys.stdout
    out.write(f"{safe_text(report.summary())} in {report.seconds:.1f} s\n")
    limit = None if args.all else 20
    for label, ids in (
        ("added", report.added),
        ("updated", report.updated),
        ("merged", report.merged),
        ("flagged", report.flagged),
        ("missing source", report.missing),
        ("conflict", report.conflicts),
    ):
        shown = ids if limit is None else ids[:limit]
        for cid in shown:
            out.write(f"  {label}: {safe_text(cid)}\n")
        if len(shown) < len(ids):
            out.write(f"  ... and {len(ids) - len(shown)} more {label} (--all lists them)\n")
    for path, reason in sorted(report.rejected.items()):
        out.write(f"  rejected: {safe_text(path)}: {safe_text(reason)}\n")
    return 0


def cmd_rejects(args: argparse.Namespace) -> int:
    """The inbox files ingest rejected, with the reason."""
    store = open_store(settings_for(args))
    rejects = store.rejects()
    for path, reason in sorted(rejects.items()):
        if args.json:
            sys.stdout.write(json_line({"path": path, "reason": reason}))
        else:
            sys.stdout.write(f"{safe_text(path)}: {safe_text(reason)}\n")
    return 0


# --- list -------------------------------------------------------------------------------


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream
        return False


def _terminal_width() -> int:
    import shutil

    return shutil.get_terminal_size((80, 24)).columns


def _table_width(requested: int | None) -> int | None:
    """The width to cut the table to: ``--width`` (0: none), else the terminal's, else none
    (piped into a file or another program, whole lines are what the reader wants)."""
    if requested is not None:
        return requested or None
    return _terminal_width() if _is_tty(sys.stdout) else None


def cmd_list(args: argparse.Namespace) -> int:
    """The queue in triage order, filtered by the QUERY."""
    settings = settings_for(args)
    query = _query(args.query)  # a bad query is a usage error before anything is opened
    store = open_store(settings)
    all_rows = store.rows()
    rows = _matching(all_rows, query, settings.user)
    out = sys.stdout
    if args.json:
        for row in rows:
            out.write(json_line(row.to_json()))
        return 0
    if not all_rows:
        print(
            f"the queue in {store.state_dir} is empty; `triage ingest` reads the inbox",
            file=sys.stderr,
        )
        return 0
    if not rows:
        print(
            f"no cables match {safe_text(' '.join(args.query))} (0 of {len(all_rows)} cables)",
            file=sys.stderr,
        )
        return 0
    for text in format_table(rows, _table_width(args.width)):
        out.write(text + "\n")
    if not query.is_empty:
        print(f"{len(rows)} of {len(all_rows)} cables match", file=sys.stderr)
    if _is_tty(sys.stdout):
        out.flush()
        print(legend(rows), file=sys.stderr)
    return 0


# --- export -----------------------------------------------------------------------------


def cmd_export(args: argparse.Namespace) -> int:
    """The queue (filtered) with triage state and markings, as CSV or JSON Lines."""
    settings = settings_for(args)
    query = _query(args.query)
    output = Path(args.output) if args.output and args.output != "-" else None
    if output is not None and inside(output, settings.inbox):
        raise CliError(
            f"will not write {output} inside the inbox {settings.inbox} (ingest would read "
            "it); choose a file elsewhere",
            2,
        )
    store = open_store(settings)
    rows = _matching(store.rows(), query, settings.user)
    if output is None:
        write_export(rows, args.format, sys.stdout, query=" ".join(args.query), user=settings.user)
        return 0
    try:
        _write_private(output, rows, args, settings.user)
    except OSError as exc:
        raise CliError(f"cannot write {output}: {exc.strerror or exc}") from exc
    banner_text = banner(rows)[0]
    print(f"{len(rows)} cables exported to {output} ({banner_text})", file=sys.stderr)
    return 0


def _write_private(output: Path, rows: list[QueueRow], args: argparse.Namespace, user: str) -> None:
    """Write an export through a temp file of mode 0660 renamed over ``output``: classified
    rows never land in a file that an earlier owner left world-readable, and a link at
    ``output`` is replaced, not followed."""
    fd, tmp = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o660 & ~_umask())
        with open(fd, "w", encoding="utf-8", newline="") as fh:
            write_export(rows, args.format, fh, query=" ".join(args.query), user=user)
        os.replace(tmp, output)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
