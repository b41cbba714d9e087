"""Pilot tests of the cable view: banners, fields, action requests, references, state, history,
keys, and untrusted text (markup and terminal escapes shown literally or stripped)."""

from __future__ import annotations

import pytest
from textual.color import Color
from textual.widgets import Static

from tests.app._views_fixtures import (
    CABLE_ID,
    REF_IN_QUEUE,
    REF_NOT_IN_QUEUE,
    BaseScreen,
    cable_app,
    sample_cable,
    sample_history,
    sample_row,
    screen_lines,
    screen_text,
)
from triage.app.screens.cable import CableScreen
from triage.app.widgets.cable_view import (
    CableView,
    ClassificationBanner,
    RefItem,
    format_dtg,
    format_value,
    one_line,
    plain_text,
)
from triage.model import Paragraph, Reference

TALL = (120, 120)
MARKUP = "[bold red]X[/]"
ESCAPES = (
    "\x1b[31mRED\x1b[0m \x1b]0;pwned title\x07 \x1b]8;;http://evil.example\x1b\\link"
    "\x1b]8;;\x1b\\ \x9b2J\x07bell\x08"
)


def _plain(widget: Static) -> str:
    return str(widget.visual)


# --- pure helpers -----------------------------------------------------------------------------


def test_plain_text_strips_escape_sequences_and_controls() -> None:
    assert plain_text(ESCAPES) == "RED  link bell"
    assert plain_text("a\r\nb\tc") == "a\nb    c"
    assert plain_text("x\u202eevil\u2066y") == "xevily"
    assert plain_text(None) == ""
    assert one_line("  two\n lines\t ") == "two lines"
    assert plain_text(MARKUP) == MARKUP


def test_format_dtg_gives_military_and_iso_zulu() -> None:
    assert format_dtg("2008-02-22T22:15:00Z") == "222215Z FEB 08 (2008-02-22 22:15Z)"
    assert format_dtg(None) == "no DTG"
    assert format_dtg("garbage\x1b[2J") == "garbage"


def test_format_value_handles_history_shapes() -> None:
    assert format_value(None) == "(none)"
    assert format_value(["a", "b"]) == "a, b"
    assert format_value({"user": "ann", "at": "2026-01-02T03:04:05Z"}) == "ann at 2026-01-02 03:04Z"
    assert format_value(True) == "yes"


# --- the screen -------------------------------------------------------------------------------


async def test_banners_top_and_bottom_in_colour_and_words() -> None:
    app = cable_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        top = app.screen.query_one("#banner-top", ClassificationBanner)
        bottom = app.screen.query_one("#banner-bottom", ClassificationBanner)
        for banner in (top, bottom):
            assert banner.text == "SECRET//NOFORN"
            assert banner.has_class("-classification-secret")
        lines = screen_lines(app)
        assert lines[0].strip() == "SECRET//NOFORN"
        assert lines[-2].strip() == "SECRET//NOFORN"  # the footer is the last line
        secret = app.get_css_variables()["classification-secret"]
        assert top.styles.background.hex.lower() == secret.lower()


async def test_unknown_classification_says_so() -> None:
    app = cable_app(
        row=sample_row(classification=None, caveats=[]),
        cable=sample_cable(classification=None, caveats=[]),
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        banner = app.screen.query_one("#banner-top", ClassificationBanner)
        assert banner.text == "UNKNOWN CLASSIFICATION"
        assert banner.has_class("-classification-unknown")


async def test_fields_addressees_tags_refs_summary_paragraphs() -> None:
    app = cable_app()
    async with app.run_test(size=TALL) as pilot:
        await pilot.pause()
        text = screen_text(app)
        for expected in (
            f"ID      {CABLE_ID}",
            "PREC    NIACT IMMEDIATE",
            "DTG     140926Z MAR 26 (2026-03-14 09:26Z)",
            "FM      AMEMBASSY FREEDONIA",
            "TO      SECSTATE WASHDC  NIACT IMMEDIATE  0101",
            "INFO    AMEMBASSY SYLVANIA  PRIORITY",
            "        USMISSION GENEVA  ROUTINE",
            "TAGS    PREL PGOV FR",
            "SUBJECT FREEDONIA: MINISTER ASKS FOR GUIDANCE ON BORDER TALKS",
            "A. SYLVANIA 77  -> 26SYLVANIA77",
            "C. PHONE CALL OF MARCH 12",
            "SUMMARY",
            "The Foreign Minister asked for guidance before the border talks resume.",
            "2. (S/NF) The Minister said",
            "Classified by: Rufus T. Firefly  Reasons: 1.4 b/d",
        ):
            assert expected in text, expected


async def test_action_request_paragraph_is_highlighted_in_colour_and_words() -> None:
    app = cable_app()
    async with app.run_test(size=TALL) as pilot:
        await pilot.pause()
        paragraphs = list(app.screen.query(".paragraph").results(Static))
        assert len(paragraphs) == 2  # paragraphs 1-2 together, then the action request
        action = [p for p in paragraphs if p.has_class("-action-request")]
        assert [_plain(p).split("\n")[1][:2] for p in action] == ["3."]
        assert _plain(action[0]).startswith("ACTION REQUEST\n3. (C) Action request")
        assert action[0].styles.border_left[0] == "thick"
        assert not paragraphs[0].has_class("-action-request")
        assert _plain(paragraphs[0]).startswith("1. (C) Summary:")
        assert "\n\n2. (S/NF) The Minister said" in _plain(paragraphs[0])


async def test_action_request_without_paragraph_number_is_listed() -> None:
    cable = sample_cable()
    cable.action_requests[0].paragraph = None
    app = cable_app(row=sample_row(action_paragraphs=[]), cable=cable)
    async with app.run_test(size=TALL) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "ACTION REQUESTS" in text
        assert "Embassy requests guidance." in text


async def test_reference_in_queue_opens_with_r_and_enter() -> None:
    opened: list[str] = []

    def open_reference(cable_id: str) -> bool:
        opened.append(cable_id)
        return cable_id == REF_IN_QUEUE

    app = cable_app(open_reference=open_reference)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        refs = list(app.screen.query(RefItem))
        assert [r.can_focus for r in refs] == [True, True, False]
        assert app.focused is None  # nothing focused until asked: j/k scroll
        await pilot.press("r")
        assert app.focused is refs[0]
        await pilot.press("enter")
        assert opened == [REF_IN_QUEUE]
        await pilot.press("r", "enter")
        assert opened == [REF_IN_QUEUE, REF_NOT_IN_QUEUE]
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert f"{REF_NOT_IN_QUEUE} is not in the queue." in messages
        await pilot.press("r")  # wraps to the first
        assert app.focused is refs[0]


async def test_reference_without_callback_says_not_in_queue() -> None:
    app = cable_app(open_reference=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r", "enter")
        await pilot.pause()
        assert any("not in the queue" in n.message for n in app._notifications)


async def test_no_references_r_notifies() -> None:
    app = cable_app(cable=sample_cable(references=[Reference(text="A. A LETTER", letter="A")]))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("r")
        await pilot.pause()
        assert app.focused is None
        assert any(n.message == "No referenced cables." for n in app._notifications)


async def test_triage_state_and_history() -> None:
    row = sample_row(
        sections={"received": [1, 3], "of": 3},
        conflict=True,
        missing_sources=["old-copy.txt"],
    )
    app = cable_app(row=row)
    async with app.run_test(size=TALL) as pilot:
        await pilot.pause()
        state = _plain(app.screen.query_one("#cable-state", Static))
        assert "Tags         urgent, border" in state
        assert "Assignee     alice" in state
        assert "Action       open (from the action requests found)" in state
        assert "Acknowledged NOT ACKNOWLEDGED" in state
        assert "Read         yes" in state
        assert "Sections     received 1, 3 of 3; MISSING 2" in state
        assert "Conflict     YES" in state
        assert "Sources      freedonia-101.txt" in state
        assert "Gone         old-copy.txt" in state
        history = _plain(app.screen.query_one("#cable-history", Static)).split("\n")
        assert history == [
            "2026-03-14 09:40Z  bob  tags: (none) -> urgent, border",
            "2026-03-14 09:45Z  bob (rbrown)  assignee: (none) -> alice",
        ]


async def test_acked_and_empty_history() -> None:
    row = sample_row(acked={"user": "carol", "at": "2026-03-14T10:00:00Z"})
    app = cable_app(row=row, history=[])
    async with app.run_test(size=TALL) as pilot:
        await pilot.pause()
        state = _plain(app.screen.query_one("#cable-state", Static))
        assert "Acknowledged carol at 2026-03-14 10:00Z" in state
        assert _plain(app.screen.query_one("#cable-history", Static)) == "No changes yet."


async def test_corrected_copy_with_and_without_recorded_changes() -> None:
    change = {
        "seq": 3,
        "at": "2026-03-14T11:00:00Z",
        "user": "ingest",
        "os_user": "ingest",
        "field": "subject",
        "old": "FREEDONIA: MINISTER ASKS",
        "new": "FREEDONIA: MINISTER ASKS FOR GUIDANCE ON BORDER TALKS",
    }
    note = {
        "seq": 4,
        "at": "2026-03-14T11:01:00Z",
        "user": "ingest",
        "os_user": "ingest",
        "field": "index",
        "old": None,
        "new": "corrected copy freedonia-101-c.txt replaced the text",
    }
    for history, expected in (
        ([*sample_history(), change], "subject: FREEDONIA: MINISTER ASKS -> FREEDONIA:"),
        (
            [*sample_history(), note],
            "2026-03-14 11:01Z  ingest  corrected copy freedonia-101-c.txt replaced the text",
        ),
        (sample_history(), "This is a corrected copy."),
    ):
        app = cable_app(
            row=sample_row(corrected=True), cable=sample_cable(corrected=True), history=history
        )
        async with app.run_test(size=TALL) as pilot:
            await pilot.pause()
            text = screen_text(app)
            assert "CORRECTED COPY" in text
            assert expected in text


async def test_cable_text_unavailable_shows_row() -> None:
    app = cable_app(no_cable=True)
    async with app.run_test(size=TALL) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "The cable's text is not available" in text
        assert "SUBJECT FREEDONIA: MINISTER ASKS FOR GUIDANCE ON BORDER TALKS" in text
        assert "SECRET//NOFORN" in text


async def test_keys_scroll_and_escape_goes_back() -> None:
    long_cable = sample_cable(
        paragraphs=[Paragraph(number=n, text=f"Paragraph number {n}.") for n in range(1, 40)]
    )
    app = cable_app(cable=long_cable)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        view = app.screen.query_one(CableView)
        assert view.max_scroll_y > 20
        await pilot.press("j", "j")
        assert view.scroll_y == 2
        await pilot.press("k")
        assert view.scroll_y == 1
        await pilot.press("pagedown")
        assert view.scroll_y > 10
        await pilot.press("end")
        assert view.scroll_y == view.max_scroll_y
        await pilot.press("pageup")
        assert view.scroll_y < view.max_scroll_y
        await pilot.press("home")
        assert view.scroll_y == 0
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, BaseScreen)
        assert app.results == [None]
        assert app.focused is app.screen.query_one("#base")


async def test_every_binding_has_id_and_description() -> None:
    app = cable_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        for binding in [*CableScreen.BINDINGS, *RefItem.BINDINGS]:
            assert binding.id and binding.description, binding  # type: ignore[union-attr]


# --- untrusted text ---------------------------------------------------------------------------


async def test_markup_and_escapes_in_cable_are_shown_literally_or_stripped() -> None:
    cable = sample_cable(
        subject=MARKUP,
        origin="AMEMBASSY \x1b[5mFREEDONIA",
        summary=f"{MARKUP} {ESCAPES}",
        cable_tags=["[b]PREL[/b]"],
        paragraphs=[Paragraph(number=1, marking="[i]C[/i]", text=f"Text {MARKUP} {ESCAPES}")],
        references=[Reference(text=f"A. {MARKUP}\x1b]52;c;ZXZpbA==\x07", letter="A", id="1X2")],
        errors=[f"odd line {MARKUP}\x1b[2J"],
    )
    row = sample_row(subject=MARKUP, tags=[MARKUP], assignee="\x1b[31mmallory", flagged=MARKUP)
    history = [
        {
            "seq": 9,
            "at": "2026-03-14T12:00:00Z",
            "user": f"{MARKUP}\x1b]0;x\x07",
            "os_user": "eve",
            "field": "tags",
            "old": [],
            "new": [MARKUP, "ok\x1b[1m"],
        }
    ]
    app = cable_app(row=row, cable=cable, history=history)
    async with app.run_test(size=TALL) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert f"SUBJECT {MARKUP}" in text
        assert "FM      AMEMBASSY FREEDONIA" in text
        assert f"{MARKUP} RED  link bell" in text
        assert f"1. ([i]C[/i]) Text {MARKUP} RED  link bell" in text
        assert "TAGS    [b]PREL[/b]" in text
        assert f"A. {MARKUP}  -> 1X2" in text
        assert f"odd line {MARKUP}" in text
        assert f"Tags         {MARKUP}" in text
        assert "Assignee     mallory" in text
        assert f"2026-03-14 12:00Z  {MARKUP} (eve)  tags: (none) -> {MARKUP}, ok" in text
        for bad in ("\x1b", "\x07", "\x9b", "]0;", "]52;", "pwned", "evil.example"):
            assert bad not in text, repr(bad)


async def test_remapped_key_scrolls() -> None:
    long_cable = sample_cable(
        paragraphs=[Paragraph(number=n, text=f"Paragraph number {n}.") for n in range(1, 40)]
    )
    app = cable_app(cable=long_cable)
    async with app.run_test(size=(80, 24)) as pilot:
        app.set_keymap({"cable-scroll-down": "n"})
        await pilot.press("n", "n", "n")
        assert app.screen.query_one(CableView).scroll_y == 3


async def test_theme_switch_while_open_recolours_banner() -> None:
    app = cable_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        banner = app.screen.query_one("#banner-top", ClassificationBanner)
        for theme in ("triage-light", "triage-high-contrast", "triage-16", "triage-dark"):
            app.theme = theme
            await pilot.pause()
            expected = app.get_css_variables()["classification-secret"]
            assert banner.styles.background == Color.parse(expected), theme
            assert screen_lines(app)[0].strip() == "SECRET//NOFORN"


async def test_no_color_still_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = cable_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.no_color
        lines = screen_lines(app)
        assert lines[0].strip() == "SECRET//NOFORN"
        assert "NIACT IMMEDIATE" in "\n".join(lines)
