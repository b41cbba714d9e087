"""The ``triage`` command line: the argument parser, and the terminal app when no subcommand.

The subcommands live in ``cli_parse`` (``parse``), ``cli_queue`` (``ingest``, ``rejects``,
``list``, ``export``) and ``cli_cable`` (``show``, ``history`` and the triage changes); what they
share in ``cli_common``.

Exit status: 0 done; 1 an error, with a message on standard error saying what to do; 2 a usage
error (a bad flag, a bad QUERY). Text output passes all cable text through
``textsafe.safe_text``; JSON output escapes every control and bidi character.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from triage.cli_cable import (
    cmd_ack,
    cmd_action,
    cmd_assign,
    cmd_history,
    cmd_show,
    cmd_tag,
    cmd_undo,
)
from triage.cli_common import CliError, check_user
from triage.cli_parse import cmd_parse
from triage.cli_queue import cmd_export, cmd_ingest, cmd_list, cmd_rejects
from triage.config import ConfigError, load_settings
from triage.output import FLAGS, MARKS
from triage.textsafe import safe_text

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
            check_user(args, load_settings(user=args.user))
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
