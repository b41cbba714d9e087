"""Every key of the queue screen, driven through the pilot; assertions on the store and model."""

from __future__ import annotations

from pathlib import Path

from tests.app.queue_support import (
    SAMPLE,
    fill,
    loaded,
    make,
    settings_for,
    shown_ids,
    wait_for,
)
from triage import queue
from triage.app.screens.queue import QueueScreen
from triage.app.widgets.queue_table import QueueTable
from triage.app.widgets.status_bar import StatusBar
from triage.config import load_settings
from triage.store import Store

SIZE = (120, 40)


async def test_first_screen_is_the_queue_in_triage_order(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    store = fill(settings)
    async with make(settings).run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        assert shown_ids(screen) == [r.id for r in queue.order(store.rows())]
        assert shown_ids(screen)[:3] == ["09ELBONIA1", "09ELBONIA2", "09ELBONIA3"]
        assert screen.model.counts.unacked == 3
        assert screen.model.counts.unread == len(SAMPLE)
        assert isinstance(pilot.app.focused, QueueTable)


async def test_j_k_move_and_enter_opens_and_marks_read(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    fill(settings)
    async with make(settings).run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        table = screen.table
        await pilot.press("j", "j", "down", "k")
        assert table.cursor == 2
        target = table.cursor_id
        assert target is not None
        assert not Store(settings.db, "tester").row(target).read  # moving does not mark read
        await pilot.press("enter")
        await wait_for(pilot, lambda: pilot.app.screen.__class__.__name__ == "CableScreen")
        assert Store(settings.db, "tester").row(target).read
        await pilot.press("escape")
        await wait_for(pilot, lambda: pilot.app.screen is screen)
        assert isinstance(pilot.app.focused, QueueTable)
        await wait_for(pilot, lambda: screen.model.rows[target].read)
        assert table.cursor_id == target
        await pilot.press("end")
        assert table.cursor == len(SAMPLE) - 1
        await pilot.press("home")
        assert table.cursor == 0


async def test_tag_assign_action_ack_undo(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    fill(settings)
    other = Store(settings.db, "other")
    async with make(settings).run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        first = screen.table.cursor_id
        assert first == "09ELBONIA1"

        await pilot.press("t")
        await wait_for(pilot, lambda: pilot.app.screen.__class__.__name__ == "TagDialog")
        await pilot.press(*"urgent", "enter")
        await wait_for(pilot, lambda: other.row(first).tags == ["urgent"])
        assert isinstance(pilot.app.focused, QueueTable)

        await pilot.press("a")
        await wait_for(pilot, lambda: pilot.app.screen.__class__.__name__ == "AssignDialog")
        await pilot.press(*"alice", "enter")
        await wait_for(pilot, lambda: other.row(first).assignee == "alice")
        assert isinstance(pilot.app.focused, QueueTable)

        await pilot.press("x")
        await wait_for(pilot, lambda: other.row(first).action == "open")
        await wait_for(pilot, lambda: screen.model.rows[first].action == "open")
        await pilot.press("x")
        await wait_for(pilot, lambda: other.row(first).action == "done")
        await wait_for(pilot, lambda: screen.model.rows[first].action == "done")

        await pilot.press("u")  # undo done -> open
        await wait_for(pilot, lambda: other.row(first).action == "open")
        await wait_for(pilot, lambda: screen.model.rows[first].action == "open")
        assert screen.table.cursor_id == first

        await pilot.press("exclamation_mark")
        await wait_for(pilot, lambda: other.row(first).acked is not None)
        assert other.row(first).acked["user"] == "tester"
        await wait_for(pilot, lambda: screen.model.counts.unacked == 2)
        assert screen.table.cursor_id == first


async def test_space_selects_for_bulk_tag_and_ack(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    fill(settings)
    other = Store(settings.db, "other")
    async with make(settings).run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        await pilot.press("space", "space", "space")  # select the three urgent rows
        picked = {"09ELBONIA1", "09ELBONIA2", "09ELBONIA3"}
        assert screen.model.selected == picked
        await pilot.press("t")
        await wait_for(pilot, lambda: pilot.app.screen.__class__.__name__ == "TagDialog")
        await pilot.press(*"watch", "enter")
        await wait_for(pilot, lambda: all(other.row(c).tags == ["watch"] for c in picked))
        assert other.row("09ELBONIA4").tags == []
        assert screen.model.selected == set()
        await pilot.press("home", "space", "space", "space", "exclamation_mark")
        await wait_for(pilot, lambda: all(other.row(c).acked for c in picked))
        await wait_for(pilot, lambda: screen.model.counts.unacked == 0)
        await pilot.press("u", "u")  # one bulk command, one undo: the tags go from all three
        await wait_for(pilot, lambda: not any(other.row(c).tags for c in picked))
        await pilot.press("space", "escape")
        assert screen.model.selected == set()


def _status(screen: QueueScreen) -> str:
    return str(screen.query_one(StatusBar).render())


async def test_a_filter_drops_hidden_rows_from_the_selection(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    fill(settings)
    other = Store(settings.db, "other")
    async with make(settings).run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        assert "selected" not in _status(screen)
        await pilot.press("home", "space", "space")  # FLASH and NIACT
        assert screen.model.selected == {"09ELBONIA1", "09ELBONIA2"}
        assert "2 selected" in _status(screen)
        await pilot.press("slash")
        await wait_for(pilot, lambda: pilot.app.screen.__class__.__name__ == "FilterDialog")
        await pilot.press(*"prec:routine", "enter")
        await wait_for(pilot, lambda: screen.model.query_text == "prec:routine")
        await wait_for(pilot, lambda: not screen._filter_busy)
        assert screen.model.selected == set()  # both are hidden now
        assert "selected" not in _status(screen)
        under = screen.table.cursor_id
        assert under is not None and other.row(under).precedence == "ROUTINE"
        await pilot.press("t")
        await wait_for(pilot, lambda: pilot.app.screen.__class__.__name__ == "TagDialog")
        await pilot.press(*"hiddentest", "enter")
        await wait_for(pilot, lambda: other.row(under).tags == ["hiddentest"])
        assert other.row("09ELBONIA1").tags == [] and other.row("09ELBONIA2").tags == []


async def test_a_saved_view_keeps_only_the_visible_selected_rows(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, views={"urgent": "prec:>=immediate"})
    fill(settings)
    other = Store(settings.db, "other")
    async with make(settings).run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        await pilot.press("home", "space", "j", "j", "space")  # FLASH, then PRIORITY
        assert screen.model.selected == {"09ELBONIA1", "09ELBONIA4"}
        await pilot.press("1")
        await wait_for(pilot, lambda: screen.view_name == "urgent" and not screen._filter_busy)
        assert screen.model.selected == {"09ELBONIA1"}
        assert "1 selected" in _status(screen)
        await pilot.press("x")
        await wait_for(pilot, lambda: other.row("09ELBONIA1").action == "open")
        assert other.row("09ELBONIA4").action == "none"
        await wait_for(pilot, lambda: "selected" not in _status(screen))  # cleared after x


async def test_status_line_counts_the_selection(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    fill(settings)
    async with make(settings).run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        await pilot.press("space", "space", "space")
        assert "3 selected" in _status(screen)
        await pilot.press("k", "space")  # unselect the third
        assert "2 selected" in _status(screen)
        await pilot.press("escape")
        assert "selected" not in _status(screen)


async def test_assign_me_stores_the_acting_user_as_the_cli_does(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    fill(settings)
    other = Store(settings.db, "other")
    async with make(settings).run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        first = screen.table.cursor_id
        assert first is not None
        await pilot.press("a")
        await wait_for(pilot, lambda: pilot.app.screen.__class__.__name__ == "AssignDialog")
        await pilot.press(*"me", "enter")
        await wait_for(pilot, lambda: other.row(first).assignee is not None)
        assert other.row(first).assignee == "tester"
        assert other.history(first)[-1]["new"] == "tester"
        await wait_for(pilot, lambda: screen.model.rows[first].assignee == "tester")
        assert screen.model.counts.mine == 1


async def test_tag_dialog_remove_and_add_says_what_changed(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    fill(settings)
    other = Store(settings.db, "other")
    async with make(settings).run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        first = screen.table.cursor_id
        assert first is not None

        def messages() -> list[str]:
            return [n.message for n in pilot.app._notifications]

        pilot.app.clear_notifications()  # the arrival alert
        await pilot.press("t")
        await wait_for(pilot, lambda: pilot.app.screen.__class__.__name__ == "TagDialog")
        await pilot.press(*"-foo bar", "enter")  # no tag foo to remove: only bar is added
        await wait_for(pilot, lambda: other.row(first).tags == ["bar"])
        await wait_for(pilot, lambda: bool(messages()))
        await pilot.pause(0.1)
        assert messages() == ["tag: 1 cable(s)"]
        pilot.app.clear_notifications()

        await pilot.press("t")
        await wait_for(pilot, lambda: pilot.app.screen.__class__.__name__ == "TagDialog")
        await pilot.press(*"-bar baz", "enter")
        await wait_for(pilot, lambda: other.row(first).tags == ["baz"])
        await wait_for(pilot, lambda: bool(messages()))
        await pilot.pause(0.1)
        assert messages() == ["tag: 1 cable(s)"]
        # One submit is one command: one undo puts bar back and takes baz away.
        assert [e["field"] for e in other.history(first)].count("tags") == 2
        pilot.app.clear_notifications()
        await pilot.press("u")
        await wait_for(pilot, lambda: other.row(first).tags == ["bar"])
        await pilot.press("t")
        await wait_for(pilot, lambda: pilot.app.screen.__class__.__name__ == "TagDialog")
        await pilot.press(*"-bar baz", "enter")
        await wait_for(pilot, lambda: other.row(first).tags == ["baz"])
        pilot.app.clear_notifications()

        await pilot.press("t")
        await wait_for(pilot, lambda: pilot.app.screen.__class__.__name__ == "TagDialog")
        await pilot.press(*"-foo baz", "enter")  # nothing to remove, baz already there
        await wait_for(pilot, lambda: bool(messages()))
        await pilot.pause(0.1)
        assert messages() == ["nothing to change"]
        assert other.row(first).tags == ["baz"]


async def test_stale_assign_is_refused_with_a_notification(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    fill(settings)
    other = Store(settings.db, "other")
    async with make(settings).run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        screen._poll = lambda: None  # this screen does not see the other officer's change
        first = screen.table.cursor_id
        assert first is not None
        other.assign([first], "bob")
        await pilot.press("a")
        await wait_for(pilot, lambda: pilot.app.screen.__class__.__name__ == "AssignDialog")
        await pilot.press(*"alice", "enter")
        await wait_for(
            pilot, lambda: any("Changed meanwhile" in n.title for n in pilot.app._notifications)
        )
        assert other.row(first).assignee == "bob"
        await wait_for(pilot, lambda: screen.model.rows[first].assignee == "bob")


async def test_filter_views_help_rejects_quit(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, views={"urgent": "prec:>=immediate", "mine": "assignee:me"})
    store = fill(settings)
    store.set_rejects({"junk.bin": "binary file"})
    async with make(settings).run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        assert screen.rejects == 1
        await pilot.press("slash")
        await wait_for(pilot, lambda: pilot.app.screen.__class__.__name__ == "FilterDialog")
        await pilot.press(*"prec:flash", "enter")
        await wait_for(pilot, lambda: screen.model.query_text == "prec:flash")
        assert shown_ids(screen) == ["09ELBONIA1"]
        assert isinstance(pilot.app.focused, QueueTable)

        await pilot.press("1")
        await wait_for(pilot, lambda: screen.model.query_text == "prec:>=immediate")
        assert shown_ids(screen) == ["09ELBONIA1", "09ELBONIA2", "09ELBONIA3"]
        assert screen.view_name == "urgent"
        await pilot.press("v")
        await wait_for(pilot, lambda: screen.view_name == "mine")
        assert shown_ids(screen) == []
        await pilot.press("0")
        await wait_for(pilot, lambda: screen.model.query_text == "")
        assert len(shown_ids(screen)) == len(SAMPLE)

        await pilot.press("question_mark")
        await wait_for(pilot, lambda: pilot.app.screen.__class__.__name__ == "HelpScreen")
        ids = {e.binding_id for e in pilot.app.screen.entries}
        assert {"tag", "assign", "cycle-action", "ack", "filter", "undo", "select"} <= ids
        await pilot.press("escape")
        await wait_for(pilot, lambda: pilot.app.screen is screen)
        assert isinstance(pilot.app.focused, QueueTable)

        await pilot.press("R")
        await wait_for(pilot, lambda: pilot.app.screen.__class__.__name__ == "RejectsScreen")
        await pilot.press("escape")
        await wait_for(pilot, lambda: pilot.app.screen is screen)

        await pilot.press("q")
        await wait_for(pilot, lambda: not pilot.app.is_running)


async def test_a_key_remapped_in_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[keys]\n"cycle-action" = "z"\nack = "A"\n', encoding="utf-8")
    settings = load_settings(
        inbox=str(tmp_path / "inbox"),
        db=str(tmp_path / "state"),
        user="tester",
        config_path=config,
        environ={},
    )
    (tmp_path / "inbox").mkdir()
    fill(settings)
    other = Store(settings.db, "other")
    async with make(settings).run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        first = screen.table.cursor_id
        assert first is not None
        await pilot.press("x")  # no longer bound
        await pilot.pause(0.2)
        assert other.row(first).action == "none"
        await pilot.press("z")
        await wait_for(pilot, lambda: other.row(first).action == "open")
        await pilot.press("A")
        await wait_for(pilot, lambda: other.row(first).acked is not None)


async def test_command_palette_offers_every_action(tmp_path: Path) -> None:
    from triage.app.app import BindingCommands

    settings = settings_for(tmp_path, views={"[b]hot[/b]": "prec:flash"})
    fill(settings)
    async with make(settings).run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        provider = BindingCommands(screen)
        names = {name for name, _, _ in provider._commands()}
        assert {
            "Open",
            "Tag",
            "Assign",
            "Action",
            "Ack",
            "Filter",
            "Select",
            "Undo",
            "Keys",
            "Quit",
            "Rejects",
            "Views",
        } <= names
        assert "View: [b]hot[/b]" in names
        run = next(r for n, _, r in provider._commands() if n == "Action")
        await run()
        await wait_for(pilot, lambda: screen.model.rows["09ELBONIA1"].action == "open")
        hits = [hit async for hit in provider.search("hot")]
        assert hits and hits[0].prompt.plain == "View: [b]hot[/b]"  # literal, not markup
        hits[0].command()
        await wait_for(pilot, lambda: screen.model.query_text == "prec:flash")
        # the palette itself opens, lists the commands and runs one
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: pilot.app.screen.__class__.__name__ == "CommandPalette")
        await pilot.press(*"undo")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.model.rows["09ELBONIA1"].action == "none")


async def test_a_broken_state_ends_the_app_with_a_clear_error(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    fill(settings)
    meta = settings.db / "meta.json"
    meta.write_text("{ not json", encoding="utf-8")
    app = make(settings)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: not app.is_running)
    assert app.return_value == 1
    assert meta.read_text(encoding="utf-8") == "{ not json"  # left untouched


def test_run_app_refuses_a_missing_inbox(tmp_path: Path, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import argparse

    from triage.app import run_app

    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("TRIAGE_CONFIG", str(tmp_path / "empty.toml"))
    args = argparse.Namespace(
        inbox=str(tmp_path / "nope"),
        db=str(tmp_path / "state"),
        user="t",
        theme=None,
        polling=False,
    )
    assert run_app(args) == 1
    assert "does not exist" in capsys.readouterr().err
