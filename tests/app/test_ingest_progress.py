"""The start-up scan shows its progress in the view line, and the line says so no more after."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.queue_support import cable, loaded, make, settings_for, wait_for
from triage.app import app as app_module
from triage.app.messages import IngestProgress
from triage.app.screens.queue import QueueScreen
from triage.app.widgets.status_bar import ViewBar


def _view_text(screen: QueueScreen) -> str:
    return str(screen.query_one(ViewBar).render())


async def test_start_up_scan_progress_is_shown_then_cleared(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(tmp_path)
    for serial in range(1, 13):
        (settings.inbox / f"25BRASKOV{serial}.txt").write_text(cable(serial), encoding="utf-8")
    monkeypatch.setattr(app_module, "PROGRESS_SECONDS", 0.0)  # every step posts
    seen: list[tuple[int, int]] = []
    texts: list[str] = []
    plain = QueueScreen.on_ingest_progress

    def on_ingest_progress(self: QueueScreen, message: IngestProgress) -> None:
        plain(self, message)
        seen.append((message.done, message.total))
        texts.append(_view_text(self))

    monkeypatch.setattr(QueueScreen, "on_ingest_progress", on_ingest_progress)
    async with make(settings, scan=True).run_test(size=(120, 30)) as pilot:
        screen = await loaded(pilot)
        await wait_for(pilot, lambda: not screen._scanning and len(screen.model) == 12)
        await pilot.pause()
        assert seen and seen[-1] == (12, 12)
        assert "reading the inbox: 12 of 12 files…" in texts[-1]
        assert "reading the inbox" not in _view_text(screen)  # gone once the scan is done


async def test_progress_after_the_scan_is_ignored(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    async with make(settings).run_test(size=(120, 30)) as pilot:
        screen = await loaded(pilot)
        screen._scanning = False
        screen.post_message(IngestProgress(3, 10))
        await pilot.pause()
        assert "reading the inbox" not in _view_text(screen)
        screen._scanning = True
        screen.post_message(IngestProgress(3, 10))
        await wait_for(pilot, lambda: "reading the inbox: 3 of 10 files…" in _view_text(screen))


def test_progress_poster_throttles_but_always_posts_the_last() -> None:
    posted: list[tuple[int, int]] = []

    class Screen:
        def post_message(self, message: IngestProgress) -> bool:
            posted.append((message.done, message.total))
            return True

    progress = app_module.TriageApp._progress_poster(Screen())
    for done in range(1, 101):
        progress(done, 100)
    assert posted[0] == (1, 100) and posted[-1] == (100, 100)
    assert len(posted) < 10  # a hundred quick steps: the first, the last, few between
