"""Pilot tests of the dialogs (tags, assign, filter), the rejects list and the help screen:
typing, completion, enter, escape, focus given back, untrusted text shown as plain text."""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.widgets import Input

from tests.app._views_fixtures import BaseScreen, ViewsApp, cable_app, screen_text
from triage.app.screens.dialogs import (
    AssignDialog,
    FilterDialog,
    LastWordSuggester,
    RejectsScreen,
    TagDialog,
    split_tags,
    tag_error,
)
from triage.app.screens.help import HelpScreen, key_help

MARKUP = "[bold red]X[/]"


async def _closed(app: ViewsApp, pilot: Any) -> None:
    """The dialog is gone and focus is back on the base screen's widget."""
    await pilot.pause()
    assert isinstance(app.screen, BaseScreen)
    assert app.focused is app.screen.query_one("#base")


async def _type(app: ViewsApp, pilot: Any, text: str) -> None:
    """Put text in the dialog's input as if typed (one Changed event, not one per key)."""
    field = app.screen.query_one(Input)
    field.value = text
    field.cursor_position = len(text)
    await pilot.pause()


def _suggestion(app: ViewsApp) -> str:
    return app.screen.query_one(Input)._suggestion


# --- pure helpers -----------------------------------------------------------------------------


def test_split_tags_commas_spaces_no_repeats() -> None:
    assert split_tags(" a, b  c,,a ,B ") == ["a", "b", "c"]
    assert split_tags("") == []


def test_tag_error() -> None:
    assert tag_error("follow-up") is None
    assert tag_error(MARKUP.replace(" ", "")) is None  # shown literally everywhere, so allowed
    assert tag_error("a,b") is not None  # typed, it is two tags; the CLI uses the same rule
    assert tag_error("x" * 41) is not None
    assert tag_error('say"hi') is not None
    assert tag_error("a(b") is not None
    assert tag_error("bad\x1b[31m") is not None
    assert tag_error("-remove-me") is None  # a leading '-' removes the tag
    assert tag_error("-") is not None
    assert tag_error("--x") is not None
    assert tag_error("-bad(") is not None


async def test_last_word_suggester_completes_last_word_keeping_case() -> None:
    s = LastWordSuggester(["urgent", "Follow-up", "border"])
    assert await s.get_suggestion("ur") == "urgent"
    assert await s.get_suggestion("URGENT, fo") == "URGENT, follow-up"  # typed case kept
    assert await s.get_suggestion("urgent ") is None
    assert await s.get_suggestion("urgent, ur") is None  # already typed
    assert await s.get_suggestion("zz") is None
    assert await s.get_suggestion("-ur") == "-urgent"
    assert await s.get_suggestion("-") is None


# --- tags -------------------------------------------------------------------------------------


async def test_tag_dialog_completes_and_returns_tags() -> None:
    app = ViewsApp(lambda: TagDialog(["urgent", "border", "follow-up"]))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TagDialog)
        assert isinstance(app.focused, Input)
        await pilot.press("u", "r")
        await pilot.pause()
        assert _suggestion(app) == "urgent"
        assert "urgent" in screen_text(app)
        await pilot.press("tab")
        assert app.screen.query_one(Input).value == "urgent"
        await pilot.press("comma", "space", "f", "o", "tab", "space", "N", "e", "w")
        await pilot.press("enter")
        await _closed(app, pilot)
        assert app.results == [["urgent", "follow-up", "New"]]


async def test_tag_dialog_uses_known_spelling_and_empty_is_empty_list() -> None:
    app = ViewsApp(lambda: TagDialog(["Urgent", "Border"]))
    async with app.run_test(size=(80, 24)) as pilot:
        await _type(app, pilot, "URGENT -border")
        await pilot.press("enter")
        await _closed(app, pilot)
    app2 = ViewsApp(lambda: TagDialog([]))
    async with app2.run_test(size=(80, 24)) as pilot:
        await pilot.press("enter")
        await _closed(app2, pilot)
    assert app.results == [["Urgent", "-Border"]]
    assert app2.results == [[]]


async def test_tag_dialog_rejects_bad_tag_live_and_escape_cancels() -> None:
    app = ViewsApp(lambda: TagDialog(["urgent"], title="Tag 3 cables"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "Tag 3 cables" in screen_text(app)
        await _type(app, pilot, "ok a(b")
        dialog = app.screen
        assert isinstance(dialog, TagDialog)
        assert "parenthesis" in dialog.message
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is dialog  # not dismissed
        await pilot.press("backspace", "backspace")
        await pilot.pause()
        assert dialog.message == ""
        await pilot.press("escape")
        await _closed(app, pilot)
        assert app.results == [None]


async def test_tag_completions_are_plain_text() -> None:
    known = [MARKUP, "fol\x1b]0;pwned\x07low\x1b[31m", "urgent"]
    app = ViewsApp(lambda: TagDialog(known))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, TagDialog)
        assert dialog.known_tags == [MARKUP, "follow", "urgent"]
        await pilot.press("left_square_bracket")
        await pilot.pause()
        assert _suggestion(app) == MARKUP
        assert MARKUP in screen_text(app)
        await pilot.press("backspace", "f")
        await pilot.pause()
        assert _suggestion(app) == "follow"
        text = screen_text(app)
        assert "\x1b" not in text and "pwned" not in text


# --- assign -----------------------------------------------------------------------------------


async def test_assign_dialog_prefills_completes_and_returns_name() -> None:
    app = ViewsApp(lambda: AssignDialog(["alice", "bob", "Carol"], "alice"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        field = app.screen.query_one(Input)
        assert field.value == "alice"
        await pilot.press("ctrl+u", "c")
        await pilot.pause()
        assert _suggestion(app).casefold() == "carol"
        await pilot.press("tab", "enter")
        await _closed(app, pilot)
        assert app.results == ["Carol"]


async def test_assign_dialog_empty_clears_escape_cancels_bad_name_refused() -> None:
    app = ViewsApp(lambda: AssignDialog(["alice"], "alice"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+u", "enter")
        await _closed(app, pilot)
    app2 = ViewsApp(lambda: AssignDialog(["alice"], None))
    async with app2.run_test(size=(80, 24)) as pilot:
        await _type(app2, pilot, "a b")
        dialog = app2.screen
        assert isinstance(dialog, AssignDialog)
        assert "no spaces" in dialog.message
        await pilot.press("enter")
        await pilot.pause()
        assert app2.screen is dialog
        await pilot.press("escape")
        await _closed(app2, pilot)
    assert app.results == [""]
    assert app2.results == [None]


# --- filter -----------------------------------------------------------------------------------


def _check(query: str) -> str | None:
    if "nope:" in query:
        return "unknown field 'nope'; known: prec, class, tag"
    if "boom" in query:
        raise RuntimeError("checker bug")
    return None


async def test_filter_dialog_live_error_enter_apply_escape() -> None:
    app = ViewsApp(lambda: FilterDialog("nope:x", _check))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, FilterDialog)
        assert dialog.message.startswith("unknown field 'nope'")
        assert "unknown field 'nope'" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is dialog
        await _type(app, pilot, "tag:urgent")
        assert dialog.message == ""
        await pilot.press("enter")
        await _closed(app, pilot)
        assert app.results == ["tag:urgent"]


async def test_filter_dialog_empty_shows_all_and_escape_cancels() -> None:
    app = ViewsApp(lambda: FilterDialog("prec:flash", _check))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+u", "enter")
        await _closed(app, pilot)
    app2 = ViewsApp(lambda: FilterDialog("prec:flash", _check))
    async with app2.run_test(size=(80, 24)) as pilot:
        await _type(app2, pilot, "boom")
        dialog = app2.screen
        assert isinstance(dialog, FilterDialog)
        assert "cannot check" in dialog.message
        await pilot.press("escape")
        await _closed(app2, pilot)
    assert app.results == [""]
    assert app2.results == [None]


async def test_filter_error_with_markup_is_plain() -> None:
    app = ViewsApp(lambda: FilterDialog("", lambda q: f"bad word {q}" if q else None))
    async with app.run_test(size=(80, 24)) as pilot:
        await _type(app, pilot, MARKUP)
        assert f"bad word {MARKUP}" in screen_text(app)


# --- rejects ----------------------------------------------------------------------------------


async def test_rejects_list_plain_text_and_escape() -> None:
    rejects = {
        "inbox/b\x1b[31mad.txt": f"binary file {MARKUP}\x1b]0;pwned\x07",
        "inbox/fifo": "not a regular file (FIFO)",
    }
    app = ViewsApp(lambda: RejectsScreen(rejects))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "Rejected files (2)" in text
        assert "inbox/bad.txt" in text
        assert f"binary file {MARKUP}" in text
        assert "inbox/fifo" in text and "not a regular file (FIFO)" in text
        assert "\x1b" not in text and "pwned" not in text
        assert text.index("inbox/bad.txt") < text.index("inbox/fifo")
        await pilot.press("escape")
        await _closed(app, pilot)


async def test_rejects_empty() -> None:
    app = ViewsApp(lambda: RejectsScreen({}))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "No file was rejected." in screen_text(app)
        await pilot.press("q")
        await _closed(app, pilot)


# --- help -------------------------------------------------------------------------------------


async def test_help_lists_bindings_of_screen_below_with_ids() -> None:
    app = ViewsApp()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        entries = {e.binding_id: e for e in key_help(app.screen)}
        assert entries["test-cycle-action"].keys == ("x",)
        assert entries["test-down"].keys == ("j", app.get_key_display(Binding("down", "noop")))
        await app.push_screen(HelpScreen())
        await pilot.pause()
        text = screen_text(app)
        assert "Keys: Base" in text
        assert "Cycle action" in text and "[test-cycle-action]" in text
        await pilot.press("escape")
        await _closed(app, pilot)


async def test_help_follows_a_remapped_key() -> None:
    app = ViewsApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.set_keymap({"test-cycle-action": "c"})
        await pilot.pause()
        entries = {e.binding_id: e for e in key_help(app.screen)}
        assert entries["test-cycle-action"].keys == ("c",)


async def test_help_over_cable_screen() -> None:
    app = cable_app()
    async with app.run_test(size=(80, 40)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        ids = {e.binding_id for e in help_screen.entries}
        assert {"cable-back", "cable-scroll-down", "cable-next-reference", "help"} <= ids
        by_id = {e.binding_id: e.keys for e in help_screen.entries}
        assert by_id["cable-scroll-down"] == ("j", app.get_key_display(Binding("down", "x")))
        assert "Keys: Cable" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "CableScreen"


def test_every_dialog_binding_has_id_and_description() -> None:
    for screen in (TagDialog, AssignDialog, FilterDialog, RejectsScreen, HelpScreen):
        for binding in screen.BINDINGS:
            assert binding.id and binding.description, (screen, binding)  # type: ignore[union-attr]
