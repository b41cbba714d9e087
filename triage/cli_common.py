"""What the subcommands that use the state share: their settings, the store, CliError."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from triage.config import ConfigError, Settings, settings_from_args
from triage.names import user_error
from triage.sources import inside

if TYPE_CHECKING:
    from triage.store import Store


UNREADABLE_HINT = (
    "ask for read access to it (e.g. through its group), or pass --inbox DIR (or set TRIAGE_INBOX)"
)
"""What to do about an inbox that cannot be read, after the message naming it."""


class CliError(Exception):
    """A failure to report on standard error with exit status ``code``."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def settings_for(args: argparse.Namespace) -> Settings:
    """The settings for a subcommand: flag, then TRIAGE_* variable, then config file, then default.

    Args:
        args: the parsed command line.

    Returns:
        The settings, with a user name checked by ``check_user``.

    Raises:
        CliError: the config file cannot be read, or the user name is not printable text.
    """
    try:
        settings = settings_from_args(args)
    except ConfigError as exc:
        text = str(exc)
        if not text.startswith("TRIAGE_CONFIG"):  # that message says what to do already
            text += "; fix or remove the file, or set TRIAGE_CONFIG"
        raise CliError(text) from exc
    for warning in settings.warnings:  # the app shows these as a notification
        print(f"triage: warning: {warning}", file=sys.stderr)
    check_user(args, settings)
    return settings


def check_user(args: argparse.Namespace, settings: Settings) -> None:
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
    if not (value and value.isprintable() and value == value.strip()):
        raise CliError(
            f"the user name from {source} ({value!r}) must be printable text, not empty, "
            "without control characters, escapes or leading/trailing blanks: pass another --user",
            2,
        )
    error = user_error(value)  # the rule the app's assign dialog uses
    if error:
        raise CliError(f"the user name from {source} ({value!r}): {error}: pass another --user", 2)


def open_store(settings: Settings, *, need_inbox: bool = False) -> Store:
    """The Store for these settings, or a CliError that says what to do."""
    from triage.store import Store

    inbox, db = settings.inbox, settings.db
    in_inbox = inside(db, inbox)
    if need_inbox or in_inbox:
        if not inbox.is_dir():
            raise CliError(
                f"the inbox {inbox} does not exist or is not a folder; "
                "pass --inbox DIR or set TRIAGE_INBOX"
            )
        if in_inbox and not os.access(inbox, os.R_OK | os.X_OK):
            raise CliError(f"cannot read the inbox {inbox} (permission denied); {UNREADABLE_HINT}")
    try:
        exists = db.exists()
    except OSError as exc:  # a folder on the way cannot be entered
        raise CliError(
            f"cannot reach the state folder {db}: {exc.strerror or exc}; "
            "pass --db DIR (or set TRIAGE_DB) to a folder you can write"
        ) from exc
    if not exists:
        parent = db.parent
        if parent.is_dir() and not os.access(parent, os.W_OK | os.X_OK):
            where = "the inbox" if inside(db, inbox) else "the folder"
            raise CliError(
                f"cannot create the state folder {db}: {where} {parent} is not writable; "
                "pass --db DIR (or set TRIAGE_DB) to a folder you can write"
            )
    return Store(db, settings.user, os_user=settings.os_user)
