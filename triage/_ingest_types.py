"""The types ingest shares: the report a run returns and the part of the store it uses."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol


class IndexStore(Protocol):
    """The part of ``triage.store.Store`` that ingest uses."""

    def index_get(self, cable_id: str) -> dict[str, Any] | None: ...

    def index_put(
        self,
        entries: Iterable[dict[str, Any]],
        *,
        notes: dict[str, str] | None = None,
        merge: Callable[[dict[str, Any] | None, dict[str, Any]], dict[str, Any]] | None = None,
    ) -> Any: ...

    def source_info(self, path: str) -> dict[str, Any] | None: ...

    def flag(self, cable_id: str, reason: str, *, when_action: str | None = None) -> Any: ...

    def update_rejects(self, update: Callable[[dict[str, str]], dict[str, str]]) -> None: ...

    def rejects(self) -> dict[str, str]: ...

    def rows(self) -> list[Any]: ...


@dataclass(slots=True)
class IngestReport:
    """What one ingest did. IDs in each list at most once; paths are relative to the inbox."""

    added: list[str] = field(default_factory=list)
    """IDs new to the queue."""
    updated: list[str] = field(default_factory=list)
    """IDs whose shown text changed: a changed file, a corrected copy, a reparse."""
    merged: list[str] = field(default_factory=list)
    """IDs that gained a source: another rendering or copy, a section, a conflicting text."""
    unchanged: list[str] = field(default_factory=list)
    """Paths skipped because the index already holds them as they are."""
    rejected: dict[str, str] = field(default_factory=dict)
    """Paths rejected by this run, with the reason."""
    flagged: list[str] = field(default_factory=list)
    """IDs flagged: new action requests on a cable someone marked done."""
    missing: list[str] = field(default_factory=list)
    """IDs with a source newly gone from the inbox."""
    conflicts: list[str] = field(default_factory=list)
    """IDs newly in conflict."""
    cancelled: bool = False
    """The run stopped early; what was done is committed."""
    seconds: float = 0.0
    _members: dict[int, set[str]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def changed_ids(self) -> list[str]:
        """Every ID whose row may look different now."""
        return list(dict.fromkeys(self.added + self.updated + self.merged + self.missing))

    def summary(self) -> str:
        """One line for ``triage ingest`` and the app's status bar."""
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.merged)} merged, "
            f"{len(self.unchanged)} unchanged, {len(self.rejected)} rejected"
            + (f", {len(self.missing)} with missing sources" if self.missing else "")
            + (f", {len(self.flagged)} flagged" if self.flagged else "")
            + (f", {len(self.conflicts)} in conflict" if self.conflicts else "")
            + (" (cancelled)" if self.cancelled else "")
        )

    def _add(self, bucket: list[str], item: str) -> None:
        seen = self._members.get(id(bucket))
        if seen is None:
            seen = self._members[id(bucket)] = set(bucket)
        if item not in seen:
            seen.add(item)
            bucket.append(item)
