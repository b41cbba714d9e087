"""Snapshots of the queue at 80x24 and 120x40, once per shipped theme (fixed data and user)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.app.queue_support import fill, loaded, make, settings_for, wait_for
from triage.theming import SHIPPED_THEMES


async def _ready(pilot: Any) -> None:
    screen = await loaded(pilot)
    await pilot.press("j", "space", "j")
    await wait_for(pilot, lambda: screen.table.cursor == 3)
    pilot.app.clear_notifications()
    await pilot.pause()


@pytest.mark.parametrize("theme", SHIPPED_THEMES)
@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_queue_snapshot(
    snap_compare: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    theme: str,
    size: tuple[int, int],
) -> None:
    monkeypatch.chdir(tmp_path)  # the status line shows the inbox as given: "inbox"
    settings = settings_for(tmp_path, inbox=Path("inbox"), theme=theme)
    Path("inbox").mkdir(exist_ok=True)
    fill(settings)
    assert snap_compare(make(settings), terminal_size=size, run_before=_ready)


def test_queue_snapshot_no_color(
    snap_compare: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NO_COLOR: everything grey, and precedence, classification, unread and alerts still read."""
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.chdir(tmp_path)
    settings = settings_for(tmp_path, inbox=Path("inbox"))
    Path("inbox").mkdir(exist_ok=True)
    fill(settings)
    app = make(settings)
    assert app.no_color
    assert snap_compare(app, terminal_size=(80, 24), run_before=_ready)
