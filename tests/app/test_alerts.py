"""Arrival alerts: short-lived, one at a time (replaced, not stacked), never over the status."""

from __future__ import annotations

from pathlib import Path

from tests.app.queue_support import entry, fill, loaded, settings_for, wait_for
from triage.app import make_app
from triage.app.screens.queue import ALERT_SECONDS, ALERT_TITLE
from triage.app.widgets.status_bar import StatusBar


def _alerts(app) -> list:  # type: ignore[no-untyped-def,type-arg]
    return [n for n in app._notifications if n.title == ALERT_TITLE]


async def test_alerts_are_short_replaced_and_leave_the_status_line_visible(
    tmp_path: Path,
) -> None:
    settings = settings_for(tmp_path)
    store = fill(settings, [entry("09QUIET1")])
    app = make_app(settings, watch=False, scan=False)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await loaded(pilot)
        await pilot.pause(0.2)
        assert _alerts(app) == []
        store.index_put([entry("09FLASH1", precedence="FLASH", subject="FIRST FLASH")])
        await wait_for(pilot, lambda: len(_alerts(app)) == 1)
        first = _alerts(app)[0]
        assert "FIRST FLASH" in first.message
        assert 5 <= first.timeout <= 8 and first.timeout == ALERT_SECONDS
        store.index_put([entry("09FLASH2", precedence="FLASH", subject="SECOND FLASH")])
        await wait_for(pilot, lambda: any("SECOND FLASH" in n.message for n in _alerts(app)))
        await pilot.pause(0.1)
        assert len(_alerts(app)) == 1  # the first alert was replaced, not stacked
        # The lasting state: the status line and the rows' marks.
        assert screen.model.counts.unacked == 2
        status = screen.query_one(StatusBar)
        from textual.widgets._toast import Toast

        await wait_for(pilot, lambda: bool(app.screen.query(Toast)))
        toasts = list(app.screen.query(Toast))
        assert len(toasts) == 1
        assert not toasts[0].region.overlaps(status.region)
        assert "unacked 2" in str(status.render())


async def test_alert_names_the_ack_key_of_the_keymap(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, keymap={"ack": "K,L"})
    fill(settings, [entry("09FLASH1", precedence="FLASH"), entry("09FLASH2", precedence="FLASH")])
    app = make_app(settings, watch=False, scan=False)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await loaded(pilot)
        await wait_for(pilot, lambda: len(_alerts(app)) == 1)
        message = _alerts(app)[0].message
        assert message.endswith("K acknowledges.") and "!" not in message
    (tmp_path / "d").mkdir()
    default = make_app(settings_for(tmp_path / "d"), watch=False, scan=False)
    fill(default.settings, [entry("09F1", precedence="FLASH"), entry("09F2", precedence="FLASH")])
    async with default.run_test(size=(80, 24), notifications=True) as pilot:
        await loaded(pilot)
        await wait_for(pilot, lambda: len(_alerts(default)) == 1)
        assert _alerts(default)[0].message.endswith("! acknowledges.")
        assert ("!", "awaiting acknowledgement (FLASH, NIACT, IMMEDIATE): press !") in (
            default.queue_screen.help_legend()  # type: ignore[union-attr]
        )
    again = make_app(settings, watch=False, scan=False)
    async with again.run_test(size=(80, 24)) as pilot:
        screen = await loaded(pilot)
        assert any(text.endswith("press K") for _, text in screen.help_legend())
