"""Untrusted text in queue cells, notifications and the status line: shown literally, no escapes."""

from __future__ import annotations

from pathlib import Path

from tests.app.queue_support import entry, fill, loaded, make, settings_for, wait_for
from triage.app.widgets.queue_table import QueueTable
from triage.app.widgets.status_bar import StatusBar

MARKUP = "[bold red]X[/]"
ESCAPES = "A\x1b]0;owned\x07B\x1b[31mC\x1b]8;;http://evil.example/\x1b\\D\x9b2J"


def screen_text(app) -> str:  # type: ignore[no-untyped-def]
    table = app.screen.query_one(QueueTable)
    return "\n".join(table.render_line(y).text for y in range(table.size.height))


async def test_markup_and_escapes_in_cells_notifications_and_status(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, user="[b]eve[/b]")
    fill(
        settings,
        [
            entry(
                "09EVIL1", precedence="FLASH", subject=MARKUP, origin=MARKUP, cable_tags=[MARKUP]
            ),
            entry("09EVIL2", precedence="IMMEDIATE", subject=ESCAPES, caveats=["\x1b[5mNOFORN"]),
        ],
    )
    app = make(settings)
    async with app.run_test(size=(230, 30)) as pilot:
        screen = await loaded(pilot)
        await pilot.pause()
        text = screen_text(app)
        assert text.count(MARKUP) == 3  # subject, origin, TAGS: brackets shown, not interpreted
        assert "ABCD" in text  # the escape sequences are gone, the letters stay
        for bad in ("\x1b", "\x07", "\x9b", "owned", "evil.example"):
            assert bad not in text
        # the alerts for both cables: plain, literal, never markup
        await wait_for(pilot, lambda: len(app._notifications) >= 1)
        note = next(iter(app._notifications))
        assert not note.markup
        # the status line shows the user name literally
        status = screen.query_one(StatusBar)
        rendered = str(status.render())
        assert "[b]eve[/b]" in rendered
        # an assignee typed by a user is also shown literally
        screen.store.assign(["09EVIL1"], MARKUP)
        await wait_for(pilot, lambda: screen.model.rows["09EVIL1"].assignee == MARKUP)
        await pilot.pause()
        assert "[bold red…" in screen_text(app)  # the assignee column, truncated


async def test_single_alert_text_is_literal(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    store = fill(settings, [])
    app = make(settings)
    async with app.run_test(size=(120, 30)) as pilot:
        screen = await loaded(pilot)
        store.index_put([entry("09EVIL3", precedence="FLASH", subject=MARKUP + ESCAPES)])
        await wait_for(pilot, lambda: "09EVIL3" in screen.model.rows)
        await wait_for(pilot, lambda: any(MARKUP in n.message for n in app._notifications))
        note = next(n for n in app._notifications if MARKUP in n.message)
        assert not note.markup
        assert "\x1b" not in note.message and "owned" not in note.message
