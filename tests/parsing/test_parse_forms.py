"""Real-world forms of issue 2, one small fictional cable each, in all three renderings."""

from __future__ import annotations

import pytest

from tests.parsing.render import renderings
from triage.model import ParsedCable
from triage.parsing import parse

FORMATS = ("text", "markdown", "html")

HEADER = """VZCZCXRO7001
PP RUEHZZ
DE RUEHQQ #0{serial}/01 0401200
{zny}
{dtg}
FM AMEMBASSY QUARRENTON
TO RUEHC/SECSTATE WASHDC PRIORITY 1001
INFO RUEHYY/AMEMBASSY OSSMARK PRIORITY 0002
"""


def cable(body: str, *, dtg: str = "P 091200Z FEB 09", zny: str = "ZNY CCCCC ZZH") -> str:
    """A header plus ``body`` (which starts with its banner line)."""
    return HEADER.format(serial="512", zny=zny, dtg=dtg) + "\n" + body


def parse3(text: str) -> dict[str, ParsedCable]:
    return {fmt: parse(rendering, f"x.{fmt}") for fmt, rendering in renderings(text).items()}


def each(text: str):
    """Parse ``text`` in the three renderings; yield each result (the test runs per rendering)."""
    got = parse3(text)
    for fmt in FORMATS:
        yield fmt, got[fmt]


OPENING = """E.O. 12958: DECL: 02/09/2019
TAGS: PREL PGOV QQ
SUBJECT: QUARRENTON TALKS

Classified By: Ambassador Ines Fallow for reasons 1.4 (b) and (d)

\u00b61. (C) The talks went on.
"""


# --- banners and classification -------------------------------------------------------


@pytest.mark.parametrize(
    ("banner", "zny", "classification", "caveats"),
    [
        ("S E C R E T QUARRENTON 000512", "ZNY SSSSS ZZH", "SECRET", []),
        ("E C R E T SECTION 01 OF 02 QUARRENTON 000512", "ZNY SSSSS ZZH", "SECRET", []),
        ("S e c r e t quarrenton 000512", "ZNY SSSSS ZZH", "SECRET", []),
        ("C O N F I D E N T I A L QUARRENTON 000512\n\nNOFORN", "ZNY CCCCC ZZH", "CONFIDENTIAL",
         ["NOFORN"]),
        ("S E C R E T SECTION 01 OF 03 QUARRENTON 000512 NOFORN", "ZNY SSSSS ZZH", "SECRET",
         ["NOFORN"]),
        ("UNCLAS QUARRENTON 000512", "ZNR UUUUU ZZH", "UNCLASSIFIED", []),
        ("UNCLAS QUARRENTON 000512\n\nSENSITIVE\nSIPDIS", "ZNR UUUUU ZZH",
         "UNCLASSIFIED//FOR OFFICIAL USE ONLY", []),
        ("UNCLAS SECTION 01 OF 02 QUARRENTON 000512\n\nSENSITIVE BUT UNCLASSIFIED",
         "ZNR UUUUU ZZH", "UNCLASSIFIED//FOR OFFICIAL USE ONLY", []),
        ("LIMITED OFFICIAL USE QUARRENTON 000512", "ZNR UUUUU ZZH", "LIMITED OFFICIAL USE", []),
        ("C O N F I D E N T I A L QUARRENTON 000512\n\nEXDIS", "ZNY CCCCC ZZH", "CONFIDENTIAL",
         ["EXDIS"]),
    ],
)  # fmt: skip
def test_banners(banner, zny, classification, caveats):
    for fmt, c in each(cable(banner + "\n\n" + OPENING, zny=zny)):
        assert c.classification == classification, fmt
        assert c.caveats == caveats, fmt
        assert c.id == "09QUARRENTON512", fmt


@pytest.mark.parametrize(
    ("banner", "caveats", "section"),
    [
        ("S E C R E T NOFORN SECTION 01 OF 02 QUARRENTON 000512", ["NOFORN"], (1, 2)),
        ("SECRET NOFORN SECTION 02 OF 03 QUARRENTON 000512", ["NOFORN"], (2, 3)),
        ("S E C R E T//NOFORN SECTION 01 OF 02 QUARRENTON 000512", ["NOFORN"], (1, 2)),
        ("S E C R E T NODIS SIPDIS SECTION 01 OF 02 QUARRENTON 000512", ["NODIS"], (1, 2)),
        ("S E C R E T NOFORN QUARRENTON 000512", ["NOFORN"], None),
    ],
)
def test_caveat_between_banner_and_section(banner, caveats, section):
    """A caveat between the classification and SECTION keeps the caveat, section and office."""
    text = cable(banner + "\n\n" + OPENING, zny="ZNY SSSSS ZZH")
    for fmt, c in each(text):
        assert c.classification == "SECRET", fmt
        assert c.caveats == caveats, fmt
        got = None if c.section is None else (c.section.number, c.section.of)
        assert got == section, fmt
        assert c.sections_present == ([section[0]] if section else []), fmt
        assert c.id == "09QUARRENTON512", fmt


def test_caveat_before_section_without_header():
    """Without a routing header the banner alone gives the office and serial."""
    text = "S E C R E T NOFORN SECTION 01 OF 02 QUARRENTON 000077\n\n" + OPENING
    for fmt, c in each(text):
        assert c.id == "09QUARRENTON77", fmt
        assert c.caveats == ["NOFORN"], fmt
        assert c.section is not None and (c.section.number, c.section.of) == (1, 2), fmt


def test_damaged_banner_settled_by_routing_line():
    text = cable("E C R E T QUARRENTON 000512\n\n" + OPENING, zny="ZNY SSSSS ZZH")
    for fmt, c in each(text):
        assert c.classification == "SECRET", fmt


def test_no_marking_is_null_with_error():
    text = "TAGS: PREL\nSUBJECT: A FRAGMENT\n"
    for fmt, c in each(text):
        assert c.classification is None, fmt
        assert c.cable_tags == ["PREL"], fmt
        assert any("classification" in e for e in c.errors), fmt


@pytest.mark.parametrize(
    "corrected_line",
    [
        "C O R R E C T E D C O P Y - ADDED PARA 3",
        "CORRECTED COPY",
        "C O R R E C T E D   C O P Y - CORRECTED FEE FIGURE IN PARA 4",
        "C O R R E C T COPY - ADDRESSEES ADDED",
    ],
)
def test_corrected_copy(corrected_line):
    text = cable("C O N F I D E N T I A L QUARRENTON 000512\n\n" + corrected_line + "\n\n"
                 + OPENING)  # fmt: skip
    for fmt, c in each(text):
        assert c.corrected is True, fmt
        assert "CORRECTED COPY" in c.captions, fmt


def test_corrected_in_subject():
    text = cable("C O N F I D E N T I A L QUARRENTON 000512\n\n"
                 + OPENING.replace("SUBJECT: ", "SUBJECT: CORRECTED COPY: "))  # fmt: skip
    for fmt, c in each(text):
        assert c.corrected is True, fmt


@pytest.mark.parametrize(
    ("zny", "dtg"),
    [
        ("ZNY CCCCC ZZH (CCY AD4F07B2 MSI6614)", "P 091200Z FEB 09"),
        ("ZNY CCCCC ZZH(CCY AD4F07B2 WSC6614 634)", "P 091200Z FEB 09"),
        ("ZNY CCCCC ZZH", "P 091200Z FEB 09 (CCY AD4F07B2 MSI6614-632)"),
    ],
)
def test_corrected_copy_marked_on_routing_line(zny, dtg):
    """The relay marks a corrected copy with (CCY ...) on the ZNY or DTG line."""
    text = cable("C O N F I D E N T I A L QUARRENTON 000512\n\n" + OPENING, zny=zny, dtg=dtg)
    for fmt, c in each(text):
        assert c.corrected is True, fmt
        assert c.classification == "CONFIDENTIAL", fmt
        assert c.dtg == "2009-02-09T12:00:00Z", fmt
        assert c.id == "09QUARRENTON512", fmt


@pytest.mark.parametrize(
    ("subject", "corrected"),
    [
        ("QUARRENTON TALKS - CORRECTED CABLE PARAGRAPH 3", True),
        ("QUARRENTON TALKS (CORRECTED)", True),
        ("QUARRENTON TRADE FIGURES CORRECTED DOWNWARD", False),
    ],
)
def test_corrected_marked_in_subject(subject, corrected):
    text = cable("C O N F I D E N T I A L QUARRENTON 000512\n\n"
                 + OPENING.replace("QUARRENTON TALKS", subject))  # fmt: skip
    for fmt, c in each(text):
        assert c.corrected is corrected, fmt
        assert c.subject == subject, fmt


def test_not_corrected_without_a_mark():
    text = cable("C O N F I D E N T I A L QUARRENTON 000512\n\n" + OPENING)
    for fmt, c in each(text):
        assert c.corrected is False, fmt
        assert "CORRECTED COPY" not in c.captions, fmt


# --- routing ----------------------------------------------------------------------------


def test_partial_extract_with_date_line_and_no_header():
    text = (
        "This record is a partial extract of the original cable. The full text of the original "
        "cable is not available.\n\nFriday, 11 January 2008, 11:28\n"
        "S E C R E T SECTION 01 OF 02 QUARRENTON 000077\n\n" + OPENING
    )
    for fmt, c in each(text):
        assert c.id == "08QUARRENTON77", fmt
        assert c.dtg is None and c.precedence is None, fmt
        assert c.errors == [], fmt


def test_year_from_decl_less_ten_years_says_so():
    text = "S E C R E T QUARRENTON 000077\n\n" + OPENING
    for fmt, c in each(text):
        assert c.id == "09QUARRENTON77", fmt
        assert any("inferred" in e for e in c.errors), fmt


PARTIAL = (
    "This record is a partial extract of the original cable. The full text of the original "
    "cable is not available.\n\nS E C R E T SECTION 01 OF 03 QUARRENTON 000077\n\n"
)


def _opening(eo: str, subject: str, ref: str = "") -> str:
    return (f"{eo}\nTAGS: PREL PGOV QQ\nSUBJECT: {subject}\n\n" + (ref + "\n\n" if ref else "")
            + "Classified By: Ambassador Ines Fallow for reasons 1.4 (b) and (d)\n\n"
            "\u00b61. (S) The talks went on.\n")  # fmt: skip


@pytest.mark.parametrize(
    ("eo", "subject", "ref", "cable_id", "how"),
    [
        # E.O. 12958 ended in 2010: DECL 2029 less ten years is impossible, 25 years is not.
        ("E.O. 12958: DECL: 12/14/2029", "QUARRENTON TALKS", "", "04QUARRENTON77", "25 years"),
        ("E.O. 13526: DECL: 12/14/2029", "QUARRENTON TALKS", "", "19QUARRENTON77", "ten years"),
        # A full date in the subject dates the cable; a bare year does not.
        ("E.O. 12958: DECL: 11/17/2009",
         "SCENESETTER FOR THE MINISTER'S VISIT, NOVEMBER 30 - DECEMBER 1, 2004", "",
         "04QUARRENTON77", "subject"),
        ("E.O. 12958: N/A", "TALKS OPEN MARCH 3, 2007 IN OSSMARK", "", "07QUARRENTON77",
         "subject"),
        ("E.O. 12958: DECL: 04/07/2015", "STRATEGY FOR 2007 ELECTIONS", "", "05QUARRENTON77",
         "ten years"),
        # A cable cannot cite a later document: the references' latest year is a floor.
        ("E.O. 12958: DECL: 04/07/2015", "QUARRENTON TALKS",
         "REF: A. EMBASSY QUARRENTON DAILY REPORT FOR FEBRUARY 17, 2006\nB. 05 QUARRENTON 1234",
         "06QUARRENTON77", "references"),
        ("E.O. 12958: DECL: 04/07/2015", "QUARRENTON TALKS", "REF: A. 06 STATE 4321",
         "06QUARRENTON77", "references"),
        # A serial is not a year; nor is a year after the DECL date.
        ("E.O. 12958: DECL: 04/07/2015", "QUARRENTON TALKS", "REF: QUARRENTON 2006",
         "05QUARRENTON77", "ten years"),
        ("E.O. 12958: DECL: 04/07/2015", "QUARRENTON TALKS",
         "REF: EMAIL FROM POLOFF ON THE 2019 PLAN", "05QUARRENTON77", "ten years"),
    ],
)  # fmt: skip
def test_year_of_a_partial_extract(eo, subject, ref, cable_id, how):
    """Without DTG or date line the year comes from the text's own evidence, and says so."""
    for fmt, c in each(PARTIAL + _opening(eo, subject, ref)):
        assert c.id == cable_id, fmt
        assert c.dtg is None, fmt
        inferred = [e for e in c.errors if "inferred" in e]
        assert len(inferred) == 1 and how in inferred[0], (fmt, c.errors)


def test_no_year_evidence_leaves_the_id_null():
    text = PARTIAL + _opening("E.O. 12958: N/A", "QUARRENTON TALKS",
                              "REF: A. 06 STATE 4321")  # fmt: skip
    for fmt, c in each(text):
        assert c.id is None, fmt
        assert any("no reference ID" in e for e in c.errors), fmt


def test_dual_precedence_and_old_two_digit_year():
    text = cable("C O N F I D E N T I A L QUARRENTON 000512\n\n" + OPENING,
                 dtg="O R 051020Z JUN 79")  # fmt: skip
    for fmt, c in each(text):
        assert c.precedence == "IMMEDIATE", fmt
        assert c.dtg == "1979-06-05T10:20:00Z", fmt
        assert c.id == "79QUARRENTON512", fmt


def test_sixties_year():
    text = cable("C O N F I D E N T I A L QUARRENTON 000512\n\n" + OPENING,
                 dtg="P R 281848Z DEC 66")  # fmt: skip
    for fmt, c in each(text):
        assert c.dtg == "1966-12-28T18:48:00Z", fmt
        assert c.precedence == "PRIORITY", fmt


def test_niact_xmt_and_wrapped_to_line():
    text = (
        """VZCZCXRO7002
OO RUEHZZ
DE RUEHQQ #0513/01 0401200
ZNY CCCCC ZZH
O 091200Z FEB 09
FM AMEMBASSY QUARRENTON
TO RUEHC/SECSTATE WASHDC NIACT IMMEDIATE 1002
RUEHOS/AMEMBASSY OSSMARK IMMEDIATE 0003
INFO RUEHXX/NORTHERN STATES COLLECTIVE IMMEDIATE
RUEKJCS/JOINT STAFF WASHINGTON DC DEPARTMENT OF DEFENSE
OFFICE OF THE SECRETARY PRIORITY
XMT AMEMBASSY VELLANOR
AMEMBASSY VELLANOR

C O N F I D E N T I A L QUARRENTON 000513

"""
        + OPENING
    )
    for fmt, c in each(text):
        assert c.niact is True, fmt
        assert c.precedence == "IMMEDIATE", fmt
        assert [a.name for a in c.to] == ["SECSTATE WASHDC", "AMEMBASSY OSSMARK"], fmt
        assert c.to[0].precedence == "IMMEDIATE" and c.to[0].serial == "1002", fmt
        assert c.info[0].excluded == ["AMEMBASSY VELLANOR"], fmt
        assert c.info[1].name == (
            "JOINT STAFF WASHINGTON DC DEPARTMENT OF DEFENSE OFFICE OF THE SECRETARY"
        ), fmt
        assert c.info[1].precedence == "PRIORITY", fmt


def test_precedence_from_to_lines_without_prosign():
    text = (
        """FM AMEMBASSY QUARRENTON
TO SECSTATE WASHDC IMMEDIATE 7738
INFO AMEMBASSY OSSMARK

C O N F I D E N T I A L QUARRENTON 000512

"""
        + OPENING
    )
    for fmt, c in each(text):
        assert c.precedence == "IMMEDIATE", fmt
        assert c.to[0].routing is None, fmt


# --- TAGS, SUBJECT ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "tags_lines",
    [
        "TAGS: PREL, PGOV, QQ",
        "TAGS PREL PGOV QQ",
        "Tags: prel, pgov, qq, prel",
        "TAGS: PREL PGOV\nQQ",
        "TAG: PREL, PGOV,  QQ",
    ],
)
def test_tags_forms(tags_lines):
    text = cable("C O N F I D E N T I A L QUARRENTON 000512\n\nE.O. 12958: DECL: 02/09/2019\n"
                 + tags_lines + "\nSUBJECT: QUARRENTON TALKS\n\n\u00b61. (C) Text.\n")  # fmt: skip
    for fmt, c in each(text):
        assert c.cable_tags == ["PREL", "PGOV", "QQ"], fmt
        assert c.subject == "QUARRENTON TALKS", fmt


def test_unwrapped_opening_on_one_line():
    text = cable("C O N F I D E N T I A L QUARRENTON 000512\n\n"
                 "E.O. 12958: DECL: 2/9/2019 TAGS: PREL PGOV QQ\n"
                 "SUBJECT: QUARRENTON TALKS\n\n\u00b61. (C) Text.\n")  # fmt: skip
    for fmt, c in each(text):
        assert c.declassify_on == "2019-02-09", fmt
        assert c.cable_tags == ["PREL", "PGOV", "QQ"], fmt


@pytest.mark.parametrize(
    ("subject_lines", "expected"),
    [
        ("SUBJ: SHORT FORM", "SHORT FORM"),
        ("SUBJECT: A SUBJECT THAT WRAPS\nONTO A SECOND LINE",
         "A SUBJECT THAT WRAPS ONTO A SECOND LINE"),
        ("Subject: (C) mixed   case  subject", "(C) mixed case subject"),
    ],
)  # fmt: skip
def test_subject_forms(subject_lines, expected):
    text = cable("C O N F I D E N T I A L QUARRENTON 000512\n\nTAGS: PREL\n" + subject_lines
                 + "\n\n\u00b61. (C) Text.\n")  # fmt: skip
    for fmt, c in each(text):
        assert c.subject == expected, fmt


# --- REF --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("REF: USUN 163", [(None, "09USUNNEWYORK163")]),
        ("REF: A. QUARRENTON 401\nB. 08 STATE 12345", [("A", "09QUARRENTON401"),
                                                      ("B", "08STATE12345")]),
        ("REF: A) QUARRENTON 401 B) 2008 OSSMARK 77", [("A", "09QUARRENTON401"),
                                                      ("B", "08OSSMARK77")]),
        ("REF: (A) STATE 1234 AND PREVIOUS (B) EMAIL FROM POLOFF 2/3/09",
         [("A", "09STATE1234"), ("B", None)]),
        ("REFTEL: 08 QUARRENTON 99", [(None, "08QUARRENTON99")]),
        ("REF: IIR 6 901 0456 09", [(None, None)]),
        # Offices of several words, resolved by a general rule (the words before the serial)
        # or, when a name holds a word such as THE or OF, by triage/data/offices.json's names.
        ("REF: A. 23 CASTELLON DEL MAR 123\nB. RIO DE JANEIRO 456\nC. SAO PAULO 12",
         [("A", "23CASTELLONDELMAR123"), ("B", "09RIODEJANEIRO456"), ("C", "09SAOPAULO12")]),
        ("REF: A) 08 HO CHI MINH CITY 99 B) USUN NEW YORK 163",
         [("A", "08HOCHIMINHCITY99"), ("B", "09USUNNEWYORK163")]),
        ("REF: (A) 23 CASTELLON DEL\nMAR 0123 (B) Sao Paulo 12",
         [("A", "23CASTELLONDELMAR123"), ("B", "09SAOPAULO12")]),
        ("REF: A. 08 THE HAGUE 77 B. PORT OF SPAIN 189 C. AMEMBASSY THE HAGUE 12",
         [("A", "08THEHAGUE77"), ("B", "09PORTOFSPAIN189"), ("C", "09THEHAGUE12")]),
        ("REF: STATE 12 AND 07 BANDAR SERI BEGAWAN 0044",
         [(None, "09STATE12"), (None, "07BANDARSERIBEGAWAN44")]),
    ],
)  # fmt: skip
def test_reference_forms(ref, expected):
    text = cable("C O N F I D E N T I A L QUARRENTON 000512\n\nTAGS: PREL\nSUBJECT: TALKS\n\n"
                 + ref + "\n\nClassified By: Ines Fallow, reasons 1.4 (d)\n\n"
                 "\u00b61. (C) Text.\n")  # fmt: skip
    for fmt, c in each(text):
        assert [(r.letter, r.id) for r in c.references] == expected, fmt


@pytest.mark.parametrize(
    ("office", "ref", "expected"),
    [
        # The citing post's own name wins over the general rules: "DEL MAR 32" is no date,
        # "TEL" is no telephone line, when the cable comes from that post.
        ("CASTELLON DEL MAR", "REF: A. CASTELLON DEL MAR 32 B. STATE 9", [
            ("A", "09CASTELLONDELMAR32"), ("B", "09STATE9")]),
        ("TEL AVIV", "REF: TEL AVIV 1086", [(None, "09TELAVIV1086")]),
        ("QUARRENTON", "REF: TELCON QUARRENTON 401", [(None, "09QUARRENTON401")]),
    ],
)  # fmt: skip
def test_reference_to_the_citing_posts_own_cable(office, ref, expected):
    text = cable(f"C O N F I D E N T I A L {office} 000512\n\nTAGS: PREL\nSUBJECT: TALKS\n\n"
                 + ref + "\n\nClassified By: Ines Fallow, reasons 1.4 (d)\n\n"
                 "\u00b61. (C) Text.\n")  # fmt: skip
    for fmt, c in each(text):
        assert [(r.letter, r.id) for r in c.references] == expected, fmt


# --- Classified By and DECL ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "name", "reasons"),
    [
        ("Classified By: Ambassador Ines Fallow for Reasons 1.4 b/d", "Ines Fallow", "1.4 b/d"),
        ("CLASSIFIED BY: Ines Fallow, Charge d'Affaires; REASON: 1.4(B)", "Ines Fallow",
         "1.4(B)"),
        ("Classified By: Political Counselor Tom R. Ashby, reasons 1.4 (b) and (d).",
         "Tom R. Ashby", "1.4 (b) and (d)"),
        ("CLASSIFIED BY AMBASSADOR TOM ASHBY FOR REASONS 1.5 (B) AND (D).", "TOM ASHBY",
         "1.5 (B) AND (D)"),
        ("(U) Classified by DCM Ines Fallow; E.O. 12958, reasons 1.4 (d).", "Ines Fallow",
         "1.4 (d)"),
    ],
)  # fmt: skip
def test_classified_by_forms(line, name, reasons):
    text = cable("C O N F I D E N T I A L QUARRENTON 000512\n\nTAGS: PREL\nSUBJECT: TALKS\n\n"
                 + line + "\n\n\u00b61. (C) Text.\n")  # fmt: skip
    for fmt, c in each(text):
        assert c.classified_by == name, fmt
        assert c.reasons == reasons, fmt


@pytest.mark.parametrize(
    ("eo", "expected"),
    [
        ("E.O. 12958: DECL: 02/22/2018", "2018-02-22"),
        ("E.O. 13526: DECL: 02/22/2035", "2035-02-22"),
        ("EO 12958 DECL: 11/29/10", "2010-11-29"),
        ("E.O. 12958: DECL: 2020/01/21", "2020-01-21"),
        ("E.O. 12958: N/A", None),
        ("E.O. 12958: DECL: 1.6X1", None),
    ],
)
def test_decl_forms(eo, expected):
    text = cable("UNCLAS QUARRENTON 000512\n\n" + eo + "\nTAGS: PREL\nSUBJECT: TALKS\n\n"
                 "\u00b61. (U) Text.\n")  # fmt: skip
    for fmt, c in each(text):
        assert c.declassify_on == expected, fmt


# --- paragraphs, sections, summary, signers ------------------------------------------------


def test_paragraph_forms_page_breaks_and_misprints():
    body = """C O N F I D E N T I A L SECTION 01 OF 03 QUARRENTON 000512

TAGS: PREL
SUBJECT: TALKS

\u00b61. (S/NF) SUMMARY: The talks went on. END SUMMARY.

\u00b62. (C//NF) The second paragraph wraps
over two lines and then

continues after a blank line.

QUARRENTON 00000512 002 OF 003

13. (SBU) A misprinted third paragraph.

QUARRENTON 00000512 003.2 OF 003

\u00b64. (U) Last words.
FALLOW
"""
    for fmt, c in each(cable(body)):
        assert [(p.number, p.marking) for p in c.paragraphs] == [
            (1, "S/NF"), (2, "C//NF"), (3, "SBU"), (4, "U"),
        ], fmt  # fmt: skip
        assert c.paragraphs[1].text == (
            "The second paragraph wraps over two lines and then continues after a blank line."
        ), fmt
        assert c.sections_present == [1, 2, 3], fmt
        assert c.summary == "The talks went on.", fmt
        assert c.signers == ["FALLOW"], fmt
        assert c.paragraphs[-1].text == "Last words.", fmt


def test_bare_numbered_paragraphs_and_sublists():
    body = """CONFIDENTIAL QUARRENTON 000512

TAGS: PREL
SUBJECT: TALKS

1. (C) First.

2. (C) Second, with a list:

1. not a paragraph

2. nor this

3. (C) Third.
"""
    for fmt, c in each(cable(body)):
        assert [p.number for p in c.paragraphs] == [1, 2, 3], fmt
        assert "not a paragraph" in c.paragraphs[1].text, fmt


@pytest.mark.parametrize(
    ("paras", "summary"),
    [
        ("\u00b61. (C) Summary: Short and sweet. End Summary.\n\n\u00b62. (C) More.",
         "Short and sweet."),
        ("-------\nSUMMARY\n-------\n\n\u00b61. (C) The heading form.\n\n\u00b62. (C) More.",
         "The heading form."),
        ("\u00b61. (C) BEGIN SUMMARY: Begun. END SUMMARY.", "Begun."),
        ("\u00b61. (C) No summary here.", None),
    ],
)  # fmt: skip
def test_summary_forms(paras, summary):
    text = cable("C O N F I D E N T I A L QUARRENTON 000512\n\nTAGS: PREL\nSUBJECT: TALKS\n\n"
                 "Classified By: Ines Fallow, reasons 1.4 (d)\n\n" + paras + "\n")  # fmt: skip
    for fmt, c in each(text):
        assert c.summary == summary, fmt


def test_redactions_stray_html_ampersands_and_curly_quotes():
    body = """S E C R E T QUARRENTON 000512

TAGS: PREL
SUBJECT: R&D TALKS

\u00b61. (S) XXXXXXXXXXXX told us the \u201cplan\u201d is R&D only.<br>
"""
    for fmt, c in each(cable(body)):
        assert c.subject == "R&D TALKS", fmt
        assert c.paragraphs[0].text == ("XXXXXXXXXXXX told us the \u201cplan\u201d is R&D only."), (
            fmt
        )


# --- action requests ------------------------------------------------------------------------

ACTION_BODY = """C O N F I D E N T I A L QUARRENTON 000512

TAGS: PREL
SUBJECT: TALKS

{paras}
"""


@pytest.mark.parametrize(
    ("paras", "expected"),
    [
        ("\u00b61. (U) This is an action request. See paragraph 3.\n\n\u00b62. (C) Background."
         "\n\n\u00b63. (C) Embassy is requested to deliver the points below.", [3]),
        ("\u00b61. (U) ACTION REQUEST IN PARA 3 BELOW.\n\n\u00b62. (C) Background.\n\n"
         "\u00b63. (C) Post requests Department guidance on the visit.", [3]),
        ("\u00b61. (U) Paragraphs 2 and 4 contain an action request.\n\n\u00b62. (C) Please "
         "advise.\n\n\u00b63. (C) Context.\n\n\u00b64. (C) We request Washington's views.",
         [2, 4]),
        ("\u00b61. (C) The Minister requested that the U.S. send experts.\n\n\u00b62. (C) "
         "No action is required; this cable is for information only.", []),
        ("\u00b61. (C) Department please advise whether to accept the invitation.", [1]),
        ("\u00b61. (C) The delegates broke off to seek guidance from their capital.\n\n"
         "\u00b62. (C) In your meetings, we recommend that you thank the Minister.", []),
        ("\u00b61. (C) Request Department guidance on the visit.", [1]),
        ("\u00b61. (C) Post would appreciate Department guidance by March 3.", [1]),
        ("\u00b61. (C) The talks went well.\n\nACTION REQUEST\n--------------\n\n"
         "\u00b62. (C) Post seeks approval to attend.", [2]),
        ("\u00b61. (C) Posts are requested to deliver the points in paragraph 2.\n\n"
         "\u00b62. (C) Begin talking points: -- We request your government's help. "
         "End talking points.", [1]),
    ],
)  # fmt: skip
def test_action_requests(paras, expected):
    for fmt, c in each(cable(ACTION_BODY.format(paras=paras))):
        assert [a.paragraph for a in c.action_requests] == expected, fmt


def test_sample_design_cable_in_markdown():
    from pathlib import Path

    sample = Path(__file__).resolve().parents[3] / "shared" / "000_19203a69cc531563.txt"
    if not sample.is_file():
        pytest.skip("../shared sample absent")
    c = parse(sample.read_text(encoding="utf-8"), str(sample))
    assert c.format == "markdown"
    assert c.id == "08USUNNEWYORK173"
    assert (c.precedence, c.dtg) == ("IMMEDIATE", "2008-02-22T22:15:00Z")
    assert c.origin == "USMISSION USUN NEW YORK"
    assert c.classification == "CONFIDENTIAL" and c.caveats == []
    assert c.cable_tags == ["PGOV", "PREL", "UNMIKI", "YI"]
    assert c.sections_present == [1, 2]
    assert [p.number for p in c.paragraphs] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert [a.paragraph for a in c.action_requests] == [6]
    assert c.signers == ["KHALILZAD"]
    assert (c.classified_by, c.reasons) == ("Zalmay Khalilzad", "1.4 b/d")
    assert c.declassify_on == "2018-02-22"
    assert [(r.letter, r.id, r.text) for r in c.references] == [
        (None, "08USUNNEWYORK163", "USUN 163")
    ]
