"""The Textual app: ``run_app(args)`` for the command line, ``make_app(settings)`` for tests."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from triage.config import ConfigError, Settings, settings_from_args

if TYPE_CHECKING:
    from triage.app.app import TriageApp


def make_app(settings: Settings, *, watch: bool = True, scan: bool = True) -> TriageApp:
    """Build the app from explicit settings, never from the machine's environment.

    Args:
        settings: Where things live and who is acting.
        watch: Watch the inbox for deliveries.
        scan: Ingest the inbox once after the queue is shown.

    Returns:
        A TriageApp ready for ``run()`` or ``run_test()``.
    """
    from triage.app.app import TriageApp

    return TriageApp(settings, watch=watch, scan=scan)


def run_app(args: argparse.Namespace) -> int:
    """Run the terminal app from the command line's global flags.

    Args:
        args: Parsed arguments with ``inbox``, ``db``, ``user``, ``theme`` and ``polling``.

    Returns:
        The exit status: 0, or 1 with a message on standard error.
    """
    try:
        settings = settings_from_args(args)
    except ConfigError as exc:
        print(f"triage: {exc}", file=sys.stderr)
        return 1
    if not settings.inbox.is_dir():
        print(
            f"triage: the inbox {settings.inbox} does not exist or is not a folder; "
            "pass --inbox DIR or set TRIAGE_INBOX",
            file=sys.stderr,
        )
        return 1
    app = make_app(settings)
    result = app.run()
    return int(result or app.return_code or 0)
