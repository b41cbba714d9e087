"""The shared table of QUERY cases (tests/fixtures/query_cases.toml) as rows, cases and a store.

Used by tests/test_queue.py (the pure filter and ``triage list --json``) and by the app's
filter tests, so all three run exactly the same cases:

    table = load()
    rows = table.queue_rows()                  # QueueRow objects as the acting user sees them
    for case in table.cases: ...               # case.query, case.ids, case.cli
    for err in table.errors: ...               # err.query, err.message, err.position
    populate(state_dir, table)                 # the same rows in a real Store
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from triage.model import INDEXED_FIELDS, QueueRow

TABLE_PATH = Path(__file__).resolve().parent / "fixtures" / "query_cases.toml"

PARSED_FIELDS = INDEXED_FIELDS
"""Row keys that come from the parser / ingest (the store's index entry)."""


@dataclass(frozen=True, slots=True)
class Case:
    """One query and the IDs it must match (any order)."""

    query: str
    ids: tuple[str, ...]
    cli: bool = True


@dataclass(frozen=True, slots=True)
class ErrorCase:
    """One query that must raise QueryError with ``message`` in it, at ``position``."""

    query: str
    message: str
    position: int | None


@dataclass(frozen=True, slots=True)
class QueryTable:
    """The whole table."""

    user: str
    now: datetime
    rows: tuple[dict[str, Any], ...]
    order: tuple[str, ...]
    cases: tuple[Case, ...]
    errors: tuple[ErrorCase, ...]

    def queue_rows(self) -> list[QueueRow]:
        """The rows as QueueRow objects, as the acting user (``self.user``) sees them."""
        return [_queue_row(spec, self.user) for spec in self.rows]


def load(path: Path = TABLE_PATH) -> QueryTable:
    """Read the table."""
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    ids = [row["id"] for row in data["rows"]]
    assert len(ids) == len(set(ids)), "duplicate row IDs in the query table"
    cases = tuple(
        Case(c["query"], tuple(c["ids"]), bool(c.get("cli", True))) for c in data["cases"]
    )
    for case in cases:
        unknown = set(case.ids) - set(ids)
        assert not unknown, f"case {case.query!r} names unknown rows {unknown}"
    return QueryTable(
        user=data["user"],
        now=datetime.fromisoformat(data["now"].replace("Z", "+00:00")),
        rows=tuple(data["rows"]),
        order=tuple(data["order"]["ids"]),
        cases=cases,
        errors=tuple(
            ErrorCase(e["query"], e["message"], e.get("position")) for e in data["errors"]
        ),
    )


def _derived_action(spec: dict[str, Any]) -> str:
    return "open" if spec.get("action_paragraphs") else "none"


def _queue_row(spec: dict[str, Any], user: str) -> QueueRow:
    row = QueueRow(id=spec["id"])
    for name in PARSED_FIELDS:
        if name in spec:
            setattr(row, name, spec[name])
    row.tags = list(spec.get("tags", []))
    row.assignee = spec.get("assignee")
    row.action = spec.get("action") or _derived_action(spec)
    row.action_derived = "action" not in spec
    row.read = user in spec.get("read_by", [])
    acked_by = spec.get("acked_by")
    row.acked = {"user": acked_by, "at": "2026-11-28T08:00:00Z"} if acked_by else None
    row.flagged = spec.get("flagged")
    row.sources = [f"{spec['id']}.txt"]
    return row


def index_entry(spec: dict[str, Any]) -> dict[str, Any]:
    """The store index entry of one table row (parsed fields and one source)."""
    entry: dict[str, Any] = {
        "id": spec["id"],
        "precedence": None,
        "niact": False,
        "classification": None,
        "caveats": [],
        "dtg": None,
        "origin": None,
        "subject": None,
        "cable_tags": [],
        "corrected": False,
        "action_paragraphs": [],
        "sections": None,
        "conflict": False,
        "missing_sources": [],
        "rejected": None,
        "sources": [{"path": f"{spec['id']}.txt"}],
    }
    entry.update({name: spec[name] for name in PARSED_FIELDS if name in spec})
    return entry


def populate(state_dir: Path, table: QueryTable | None = None) -> None:
    """Write the table's rows and their triage state into a Store in ``state_dir``.

    The state is made through the store's user commands, by the users the table names.
    """
    from triage.store import Store

    table = table or load()
    stores: dict[str, Store] = {}

    def as_user(name: str) -> Store:
        if name not in stores:
            stores[name] = Store(state_dir, name, os_user="tester")
        return stores[name]

    me = as_user(table.user)
    me.index_put(index_entry(spec) for spec in table.rows)
    for spec in table.rows:
        cid = spec["id"]
        if spec.get("tags"):
            me.add_tags([cid], list(spec["tags"]))
        if spec.get("assignee"):
            me.assign([cid], spec["assignee"])
        if spec.get("action"):
            me.set_action([cid], spec["action"])
        if spec.get("flagged"):
            me.flag(cid, spec["flagged"])
        for reader in spec.get("read_by", []):
            as_user(reader).mark_read(cid)
        if spec.get("acked_by"):
            as_user(spec["acked_by"]).ack([cid])
