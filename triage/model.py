"""Plain data for triage: parsed cables, queue rows, precedence and action states. No I/O."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field
from typing import Any


class Precedence(enum.IntEnum):
    """Precedence ranks in triage order: lower sorts first."""

    FLASH = 0
    NIACT_IMMEDIATE = 1
    IMMEDIATE = 2
    PRIORITY = 3
    ROUTINE = 4
    UNKNOWN = 5

    @classmethod
    def rank(cls, precedence: str | None, niact: bool = False) -> Precedence:
        """The triage rank of a parsed precedence string and NIACT flag."""
        if precedence == "FLASH":
            return cls.FLASH
        if precedence == "IMMEDIATE":
            return cls.NIACT_IMMEDIATE if niact else cls.IMMEDIATE
        if niact:
            return cls.NIACT_IMMEDIATE
        if precedence == "PRIORITY":
            return cls.PRIORITY
        if precedence == "ROUTINE":
            return cls.ROUTINE
        return cls.UNKNOWN


PRECEDENCES = ("FLASH", "IMMEDIATE", "PRIORITY", "ROUTINE")
"""The precedence values the parser emits, highest first."""

CLASSIFICATIONS = (
    "UNCLASSIFIED",
    "UNCLASSIFIED//FOR OFFICIAL USE ONLY",
    "LIMITED OFFICIAL USE",
    "CONFIDENTIAL",
    "SECRET",
    "TOP SECRET",
)
"""Classification values the parser emits, least restrictive first. None means UNKNOWN,
which the app treats as the most restrictive."""

CLASSIFICATION_ABBREV = {
    "UNCLASSIFIED": "U",
    "UNCLASSIFIED//FOR OFFICIAL USE ONLY": "SBU",
    "LIMITED OFFICIAL USE": "LOU",
    "CONFIDENTIAL": "C",
    "SECRET": "S",
    "TOP SECRET": "TS",
    None: "UNK",
}
"""Standard short forms for narrow columns."""

CAVEAT_ABBREV = {
    "NOFORN": "NF",
    "NODIS": "ND",
    "EXDIS": "XD",
    "LIMDIS": "LD",
    "STADIS": "SD",
    "ORCON": "OC",
    "REL TO": "REL",
}
"""Short caveats for narrow columns (``S//NF``), in the queue and in ``triage list``."""


def classification_rank(classification: str | None) -> int:
    """Restrictiveness of a classification; UNKNOWN (None) is the most restrictive."""
    if classification is None or classification not in CLASSIFICATIONS:
        return len(CLASSIFICATIONS)
    return CLASSIFICATIONS.index(classification)


class ActionState(enum.StrEnum):
    """The action-request state of a cable."""

    NONE = "none"
    OPEN = "open"
    DONE = "done"


@dataclass(slots=True)
class Addressee:
    """One TO or INFO addressee of a cable."""

    name: str
    routing: str | None = None
    precedence: str | None = None
    serial: str | None = None
    excluded: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Reference:
    """One REF entry: ``id`` is a canonical cable ID, or None for non-cable references."""

    text: str
    letter: str | None = None
    id: str | None = None


@dataclass(slots=True)
class Paragraph:
    """One numbered (or unnumbered) paragraph of a cable body."""

    text: str
    number: int | None = None
    marking: str | None = None


@dataclass(slots=True)
class ActionRequest:
    """A paragraph that asks the addressee to act."""

    text: str
    paragraph: int | None = None


@dataclass(slots=True)
class Section:
    """The banner's ``SECTION nn OF mm``."""

    number: int
    of: int


@dataclass(slots=True)
class ParsedCable:
    """Every field of the ``triage parse`` contract (spec/parse-json.md), in its order."""

    source: str = "-"
    format: str = "text"
    id: str | None = None
    transmission_id: str | None = None
    precedence: str | None = None
    niact: bool = False
    dtg: str | None = None
    origin: str | None = None
    to: list[Addressee] = field(default_factory=list)
    info: list[Addressee] = field(default_factory=list)
    classification: str | None = None
    caveats: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)
    corrected: bool = False
    cable_tags: list[str] = field(default_factory=list)
    subject: str | None = None
    references: list[Reference] = field(default_factory=list)
    classified_by: str | None = None
    reasons: str | None = None
    declassify_on: str | None = None
    section: Section | None = None
    sections_present: list[int] = field(default_factory=list)
    paragraphs: list[Paragraph] = field(default_factory=list)
    summary: str | None = None
    action_requests: list[ActionRequest] = field(default_factory=list)
    signers: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The JSON object of parse-json.md, keys in contract order.

        Equal to ``dataclasses.asdict(self)``, written out because asdict's generic deep copy
        cost as much as parsing the cable (``triage parse`` serialises every cable).
        """
        return {
            "source": self.source,
            "format": self.format,
            "id": self.id,
            "transmission_id": self.transmission_id,
            "precedence": self.precedence,
            "niact": self.niact,
            "dtg": self.dtg,
            "origin": self.origin,
            "to": [_addressee_json(a) for a in self.to],
            "info": [_addressee_json(a) for a in self.info],
            "classification": self.classification,
            "caveats": list(self.caveats),
            "captions": list(self.captions),
            "corrected": self.corrected,
            "cable_tags": list(self.cable_tags),
            "subject": self.subject,
            "references": [
                {"text": r.text, "letter": r.letter, "id": r.id} for r in self.references
            ],
            "classified_by": self.classified_by,
            "reasons": self.reasons,
            "declassify_on": self.declassify_on,
            "section": (
                None
                if self.section is None
                else {"number": self.section.number, "of": self.section.of}
            ),
            "sections_present": list(self.sections_present),
            "paragraphs": [
                {"text": p.text, "number": p.number, "marking": p.marking} for p in self.paragraphs
            ],
            "summary": self.summary,
            "action_requests": [
                {"text": a.text, "paragraph": a.paragraph} for a in self.action_requests
            ],
            "signers": list(self.signers),
            "errors": list(self.errors),
        }


def _addressee_json(a: Addressee) -> dict[str, Any]:
    return {
        "name": a.name,
        "routing": a.routing,
        "precedence": a.precedence,
        "serial": a.serial,
        "excluded": list(a.excluded),
    }


INDEXED_FIELDS = (
    "precedence",
    "niact",
    "classification",
    "caveats",
    "dtg",
    "origin",
    "subject",
    "cable_tags",
    "corrected",
    "action_paragraphs",
    "sections",
    "conflict",
    "missing_sources",
)
"""Queue-row fields that come from the parser and ingest (the store's index entry), not from
users' triage state."""


@dataclass(slots=True)
class QueueRow:
    """One item of the queue: the parsed fields the queue shows plus the shared triage state.

    Field names and meanings follow spec/cli.md ("The queue row").
    """

    id: str
    precedence: str | None = None
    niact: bool = False
    classification: str | None = None
    caveats: list[str] = field(default_factory=list)
    dtg: str | None = None
    origin: str | None = None
    subject: str | None = None
    cable_tags: list[str] = field(default_factory=list)
    corrected: bool = False
    action_paragraphs: list[int] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    assignee: str | None = None
    action: str = ActionState.NONE.value
    action_derived: bool = True
    read: bool = False
    acked: dict[str, str] | None = None
    arrived: str | None = None
    sections: dict[str, Any] | None = None
    conflict: bool = False
    sources: list[str] = field(default_factory=list)
    missing_sources: list[str] = field(default_factory=list)
    flagged: str | None = None
    rejected: str | None = None

    @property
    def rank(self) -> Precedence:
        """Precedence rank for triage order."""
        return Precedence.rank(self.precedence, self.niact)

    @property
    def needs_ack(self) -> bool:
        """FLASH, NIACT and IMMEDIATE traffic stays flagged until someone acknowledges it."""
        return self.rank <= Precedence.IMMEDIATE and self.acked is None

    @property
    def sections_incomplete(self) -> bool:
        """True while some section 1..n has not arrived."""
        if not self.sections or not self.sections.get("of"):
            return False
        return set(self.sections.get("received", [])) != set(range(1, int(self.sections["of"]) + 1))

    def to_json(self) -> dict[str, Any]:
        """The queue row object of cli.md."""
        return asdict(self)
