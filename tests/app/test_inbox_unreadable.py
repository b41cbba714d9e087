"""The app's start-up scan of an inbox the user cannot read: an error, not an empty queue."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.app.queue_support import loaded, make, settings_for, wait_for

SIZE = (120, 40)


async def test_unreadable_inbox_with_db_elsewhere_is_notified(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(tmp_path)
    (settings.inbox / "a.txt").write_text("not read\n")
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:
        if os.path.abspath(path) == str(settings.inbox):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    app = make(settings, scan=True)
    async with app.run_test(size=SIZE) as pilot:
        await loaded(pilot)
        want = f"cannot read the inbox {settings.inbox}"
        await wait_for(pilot, lambda: any(want in n.message for n in app._notifications))
        assert app.is_running
