"""What the queue's columns show at 80 columns: DTG with its month, file rows, flag marks."""

from __future__ import annotations

from pathlib import Path

from tests.app.queue_support import entry, fill, loaded, settings_for
from triage.app import make_app
from triage.app.widgets.queue_table import QueueTable, dtg_short, dtg_text


def _lines(table: QueueTable) -> list[str]:
    return [table.render_line(y).text for y in range(table.size.height)]


def test_dtg_forms() -> None:
    assert dtg_short("2025-10-14T03:42:00Z") == "14OCT 0342Z"
    assert dtg_text("2025-10-14T03:42:00Z") == "140342Z OCT 25"
    assert dtg_short(None) == ""


async def test_dtg_keeps_the_month_at_80_and_is_full_at_120(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    fill(
        settings,
        [
            entry("09OCT", dtg="2025-10-14T03:42:00Z", subject="OCTOBER"),
            entry("09NOV", dtg="2025-11-14T03:42:00Z", subject="NOVEMBER"),
        ],
    )
    async with make_app(settings, watch=False, scan=False).run_test(size=(80, 24)) as pilot:
        screen = await loaded(pilot)
        text = "\n".join(_lines(screen.table))
        assert "14OCT 0342Z" in text and "14NOV 0342Z" in text
        await pilot.resize_terminal(120, 30)
        await pilot.pause(0.1)
        text = "\n".join(_lines(screen.table))
        assert "140342Z OCT 25" in text and "140342Z NOV 25" in text


async def test_a_file_that_is_not_a_cable_shows_its_name(tmp_path: Path) -> None:
    from textual.widgets import Static

    from tests.app.queue_support import wait_for
    from triage.app.screens.cable import CableScreen

    settings = settings_for(tmp_path)
    name = "[bold]menu\x1b[31m.txt"
    (settings.inbox / "[bold]menu.txt").write_text("Lunch menu for Friday\n", encoding="utf-8")
    fill(
        settings,
        [
            entry(
                "X-1a2b3c4d",
                precedence=None,
                classification=None,
                dtg=None,
                subject=None,
                origin=None,
                sources=[{"path": name}],
            )
        ],
    )
    app = make_app(settings, watch=False, scan=False)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded(pilot)
        line = _lines(screen.table)[1]
        assert "(file [bold]menu.txt)" in line  # sanitised, and never read as markup
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CableScreen))
        fields = str(app.screen.query_one("#cable-fields", Static).render())
        assert "SUBJECT (file [bold]menu.txt)" in fields


async def test_conflict_and_gone_source_marks_at_80_explained_in_help(tmp_path: Path) -> None:
    from tests.app.queue_support import cable, deliver, wait_for
    from triage.app.screens.help import HelpScreen

    settings = settings_for(tmp_path)
    deliver(settings.inbox, "a.txt", cable(1, "R", "FIRST TEXT"))
    deliver(settings.inbox, "b.txt", cable(2, "R", "WILL BE DELETED", day=28))
    app = make_app(settings, watch=True, scan=True)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded(pilot)
        await wait_for(pilot, lambda: len(screen.model) == 2 and app.watcher is not None)
        deliver(settings.inbox, "a-again.txt", cable(1, "R", "ANOTHER TEXT, SAME ID"))
        (settings.inbox / "b.txt").unlink()
        await wait_for(
            pilot,
            lambda: (
                screen.model.rows["25BRASKOV1"].conflict
                and bool(screen.model.rows["25BRASKOV2"].missing_sources)
            ),
        )
        await pilot.pause(0.1)
        lines = _lines(screen.table)
        conflict = next(line for line in lines if "FIRST TEXT" in line or "ANOTHER" in line)
        gone = next(line for line in lines if "WILL BE DELETED" in line)
        assert conflict[4] == "X" and gone[4] == "?", (conflict, gone)  # the 5th mark column
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        legend = dict(help_screen.legend)
        assert "conflict" in legend["X"] and "gone" in legend["?"]
        assert {"F", "P", "C", "!", "●", "*", "▶"} <= set(legend)
