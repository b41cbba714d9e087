"""The state folder's schema version: creating the state, refusing newer majors, migrating older."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any

from triage import _head
from triage import _rowcodec as rowcodec
from triage._errors import SchemaError
from triage._journal import StateFiles, with_applied
from triage._storage import make_dir, read_json

SCHEMA_VERSION = (1, 2)
"""(major, minor) of the state layout: 1.0 had no ``rows/`` files, 1.1 no ``sources/``; both
are migrated by building those caches from ``index/``. A newer minor version is read as is; a
newer major one is refused."""


def read_meta(files: StateFiles) -> dict[str, Any] | None:
    """The state description in meta.json, or None for a new folder.

    Raises:
        SchemaError: meta.json is not valid JSON or not a description, or a newer major
            version wrote it; it is left untouched.
    """
    data = read_json(files.meta_path)
    if data is None:
        return None
    try:
        meta = data["meta"]["1"]
        text = str(meta["schema"])
        major, _minor = (int(part) for part in text.split(".", 1))
        int(meta["shards"])
    except (KeyError, TypeError, ValueError) as exc:
        raise SchemaError(
            f"{files.meta_path} is not a triage state description; it was left untouched: "
            "point --db at the right folder or restore it from a backup"
        ) from exc
    if major > SCHEMA_VERSION[0]:
        raise SchemaError(
            f"the state in {files.root} was written by a newer triage (schema {text}, this one "
            f"reads {SCHEMA_VERSION[0]}.x); it was left untouched: upgrade triage"
        )
    return dict(meta)


def version(meta: dict[str, Any]) -> tuple[int, int]:
    """(major, minor) of a state description."""
    major, minor = (int(part) for part in str(meta["schema"]).split(".", 1))
    return major, minor


def meta_doc(shards: int) -> dict[str, Any]:
    """The content of meta.json for this version."""
    text = f"{SCHEMA_VERSION[0]}.{SCHEMA_VERSION[1]}"
    written = datetime.now(UTC).isoformat(timespec="seconds")
    return {"meta": {"1": {"schema": text, "shards": shards, "written": written}}}


def migrate(files: StateFiles, meta: dict[str, Any]) -> None:
    """1.0/1.1 -> 1.2, under the lock: back up what it rewrites (meta.json and any rows/ and
    sources/), then build ``rows/`` and ``sources/`` from ``index/``; meta.json is written
    last, so a migration cut short runs again."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    backup = files.root / f"backup-{meta['schema']}-{stamp}"
    make_dir(backup)
    shutil.copy2(files.meta_path, backup / "meta.json")
    for kind in ("rows", "sources"):
        if (files.root / kind).is_dir():
            shutil.copytree(files.root / kind, backup / kind, dirs_exist_ok=True)
    files.make_dirs()
    head = files.recover()
    for shard in range(files.shards):
        data = read_json(files.shard_path("index", shard))
        cables = (data or {}).get("cables", {})
        rows = {cid: rowcodec.row_values(entry) for cid, entry in cables.items()}
        sources = {cid: list(entry.get("sources") or ()) for cid, entry in cables.items()}
        applied = {"_meta": {"1": {"applied": head}}}
        files.write_plain(
            {
                files.shard_path("rows", shard): {**applied, **rowcodec.encode(rows)},
                files.shard_path("sources", shard): {**applied, **rowcodec.encode_sources(sources)},
            }
        )
    files.write_plain({files.meta_path: meta_doc(files.shards)})


def open_state(
    files: StateFiles, shards: int, locked: Callable[[], AbstractContextManager[Any]]
) -> None:
    """Open the state in ``files.root``: create it (with ``shards``) or migrate it when needed.

    Sets ``files.shards`` from meta.json. Creating and migrating run under ``locked()`` (the
    store's lock), after reading meta.json again.

    Raises:
        SchemaError: a newer major version wrote the state, a file is not valid JSON, or the
            folder has a journal but no meta.json (then it is left untouched).
    """
    meta = read_meta(files)
    if meta is not None and version(meta) == SCHEMA_VERSION:
        files.shards = int(meta["shards"])
        return
    with locked():
        meta = read_meta(files)
        if meta is None:
            if files.log_dir.exists() and any(files.log_dir.iterdir()):
                raise SchemaError(
                    f"state folder {files.root} has a journal but no meta.json; it was "
                    "left untouched: restore meta.json from a backup"
                )
            files.shards = shards
            files.make_dirs()
            files.write_plain({files.head_path: with_applied(_head.empty(), 0, None)})
            files.write_plain({files.meta_path: meta_doc(shards)})
            return
        files.shards = int(meta["shards"])
        if version(meta) < SCHEMA_VERSION:
            migrate(files, meta)
