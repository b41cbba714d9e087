"""The ``triage`` command line: subcommands, and the terminal app when none is given.

Exit status: 0 done; 1 an error, with a message on standard error saying what to do; 2 a usage
error (a bad flag, a bad QUERY). Text output passes all cable text through
``textsafe.safe_text``; JSON output escapes every control and bidi character.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import stat
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

import orjson

from triage.config import ConfigError, Settings, load_settings, settings_from_args
from triage.output import (
    FLAGS,
    MARKS,
    acked_text,
    banner,
    format_table,
    history_line,
    json_line,
    legend,
    show_lines,
    write_export,
)
from triage.textsafe import safe_text

if TYPE_CHECKING:
    from triage.model import QueueRow
    from triage.store import Store

READ_CAP = 5 * 1024 * 1024 + 1
"""Read at most this much of a file: anything larger is over the parser's 5 MB cap anyway."""

COMMANDS = (
    "parse", "ingest", "list", "show", "tag", "untag", "assign", "action", "ack", "undo",
    "history", "export", "rejects",
)  # fmt: skip
"""Every subcommand, as ``triage --help`` lists them."""

_GLOBAL_WITH_VALUE = ("--inbox", "--db", "--user", "--theme")
_QUERY_COMMANDS = {
    # subcommand -> its options (flag -> takes a value); every other word is the QUERY
    "list": {"--json": False, "--width": True, "-h": False, "--help": False},
    "export": {
        "--format": True, "--output": True, "-o": True, "-h": False, "--help": False,
    },
}  # fmt: skip


class CliError(Exception):
    """A failure to report on standard error with exit status ``code``."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


# --- the argument parser ----------------------------------------------------------------


QUERY_HELP = """\
QUERY (case-insensitive; terms AND by default):
  word "a phrase"      substring of the ID, subject, origin or cable TAGS
  a OR b, (a b), -a    OR, grouping, NOT (NOT also works; P-3 is a word)
  prec:flash|niact|immediate|priority|routine|unknown   prec:immediate+ (and higher)
  class:u|sbu|lou|c|s|ts|unknown                         class:c+ (and more restrictive)
  caveat:noforn  ctag:pgov (cable TAGS)  tag:urgent (users' tags)  id:08STATE (prefix)
  assignee:NAME|me|none  action:none|open|done  from:belgrade (origin)
  is:unread|read|unacked|acked|niact|flagged|conflict|corrected|missing|assigned|incomplete
  since:/until: YYYY[-MM[-DD[THH:MM[:SS]]]] (1900-9999) | today | yesterday | 12h|7d|2w (DTG)
  sections:incomplete|complete    a comma list is OR: prec:flash,immediate
"""


LIST_MARKS_HELP = (
    "Row marks in the table (the line printed on stderr after it on a terminal):\n"
    + "".join(f"  {mark}  {meaning}\n" for mark, _, meaning in MARKS)
    + "FLAGS column (shown when a row has one):\n"
    + "".join(f"  {mark}  {meaning}\n" for mark, _, meaning in FLAGS)
    + "\n"
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser: global flags, then one subparser per subcommand."""
    parser = argparse.ArgumentParser(
        prog="triage",
        description="Triage diplomatic cables from a shared inbox. "
        "Without a command: the terminal app.",
        epilog="Global flags go before the command: triage --inbox DIR list prec:flash",
    )
    parser.add_argument("--inbox", metavar="DIR", help="inbox folder (TRIAGE_INBOX; ./inbox)")
    parser.add_argument("--db", metavar="DIR", help="state folder (TRIAGE_DB; INBOX/.triage)")
    parser.add_argument("--user", metavar="NAME", help="who is acting (TRIAGE_USER; login)")
    parser.add_argument("--theme", metavar="NAME", help="theme (TRIAGE_THEME; triage-dark)")
    parser.add_argument(
        "--polling", action="store_true", help="poll the inbox (network filesystems)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("parse", help="parse cables to JSON Lines; touches no state")
    p.add_argument("files", nargs="+", metavar="FILE", help="files to parse, or - for stdin")
    p.set_defaults(func=cmd_parse)

    p = sub.add_parser("ingest", help="one pass over the inbox into the state, then exit")
    p.add_argument("--json", action="store_true", help="the report as one JSON object")
    p.add_argument("--all", action="store_true", help="list every ID, not the first 20")
    p.set_defaults(func=cmd_ingest)

    query_help = (
        "QUERY words (see README: prec:flash -tag:done ...); quote phrases for the shell: "
        "'\"nuclear talks\"'"
    )
    p = sub.add_parser(
        "list",
        help="the queue in triage order, filtered by a QUERY",
        epilog=LIST_MARKS_HELP + QUERY_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument(
        "--width",
        type=_width,
        metavar="N",
        help="cut lines to N columns; 0 never cuts (default: the terminal's width, "
        "and no cutting when the output is not a terminal)",
    )
    p.add_argument("query", nargs="*", metavar="QUERY", help=query_help)
    p.set_defaults(func=cmd_list)

    p = sub.add_parser(
        "show",
        help="one cable with its triage state (marks it read)",
        description="One cable with its triage state. Showing a cable marks it read for the "
        "acting user, in text and in --json alike (opening it in the app does the same); "
        "--no-mark-read leaves the read state as it was, for scripts that only look.",
    )
    p.add_argument("id", metavar="ID")
    p.add_argument("--json", action="store_true", help="one JSON object on one line")
    p.add_argument(
        "--no-mark-read",
        dest="mark_read",
        action="store_false",
        help="do not mark the cable read (a script peeking, not a person reading)",
    )
    p.set_defaults(func=cmd_show)

    for name, verb in (("tag", "add"), ("untag", "remove")):
        p = sub.add_parser(
            name,
            help=f"{verb} users' tags",
            description=f"{verb.capitalize()} users' tags. Tags ignore case, as tag: in a "
            "QUERY does: a tag equal but for case to one on the cable, or to one used on "
            "other cables, keeps that first spelling (a note on stderr says so). "
            + (
                "A TAG the cable does not have is noted on stderr; the exit status stays 0 "
                "(the tag is absent either way, so a script may untag without checking)."
                if name == "untag"
                else "A TAG the cable already has is noted on stderr; the exit status stays 0."
            ),
        )
        p.add_argument("id", metavar="ID")
        p.add_argument("tags", nargs="+", metavar="TAG")
        p.set_defaults(func=cmd_tag, remove=name == "untag")

    p = sub.add_parser("assign", help="set (USER, or me) or clear (--none) the assignee")
    p.add_argument("id", metavar="ID")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("assignee", nargs="?", metavar="USER")
    who.add_argument("--none", action="store_true", help="clear the assignee")
    p.set_defaults(func=cmd_assign)

    p = sub.add_parser("action", help="set the action-request state")
    p.add_argument("id", metavar="ID")
    p.add_argument("state", choices=("open", "done", "none"))
    p.set_defaults(func=cmd_action)

    p = sub.add_parser("ack", help="acknowledge receipt of a FLASH or IMMEDIATE cable")
    p.add_argument("id", metavar="ID")
    p.set_defaults(func=cmd_ack)

    p = sub.add_parser("undo", help="undo your last command; again for the one before")
    p.set_defaults(func=cmd_undo)

    p = sub.add_parser("history", help="every change of one cable: when, who, field, old -> new")
    p.add_argument("id", metavar="ID")
    p.add_argument("--json", action="store_true", help="one JSON object per change")
    p.set_defaults(func=cmd_history)

    p = sub.add_parser(
        "export",
        help="the queue with triage state and markings (CSV or JSON Lines)",
        description="CSV: line 1 is the banner (the highest classification and every caveat "
        "in the export), line 2 the column names. JSON Lines: line 1 is "
        '{"banner": ..., "classification": ..., "caveats": [...], "count": N, ...}. '
        "Cells that a spreadsheet would run as a formula are prefixed with '.",
        epilog=QUERY_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--format", choices=("csv", "json"), default="csv")
    p.add_argument("--output", "-o", metavar="FILE", help="write to FILE (not inside the inbox)")
    p.add_argument("query", nargs="*", metavar="QUERY", help=query_help)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("rejects", help="inbox files ingest rejected, with the reason")
    p.add_argument("--json", action="store_true", help="one JSON object per file")
    p.set_defaults(func=cmd_rejects)
    return parser


def _split_query_words(argv: list[str]) -> list[str]:
    """Let ``list`` / ``export`` take a leading ``-term`` without ``--``.

    After those subcommands, every word that is not one of their own options is a QUERY word,
    in order; the words are moved after a ``--`` so argparse never reads ``-tag:x`` as a flag.
    """
    i = 0
    while i < len(argv):
        word = argv[i]
        if word in _GLOBAL_WITH_VALUE:
            i += 2
            continue
        if word.startswith("-"):
            i += 1
            continue
        break
    if i >= len(argv) or argv[i] not in _QUERY_COMMANDS:
        return argv
    options = _QUERY_COMMANDS[argv[i]]
    head, flags, words = argv[: i + 1], [], []
    rest = argv[i + 1 :]
    j = 0
    while j < len(rest):
        word = rest[j]
        if word == "--":
            words.extend(rest[j + 1 :])
            break
        name = word.split("=", 1)[0]
        if name in options:
            flags.append(word)
            if options[name] and "=" not in word and j + 1 < len(rest):
                flags.append(rest[j + 1])
                j += 1
        else:
            words.append(word)
        j += 1
    return [*head, *flags, "--", *words] if words else [*head, *flags]


# --- parse (the parser's contract; unchanged) ------------------------------------------


def _read_capped(fh: BinaryIO) -> bytes:
    return fh.read(READ_CAP)


_KINDS: tuple[tuple[Callable[[int], bool], str], ...] = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _require_regular(mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    kind = next((name for test, name in _KINDS if test(mode)), "something")
    raise OSError(errno.EINVAL, f"{kind}, not a regular file")


def read_regular(path: str | Path) -> bytes:
    """The first ``READ_CAP`` bytes of a regular file, never blocking on anything else.

    The path is checked before it is opened (opening a FIFO waits for a writer; opening a
    device can act on it), opened non-blocking, and checked again on the open file.

    Args:
        path: the file (links are followed).

    Returns:
        The bytes read.

    Raises:
        OSError: ``strerror`` says why: the system's reason (``No such file or directory``)
            or ``a FIFO, not a regular file`` (a folder, a device, a socket).
    """
    _require_regular(os.stat(path).st_mode)
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    with open(fd, "rb") as fh:
        _require_regular(os.fstat(fd).st_mode)
        return _read_capped(fh)


def cmd_parse(args: argparse.Namespace) -> int:
    """Print one JSON object per input, in order; never stops on a bad file."""
    from triage.parsing import parse_bytes  # only `parse` and `show` pay for the parser

    out = sys.stdout.buffer
    for name in args.files:
        if name == "-":
            cable = parse_bytes(_read_capped(sys.stdin.buffer), "-")
        else:
            try:
                data = read_regular(name)
            except OSError as exc:
                cable = parse_bytes(b"", name)
                cable.errors = [f"cannot read file: {exc.strerror or exc}"]
            else:
                cable = parse_bytes(data, name)
        out.write(orjson.dumps(cable.to_json()) + b"\n")
    out.flush()
    return 0


# --- shared helpers ---------------------------------------------------------------------


def _settings(args: argparse.Namespace) -> Settings:
    try:
        settings = settings_from_args(args)
    except ConfigError as exc:
        raise CliError(f"{exc}; fix or remove the file, or set TRIAGE_CONFIG") from exc
    _check_user(args, settings)
    return settings


def _check_user(args: argparse.Namespace, settings: Settings) -> None:
    """Refuse a user name that is not plain printable text (exit 2), saying where it came
    from; it is written to the history and shown to everyone, so it is never cleaned silently.
    """
    if args.user is not None:
        value, source = args.user, "--user"
    else:
        value = settings.user
        if os.environ.get("TRIAGE_USER"):
            source = "TRIAGE_USER"
        elif settings.config.get("user"):
            source = f"user in {settings.config_path}"
        else:
            source = "your login name (pass --user NAME)"
    if value and value.isprintable() and value == value.strip():
        return
    raise CliError(
        f"the user name from {source} ({value!r}) must be printable text, not empty, without "
        "control characters, escapes or leading/trailing blanks: pass another --user",
        2,
    )


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except (ValueError, OSError):
        return False
    return True


def _open_store(settings: Settings, *, need_inbox: bool = False) -> Store:
    """The Store for these settings, or a CliError that says what to do."""
    from triage.store import Store

    inbox, db = settings.inbox, settings.db
    if (need_inbox or _inside(db, inbox)) and not inbox.is_dir():
        raise CliError(
            f"the inbox {inbox} does not exist or is not a folder; "
            "pass --inbox DIR or set TRIAGE_INBOX"
        )
    if not db.exists():
        parent = db.parent
        if parent.is_dir() and not os.access(parent, os.W_OK | os.X_OK):
            where = "the inbox" if _inside(db, inbox) else "the folder"
            raise CliError(
                f"cannot create the state folder {db}: {where} {parent} is not writable; "
                "pass --db DIR (or set TRIAGE_DB) to a folder you can write"
            )
    return Store(db, settings.user, os_user=settings.os_user)


def _row(store: Store, text: str) -> QueueRow:
    """The row with ID ``text`` (any case), or a CliError naming the unknown ID."""
    from triage.store import UnknownCableError

    for candidate in dict.fromkeys((text, text.upper(), text.strip())):
        try:
            return store.row(candidate)
        except UnknownCableError:
            continue
    raise CliError(
        f"no cable {safe_text(text)!r} in {store.state_dir}; `triage list` shows the IDs "
        "(run `triage ingest` first if the inbox has new files)"
    )


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


def _check_value(kind: str, value: str) -> str:
    value = value.strip()
    if not value or safe_text(value) != value:
        raise CliError(f"a {kind} must be printable text and not empty: {value!r}", 2)
    return value


def _show_change(store: Store, cable_id: str, what: str) -> int:
    row = store.row(cable_id)
    values = {
        "tags": ", ".join(safe_text(t) for t in row.tags) or "(none)",
        "assignee": safe_text(row.assignee) if row.assignee else "(none)",
        "action": row.action + (" (derived)" if row.action_derived else ""),
        "ack": f"acknowledged by {acked_text(row.acked)}" if row.acked else "not acknowledged",
    }
    print(f"{safe_text(row.id)}: {what} {values[what]}")
    return 0


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
    from triage.ingest import ingest_inbox

    settings = _settings(args)
    store = _open_store(settings, need_inbox=True)
    progress = _Progress(sys.stderr) if sys.stderr.isatty() else None
    try:
        report = ingest_inbox(store, settings.inbox, progress=progress)
    except FileNotFoundError as exc:
        raise CliError(f"{exc}; pass --inbox DIR or set TRIAGE_INBOX") from exc
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
    store = _open_store(_settings(args))
    rejects = store.rejects()
    for path, reason in sorted(rejects.items()):
        if args.json:
            sys.stdout.write(json_line({"path": path, "reason": reason}))
        else:
            sys.stdout.write(f"{safe_text(path)}: {safe_text(reason)}\n")
    return 0


# --- list -------------------------------------------------------------------------------


def _width(text: str) -> int:
    """``--width``: a whole number >= 0 (anything else is a usage error, exit 2)."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(
            f"expects a number of columns, 0 for no limit (not {safe_text(text)!r})"
        )
    return value


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
    settings = _settings(args)
    query = _query(args.query)  # a bad query is a usage error before anything is opened
    store = _open_store(settings)
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


# --- show -------------------------------------------------------------------------------

_TEXT_FIELDS = (
    "transmission_id",
    "to",
    "info",
    "captions",
    "references",
    "classified_by",
    "reasons",
    "declassify_on",
    "summary",
    "paragraphs",
    "action_requests",
    "signers",
    "errors",
)
"""Parsed fields ``show --json`` adds to the queue row (from the cable's source files)."""


def _cable_text(settings: Settings, row: QueueRow) -> dict[str, Any]:
    """The parsed text of a cable, from its source files still in the inbox.

    One parse per section (a corrected copy preferred, then the first file), sections in
    order, so a cable delivered in two renderings or in parts reads once, whole.
    """
    from triage.parsing import parse_bytes

    chosen: dict[tuple[int, ...], Any] = {}
    problems: list[str] = []
    for rel in row.sources:
        if rel in row.missing_sources:
            continue
        path = settings.inbox / rel
        if not _inside(path, settings.inbox):
            continue
        try:
            cable = parse_bytes(read_regular(path), rel)
        except OSError as exc:
            problems.append(f"cannot read {rel}: {exc.strerror or exc}")
            continue
        key = tuple(cable.sections_present) or (cable.section.number if cable.section else 0,)
        if key not in chosen or (cable.corrected and not chosen[key].corrected):
            chosen[key] = cable
    if not chosen:
        return {"errors": problems or ["no source file of this cable is in the inbox"]}
    parts = [chosen[k] for k in sorted(chosen)]
    first = parts[0]
    merged: dict[str, Any] = {name: getattr(first, name) for name in _TEXT_FIELDS}
    for name in ("paragraphs", "action_requests", "signers"):
        merged[name] = [item for part in parts for item in getattr(part, name)]
    merged["signers"] = list(dict.fromkeys(merged["signers"]))
    merged["errors"] = [*problems, *(e for part in parts for e in part.errors)]
    return {
        name: [x if isinstance(x, str) else _as_json(x) for x in value]
        if isinstance(value, list)
        else value
        for name, value in merged.items()
    }


def _as_json(obj: Any) -> Any:
    from dataclasses import asdict, is_dataclass

    return asdict(obj) if is_dataclass(obj) and not isinstance(obj, type) else obj


def cmd_show(args: argparse.Namespace) -> int:
    """One cable with its triage state; marks it read for the acting user (text and JSON
    alike) unless ``--no-mark-read``."""
    settings = _settings(args)
    store = _open_store(settings)
    row = _row(store, args.id)
    if args.mark_read and not row.read:
        from triage.store import StoreError

        try:
            store.mark_read(row.id)
            row = store.row(row.id)
        except StoreError as exc:
            print(f"triage: note: not marked read: {exc}", file=sys.stderr)
    text = _cable_text(settings, row)
    if args.json:
        obj = row.to_json()
        obj.update(text)
        sys.stdout.write(json_line(obj))
        return 0
    out = sys.stdout
    for line in show_lines(row, text):
        out.write(line + "\n")
    return 0


# --- state changes ----------------------------------------------------------------------


def _note(message: str) -> None:
    print(f"triage: note: {message}", file=sys.stderr)


def _spell_tags(wanted: list[str], on_cable: list[str], known: list[str]) -> list[str]:
    """Tags to add, spelled as they already are: users' tags are case-insensitive (so is
    ``tag:`` in a QUERY), and the first spelling stays.

    A tag equal but for case to one on the cable takes the cable's spelling; else to a tag
    known from other cables (``Store.known_tags``), that spelling (the one typed when it is
    known as typed, else the first in sorted order). Notes on stderr say what was reused.
    """
    by_lower: dict[str, str] = {}
    for tag in known:  # sorted: the first spelling of each wins
        by_lower.setdefault(tag.lower(), tag)
    known_set = set(known)
    cable = {t.lower(): t for t in reversed(on_cable)}
    out: dict[str, str] = {}  # lower -> spelling, in the order given
    for tag in wanted:
        low = tag.lower()
        if low in out:
            continue
        if low in cable:
            spelled = cable[low]
            if spelled != tag:
                _note(f"{safe_text(tag)!r} is already tagged as {safe_text(spelled)!r}")
        elif tag in known_set:
            spelled = tag
        elif low in by_lower:
            spelled = by_lower[low]
            _note(f"using the existing spelling {safe_text(spelled)!r} for {safe_text(tag)!r}")
        else:
            spelled = tag
        out[low] = spelled
    return list(out.values())


def cmd_tag(args: argparse.Namespace) -> int:
    """Add (``tag``) or remove (``untag``) users' tags, ignoring case."""
    tags = [_check_value("tag", t) for t in args.tags]
    store = _open_store(_settings(args))
    row = _row(store, args.id)
    on_cable = {t.lower() for t in row.tags}
    if args.remove:
        lower = {t.lower() for t in tags}
        present = [t for t in row.tags if t.lower() in lower]
        absent = list(dict.fromkeys(t for t in tags if t.lower() not in on_cable))
        if absent:
            names = ", ".join(repr(safe_text(t)) for t in absent)
            rest = "" if present else "; nothing changed"
            _note(f"{safe_text(row.id)} had no tag {names}{rest}")
        if present:
            store.remove_tags([row.id], present)
    else:
        there = list(dict.fromkeys(t for t in tags if t in row.tags))
        if there and len(there) == len({t.lower() for t in tags}):
            names = ", ".join(repr(safe_text(t)) for t in there)
            _note(f"{safe_text(row.id)} already had tag {names}; nothing changed")
        # The store applies the same spelling rule under its lock; this pass only tells the
        # user which existing spelling was reused.
        store.add_tags([row.id], _spell_tags(tags, row.tags, store.known_tags()))
    return _show_change(store, row.id, "tags")


def cmd_assign(args: argparse.Namespace) -> int:
    """Set or clear the assignee (``me`` is the acting user)."""
    settings = _settings(args)
    assignee = None
    if not args.none:
        assignee = _check_value("user name", args.assignee)
        if assignee == "me":
            assignee = settings.user
    store = _open_store(settings)
    row = _row(store, args.id)
    store.assign([row.id], assignee)
    return _show_change(store, row.id, "assignee")


def cmd_action(args: argparse.Namespace) -> int:
    """Set the action-request state."""
    store = _open_store(_settings(args))
    row = _row(store, args.id)
    store.set_action([row.id], args.state)
    return _show_change(store, row.id, "action")


def cmd_ack(args: argparse.Namespace) -> int:
    """Acknowledge receipt (FLASH, NIACT and IMMEDIATE traffic asks for it)."""
    from triage.model import Precedence

    store = _open_store(_settings(args))
    row = _row(store, args.id)
    if row.acked:
        print(f"{safe_text(row.id)}: already acknowledged by {acked_text(row.acked)}")
        return 0
    if row.rank > Precedence.IMMEDIATE:
        print(
            f"triage: note: {safe_text(row.id)} is not FLASH or IMMEDIATE; acknowledged anyway",
            file=sys.stderr,
        )
    store.ack([row.id])
    return _show_change(store, row.id, "ack")


def cmd_undo(args: argparse.Namespace) -> int:
    """Undo the acting user's last command."""
    store = _open_store(_settings(args))
    change = store.undo()
    ids = ", ".join(safe_text(i) for i in change.ids)
    print(f"undone: {safe_text(change.message)}" + (f" ({ids})" if ids else ""))
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    """One line per change of a cable, oldest first."""
    store = _open_store(_settings(args))
    row = _row(store, args.id)
    entries = store.history(row.id)
    out = sys.stdout
    for entry in entries:
        out.write(json_line(entry) if args.json else history_line(entry) + "\n")
    if not entries and not args.json:
        print(f"{safe_text(row.id)}: no changes yet", file=sys.stderr)
    return 0


# --- export -----------------------------------------------------------------------------


def cmd_export(args: argparse.Namespace) -> int:
    """The queue (filtered) with triage state and markings, as CSV or JSON Lines."""
    settings = _settings(args)
    query = _query(args.query)
    output = Path(args.output) if args.output and args.output != "-" else None
    if output is not None and _inside(output, settings.inbox):
        raise CliError(
            f"will not write {output} inside the inbox {settings.inbox} (ingest would read "
            "it); choose a file elsewhere",
            2,
        )
    store = _open_store(settings)
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


# --- main -------------------------------------------------------------------------------


def _run(func: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    from triage.store import StoreError

    try:
        return int(func(args))
    except CliError as exc:
        print(f"triage: {exc}", file=sys.stderr)
        return exc.code
    except StoreError as exc:
        print(f"triage: {safe_text(str(exc), multiline=True)}", file=sys.stderr)
        return 1


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``triage`` console script."""
    parser = build_parser()
    words = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parser.parse_args(_split_query_words(words))
    except SystemExit as exc:  # --help (0) or a usage error (2), already printed
        return int(exc.code or 0)
    if args.command is None:
        try:
            _check_user(args, load_settings(user=args.user))
        except CliError as exc:
            print(f"triage: {exc}", file=sys.stderr)
            return exc.code
        except ConfigError:
            pass  # the app reports it
        from triage.app import run_app  # the app's imports cost ~0.1 s; only pay them here

        return run_app(args)
    try:
        if args.command == "parse":  # touches no state: nothing for _run to report
            return int(args.func(args))
        return _run(args.func, args)
    except BrokenPipeError:  # `triage list | head`
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130
