"""Helpers for the queue app tests: settings in tmp_path, a store filled with fictional cables."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from triage.app.app import TriageApp
from triage.app.screens.queue import QueueScreen
from triage.config import Settings
from triage.store import Store


def entry(cid: str, **fields: Any) -> dict[str, Any]:
    """One index entry as ingest writes it (only what the queue row needs)."""
    base: dict[str, Any] = {
        "id": cid,
        "precedence": "ROUTINE",
        "niact": False,
        "classification": "UNCLASSIFIED",
        "caveats": [],
        "dtg": "2009-03-01T10:00:00Z",
        "origin": "AMEMBASSY ELBONIA",
        "subject": f"FICTIONAL SUBJECT OF {cid}",
        "cable_tags": ["PGOV"],
        "corrected": False,
        "action_paragraphs": [],
        "sections": None,
        "conflict": False,
        "missing_sources": [],
        "rejected": None,
        "sources": [{"path": f"{cid}.txt"}],
    }
    base.update(fields)
    return base


SAMPLE = [
    entry(
        "09ELBONIA1",
        precedence="FLASH",
        classification="SECRET",
        caveats=["NOFORN"],
        dtg="2009-03-02T08:00:00Z",
        subject="FLASH ONE",
    ),
    entry(
        "09ELBONIA2",
        precedence="IMMEDIATE",
        niact=True,
        classification="CONFIDENTIAL",
        dtg="2009-03-02T07:00:00Z",
        subject="NIACT TWO",
        action_paragraphs=[3],
    ),
    entry(
        "09ELBONIA3",
        precedence="IMMEDIATE",
        classification=None,
        dtg="2009-03-01T07:00:00Z",
        subject="IMMEDIATE THREE",
    ),
    entry("09ELBONIA4", precedence="PRIORITY", dtg="2009-03-03T07:00:00Z", subject="PRIORITY FOUR"),
    entry(
        "09ELBONIA5",
        precedence="ROUTINE",
        dtg="2009-03-04T07:00:00Z",
        subject="ROUTINE FIVE",
        classification="LIMITED OFFICIAL USE",
    ),
    entry(
        "09ELBONIA6",
        precedence="ROUTINE",
        dtg="2009-03-01T07:00:00Z",
        subject="ROUTINE SIX",
        sections={"received": [1], "of": 2},
        corrected=True,
    ),
]


def settings_for(tmp_path: Path, **extra: Any) -> Settings:
    """Settings under tmp_path, user ``tester``; nothing read from the environment."""
    inbox = tmp_path / "inbox"
    inbox.mkdir(exist_ok=True)
    cfg = tmp_path / "config"
    cfg.mkdir(exist_ok=True)
    values: dict[str, Any] = {
        "inbox": inbox,
        "db": tmp_path / "state",
        "user": "tester",
        "os_user": "tester",
        "config_path": cfg / "config.toml",
    }
    values.update(extra)
    return Settings(**values)


def fill(settings: Settings, entries: list[dict[str, Any]] | None = None) -> Store:
    """A store in the settings' state folder holding ``entries`` (default: SAMPLE)."""
    store = Store(settings.db, "loader", os_user="loader")
    store.index_put(SAMPLE if entries is None else entries)
    return store


def make(settings: Settings, *, watch: bool = False, scan: bool = False) -> TriageApp:
    """The app under test (no watcher or scan unless asked)."""
    return TriageApp(settings, watch=watch, scan=scan)


async def wait_for(pilot: Any, condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Let the app run until ``condition()`` holds; fail after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        if loop.time() > end:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.02)


def queue_screen(app: TriageApp) -> QueueScreen:
    screen = app.queue_screen
    assert screen is not None
    return screen


async def loaded(pilot: Any) -> QueueScreen:
    """Wait until the queue is loaded; return the queue screen."""
    app = pilot.app
    await wait_for(pilot, lambda: app.queue_screen is not None and app.queue_screen.loaded)
    await pilot.pause()
    return queue_screen(app)


def shown_ids(screen: QueueScreen) -> list[str]:
    """The IDs the table shows, in order."""
    return [r.id for r in screen.model.visible.rows]


def cable(serial: int, prec: str = "R", subject: str = "QUIET WEEK", day: int = 29) -> str:
    """A fictional telegram; ``prec`` is the prosign: Z FLASH, O IMMEDIATE, P, R."""
    return (
        f"VZCZCXRO{serial:04d}\n{prec}{prec} RUEHTQ\nDE RUEHBQ #{serial:04d}/01 3331410\n"
        f"ZNR UUUUU ZZH\n{prec} {day:02d}1410Z NOV 25\nFM AMEMBASSY BRASKOV\n"
        f"TO RUEHC/SECSTATE WASHDC 8843\n\nUNCLASSIFIED BRASKOV {serial:06d}\n\n"
        f"E.O. 13526: N/A\nTAGS: PGOV PREL BQ\nSUBJECT: {subject}\n\n"
        "1. Fictional paragraph one for testing the queue.\n\n2. Fictional paragraph two.\n"
        "BELKO\n"
    )


def deliver(inbox: Path, name: str, text: str) -> Path:
    """Deliver a file the way a mail drop does: write a hidden temp file, rename it in."""
    tmp = inbox / f".{name}.part"
    tmp.write_text(text, encoding="utf-8")
    final = inbox / name
    tmp.rename(final)
    return final
