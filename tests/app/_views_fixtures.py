"""Fixed, fictional data and a tiny host app for the view, dialog and theme tests.

The cable is invented (Freedonia and Sylvania are fictional); it is built by hand as a
ParsedCable so these tests do not depend on the parser.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Footer, Static

from triage import theming
from triage.app.screens.cable import CableScreen
from triage.model import (
    ActionRequest,
    Addressee,
    Paragraph,
    ParsedCable,
    QueueRow,
    Reference,
    Section,
)

CABLE_ID = "26FREEDONIA101"
REF_IN_QUEUE = "26SYLVANIA77"
REF_NOT_IN_QUEUE = "25STATE4242"


def sample_cable(**changes: Any) -> ParsedCable:
    """A fictional SECRET//NOFORN NIACT cable with references, a summary and an action request."""
    cable = ParsedCable(
        source="inbox/freedonia-101.txt",
        format="text",
        id=CABLE_ID,
        transmission_id="VZCZCXYZ0001",
        precedence="IMMEDIATE",
        niact=True,
        dtg="2026-03-14T09:26:00Z",
        origin="AMEMBASSY FREEDONIA",
        to=[
            Addressee(
                name="SECSTATE WASHDC",
                routing="RUEHC",
                precedence="NIACT IMMEDIATE",
                serial="0101",
            ),
        ],
        info=[
            Addressee(name="AMEMBASSY SYLVANIA", routing="RUEHSY", precedence="PRIORITY"),
            Addressee(name="USMISSION GENEVA", routing="RUEHGV", precedence="ROUTINE"),
        ],
        classification="SECRET",
        caveats=["NOFORN"],
        captions=["SIPDIS"],
        cable_tags=["PREL", "PGOV", "FR"],
        subject="FREEDONIA: MINISTER ASKS FOR GUIDANCE ON BORDER TALKS",
        references=[
            Reference(text="A. SYLVANIA 77", letter="A", id=REF_IN_QUEUE),
            Reference(text="B. STATE 4242", letter="B", id=REF_NOT_IN_QUEUE),
            Reference(text="C. PHONE CALL OF MARCH 12", letter="C", id=None),
        ],
        classified_by="Rufus T. Firefly",
        reasons="1.4 b/d",
        declassify_on="2036-03-14",
        section=Section(number=1, of=1),
        sections_present=[1],
        paragraphs=[
            Paragraph(
                number=1,
                marking="C",
                text="Summary: The Foreign Minister asked for guidance before the border "
                "talks resume on March 20. See action request in paragraph 3.",
            ),
            Paragraph(
                number=2,
                marking="S/NF",
                text="The Minister said the Sylvanian delegation would table a new map. "
                "He expects a reply within the week.",
            ),
            Paragraph(
                number=3,
                marking="C",
                text="Action request: Embassy requests guidance on whether to attend the "
                "opening session as an observer.",
            ),
        ],
        summary="The Foreign Minister asked for guidance before the border talks resume.",
        action_requests=[ActionRequest(paragraph=3, text="Embassy requests guidance.")],
        signers=["TRENTINO"],
        errors=[],
    )
    for key, value in changes.items():
        setattr(cable, key, value)
    return cable


def sample_row(**changes: Any) -> QueueRow:
    """The queue row of ``sample_cable`` with some triage state."""
    row = QueueRow(
        id=CABLE_ID,
        precedence="IMMEDIATE",
        niact=True,
        classification="SECRET",
        caveats=["NOFORN"],
        dtg="2026-03-14T09:26:00Z",
        origin="AMEMBASSY FREEDONIA",
        subject="FREEDONIA: MINISTER ASKS FOR GUIDANCE ON BORDER TALKS",
        cable_tags=["PREL", "PGOV", "FR"],
        action_paragraphs=[3],
        tags=["urgent", "border"],
        assignee="alice",
        action="open",
        action_derived=True,
        read=True,
        acked=None,
        arrived="2026-03-14T09:31:12Z",
        sections={"received": [1], "of": 1},
        sources=["freedonia-101.txt"],
    )
    for key, value in changes.items():
        setattr(row, key, value)
    return row


def sample_history() -> list[dict[str, Any]]:
    """Two changes by two officers."""
    return [
        {
            "seq": 1,
            "at": "2026-03-14T09:40:00Z",
            "user": "bob",
            "os_user": "bob",
            "field": "tags",
            "old": [],
            "new": ["urgent", "border"],
        },
        {
            "seq": 2,
            "at": "2026-03-14T09:45:30Z",
            "user": "bob",
            "os_user": "rbrown",
            "field": "assignee",
            "old": None,
            "new": "alice",
        },
    ]


class FocusableStatic(Static, can_focus=True):
    """Something on the base screen to hold focus (to test that dialogs give it back)."""


class BaseScreen(Screen[None]):
    """A stand-in for the queue screen: a couple of bindings for the help test."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("x", "noop", "Cycle action", id="test-cycle-action"),
        Binding("j,down", "noop", "Down", id="test-down"),
    ]

    def compose(self) -> ComposeResult:
        yield FocusableStatic("base screen", id="base")
        yield Footer()

    def action_noop(self) -> None:
        """Nothing."""


class ViewsApp(App[None]):
    """A host app for one screen: registers the shipped themes and the app's variables."""

    CSS_PATH = "../../triage/app/views.tcss"

    def __init__(
        self,
        screen_factory: Callable[[], Screen[Any]] | None = None,
        *,
        theme: str = "triage-dark",
    ) -> None:
        super().__init__()
        self._factory = screen_factory
        self.results: list[object] = []
        themes, failures = theming.load_themes([])
        assert not failures, failures
        for t in themes:
            self.register_theme(t)
        self.theme = theme

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(theming.THEME_VARIABLE_DEFAULTS)

    def get_default_screen(self) -> Screen[Any]:
        return BaseScreen()

    def on_mount(self) -> None:
        if self._factory is not None:
            self.push_screen(self._factory(), self.results.append)


def cable_app(
    row: QueueRow | None = None,
    cable: ParsedCable | None = None,
    history: list[dict[str, Any]] | None = None,
    *,
    open_reference: Callable[[str], bool] | None = None,
    theme: str = "triage-dark",
    no_cable: bool = False,
) -> ViewsApp:
    """A ViewsApp showing the sample cable (or the given one) in a CableScreen."""
    row = row or sample_row()
    cable = None if no_cable else (cable or sample_cable())
    history = sample_history() if history is None else history
    return ViewsApp(
        lambda: CableScreen(row, cable, history, open_reference=open_reference), theme=theme
    )


def screen_lines(app: App[Any]) -> list[str]:
    """The text of every line of the screen as drawn now (what a user would see)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def screen_text(app: App[Any]) -> str:
    """``screen_lines`` joined with newlines."""
    return "\n".join(screen_lines(app))
