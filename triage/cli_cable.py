"""The subcommands on one cable: ``show``, ``history``, and the triage changes (``tag``,
``untag``, ``assign``, ``action``, ``ack``, ``undo``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from triage.cli_common import CliError, open_store, settings_for
from triage.config import Settings
from triage.names import tag_error, user_error
from triage.output import acked_text, history_line, json_line, show_lines
from triage.sources import cable_text
from triage.textsafe import safe_text

if TYPE_CHECKING:
    from triage.model import QueueRow
    from triage.store import Store


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


def _check_value(kind: str, value: str, rule: Callable[[str], str | None] | None = None) -> str:
    """``value`` without surrounding blanks, or a CliError (exit 2) saying why it is refused:
    not printable text, or breaking ``rule`` (``triage.names``: the app's rule too)."""
    value = value.strip()
    if not value or safe_text(value) != value:
        raise CliError(f"a {kind} must be printable text and not empty: {value!r}", 2)
    error = rule(value) if rule else None
    if error:
        raise CliError(error if kind == "tag" else f"{error}: {value!r}", 2)
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
    """The parsed text fields of a cable (``cable_text``), as JSON values."""
    cable, problems = cable_text(settings.inbox, row)
    if cable is None:
        return {"errors": problems or ["no source file of this cable is in the inbox"]}
    merged: dict[str, Any] = {name: getattr(cable, name) for name in _TEXT_FIELDS}
    merged["errors"] = [*problems, *cable.errors]
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
    settings = settings_for(args)
    store = open_store(settings)
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
    if not args.remove:
        for tag in tags:
            _check_value("tag", tag, tag_error)
    store = open_store(settings_for(args))
    row = _row(store, args.id)
    on_cable = {t.lower() for t in row.tags}
    for tag in tags:  # a tag the cable has (from an older version) can still be removed
        if tag.lower() not in on_cable:
            _check_value("tag", tag, tag_error)
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
    settings = settings_for(args)
    assignee = None
    if not args.none:
        assignee = settings.person(_check_value("user name", args.assignee, user_error))
    store = open_store(settings)
    row = _row(store, args.id)
    store.assign([row.id], assignee)
    return _show_change(store, row.id, "assignee")


def cmd_action(args: argparse.Namespace) -> int:
    """Set the action-request state."""
    store = open_store(settings_for(args))
    row = _row(store, args.id)
    store.set_action([row.id], args.state)
    return _show_change(store, row.id, "action")


def cmd_ack(args: argparse.Namespace) -> int:
    """Acknowledge receipt (FLASH, NIACT and IMMEDIATE traffic asks for it)."""
    from triage.model import Precedence

    store = open_store(settings_for(args))
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
    store = open_store(settings_for(args))
    change = store.undo()
    ids = ", ".join(safe_text(i) for i in change.ids)
    print(f"undone: {safe_text(change.message)}" + (f" ({ids})" if ids else ""))
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    """One line per change of a cable, oldest first."""
    store = open_store(settings_for(args))
    row = _row(store, args.id)
    entries = store.history(row.id)
    out = sys.stdout
    for entry in entries:
        out.write(json_line(entry) if args.json else history_line(entry) + "\n")
    if not entries and not args.json:
        print(f"{safe_text(row.id)}: no changes yet", file=sys.stderr)
    return 0
