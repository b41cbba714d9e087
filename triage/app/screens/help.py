"""HelpScreen: the keys of the screen beneath it, generated from that screen's active bindings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from triage.app.widgets.cable_view import one_line
from triage.app.widgets.footer import KeyFooter


@dataclass(frozen=True, slots=True)
class KeyHelp:
    """One line of help: the keys bound to an action, what it does, and its binding id."""

    keys: tuple[str, ...]
    description: str
    binding_id: str | None
    action: str
    enabled: bool = True


def key_help(screen: Screen[Any]) -> list[KeyHelp]:
    """The keys active on ``screen`` (its focused widget, the screen and the app), grouped so
    that keys bound to one action (``j`` and ``down``) share a line.

    System bindings and bindings without a description are left out.

    Args:
        screen: the screen whose keys to list.
    """
    app = screen.app
    groups: dict[tuple[str | None, str, str], list[str]] = {}
    first: dict[tuple[str | None, str, str], tuple[Binding, bool]] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if binding.system or not binding.description:
            continue
        group = (binding.id, binding.action, binding.description)
        display = app.get_key_display(binding.with_key(key)) if key else key
        groups.setdefault(group, []).append(display)
        first.setdefault(group, (binding, active.enabled))
    lines = [
        KeyHelp(
            keys=tuple(keys),
            description=group[2],
            binding_id=first[group][0].id,
            action=first[group][0].action,
            enabled=first[group][1],
        )
        for group, keys in groups.items()
    ]
    return lines


class HelpScreen(ModalScreen[None]):
    """The keys of the screen beneath, from its bindings: key, what it does, binding id.

    The binding id is what a user writes in the config file's ``[keys]`` table to remap a key.
    """

    AUTO_FOCUS = ""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close", id="help-close", tooltip="Close help"),
        Binding("j,down", "scroll_down", "Down", show=False, id="help-scroll-down"),
        Binding("k,up", "scroll_up", "Up", show=False, id="help-scroll-up"),
        Binding("pagedown,space", "page_down", "Page down", show=False, id="help-page-down"),
        Binding("pageup,b", "page_up", "Page up", show=False, id="help-page-up"),
        Binding("home,g", "scroll_home", "Top", show=False, id="help-top"),
        Binding("end,G", "scroll_end", "Bottom (marks)", show=False, id="help-bottom"),
    ]

    def __init__(self) -> None:
        super().__init__(id="help-screen", classes="dialog-screen")
        self.entries: list[KeyHelp] = []
        """The lines shown (filled when composed from the screen beneath)."""
        self.legend: list[tuple[str, str]] = []
        """The row marks explained under the keys (from the screen's ``help_legend()``)."""

    def compose(self) -> ComposeResult:
        """A table of the keys of the screen beneath."""
        below = self.screen_below()
        self.entries = key_help(below)
        width = max((len(", ".join(e.keys)) for e in self.entries), default=4)
        width = min(max(width, 4), 24)
        described = min(max((len(one_line(e.description)) for e in self.entries), default=0), 30)
        lines: list[Content] = []
        for entry in self.entries:
            keys = ", ".join(entry.keys)
            lines.append(
                Content.assemble(
                    (f"{keys:<{width}}", "bold"),
                    "  ",
                    (f"{one_line(entry.description):<{described}}", "" if entry.enabled else "dim"),
                    "  ",
                    (f"[{entry.binding_id}]" if entry.binding_id else "", "dim"),
                )
            )
        legend = getattr(below, "help_legend", None)
        self.legend = list(legend()) if callable(legend) else []
        if self.legend:
            lines.append(Content(""))
            lines.append(Content.styled("Marks at the start of a row", "bold underline"))
            lines.extend(
                Content.assemble((f"{mark:<{width}}", "bold"), "  ", one_line(meaning))
                for mark, meaning in self.legend
            )
        title = below.__class__.__name__.removesuffix("Screen") or "App"
        with Vertical(classes="dialog -wide"):
            yield Static(f"Keys: {title}", markup=False, classes="dialog-title")
            with VerticalScroll(id="help-keys", can_focus=False):
                yield Static(
                    Content("\n").join(lines) if lines else Content("No keys."),
                    markup=False,
                    id="help-table",
                )
            yield Static(
                "[id]: the binding id, to remap the key in the config file's [keys] table."
                + ("  end: the row marks." if self.legend else ""),
                markup=False,
                classes="dialog-hint",
            )
        yield KeyFooter()

    def screen_below(self) -> Screen[Any]:
        """The screen this help describes: the one under it on the stack."""
        stack = self.app.screen_stack
        if self in stack:
            index = stack.index(self)
            return stack[index - 1] if index > 0 else self
        return self.app.screen

    def action_close(self) -> None:
        """Back to the screen below."""
        self.dismiss(None)

    def action_scroll_down(self) -> None:
        """Scroll one line down."""
        self.query_one("#help-keys", VerticalScroll).scroll_down(animate=False)

    def action_scroll_up(self) -> None:
        """Scroll one line up."""
        self.query_one("#help-keys", VerticalScroll).scroll_up(animate=False)

    def action_page_down(self) -> None:
        """Scroll one page down."""
        self.query_one("#help-keys", VerticalScroll).scroll_page_down(animate=False)

    def action_page_up(self) -> None:
        """Scroll one page up."""
        self.query_one("#help-keys", VerticalScroll).scroll_page_up(animate=False)

    def action_scroll_home(self) -> None:
        """Scroll to the top."""
        self.query_one("#help-keys", VerticalScroll).scroll_home(animate=False)

    def action_scroll_end(self) -> None:
        """Scroll to the end (the row marks, on the queue)."""
        self.query_one("#help-keys", VerticalScroll).scroll_end(animate=False)
