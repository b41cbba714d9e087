"""Every field of a whole fictional cable, in each of the three renderings."""

from __future__ import annotations

import pytest

from tests.parsing.render import renderings
from triage.parsing import parse

CABLE = """VZCZCXRO1234
OO RUEHXX RUEHYY
DE RUEHVL #0412/01 0611430
ZNY CCCCC ZZH
O 021430Z MAR 09
FM AMEMBASSY VALMORA
TO RUEHC/SECSTATE WASHDC IMMEDIATE 7781
INFO RUEHZL/EUROPEAN POLITICAL COLLECTIVE PRIORITY
RUEHKS/AMEMBASSY KESTRIN NIACT IMMEDIATE 0042

C O N F I D E N T I A L SECTION 01 OF 02 VALMORA 000412

NOFORN
SIPDIS

E.O. 12958: DECL: 03/02/2019
TAGS: PREL, pgov
KDEM PREL
SUBJECT: VALMORAN MINISTER SEEKS SUPPORT FOR
HARBOUR TALKS

REF: A. VALMORA 398
B. 08 STATE 12345 AND PREVIOUS
C. EMAIL FROM POLOFF, FEBRUARY 27

Classified By: Political Counselor Ada Brenner for reasons 1.4 (b) and (d).

\u00b61. (C) SUMMARY: Foreign Minister Orlan Vesk asked for help with the
harbour talks. See action request in paragraph 4. END SUMMARY.

\u00b62. (C/NF) Vesk described the talks in detail and said the
delegation would meet again in

VALMORA 00000412 002 OF 002

the spring; he expected a long negotiation.

\u00b63. (C) The Minister said his cabinet had asked the Kestrin
government to send a team; he did not ask anything of us.

\u00b64. (C) Post requests that Department provide guidance by
March 6 on whether the Ambassador may attend the talks.
BRENNER
"""

FORMATS = ("text", "markdown", "html")


@pytest.fixture(scope="module")
def parsed() -> dict[str, object]:
    return {fmt: parse(text, f"cable.{fmt}") for fmt, text in renderings(CABLE).items()}


@pytest.mark.parametrize("fmt", FORMATS)
def test_format_detected(parsed, fmt):
    assert parsed[fmt].format == fmt


@pytest.mark.parametrize("fmt", FORMATS)
def test_routing_fields(parsed, fmt):
    c = parsed[fmt]
    assert c.id == "09VALMORA412"
    assert c.transmission_id == "VZCZCXRO1234"
    assert c.precedence == "IMMEDIATE"
    assert c.niact is True
    assert c.dtg == "2009-03-02T14:30:00Z"
    assert c.origin == "AMEMBASSY VALMORA"
    assert [(a.routing, a.name, a.precedence, a.serial) for a in c.to] == [
        ("RUEHC", "SECSTATE WASHDC", "IMMEDIATE", "7781")
    ]
    assert [(a.routing, a.name, a.precedence, a.serial) for a in c.info] == [
        ("RUEHZL", "EUROPEAN POLITICAL COLLECTIVE", "PRIORITY", None),
        ("RUEHKS", "AMEMBASSY KESTRIN", "IMMEDIATE", "0042"),
    ]


@pytest.mark.parametrize("fmt", FORMATS)
def test_opening_fields(parsed, fmt):
    c = parsed[fmt]
    assert c.classification == "CONFIDENTIAL"
    assert c.caveats == ["NOFORN"]
    assert c.captions == ["SIPDIS"]
    assert c.corrected is False
    assert c.cable_tags == ["PREL", "PGOV", "KDEM"]
    assert c.subject == "VALMORAN MINISTER SEEKS SUPPORT FOR HARBOUR TALKS"
    assert [(r.letter, r.id) for r in c.references] == [
        ("A", "09VALMORA398"),
        ("B", "08STATE12345"),
        ("C", None),
    ]
    assert c.references[2].text == "EMAIL FROM POLOFF, FEBRUARY 27"
    assert c.classified_by == "Ada Brenner"
    assert c.reasons == "1.4 (b) and (d)"
    assert c.declassify_on == "2019-03-02"
    assert c.section is not None and (c.section.number, c.section.of) == (1, 2)
    assert c.sections_present == [1, 2]


@pytest.mark.parametrize("fmt", FORMATS)
def test_body_fields(parsed, fmt):
    c = parsed[fmt]
    assert [(p.number, p.marking) for p in c.paragraphs] == [
        (1, "C"),
        (2, "C/NF"),
        (3, "C"),
        (4, "C"),
    ]
    assert "00000412" not in c.paragraphs[1].text
    assert c.paragraphs[1].text.endswith(
        "meet again in the spring; he expected a long negotiation."
    )
    assert c.summary == (
        "Foreign Minister Orlan Vesk asked for help with the harbour talks. "
        "See action request in paragraph 4."
    )
    assert [a.paragraph for a in c.action_requests] == [4]
    assert c.signers == ["BRENNER"]
    assert "BRENNER" not in c.paragraphs[-1].text
    assert c.errors == []


def test_renderings_identical(parsed):
    def strip(c):
        d = c.to_json()
        d.pop("source")
        d.pop("format")
        return d

    assert strip(parsed["text"]) == strip(parsed["markdown"]) == strip(parsed["html"])


def test_to_json_equals_asdict(parsed):
    from dataclasses import asdict

    for cable in parsed.values():
        assert cable.to_json() == asdict(cable)
        assert list(cable.to_json()) == list(asdict(cable))
