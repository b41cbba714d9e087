"""Config warnings in the app: a remap onto a key in use, unknown config keys (one note each)."""

from __future__ import annotations

from pathlib import Path

from tests.app.queue_support import fill, loaded, settings_for
from triage.app import make_app


def _warnings(app, title: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [n.message for n in app._notifications if n.title == title]


async def test_a_remap_onto_a_key_in_use_is_kept_and_reported(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, keymap={"ack": "q"})
    fill(settings)
    app = make_app(settings, watch=False, scan=False)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await loaded(pilot)
        notes = _warnings(app, "Keys")
        assert len(notes) == 1
        assert "ack" in notes[0] and "quit" in notes[0] and "q" in notes[0]
        assert app.queue_screen.key_for("ack", "!") == "q"  # type: ignore[union-attr]


async def test_unknown_config_keys_are_reported_once(tmp_path: Path) -> None:
    settings = settings_for(
        tmp_path, keymap={"ack": "K", "nosuch": "x"}, warnings=["unknown key qeury"]
    )
    fill(settings)
    app = make_app(settings, watch=False, scan=False)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await loaded(pilot)
        notes = _warnings(app, "Config")
        assert len(notes) == 1
        assert "qeury" in notes[0] and "nosuch" in notes[0] and "ack" in notes[0]
        assert _warnings(app, "Keys") == []


async def test_a_plain_keymap_says_nothing(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, keymap={"ack": "K"})
    fill(settings)
    app = make_app(settings, watch=False, scan=False)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await loaded(pilot)
        assert _warnings(app, "Keys") == [] and _warnings(app, "Config") == []
