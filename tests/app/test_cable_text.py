"""The cable view shows the text ``triage show`` composes: every section of a cable delivered
in parts (in either order), the corrected copy once it arrives, and its own read mark."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from tests.app.queue_support import deliver, loaded, settings_for, wait_for
from tests.conftest import INBOX
from triage.app import make_app
from triage.app.screens.cable import CableScreen
from triage.cli_cable import _cable_text
from triage.config import Settings
from triage.ingest import ingest_files
from triage.store import Store

PARTS = ("26PORTSALVEN388-1.txt", "26PORTSALVEN388-2.txt")


def _ingest(settings: Settings, *names: str) -> Store:
    """Ingest the named inbox files one by one, in this order (each its own arrival)."""
    store = Store(settings.db, "loader", os_user="loader")
    for name in names:
        ingest_files([settings.inbox / name], store, settings.inbox, workers=1)
    return store


async def _open(pilot: Any, cable_id: str) -> CableScreen:
    app = pilot.app
    screen = await loaded(pilot)
    screen.action_open_cable(cable_id)
    await wait_for(pilot, lambda: isinstance(app.screen, CableScreen))
    cable = app.screen
    assert isinstance(cable, CableScreen)
    await pilot.pause()
    return cable


def _numbers(cable: CableScreen) -> list[int | None]:
    assert cable.cable is not None
    return [p.number for p in cable.cable.paragraphs]


async def _sections_in_order(tmp_path: Path, order: tuple[str, ...]) -> None:
    settings = settings_for(tmp_path)
    for name in PARTS:
        shutil.copy(INBOX / name, settings.inbox / name)
    store = _ingest(settings, *order)
    app = make_app(settings, watch=False, scan=False)
    async with app.run_test(size=(100, 40)) as pilot:
        cable = await _open(pilot, "26PORTSALVEN388")
        assert _numbers(cable) == [1, 2, 3, 4, 5, 6, 7, 8]
        text = "\n".join(str(s.visual) for s in cable.view.query("Static"))
        assert "The People's Front" in text  # section 2's paragraph 5
        # The same text as `triage show`.
        expected = _cable_text(settings, store.row("26PORTSALVEN388"))["paragraphs"]
        assert [p.text for p in cable.cable.paragraphs] == [p["text"] for p in expected]


async def test_every_section_shows_first_section_first(tmp_path: Path) -> None:
    await _sections_in_order(tmp_path, PARTS)


async def test_every_section_shows_second_section_first(tmp_path: Path) -> None:
    await _sections_in_order(tmp_path, tuple(reversed(PARTS)))


def _mirango(corrected: bool) -> str:
    text = (INBOX / "25MIRANGO1532.txt").read_text(encoding="utf-8").replace("1532", "1700")
    if corrected:
        text = text.replace(
            "SUBJECT: MIRANGO: CHOLERA SPREADS TO THREE NORTHERN DISTRICTS;\n"
            "HEALTH MINISTRY SEEKS PARTNER SUPPORT",
            "SUBJECT: CHOLERA CORRECTED",
        ).replace("UNCLAS MIRANGO 001700\n", "UNCLAS MIRANGO 001700\n\nC O R R E C T E D C O P Y\n")
        assert "CHOLERA CORRECTED" in text and "C O R R E C T E D" in text
    return text


async def test_corrected_copy_shows_the_corrected_text(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    deliver(settings.inbox, "m1700-a.txt", _mirango(False))
    deliver(settings.inbox, "m1700-b.txt", _mirango(True))
    store = _ingest(settings, "m1700-a.txt", "m1700-b.txt")
    row = store.row("25MIRANGO1700")
    assert (row.subject, row.corrected) == ("CHOLERA CORRECTED", True)
    app = make_app(settings, watch=False, scan=False)
    async with app.run_test(size=(100, 40)) as pilot:
        cable = await _open(pilot, "25MIRANGO1700")
        assert cable.cable is not None
        assert cable.cable.corrected
        assert cable.cable.subject == "CHOLERA CORRECTED"
        fields = str(cable.view.query_one("#cable-fields").visual)
        assert "CHOLERA CORRECTED" in fields
        assert "SPREADS" not in fields
        text = "\n".join(str(s.visual) for s in cable.view.query("Static"))
        assert "CORRECTED COPY" in text
        assert "corrected copy m1700-b.txt replaced the text" in text  # what changed


async def test_a_cable_opened_says_read_in_its_triage_block(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    for name in PARTS:
        shutil.copy(INBOX / name, settings.inbox / name)
    _ingest(settings, *PARTS)
    app = make_app(settings, watch=False, scan=False)
    async with app.run_test(size=(100, 40)) as pilot:
        cable = await _open(pilot, "26PORTSALVEN388")
        assert Store(settings.db, "tester").row("26PORTSALVEN388").read

        def state() -> str:
            return str(cable.view.query_one("#cable-state").visual)

        await wait_for(pilot, lambda: "Read         yes" in state())
        assert "Read         no" not in state()
