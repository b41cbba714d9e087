"""Property and bad-input tests: parsing never raises, and bad input says why in ``errors``."""

from __future__ import annotations

import codecs

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.parsing.render import renderings
from tests.parsing.test_parse_fields import CABLE
from triage.parsing import SIZE_CAP, parse, parse_bytes

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _no_internal_error(cable) -> None:
    """``parse`` turns an exception inside the parser into a "parser error" (and loses every
    field); on input it should read, that is a bug, not a report."""
    assert not [e for e in cable.errors if e.startswith("parser error")], cable.errors


@FAST
@given(st.text(max_size=3000))
def test_parse_never_raises_on_text(text):
    cable = parse(text, "x")
    assert isinstance(cable.errors, list)
    _no_internal_error(cable)


@FAST
@given(st.binary(max_size=3000))
def test_parse_bytes_never_raises(data):
    cable = parse_bytes(data, "x")
    assert cable.source == "x"
    _no_internal_error(cable)


_LINES = st.sampled_from(
    [*CABLE.split("\n"), "", "\u00b6", "TAGS:", "REF: A.", "1.", "(C)", "/", ",", "//", "-", "."]
)


@FAST
@given(st.lists(_LINES, max_size=60))
def test_parse_never_raises_on_shuffled_cable_lines(lines):
    text = "\n".join(lines)
    for rendering in renderings(text).values():
        _no_internal_error(parse(rendering, "x"))


@FAST
@given(st.integers(min_value=0, max_value=CABLE.count("\n")))
def test_fragments_never_raise_and_agree(n_lines):
    fragment = "\n".join(CABLE.split("\n")[:n_lines]) + "\n"
    got = {}
    for fmt, text in renderings(fragment).items():
        d = parse(text, "x").to_json()
        d.pop("format")
        got[fmt] = d
    # Header, opening and routing fields agree across renderings for any prefix.
    for key in ("id", "precedence", "dtg", "origin", "classification", "caveats", "cable_tags"):
        assert got["text"][key] == got["markdown"][key] == got["html"][key], key


def test_empty_input():
    assert parse_bytes(b"").errors
    assert parse("").errors
    assert parse("   \n\n ").errors


def test_binary_input():
    cable = parse_bytes(bytes(range(256)) * 40, "bin")
    assert any("binary" in e for e in cable.errors)
    assert cable.id is None


def test_nul_bytes_are_dropped():
    data = CABLE.encode().replace(b"TAGS", b"T\x00AGS")
    cable = parse_bytes(data)
    assert cable.cable_tags == ["PREL", "PGOV", "KDEM"]


def test_utf16_with_and_without_bom():
    with_bom = parse_bytes(codecs.BOM_UTF16_LE + CABLE.encode("utf-16-le"))
    assert with_bom.id == "09VALMORA412"
    without = parse_bytes(CABLE.encode("utf-16-le"))
    assert without.id == "09VALMORA412"
    assert any("UTF-16" in e for e in without.errors)
    big_endian = parse_bytes(CABLE.encode("utf-16-be"))
    assert big_endian.id == "09VALMORA412"


def test_utf8_bom_crlf_and_cp1252():
    crlf = CABLE.replace("\n", "\r\n")
    assert parse_bytes(codecs.BOM_UTF8 + crlf.encode()).id == "09VALMORA412"
    cp = (CABLE + "Vesk\u2019s \u201cplan\u201d\n").encode("cp1252")
    cable = parse_bytes(cp)
    assert cable.id == "09VALMORA412"


def test_over_size_cap():
    data = b"A" * (SIZE_CAP + 1)
    cable = parse_bytes(data, "big")
    assert any("size cap" in e for e in cable.errors)
    assert parse("B" * (SIZE_CAP + 1)).errors


def test_not_a_cable():
    cable = parse("Dear friends,\n\nThe picnic is on Saturday at noon.\n\nBring a hat.\n")
    assert any("not a cable" in e for e in cable.errors)
    assert cable.id is None and cable.classification is None


# --- generated cables (tests/cablegen.py, another helper's fictional generator) -------------

_FIELDS = (
    "id", "transmission_id", "precedence", "niact", "dtg", "origin", "to", "info",
    "classification", "caveats", "corrected", "cable_tags", "subject", "references",
    "classified_by", "reasons", "declassify_on", "section", "sections_present", "paragraphs",
    "summary", "signers",
)  # fmt: skip


def _generated_cables():
    from tests import cablegen

    return cablegen.cables()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_generated_cables())
def test_generated_cables_parse_as_written_in_all_renderings(generated):
    from tests import cablegen

    expected = generated.expected()
    got = {}
    for kind in ("txt", "md", "html"):
        d = parse(cablegen.render(generated, kind), kind).to_json()
        d.pop("source")
        d.pop("format")
        got[kind] = d
    assert got["txt"] == got["md"] == got["html"]
    for name in _FIELDS:
        assert got["txt"][name] == expected[name], name
    assert [a["paragraph"] for a in got["txt"]["action_requests"]] == expected["action_paragraphs"]
