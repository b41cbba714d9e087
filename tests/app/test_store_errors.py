"""A store call that raises in an app worker is one notification, never the end of the app."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from tests.app.queue_support import fill, loaded, make, settings_for, wait_for
from triage._lock import FairLock
from triage.app.app import TriageApp
from triage.app.screens.cable import CableScreen
from triage.app.screens.queue import QueueScreen
from triage.store import LockTimeoutError, SchemaError, Store

SIZE = (120, 40)


def _raiser(exc: BaseException) -> Any:
    def method(*_args: Any, **_kwargs: Any) -> Any:
        raise exc

    return method


def _messages(app: TriageApp) -> list[str]:
    return [n.message for n in app._notifications]


async def _notified(pilot: Any, start: str) -> str:
    """Wait for a notification starting with ``start``; return it."""
    app = pilot.app
    await wait_for(pilot, lambda: any(m.startswith(start) for m in _messages(app)))
    return next(m for m in _messages(app) if m.startswith(start))


def _usable(app: TriageApp, screen: QueueScreen) -> None:
    assert app.is_running
    assert app.return_code is None
    assert screen.loaded


@pytest.fixture
def settings(tmp_path: Path) -> Any:
    settings = settings_for(tmp_path)
    fill(settings)
    return settings


@pytest.mark.parametrize(
    "exc", [LockTimeoutError("lock busy"), SchemaError("bad JSON"), PermissionError(13, "denied")]
)
async def test_mark_read_failing_still_opens_the_cable(
    settings: Any, monkeypatch: pytest.MonkeyPatch, exc: Exception
) -> None:
    monkeypatch.setattr(Store, "mark_read", _raiser(exc))
    app = make(settings)
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        target = screen.table.cursor_id
        assert target is not None and not screen.model.rows[target].read
        await pilot.press("enter")
        message = await _notified(pilot, "Not marked read: ")
        assert str(exc) in message
        await wait_for(pilot, lambda: isinstance(app.screen, CableScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        _usable(app, screen)
        assert not screen.model.rows[target].read
        await pilot.press("j")  # the queue still answers keys
        assert screen.table.cursor == 1


async def test_the_real_lock_held_elsewhere_is_a_notification(settings: Any) -> None:
    """The reviewer's repro: another holder keeps the store lock while enter is pressed."""
    app = make(settings)
    held, release = threading.Event(), threading.Event()

    def holder() -> None:
        with FairLock(Path(settings.db), 5.0).hold():
            held.set()
            release.wait(10)

    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        assert app.store is not None
        app.store._store._lock.timeout = 0.3  # type: ignore[attr-defined]  # short wait
        thread = threading.Thread(target=holder, daemon=True)
        thread.start()
        try:
            assert held.wait(5)
            await pilot.press("enter")
            await _notified(pilot, "Not marked read: ")
            await wait_for(pilot, lambda: isinstance(app.screen, CableScreen))
        finally:
            release.set()
            thread.join(5)
        _usable(app, screen)


@pytest.mark.parametrize(
    ("key", "method", "start"),
    [("t", "known_tags", "Cannot tag: "), ("a", "known_users", "Cannot assign: ")],
)
@pytest.mark.parametrize(
    "exc", [LockTimeoutError("lock busy"), SchemaError("bad JSON"), PermissionError(13, "denied")]
)
async def test_completion_names_failing(
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    key: str,
    method: str,
    start: str,
    exc: Exception,
) -> None:
    monkeypatch.setattr(Store, method, _raiser(exc))
    app = make(settings)
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        await pilot.press(key)
        message = await _notified(pilot, start)
        assert str(exc) in message
        await pilot.pause()
        assert app.screen is screen  # no dialog on a store that cannot answer
        assert sum(m.startswith(start) for m in _messages(app)) == 1
        _usable(app, screen)


async def test_broken_names_file_on_disk_and_t(settings: Any) -> None:
    """The reviewer's repro: ``{bad`` written into names.json while the app runs."""
    app = make(settings)
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        assert app.store is not None
        app.store._files.names_path.write_text("{bad", encoding="utf-8")
        await pilot.press("t")
        await _notified(pilot, "Cannot tag: ")
        _usable(app, screen)
        assert app.screen is screen


async def test_rejects_failing(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    app = make(settings)
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        monkeypatch.setattr(Store, "rejects", _raiser(IsADirectoryError(21, "Is a directory")))
        await pilot.press("R")
        await _notified(pilot, "Cannot list the rejected files: ")
        assert app.screen is screen
        _usable(app, screen)


async def test_reading_changes_failing_after_a_write(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make(settings)
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        target = screen.table.cursor_id
        assert target is not None
        monkeypatch.setattr(QueueScreen, "fetch_changes", _raiser(LockTimeoutError("lock busy")))
        await pilot.press("x")
        await _notified(pilot, "Cannot show the change: ")
        assert Store(settings.db, "tester").row(target).action == "open"  # written
        _usable(app, screen)


async def test_write_failing_is_one_notification(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make(settings)
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        monkeypatch.setattr(Store, "set_action", _raiser(PermissionError(13, "denied")))
        monkeypatch.setattr(QueueScreen, "fetch_changes", _raiser(LockTimeoutError("lock busy")))
        await pilot.press("x")
        await _notified(pilot, "Action: ")
        await pilot.pause(0.1)
        assert not any(m.startswith("Cannot show the change") for m in _messages(app))
        _usable(app, screen)


async def test_cable_view_keys_with_a_failing_store(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make(settings)
    async with app.run_test(size=SIZE) as pilot:
        screen = await loaded(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, CableScreen))
        cable = app.screen
        monkeypatch.setattr(Store, "known_tags", _raiser(SchemaError("bad JSON")))
        monkeypatch.setattr(Store, "ack", _raiser(LockTimeoutError("lock busy")))
        await pilot.press("t")
        await _notified(pilot, "Cannot tag: ")
        await pilot.press("exclamation_mark")
        await _notified(pilot, "Acknowledge: ")
        assert app.screen is cable
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        _usable(app, screen)


async def test_loading_failing_with_os_error_says_what_to_do(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Store, "rows", _raiser(PermissionError(13, "Permission denied")))
    app = make(settings)
    async with app.run_test(size=SIZE) as pilot:
        message = await _notified(pilot, "Cannot read the shared state: ")
        assert "Permission denied" in message
        assert "restart triage" in message
        assert app.is_running and app.return_code is None
