"""KeyFooter: the key hints, help and quit first, dropping whole hints that do not fit.

Textual's ``Footer`` lists the focused widget's keys, then the screen's, then the app's, and cuts
the row off at the terminal's edge: at 80 columns ``? Keys`` and ``q Quit`` (app and last) were
never seen, and the last hint shown was cut mid-word. This footer puts the bindings whose id is
in ``FIRST`` before the others and leaves out, whole, every hint that would not fit.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

FIRST = ("help", "help-close", "rejects-close", "quit", "cable-back", "dialog-cancel")
"""Binding ids shown first, in this order, whatever the width."""

PALETTE_WIDTH = 14
"""Cells taken by the command palette's hint on the right (``^p palette`` and its border)."""

PALETTE_FROM = 100
"""Below this width the palette's hint gives its room to the screen's keys (ctrl+p still works)."""


def hint_width(key_display: str, description: str) -> int:
    """Cells one hint takes in a (non-compact) footer: `` key `` then ``description ``."""
    return cell_len(key_display) + cell_len(description) + 3


def arrange(
    bindings: Iterable[tuple[Binding, bool, str, str]], width: int
) -> list[tuple[Binding, bool, str, str]]:
    """The hints to show, in order: ``FIRST`` ids first, then the rest while they fit.

    Args:
        bindings: ``(binding, enabled, tooltip, key display)`` in the screen's order, one per
            action.
        width: Cells available.

    Returns:
        The hints that fit whole, essential ones first.
    """
    items = list(bindings)
    rank = {binding_id: n for n, binding_id in enumerate(FIRST)}
    items.sort(key=lambda item: rank.get(item[0].id or "", len(FIRST)))  # stable: keeps order
    shown: list[tuple[Binding, bool, str, str]] = []
    used = 0
    for item in items:
        size = hint_width(item[3], item[0].description)
        if used + size > width and (item[0].id or "") not in rank:
            continue
        shown.append(item)
        used += size
    return shown


class KeyFooter(Footer):
    """A footer whose essential hints (help, quit, back) come first and are never cut."""

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        active = self.screen.active_bindings
        seen: set[str] = set()
        hints: list[tuple[Binding, bool, str, str]] = []
        for _node, binding, enabled, tooltip in active.values():
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            hints.append((binding, enabled, tooltip, self.app.get_key_display(binding)))
        width = self.app.size.width
        palette = (
            self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE and width >= PALETTE_FROM
        )
        chosen = arrange(hints, width - (PALETTE_WIDTH if palette else 0))
        self.styles.grid_size_columns = len(chosen)
        for binding, enabled, tooltip, display in chosen:
            yield FooterKey(
                binding.key,
                display,
                binding.description,
                binding.action,
                disabled=not enabled,
                tooltip=tooltip,
            ).data_bind(compact=Footer.compact)
        if palette:
            try:
                _node, binding, enabled, tooltip = active[self.app.COMMAND_PALETTE_BINDING]
            except KeyError:
                return
            yield FooterKey(
                binding.key,
                self.app.get_key_display(binding),
                binding.description,
                binding.action,
                classes="-command-palette",
                disabled=not enabled,
                tooltip=binding.tooltip or binding.description,
            )

    def on_resize(self, event: events.Resize) -> None:
        """Choose the hints again for the new width."""
        self.call_after_refresh(self.recompose)
