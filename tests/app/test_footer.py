"""The footer: help and quit come first and no hint is cut at the terminal's edge."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets._footer import FooterKey

from tests.app.queue_support import fill, loaded, settings_for, wait_for
from triage.app import make_app
from triage.app.screens.cable import CableScreen
from triage.app.widgets.footer import KeyFooter, arrange


def _hints(app) -> list[tuple[str, str, int]]:  # type: ignore[no-untyped-def]
    footer = app.screen.query_one(KeyFooter)
    return [
        (key.key, key.description, key.region.right)
        for key in footer.query(FooterKey)
        if key.region.width
    ]


@pytest.mark.parametrize("width", [80, 100, 140])
async def test_help_and_quit_first_and_nothing_cut(tmp_path: Path, width: int) -> None:
    settings = settings_for(tmp_path)
    fill(settings)
    app = make_app(settings, watch=False, scan=False)
    async with app.run_test(size=(width, 24)) as pilot:
        await loaded(pilot)
        await wait_for(pilot, lambda: bool(app.screen.query(FooterKey)))
        await pilot.pause(0.1)
        hints = _hints(app)
        assert [h[:2] for h in hints[:2]] == [("question_mark", "Keys"), ("q", "Quit")]
        assert all(right <= width for _, _, right in hints)
        assert ("enter", "Open", hints[2][2]) == hints[2]
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CableScreen))
        await wait_for(pilot, lambda: bool(app.screen.query(FooterKey)))
        await pilot.pause(0.1)
        hints = _hints(app)
        keys = [h[0] for h in hints]
        assert keys[:4] == ["question_mark", "q", "escape", "exclamation_mark"]
        assert all(right <= width for _, _, right in hints)


def test_arrange_keeps_essentials_and_skips_what_does_not_fit() -> None:
    from textual.binding import Binding

    def hint(key: str, desc: str, bid: str) -> tuple[Binding, bool, str, str]:
        return (Binding(key, bid, desc, id=bid), True, "", key)

    items = [
        hint("a", "A long description", "one"),
        hint("b", "B", "two"),
        hint("q", "Quit", "quit"),
        hint("?", "Keys", "help"),
    ]
    shown = [b.id for b, *_ in arrange(items, 21)]
    assert shown == ["help", "quit", "two"]
