"""Triage keys in the cable view: ack, tag, assign, action on the open cable; state on top."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.app.queue_support import fill, loaded, settings_for, wait_for
from triage.app import make_app
from triage.app.screens.cable import CableScreen
from triage.app.screens.help import HelpScreen
from triage.app.widgets.cable_view import TriageLine
from triage.store import Store


def _line(app: Any) -> str:
    return str(app.screen.query_one(TriageLine).render())


async def test_ack_tag_assign_action_from_the_cable_view(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    fill(settings)
    app = make_app(settings, watch=False, scan=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded(pilot)
        assert screen.table.cursor_id == "09ELBONIA1"  # the FLASH, awaiting acknowledgement
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CableScreen))
        cable = app.screen
        assert isinstance(cable, CableScreen)
        line = cable.query_one(TriageLine)
        assert line.region.y == 1  # right under the top banner
        assert "NOT ACKNOWLEDGED" in _line(app)

        await pilot.press("exclamation_mark")
        await wait_for(pilot, lambda: "acked by tester" in _line(app))
        assert Store(settings.db, "x").row("09ELBONIA1").acked is not None
        assert app.screen is cable  # still reading the cable

        await pilot.press("t")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "TagDialog")
        await pilot.press("h", "o", "t", "enter")
        await wait_for(pilot, lambda: "tags hot" in _line(app))
        assert app.screen is cable

        await pilot.press("a")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "AssignDialog")
        await pilot.press("ctrl+u", "b", "o", "b", "enter")
        await wait_for(pilot, lambda: "assigned bob" in _line(app))

        await pilot.press("x")  # derived none -> open
        await wait_for(pilot, lambda: "action open" in _line(app))
        row = Store(settings.db, "x").row("09ELBONIA1")
        assert (row.tags, row.assignee, row.action) == (["hot"], "bob", "open")
        assert "hot" in str(cable.query_one("#cable-state").render())  # the TRIAGE section too
        # The queue follows, and its selection is untouched.
        await wait_for(pilot, lambda: screen.model.rows["09ELBONIA1"].assignee == "bob")

        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        ids = {e.binding_id for e in help_screen.entries}
        assert {"cable-ack", "cable-tag", "cable-assign", "cable-cycle-action"} <= ids


async def test_compare_and_set_from_the_cable_view(tmp_path: Path) -> None:
    """Someone assigns the cable while it is open: the assign from the view is refused."""
    settings = settings_for(tmp_path)
    fill(settings)
    app = make_app(settings, watch=False, scan=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CableScreen))
        assert screen.model.rows["09ELBONIA1"].assignee is None
        await pilot.press("a")  # the dialog opens with what the queue knows: nobody
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "AssignDialog")
        Store(settings.db, "colleague").assign(["09ELBONIA1"], "colleague")
        await pilot.press("ctrl+u", "b", "o", "b", "enter")
        await wait_for(pilot, lambda: "assigned colleague" in _line(app))
        assert Store(settings.db, "x").row("09ELBONIA1").assignee == "colleague"
        assert any(n.title == "Changed meanwhile" for n in app._notifications)
