"""NO_COLOR with every shipped theme: what reaches the terminal is grey, and readable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rich.style import Style

from tests.app.queue_support import fill, loaded, make, settings_for
from triage import theming

SIZE = (100, 20)


def _cells(app: Any) -> list[tuple[str, Style]]:
    """Every non-blank stretch of text on screen, with the style sent to the terminal."""
    strips = app.screen._compositor.render_strips()
    return [
        (seg.text, seg.style)
        for strip in strips
        for seg in strip
        if seg.style is not None and seg.text.strip()
    ]


@pytest.mark.parametrize("theme", theming.SHIPPED_THEMES)
async def test_no_color_text_never_matches_its_background(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, theme: str
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    settings = settings_for(tmp_path, theme=theme)
    fill(settings)
    app = make(settings)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        await pilot.pause()
        assert app.no_color and app.theme == theme
        cells = _cells(app)
        assert cells
        same = [
            (text, str(style))
            for text, style in cells
            if style.color is not None and style.color == style.bgcolor and not style.reverse
        ]
        assert same == [], f"{theme}: text drawn in its background colour: {same[:5]}"
        blank = [
            (text, str(style))
            for text, style in cells
            if style.color is not None
            and style.bgcolor is not None
            and not style.reverse
            and style.color.get_truecolor() == style.bgcolor.get_truecolor()
        ]
        assert blank == [], f"{theme}: text the colour of its background: {blank[:5]}"
        for _text, style in cells:  # no colour left: greys (or the terminal's defaults)
            for colour in (style.color, style.bgcolor):
                if colour is not None and colour.triplet is not None:
                    r, g, b = colour.triplet
                    assert r == g == b, f"{theme}: {colour} is not grey"
