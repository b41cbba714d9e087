"""The view line above the queue (QUERY and match count) and the status line below it."""

from __future__ import annotations

from pathlib import Path

from textual.content import Content
from textual.widgets import Static

from triage.app.queue_model import Counts, clean


class ViewBar(Static):
    """The QUERY the queue shows, how many cables match it, and whether a filter is running."""

    def show(
        self,
        query_text: str,
        shown: int,
        total: int,
        *,
        name: str | None = None,
        busy: bool = False,
        loading: bool = False,
        ingesting: tuple[int, int] | None = None,
    ) -> None:
        """Redraw from plain values (``Content.assemble`` parses no markup).

        ``ingesting``: ``(done, total)`` inbox files of the start-up scan, while it runs.
        """
        parts: list[str | tuple[str, str]] = [("view ", "bold")]
        if name:
            parts.append((f"{clean(name)}: ", "bold"))
        parts.append(clean(query_text) if query_text else ("every cable", "italic"))
        if loading:
            parts.append("  — loading the queue…")
        else:
            parts.append(f"  — {shown:,} of {total:,}")
        if busy:
            parts.append(("  filtering…", "italic"))
        if ingesting is not None:
            done, total = ingesting
            parts.append((f"  reading the inbox: {done:,} of {total:,} files…", "italic"))
        self.update(Content.assemble(*parts))


class StatusBar(Static):
    """The selection; unread, unacknowledged, open and mine; the user; the inbox; rejected files."""

    def show(
        self,
        counts: Counts,
        *,
        user: str,
        inbox: Path,
        rejects: int,
        rejects_key: str = "R",
        counting: bool = False,
        selected: int = 0,
    ) -> None:
        """Redraw from plain values (``Content.assemble`` parses no markup).

        ``counting``: only the first rows are loaded yet, so the counts would be wrong.
        ``selected``: how many rows are selected (first, so a bulk key's reach is plain).
        """
        parts: list[str | tuple[str, str]] = (
            [(f"{selected:,} selected", "bold"), "  │ "] if selected else []
        )
        parts += (
            ["counting…"]
            if counting
            else [
                f"unread {counts.unread:,}  ",
                (f"unacked {counts.unacked:,}", "bold reverse" if counts.unacked else ""),
                f"  open {counts.open:,}  mine {counts.mine:,}",
            ]
        )
        parts.append(f"  │ {clean(user)} │ {clean(str(inbox))}")
        if rejects:
            parts.append((f"  │ rejected {rejects:,} ({rejects_key})", "bold"))
        self.update(Content.assemble(*parts))
