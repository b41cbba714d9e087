"""Modal dialogs: add tags, assign, filter with a QUERY, and the list of rejected files.

Each dialog is a ``ModalScreen`` dismissed with its result (None when cancelled with escape),
so Textual gives focus back to the screen below. Every string from a cable, a file name or
another user is shown as plain text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import ClassVar, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.suggester import Suggester, SuggestFromList
from textual.widgets import Input, Static

from triage.app.widgets.cable_view import one_line, plain_text
from triage.app.widgets.footer import KeyFooter
from triage.names import tag_error as _bare_tag_error
from triage.names import user_error

_SEPARATORS = re.compile(r"[,\s]+")

_CANCEL = Binding("escape", "cancel", "Cancel", id="dialog-cancel", tooltip="Close, change nothing")
_COMPLETE = Binding(
    "tab", "complete", "Complete", id="dialog-complete", tooltip="Accept the completion shown"
)


def split_tags(text: str) -> list[str]:
    """Split typed text on commas and whitespace; empty pieces dropped, order kept, no repeats.

    Args:
        text: what the user typed.
    """
    seen: set[str] = set()
    tags: list[str] = []
    for piece in _SEPARATORS.split(text):
        if piece and piece.casefold() not in seen:
            seen.add(piece.casefold())
            tags.append(piece)
    return tags


def tag_error(tag: str) -> str | None:
    """Why a typed tag cannot be used (None when it can): ``triage.names.tag_error``.

    One leading ``-`` asks to remove the tag (the queue's tag action reads it so) and is not
    part of the tag.
    """
    tag = tag[1:] if tag.startswith("-") else tag
    if not tag:
        return "'-' alone: write the tag to remove after it, e.g. -urgent"
    return _bare_tag_error(tag)


def safe_choices(values: Iterable[str]) -> list[str]:
    """Completion candidates with nothing unsafe to draw: sanitised, de-duplicated, sorted."""
    seen: set[str] = set()
    out: list[str] = []
    for value in values:
        clean = one_line(value)
        if clean and clean.casefold() not in seen:
            seen.add(clean.casefold())
            out.append(clean)
    return sorted(out, key=str.casefold)


class LastWordSuggester(Suggester):
    """Completes the last comma- or space-separated word from a list (case-insensitively)."""

    def __init__(self, choices: Iterable[str]) -> None:
        super().__init__(use_cache=True, case_sensitive=True)
        self._choices = safe_choices(choices)
        self._folded = [c.casefold() for c in self._choices]

    async def get_suggestion(self, value: str) -> str | None:
        """The value with its last word completed, or None."""
        match = re.search(r"[^,\s]+$", value)
        if match is None:
            return None
        word = match.group(0).casefold().removeprefix("-")
        if not word:
            return None
        typed = {t.casefold().removeprefix("-") for t in split_tags(value[: match.start()])}
        for choice, folded in zip(self._choices, self._folded, strict=True):
            if folded.startswith(word) and folded != word and folded not in typed:
                return value + choice[len(word) :]
        return None


_R = TypeVar("_R")


class _InputDialog(ModalScreen[_R]):
    """Shared layout: a title, an input, a live message line, and a key hint."""

    AUTO_FOCUS = "Input"
    BINDINGS: ClassVar[list[BindingType]] = [_CANCEL, _COMPLETE]

    def __init__(self, title: str, hint: str, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="dialog-screen")
        self._title = title
        self._hint = hint

    def make_input(self) -> Input:
        """The dialog's input widget."""
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        """Title, input, message, hint."""
        with Vertical(classes="dialog"):
            yield Static(self._title, markup=False, classes="dialog-title")
            yield self.make_input()
            yield Static("", markup=False, classes="dialog-message", id="message")
            yield Static(self._hint, markup=False, classes="dialog-hint")
        yield KeyFooter()

    @property
    def input(self) -> Input:
        """The dialog's input."""
        return self.query_one(Input)

    @property
    def message(self) -> str:
        """The message line's current text (an error, or empty)."""
        return str(self.query_one("#message", Static).content)

    def show_message(self, text: str | None) -> None:
        """Show an error (plain text) under the input, or clear it."""
        widget = self.query_one("#message", Static)
        widget.update(Content(plain_text(text or "")))
        widget.set_class(bool(text), "-error")

    def action_cancel(self) -> None:
        """Close without a result."""
        self.dismiss(None)

    def action_complete(self) -> None:
        """Accept the completion shown after the cursor (like the right arrow at the end)."""
        field = self.input
        if field.cursor_at_end:
            field.action_cursor_right()


class TagDialog(_InputDialog[list[str] | None]):
    """Ask for tags to add, completing from the tags already in use.

    Dismisses with the list of tags typed (``[]`` when nothing was typed), or None on escape.

    Args:
        known_tags: tags in use anywhere (completion candidates).
        title: the dialog's title.
    """

    def __init__(self, known_tags: list[str], *, title: str = "Add tags") -> None:
        super().__init__(
            title,
            "Separate tags with commas or spaces; -tag removes one; enter applies.",
            id="tag-dialog",
        )
        self.known_tags = safe_choices(known_tags)
        """The completion candidates (sanitised)."""

    def make_input(self) -> Input:
        """A tag input completing the last word typed."""
        return Input(
            placeholder="tags, e.g. urgent follow-up",
            suggester=LastWordSuggester(self.known_tags),
            id="tags",
        )

    def parse(self, text: str) -> tuple[list[str], str | None]:
        """The tags in ``text`` (known ones in their known spelling) and the first error."""
        canonical = {t.casefold(): t for t in self.known_tags}
        tags = []
        for tag in split_tags(text):
            sign, bare = ("-", tag[1:]) if tag.startswith("-") else ("", tag)
            tags.append(sign + canonical.get(bare.casefold(), bare))
        for tag in tags:
            error = tag_error(tag)
            if error:
                return tags, error
        return tags, None

    @on(Input.Changed, "#tags")
    def _changed(self, event: Input.Changed) -> None:
        self.show_message(self.parse(event.value)[1])

    @on(Input.Submitted, "#tags")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        tags, error = self.parse(event.value)
        if error:
            self.show_message(error)
            self.app.bell()
            return
        self.dismiss(tags)


class AssignDialog(_InputDialog[str | None]):
    """Ask whom to assign, completing from the known users.

    Dismisses with the user name (``me`` as typed: the caller knows the acting user), ``""``
    to clear the assignee (enter on an empty input), or None on escape.

    Args:
        known_users: user names seen in the state (completion candidates).
        current: the current assignee, pre-filled.
    """

    def __init__(self, known_users: list[str], current: str | None) -> None:
        super().__init__(
            "Assign to",
            "Enter assigns (me: yourself); an empty name clears the assignee.",
            id="assign-dialog",
        )
        self.known_users = safe_choices(known_users)
        """The completion candidates (sanitised)."""
        self.current = one_line(current)
        """The assignee shown when the dialog opened."""

    def make_input(self) -> Input:
        """A user name input completing from the known users."""
        return Input(
            value=self.current,
            placeholder="user name (empty: nobody)",
            suggester=SuggestFromList(self.known_users, case_sensitive=False),
            id="user",
        )

    def _canonical(self, text: str) -> str:
        name = text.strip()
        for user in self.known_users:
            if user.casefold() == name.casefold():
                return user
        return name

    @on(Input.Changed, "#user")
    def _changed(self, event: Input.Changed) -> None:
        name = event.value.strip()
        self.show_message(user_error(name) if name else None)

    @on(Input.Submitted, "#user")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        name = self._canonical(event.value)
        error = user_error(name) if name else None
        if error:
            self.show_message(error)
            self.app.bell()
            return
        self.dismiss(name)


class FilterDialog(_InputDialog[str | None]):
    """Ask for a QUERY; ``check`` reports an error for a bad one, shown live under the input.

    Dismisses with the query (``""`` shows everything), or None on escape.

    Args:
        query: the query in force, pre-filled.
        check: returns an error message for a bad QUERY, or None when it is valid.
    """

    BINDINGS: ClassVar[list[BindingType]] = [_CANCEL]

    def __init__(self, query: str, check: Callable[[str], str | None]) -> None:
        super().__init__(
            "Filter the queue (QUERY)",
            "e.g. prec:immediate -action:done tag:urgent; enter applies; empty shows every cable.",
            id="filter-dialog",
        )
        self.query_text = query
        """The query shown when the dialog opened."""
        self._check = check

    def make_input(self) -> Input:
        """The QUERY input, pre-filled."""
        return Input(value=self.query_text, placeholder="QUERY (empty: every cable)", id="query")

    def _error(self, text: str) -> str | None:
        if not text.strip():
            return None
        try:
            return self._check(text)
        except Exception as exc:  # a checker bug must not take the dialog down
            return f"cannot check this query: {exc}"

    def on_mount(self) -> None:
        """Check the pre-filled query."""
        self.show_message(self._error(self.query_text))

    @on(Input.Changed, "#query")
    def _changed(self, event: Input.Changed) -> None:
        self.show_message(self._error(event.value))

    @on(Input.Submitted, "#query")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        error = self._error(event.value)
        if error:
            self.show_message(error)
            self.app.bell()
            return
        self.dismiss(event.value.strip())


class RejectsScreen(ModalScreen[None]):
    """The inbox files ingest rejected, each with its reason. Escape closes.

    Args:
        rejects: path -> reason.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="rejects-close", tooltip="Back to the queue"),
        Binding("j,down", "scroll_down", "Down", show=False, id="rejects-scroll-down"),
        Binding("k,up", "scroll_up", "Up", show=False, id="rejects-scroll-up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="rejects-page-down"),
        Binding("pageup", "page_up", "Page up", show=False, id="rejects-page-up"),
        Binding("question_mark", "help", "Keys", id="help", tooltip="The keys of this screen"),
    ]
    AUTO_FOCUS = ""

    def __init__(self, rejects: dict[str, str]) -> None:
        super().__init__(id="rejects-screen", classes="dialog-screen")
        self.rejects = dict(rejects)
        """The rejected files shown: path -> reason."""

    def compose(self) -> ComposeResult:
        """A title and one entry per file, sorted by path."""
        count = len(self.rejects)
        with Vertical(classes="dialog -wide"):
            yield Static(
                f"Rejected files ({count})" if count else "Rejected files",
                markup=False,
                classes="dialog-title",
            )
            with VerticalScroll(id="rejects", can_focus=False):
                if not self.rejects:
                    yield Static("No file was rejected.", markup=False, classes="reject")
                for path in sorted(self.rejects):
                    yield Static(
                        Content.assemble(
                            (one_line(path) or "(no name)", "bold"),
                            "\n  ",
                            one_line(self.rejects[path]) or "(no reason given)",
                        ),
                        markup=False,
                        classes="reject",
                    )
        yield KeyFooter()

    def action_close(self) -> None:
        """Back to the screen below."""
        self.dismiss(None)

    def action_help(self) -> None:
        """List this screen's keys."""
        from triage.app.screens.help import HelpScreen

        self.app.push_screen(HelpScreen())

    def action_scroll_down(self) -> None:
        """Scroll one line down."""
        self.query_one("#rejects", VerticalScroll).scroll_down(animate=False)

    def action_scroll_up(self) -> None:
        """Scroll one line up."""
        self.query_one("#rejects", VerticalScroll).scroll_up(animate=False)

    def action_page_down(self) -> None:
        """Scroll one page down."""
        self.query_one("#rejects", VerticalScroll).scroll_page_down(animate=False)

    def action_page_up(self) -> None:
        """Scroll one page up."""
        self.query_one("#rejects", VerticalScroll).scroll_page_up(animate=False)
