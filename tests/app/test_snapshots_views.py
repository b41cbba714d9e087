"""Snapshot tests of the cable view in every shipped theme at 80x24 and 120x40, and of the
dialogs, with fixed fictional data (no clock, no parser, no store).

Accept new snapshots with ``pytest --snapshot-update`` only after looking at the SVGs.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.app._views_fixtures import ViewsApp, cable_app
from triage.app.screens.dialogs import RejectsScreen, TagDialog
from triage.app.screens.help import HelpScreen
from triage.theming import SHIPPED_THEMES


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
@pytest.mark.parametrize("theme", SHIPPED_THEMES)
def test_cable_view(snap_compare: Any, theme: str, size: tuple[int, int]) -> None:
    """The sample SECRET//NOFORN NIACT cable: banners, fields, refs, action request."""
    assert snap_compare(cable_app(theme=theme), terminal_size=size)


def test_cable_view_scrolled_to_state_and_history(snap_compare: Any) -> None:
    """End of the cable view: triage state and history, a REF focused beforehand."""
    assert snap_compare(cable_app(), terminal_size=(80, 24), press=["r", "end"])


def test_tag_dialog_with_completion(snap_compare: Any) -> None:
    """Tag dialog over the base screen, 'ur' typed, 'urgent' suggested."""
    app = ViewsApp(lambda: TagDialog(["urgent", "border", "[bold red]X[/]"]))
    assert snap_compare(app, terminal_size=(80, 24), press=["u", "r"])


def test_rejects_and_help(snap_compare: Any) -> None:
    """Rejects list (markup shown literally), then help over it lists its keys."""
    rejects = {"inbox/odd\x1b[31m.txt": "binary [b]data[/b]", "inbox/pipe": "not a regular file"}
    app = ViewsApp(lambda: RejectsScreen(rejects))

    async def run_before(pilot: Any) -> None:
        await pilot.app.push_screen(HelpScreen())

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
