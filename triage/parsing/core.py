"""Read every field of a cable from its plain telegram text, in one pass over the lines."""

from __future__ import annotations

import re

from triage.model import Addressee, ParsedCable, Section
from triage.parsing import body, header
from triage.parsing.actions import find_action_requests
from triage.parsing.common import fold, make_id, office_code
from triage.parsing.paragraphs import (
    find_summary,
    heading_of,
    is_trailer,
    page_break_section,
    signer_of,
    split_paragraphs,
)
from triage.parsing.refs import parse_refs
from triage.parsing.years import cited_year, decl_year, subject_date_year

_HEADER_KEYS = ("VZCZC", "FM ", "TO ", "INFO ", "XMT ", "DE ", "ZNY", "ZNR")
_CLASS_CODE = {"S": "SECRET", "C": "CONFIDENTIAL", "U": "UNCLASSIFIED", "E": "UNCLASSIFIED"}
_MAX_PREAMBLE_LINES = 400
_ENDS = frozenset(".!?\"')]:;\u201d\u2019")
_PARA_START_RE = re.compile(r"^\d{1,3}\s?\.(?:\s|\(|$)")
_SUBJECT_CORRECTED_RE = re.compile(r"CORRECTED COPY|(?:^|\s-+\s*|\(\s*)CORRECTED\b")
"""A subject that says it is corrected: ``CORRECTED COPY: ...``, ``... - CORRECTED CABLE``,
``... (CORRECTED)``; not ``... CORRECTED FIGURES SHOW ...`` in running words."""

# Modes of the line scanner: which multi-line item the current line may continue.
_NONE, _TO, _INFO, _TAGS, _SUBJ, _REF, _CLASSIFIED, _XMT = range(8)
_ITEM_MODES = frozenset((_TAGS, _SUBJ, _REF, _CLASSIFIED))
_ADDRESSEE_MODES = frozenset((_TO, _INFO))


def _starts_item(s: str) -> bool:
    """A line that opens a new item of the cable's opening (so it ends a multi-line one)."""
    u = s[:14].upper()
    return (
        u.startswith(
            ("TAGS", "TAG ", "TAG:", "SUBJ", "REF", "CLASSIFIED BY", "E.O", "EO 1", "E. O")
        )
        or (s[0] == "\u00b6" and s[1:2].isdigit())
        or (s[0].isdigit() and _PARA_START_RE.match(s) is not None)
        or not s.strip("-=_*")
        or heading_of(s) is not None
    )


_OPEN_WORDS = frozenset(
    [
        "THE",
        "A",
        "AN",
        "OF",
        "AND",
        "TO",
        "IN",
        "ON",
        "FOR",
        "WITH",
        "FROM",
        "BY",
        "AT",
        "OR",
        "-",
        ":",
        ",",
        "--",
        "AS",
        "ITS",
        "THEIR",
    ]
)


def _open_ended(line: str) -> bool:
    """A subject line that cannot be the end of the subject (``... TO PROTECT THE``)."""
    words = line.split()
    return bool(words) and (words[-1].upper() in _OPEN_WORDS or line.rstrip()[-1] in ",:-")


def _inferred_yy(cable: ParsedCable, ref_text: list[str], eo_12958: bool) -> int | None:
    """The ID's year without DTG or date line: a full date in the subject, else the DECL date
    (see years.decl_year), raised to the latest year the references cite; None without
    either. ``errors`` says how it was inferred."""
    year = subject_date_year(cable.subject)
    if year is not None:
        cable.errors.append("year of the ID inferred from a date in the subject")
        return year % 100
    if not cable.declassify_on:
        return None
    year, how = decl_year(cable.declassify_on, eo_12958)
    if ref_text:
        cited = cited_year(parse_refs(" ".join(ref_text), year % 100))
        if cited is not None and year < cited <= int(cable.declassify_on[:4]):
            year = cited
            how = "year of the ID inferred from the latest year its references cite"
    cable.errors.append(how)
    return year % 100


def _lower(text: str) -> str:
    """``text.lower()``, a third faster for text whose only non-ASCII characters are curly
    quotes (a quarter of the corpus's paragraphs): those are set aside as control characters
    the text lacks, so that the rest is lowered by str.lower's ASCII fast path."""
    if "\x01" in text or "\x02" in text or "\x03" in text:
        return text.lower()
    ascii_text = text.replace("\u2019", "\x01").replace("\u201c", "\x02").replace("\u201d", "\x03")
    if not ascii_text.isascii():
        return text.lower()
    return (
        ascii_text.lower()
        .replace("\x01", "\u2019")
        .replace("\x02", "\u201c")
        .replace("\x03", "\u201d")
    )


def read_cable(text: str, cable: ParsedCable) -> None:
    """Fill ``cable`` from plain telegram text (any rendering already normalised)."""
    lines = text.split("\n")
    n = len(lines)
    mode = _NONE
    banner: body.Banner | None = None
    class_code: str | None = None
    prosign_precedence: str | None = None
    dtg_yy: int | None = None
    date_line_yy: int | None = None
    de_serial: str | None = None
    tags_text: list[str] = []
    subj_text: list[str] = []
    ref_text: list[str] = []
    classified_text: list[str] = []
    captions: list[str] = []
    caveats: list[str] = []
    sections: set[int] = set()
    seen_tags = seen_subject = seen_banner_like = False
    addressees: list[Addressee] | None = None
    xmt_target: Addressee | None = None
    corrected = False
    eo_12958 = False
    first_heading: str | None = None
    body_start = n
    prev_blank = True
    i = 0
    limit = min(n, _MAX_PREAMBLE_LINES)
    while i < limit:
        line = lines[i]
        s = line.strip()
        if not s:
            if mode == _REF:
                # A REF list may have blank lines between its items.
                j = i + 1
                while j < n and not lines[j].strip():
                    j += 1
                nxt = lines[j].strip() if j < n else ""
                if (
                    nxt
                    and (
                        (len(nxt) > 2 and nxt[0].isalpha() and nxt[1] in ".)" and nxt[2] == " ")
                        or (nxt[0] == "\u00b6" and nxt[1:2].isalpha())
                        or (nxt[0] == "(" and nxt[1:2].isalpha() and nxt[2:3] == ")")
                    )
                    and body.classified_start(nxt) is None
                ):
                    i = j
                    continue
            if mode == _SUBJ and subj_text and _open_ended(subj_text[-1]):
                # "SUBJECT: ... TO PROTECT THE" + blank line + "ENVIRONMENT": one subject.
                j = i + 1
                while j < n and not lines[j].strip():
                    j += 1
                if j < n and j - i <= 2 and not _starts_item(lines[j].strip()):
                    i = j
                    continue
            mode = _NONE
            prev_blank = True
            i += 1
            continue
        if len(s) > 30 and (cut := body.inline_item_cut(s)) > 0:
            # An unwrapped opening: "E.O. 12958: DECL: 1/3/2019 TAGS: PTER PK" holds two items.
            lines[i : i + 1] = [s[:cut], s[cut:].lstrip()]
            n += 1
            limit = min(n, _MAX_PREAMBLE_LINES)
            s = lines[i].strip()
        c0 = s[0]
        u = s[:16].upper()
        if mode != _NONE:  # a line in no multi-line item skips the three tests below
            # Continuations of multi-line items.
            if mode in _ITEM_MODES and not _starts_item(s):
                sec = page_break_section(s) if c0.isalpha() or c0.isdigit() else None
                if sec is not None:
                    sections.add(sec)
                elif mode == _TAGS:
                    tags_text.append(s)
                elif mode == _SUBJ:
                    subj_text.append(s)
                elif mode == _REF:
                    ref_text.append(s)
                else:
                    classified_text.append(s)
                i += 1
                prev_blank = False
                continue
            if mode == _XMT and xmt_target is not None and not u.startswith(_HEADER_KEYS):
                name = fold(s)
                if name not in xmt_target.excluded:
                    xmt_target.excluded.append(name)
                i += 1
                continue
            if (
                mode in _ADDRESSEE_MODES
                and addressees is not None
                and not u.startswith(_HEADER_KEYS)
                and c0 != "-"
                # parse_dtg's own first test, inline: an addressee line never gets past it.
                and (
                    not (c0.isdecimal() or (c0 in "ZOPR" and s[1:2].isspace()))
                    or header.parse_dtg(s) is None
                )
            ):
                if header.is_addressee_continuation(s, addressees):
                    last = addressees[-1]
                    merged = header.parse_addressee(last.name + " " + s)
                    merged.routing, merged.excluded = last.routing, last.excluded
                    addressees[-1] = merged
                else:
                    addressees.extend(header.parse_addressees(s))
                if "NIACT" in s:
                    cable.niact = True
                i += 1
                continue
        mode = _NONE
        handled = True
        k = u[:1]  # each u.startswith(...) below is tried only when its first letter is k's
        if k == "V" and u.startswith("VZCZC"):
            if cable.transmission_id is None:
                cable.transmission_id = s.split()[0]
        elif k == "F" and u.startswith("FM "):
            if cable.origin is None:
                cable.origin = fold(s[3:]) or None
        elif k == "T" and u.startswith("TO "):
            addressees = cable.to
            mode = _TO
            addressees.extend(header.parse_addressees(s[3:]))
            if "NIACT" in s:
                cable.niact = True
        elif k == "I" and u.startswith("INFO ") and "-00" not in s and "-01" not in s:
            addressees = cable.info
            mode = _INFO
            addressees.extend(header.parse_addressees(s[5:]))
            if "NIACT" in s:
                cable.niact = True
        elif k == "X" and u.startswith("XMT "):
            # Exclusions from a collective: the last COLLECTIVE addressee, else the last one.
            everyone = cable.to + cable.info
            xmt_target = next(
                (a for a in reversed(everyone) if "COLLECTIVE" in a.name),
                everyone[-1] if everyone else None,
            )
            if xmt_target is not None:
                xmt_target.excluded.append(fold(s[4:]))
            mode = _XMT
        elif k == "D" and u.startswith("DE ") and de_serial is None:
            m = header.DE_RE.match(s)
            if m is not None:
                de_serial = m.group(2)
        elif k == "Z" and u.startswith(("ZNY ", "ZNR ")) and class_code is None:
            code = s[4:9]
            if code and len(set(code)) == 1:
                class_code = _CLASS_CODE.get(code[0])
            if "(CCY " in s:
                # "ZNY CCCCC ZZH (CCY AD4F07B2 MSI6614)": the relay's mark of a corrected copy.
                corrected = True
        elif (c0.isdigit() or (c0 in "ZOPR" and s[1:2] == " ")) and (r := header.parse_dtg(s)):
            if cable.dtg is None:
                prosign_precedence, cable.dtg, dtg_yy = r
            if "(CCY " in s:  # "O 091547Z OCT 09 (CCY ADC1AECC MSI3311-632)"
                corrected = True
        elif c0 == "\u00b6" or (
            prev_blank and c0.isdigit() and (seen_tags or seen_subject or banner is not None)
        ):
            if c0 == "\u00b6" and s[1:2].isalpha():
                handled = False  # a REF letter the viewer marked, e.g. "¶B."
            elif c0 == "\u00b6" or (s[1:2] == "." or s[2:3] == "."):
                body_start = i
                break
            else:
                handled = False
        elif (
            k == "T"
            and u.startswith("TAG")
            and not seen_tags
            and (tags := body.tags_start(s)) is not None
        ):
            seen_tags = True
            tags_text.append(tags)
            mode = _TAGS
        elif (
            k == "S"
            and u.startswith("SUBJ")
            and not seen_subject
            and (subj := body.subject_start(s)) is not None
        ):
            seen_subject = True
            subj_text.append(subj)
            mode = _SUBJ
        elif (
            k == "R"
            and u.startswith("REF")
            and not ref_text
            and (ref := body.ref_start(s)) is not None
        ):
            ref_text.append(ref)
            mode = _REF
        elif (
            "LASSIFIED" in u
            and not classified_text
            and (cls := body.classified_start(s)) is not None
        ):
            classified_text.append(cls)
            mode = _CLASSIFIED
        elif k == "E" and u.startswith(("E.O", "EO ", "E. O", "E.0")):
            is_eo, decl = body.parse_eo(s)
            if is_eo and cable.declassify_on is None:
                cable.declassify_on = decl
                eo_12958 = "12958" in s[:16]
        else:
            handled = False
        if not handled:
            b = (
                body.parse_banner(s)
                if (banner is None or banner.strength < 2) and c0 in "CSEULTcseult"
                else None
            )
            if b is not None:
                seen_banner_like = True
                if banner is None or b.strength > banner.strength:
                    if banner is not None:
                        b.caveats.extend(c for c in banner.caveats if c not in b.caveats)
                    banner = b
                for w in b.captions:
                    if w not in captions:
                        captions.append(w)
                if "CORRECTED" in s.upper():
                    corrected = True
                    if "CORRECTED COPY" not in captions:
                        captions.append("CORRECTED COPY")
            elif (k == "C" and u.startswith(("C O R R", "CORRECTED"))) and s.replace(
                " ", ""
            ).upper().startswith(("CORRECTEDCOPY", "CORRECTCOPY")):
                # "C O R R E C T E D  C O P Y - (ADDED SECSTATE ADDRESS)"; also the misspelt
                # "C O R R E C T COPY - ADDRESSEES ADDED".
                corrected = True
                if "CORRECTED COPY" not in captions:
                    captions.append("CORRECTED COPY")
            elif k == "S" and u.startswith(("SENSITIVE BUT U", "SBU")) and not seen_subject:
                if "SENSITIVE" not in captions:
                    captions.append("SENSITIVE")
            elif (words := body.caption_words(s)) is not None:
                if "CORRECTED" in words:
                    corrected = True
                for w in words:
                    if w in body.CAVEATS and w not in caveats:
                        caveats.append(w)
                rest = " ".join(w for w in words if w not in body.CAVEATS)
                for caption in rest.replace("CORRECTED COPY", "CORRECTED_COPY").split():
                    caption = caption.replace("_", " ")
                    if caption not in captions:
                        captions.append(caption)
            elif (cav := body.leading_caveat(s)) is not None:
                if cav not in caveats:
                    caveats.append(cav)
            elif (" 00" in s or "PAGE" in s) and (sec := page_break_section(s)) is not None:
                sections.add(sec)
            elif (h := heading_of(s)) is not None:
                first_heading = h
                prev_blank = True
                i += 1
                continue
            elif not s.strip("-=_* "):
                i += 1
                continue
            elif date_line_yy is None and "day, " in s[:11] and (dl := header.parse_date_line(s)):
                date_line_yy, rest_of_line = dl
                if rest_of_line:
                    # "Friday, 11 January 2008, 11:28 S E C R E T ...": read the rest as a line.
                    lines[i] = rest_of_line
                    continue
            elif (seen_tags or seen_subject) and prev_blank and i > 0:
                # Unnumbered body text after the opening items.
                body_start = i
                break
        prev_blank = False
        i += 1
    else:
        body_start = limit if limit < n else n

    # Classification, caveats, section.
    if banner is not None:
        cable.classification = banner.classification
        for cav in banner.caveats:
            if cav not in caveats:
                caveats.insert(0, cav)
        if banner.section is not None and banner.of is not None:
            cable.section = Section(number=banner.section, of=banner.of)
            sections.add(banner.section)
    if class_code is not None and (
        cable.classification is None
        or (
            cable.classification in ("SECRET", "CONFIDENTIAL")
            and class_code != cable.classification
            and class_code != "UNCLASSIFIED"
        )
    ):
        cable.classification = class_code
    if cable.classification == "UNCLASSIFIED" and "SENSITIVE" in captions:
        cable.classification = "UNCLASSIFIED//FOR OFFICIAL USE ONLY"
    cable.caveats = caveats
    cable.captions = [c for c in captions if c not in body.CAVEATS]

    # Precedence.
    cable.precedence = prosign_precedence or header.precedence_from_addressees(cable.to)
    if not cable.niact:
        cable.niact = any(a.precedence == "IMMEDIATE" and "NIACT" in a.name for a in cable.to)

    # Subject, tags.
    if tags_text:
        cable.cable_tags = body.tag_words(" ".join(tags_text))
    if subj_text:
        cable.subject = fold(" ".join(subj_text)) or None
        if cable.subject and "CORRECTED" in (up := cable.subject.upper()):
            corrected = corrected or _SUBJECT_CORRECTED_RE.search(up) is not None
        if cable.subject and "NOFORN" not in caveats and body.marking_has_noforn(cable.subject):
            caveats.append("NOFORN")
    cable.corrected = corrected

    # ID: year + office + serial.
    yy = dtg_yy
    if yy is None and date_line_yy is not None:
        yy = date_line_yy
    if yy is None:
        yy = _inferred_yy(cable, ref_text, eo_12958)
    office = serial = None
    if banner is not None and banner.office and banner.serial and "XXXX" not in banner.office:
        office, serial = banner.office, banner.serial
    if cable.origin and de_serial and (serial is None or int(serial) % 10000 != int(de_serial)):
        # The routing header names the sender: it wins over a banner that disagrees with it.
        office, serial = cable.origin, de_serial
    if yy is not None and office and serial:
        cable.id = make_id(yy, office, serial)

    if ref_text:
        home = office_code(office) if office else None
        cable.references = parse_refs(" ".join(ref_text), yy, home)
    if classified_text and (h := heading_of(classified_text[-1].rsplit(".", 1)[-1])):
        # "... reasons 1.4 (b) and (d). Summary -------": a heading run into the line.
        first_heading = h
        classified_text[-1] = classified_text[-1].rsplit(".", 1)[0] + "."
    if classified_text:
        cable.classified_by, cable.reasons = body.parse_classified(" ".join(classified_text))

    # Body: signature, paragraphs, summary, action requests.
    stop = n
    while stop > body_start and is_trailer(lines[stop - 1]):
        stop -= 1
    if stop > body_start + 1:
        head, names = signer_of(lines[stop - 1])
        if names is not None:
            cable.signers = names
            if head:
                lines[stop - 1] = head
            else:
                stop -= 1
    paragraphs, headings = split_paragraphs(lines, body_start, stop, sections, first_heading)
    cable.paragraphs = paragraphs
    cable.sections_present = sorted(sections)
    lowered = [t.lower() if t.isascii() else _lower(t) for t in [p.text for p in paragraphs]]
    cable.summary = find_summary(paragraphs, headings, lowered)
    if cable.classified_by is None:
        for p in paragraphs[:3]:
            if (opening := body.classified_start(p.text)) is not None:
                # "2. (U) Classified by Acting DAS James Knight, Reasons 1.4 (b) and (d)."
                cable.classified_by, cable.reasons = body.parse_classified(opening)
                break
    cable.action_requests = find_action_requests(paragraphs, headings, lowered)
    if not seen_banner_like and cable.classification is None:
        cable.errors.append("no classification marking found")
    if cable.id is None:
        cable.errors.append("no reference ID: missing date, office or serial")
