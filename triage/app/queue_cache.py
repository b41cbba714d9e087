"""Per-user files kept beside the config: the last-seen arrival marker and the queue's head.

Neither is shared state (that is the store's): the marker remembers the newest arrival this user
was alerted to, so FLASH/IMMEDIATE traffic that arrived while they were away is alerted on the
next start; the head is the first rows of the start view as the last session left them, with
the store's change sequence number then, so the next start can show the real first screenful
after reading only what changed since (``Store.rows()`` at 250,000 cables takes seconds).
Without one (a first start, another view, too many changes since) the screen shows the
store's shared head instead (``Store.queue_head``), when enough of it matches the view.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson

from triage.app.queue_model import Counts
from triage.config import Settings, config_dir
from triage.model import QueueRow

HEAD_ROWS = 200
"""Rows of the start view kept in the head file: a few screenfuls, so some may move away."""

HEAD_VERSION = 1
"""Bumped when the head file's layout changes (an old one is then ignored)."""

_ROW_FIELDS = frozenset(QueueRow.__dataclass_fields__)


def cache_folder(settings: Settings) -> Path:
    """``<config dir>/cache``: next to the config file in use."""
    folder = settings.config_path.parent if settings.config_path else config_dir()
    return folder / "cache"


def _stem(settings: Settings) -> str:
    digest = hashlib.sha1(str(Path(settings.db).resolve()).encode()).hexdigest()[:12]
    user = "".join(c if c.isalnum() or c in "-_." else "_" for c in settings.user)[:64]
    return f"{digest}-{user}"


def marker_path(settings: Settings) -> Path:
    """Where this user's last-seen arrival time for this state folder is kept."""
    return cache_folder(settings) / f"{_stem(settings)}.seen"


def head_path(settings: Settings) -> Path:
    """Where this user's queue head for this state folder is kept."""
    return cache_folder(settings) / f"{_stem(settings)}.head.json"


def read_marker(path: Path) -> str | None:
    """The ISO time of the newest arrival this user was alerted to, or None (never ran)."""
    try:
        return path.read_text(encoding="utf-8").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def _write(path: Path, data: bytes) -> None:
    """Replace a file atomically; failures are ignored (a cache, not state)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except OSError:
            os.unlink(tmp)
    except OSError:
        pass


def write_marker(path: Path, value: str) -> None:
    """Record the newest arrival this user was alerted to."""
    _write(path, value.encode("utf-8"))


@dataclass(slots=True)
class Head:
    """The first rows of a view at one change sequence number."""

    seq: int
    query: str
    rows: list[QueueRow]
    total: int
    counts: Counts


def write_head(path: Path, head: Head) -> None:
    """Save the head (rows as queue-row JSON)."""
    data = {
        "version": HEAD_VERSION,
        "seq": head.seq,
        "query": head.query,
        "total": head.total,
        "counts": asdict(head.counts),
        "rows": [row.to_json() for row in head.rows[:HEAD_ROWS]],
    }
    _write(path, orjson.dumps(data))


def read_head(path: Path, query: str) -> Head | None:
    """The saved head of view ``query``, or None when missing, of another view, or unreadable."""
    try:
        data: Any = orjson.loads(path.read_bytes())
        if data.get("version") != HEAD_VERSION or data.get("query") != query:
            return None
        rows = [
            QueueRow(**{k: v for k, v in raw.items() if k in _ROW_FIELDS}) for raw in data["rows"]
        ]
        return Head(int(data["seq"]), query, rows, int(data["total"]), Counts(**data["counts"]))
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None
