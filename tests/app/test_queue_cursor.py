"""The cursor row keeps the precedence and classification badges as on any other row."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.segment import Segment

from tests.app.queue_support import fill, loaded, settings_for
from triage.app import make_app
from triage.app.widgets.queue_table import QueueTable, layout
from triage.theming import SHIPPED_THEMES


def _cells(table: QueueTable, y: int) -> dict[str, list[Segment]]:
    """The segments of screen line ``y`` of the table, by column key."""
    segments = list(table.render_line(y))
    out: dict[str, list[Segment]] = {}
    for col, size in layout(table.size.width):
        taken = 0
        cell: list[Segment] = []
        while taken < size + (1 if col.key != "marks" else 0) and segments:
            seg = segments.pop(0)
            cell.append(seg)
            taken += len(seg.text)
        if col.key == "marks" and segments:
            cell.append(segments.pop(0))  # the gap after the marks
        out[col.key] = cell
    return out


@pytest.mark.parametrize("theme", SHIPPED_THEMES)
async def test_badges_keep_their_style_on_the_cursor_row(tmp_path: Path, theme: str) -> None:
    settings = settings_for(tmp_path, theme=theme)
    fill(settings)
    async with make_app(settings, watch=False, scan=False).run_test(size=(80, 24)) as pilot:
        screen = await loaded(pilot)
        table = screen.table
        assert table.cursor == 0
        on = _cells(table, 1)  # the FLASH row, under the cursor
        assert on["marks"][0].text == "▶"
        await pilot.press("j")
        off = _cells(table, 1)  # the same row, cursor gone
        assert off["marks"][0].text == " "
        for key in ("precedence", "classification"):
            assert on[key][0].text == off[key][0].text
            assert on[key][0].style == off[key][0].style, (theme, key)
        # The cursor shows on the ordinary cells as a background, never reverse video.
        subject_on = on["subject"][0].style
        assert subject_on is not None and not subject_on.reverse
        assert subject_on.bgcolor != off["subject"][0].style.bgcolor  # type: ignore[union-attr]


async def test_no_color_cursor_is_underlined_and_flash_is_loudest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    settings = settings_for(tmp_path)
    fill(settings)
    app = make_app(settings, watch=False, scan=False)
    assert app.no_color
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await loaded(pilot)
        table = screen.table
        first = _cells(table, 1)  # FLASH, cursor
        third = _cells(table, 3)  # IMMEDIATE
        subject = first["subject"][0].style
        assert subject is not None and subject.underline and subject.bold
        flash = first["precedence"][0].style
        immediate = third["precedence"][0].style
        assert flash is not None and flash.reverse and flash.bold  # loudest: reverse
        assert immediate is not None and immediate.bold and not immediate.reverse
