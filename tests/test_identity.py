"""identity.merge_texts: the one text a cable reads as, from the parses of its sources."""

from __future__ import annotations

from triage.identity import merge_texts
from triage.model import ActionRequest, Paragraph, ParsedCable, Section


def _part(
    number: int | None,
    paragraphs: list[int],
    *,
    corrected: bool = False,
    classification: str = "CONFIDENTIAL",
    caveats: list[str] | None = None,
    signer: str = "HALDANE",
) -> ParsedCable:
    return ParsedCable(
        source=f"part{number}{'c' if corrected else ''}.txt",
        id="26TESTPOST1",
        subject=f"SUBJECT OF PART {number}" + (" CORRECTED" if corrected else ""),
        classification=classification,
        caveats=list(caveats or []),
        corrected=corrected,
        section=Section(number, 2) if number else None,
        sections_present=[number] if number else [],
        paragraphs=[Paragraph(f"Paragraph {n}.", n) for n in paragraphs],
        action_requests=[ActionRequest(f"Act {n}.", n) for n in paragraphs[:1]],
        signers=[signer],
        errors=[f"note {number}"],
    )


def test_sections_in_order_whatever_the_arrival() -> None:
    for parts in ([_part(1, [1, 2]), _part(2, [3, 4])], [_part(2, [3, 4]), _part(1, [1, 2])]):
        merged = merge_texts(parts)
        assert merged is not None
        assert [p.number for p in merged.paragraphs] == [1, 2, 3, 4]
        assert [a.paragraph for a in merged.action_requests] == [1, 3]
        assert merged.subject == "SUBJECT OF PART 1"  # the first section's header
        assert merged.signers == ["HALDANE"]  # each once
        assert merged.errors == ["note 1", "note 2"]
        assert merged.sections_present == [1, 2]


def test_a_corrected_copy_wins_its_section_in_either_order() -> None:
    original, corrected = _part(None, [1, 2]), _part(None, [1, 2, 3], corrected=True)
    for parts in ([original, corrected], [corrected, original]):
        merged = merge_texts(parts)
        assert merged is not None
        assert merged.corrected
        assert merged.subject == "SUBJECT OF PART None CORRECTED"
        assert [p.number for p in merged.paragraphs] == [1, 2, 3]


def test_the_same_section_twice_reads_once_first_given_wins() -> None:
    merged = merge_texts([_part(1, [1], signer="A"), _part(1, [1], signer="B"), _part(2, [2])])
    assert merged is not None
    assert [p.number for p in merged.paragraphs] == [1, 2]
    assert merged.signers == ["A", "HALDANE"]


def test_highest_classification_and_every_caveat() -> None:
    merged = merge_texts(
        [
            _part(1, [1], classification="CONFIDENTIAL", caveats=["NOFORN"]),
            _part(2, [2], classification="SECRET", caveats=["NOFORN", "ORCON"]),
        ]
    )
    assert merged is not None
    assert (merged.classification, merged.caveats) == ("SECRET", ["NOFORN", "ORCON"])


def test_nothing_to_merge() -> None:
    assert merge_texts([]) is None
