"""Parse the opening of a cable body: banner, captions, DECL, TAGS, SUBJECT, REF, Classified By."""

from __future__ import annotations

import re

from triage.parsing.common import fold, parse_date

_SP = r"\s?"


def _spaced(word: str) -> str:
    return _SP.join(re.escape(c) for c in word)


CLASS_RE = re.compile(
    r"^\s*(?:"
    r"(?P<ts>TOP\s*SECRET|" + _spaced("TOPSECRET") + r")"
    r"|(?P<c>C*" + _SP + _spaced("ONFIDENTIAL") + r")"
    r"|(?P<s>S*" + _SP + _spaced("ECRET") + r")"
    r"|(?P<sbu>SENSITIVE\s+BUT\s+UNCLASSIFIED|SBU)"
    r"|(?P<lou>LIMITED\s+OFFICIAL\s+USE|" + _spaced("LIMITEDOFFICIALUSE") + r")"
    r"|(?P<u>" + _spaced("UNCLASSIFIED") + r"|UNCLAS)"
    r")(?![A-Za-z])",
    re.I,
)
"""A classification word at the start of a line, spaced out or not, possibly damaged."""

_BANNER_CAVEAT_WORDS = (
    "NOFORN|NF|NODIS|EXDIS|LIMDIS|STADIS|ORCON|NOCONTRACT|PROPIN|ROGER|SIPDIS|SENSITIVE"
)
_BANNER_REST_RE = re.compile(
    # Caveats right after the word: "//NOFORN", or spaced "NOFORN" / "NOFORN SIPDIS" before the
    # section or office ("S E C R E T NOFORN SECTION 01 OF 02 ...").
    r"^(?P<cav>(?:\s*//\s*[A-Z/ ]+?)?(?:(?:\s+|\s*/+\s*)(?:" + _BANNER_CAVEAT_WORDS + r")\b)*)"
    r"(?:\s+SECTION\s+(?P<sec>\d{1,3})\s+OF\s+(?P<of>\d{1,3}))?"
    r"(?:\s+(?P<office>[A-Z][A-Z .'\-]*?[A-Z])\s+(?P<serial>\d{2,7}))?"
    r"(?P<tail>(?:\s+[A-Z/()\-.,:]+)*)\s*$",
    re.I,
)

CAVEATS = frozenset(
    {"NOFORN", "NODIS", "EXDIS", "LIMDIS", "STADIS", "ORCON", "NOCONTRACT", "PROPIN", "ROGER"}
)
"""Dissemination controls that change who may read a cable."""

CAPTION_WORDS = frozenset(
    {
        "SIPDIS",
        "SENSITIVE",
        "TERREP",
        "CORRECTED",
        "COPY",
        "CORRECTEDCOPY",
        "DISCLAIMER",
        "NOTAL",
        "NOFORN",
        "NODIS",
        "EXDIS",
        "LIMDIS",
        "STADIS",
        "ORCON",
        "NOCONTRACT",
        "PROPIN",
        "CHEROKEE",
        "DEPARTMENT",
        "ALSO",
        "FOR",
        "ONLY",
        "PASS",
        "HANDLE",
        "AS",
        "CLEAN",
    }
)

CAVEAT_ALIASES = {"NF": "NOFORN", "NOFORN": "NOFORN"}


def classification_of(kind: str, text: str) -> str:
    """The contract's classification string for a banner match group name."""
    return {
        "ts": "TOP SECRET",
        "c": "CONFIDENTIAL",
        "s": "SECRET",
        "sbu": "UNCLASSIFIED//FOR OFFICIAL USE ONLY",
        "lou": "LIMITED OFFICIAL USE",
        "u": "UNCLASSIFIED",
    }[kind]


class Banner:
    """What a classification line says."""

    __slots__ = (
        "captions",
        "caveats",
        "classification",
        "of",
        "office",
        "section",
        "serial",
        "strength",
    )

    def __init__(self) -> None:
        self.classification: str | None = None
        self.section: int | None = None
        self.of: int | None = None
        self.office: str | None = None
        self.serial: str | None = None
        self.caveats: list[str] = []
        self.captions: list[str] = []
        self.strength = 0


def parse_banner(line: str) -> Banner | None:
    """Read a classification banner: ``C O N F I D E N T I A L SECTION 01 OF 02 USUN 000173``.

    Returns:
        A Banner, or None when the line is not a banner. ``strength`` is 2 for a banner that
        names an office and serial or a section, 1 for a bare classification word.
    """
    m = CLASS_RE.match(line)
    if m is None:
        return None
    kind = m.lastgroup or "u"
    word = m.group(0).strip()
    rest = line[m.end() :]
    r = _BANNER_REST_RE.match(rest)
    if r is None:
        return None
    if kind == "s" and len(word.replace(" ", "")) < 5 and not word.replace(" ", "").isupper():
        return None
    b = Banner()
    b.classification = classification_of(kind, word)
    if r.group("sec"):
        b.section = int(r.group("sec"))
        b.of = int(r.group("of"))
    if r.group("office"):
        b.office = r.group("office").upper()
        b.serial = r.group("serial")
    words = (r.group("cav") or "").replace("/", " ").upper().split()
    words += (r.group("tail") or "").replace("/", " ").upper().split()
    for w in words:
        cav = CAVEAT_ALIASES.get(w, w if w in CAVEATS else None)
        if cav and cav not in b.caveats:
            b.caveats.append(cav)
        elif w in ("SIPDIS", "SENSITIVE") and w not in b.captions:
            b.captions.append(w)
    b.strength = 2 if (b.office or b.section) else 1
    # A lone word that is not upper case ("Secret talks ...") is prose, not a banner.
    if b.strength == 1 and not word.isupper() and len(line.split()) > 1:
        return None
    return b


def caption_words(line: str) -> list[str] | None:
    """The caption words of a caption line (``NOFORN``, ``SIPDIS``), or None if it is not one."""
    words = line.replace("/", " ").replace(",", " ").upper().split()
    if not words or len(words) > 6:
        return None
    for w in words:
        if w not in CAPTION_WORDS:
            return None
    return words


_EO_RE = re.compile(r"^E\.?\s?O\.?\s*\d{5}\s*:?\s*(.*)$", re.I)
_DECL_RE = re.compile(r"DECL(?:ASSIFY)?(?:\s+ON)?\s*:?\s*(.*)$", re.I)


def parse_eo(line: str) -> tuple[bool, str | None]:
    """Read an ``E.O. 12958: DECL: 02/22/2018`` line.

    Returns:
        ``(is_eo_line, declassify_on)``.
    """
    m = _EO_RE.match(line)
    if m is None:
        return False, None
    rest = m.group(1)
    d = _DECL_RE.search(rest)
    target = d.group(1) if d else rest
    if "N/A" in target.upper()[:8]:
        return True, None
    return True, parse_date(target[:40])


_TAGS_RE = re.compile(r"^TAGS?\b\s*:?\s*", re.I)


def tag_words(text: str) -> list[str]:
    """TAGS codes upper-cased, in order, de-duplicated."""
    out: list[str] = []
    seen = set()
    # The words of re.split(r"[\s,;]+", text) but its empty ends, faster: str.split() splits
    # on what "\s" matches, once "," and ";" are blanks.
    for w in text.replace(",", " ").replace(";", " ").split():
        w = w.strip(".:()[]").upper()
        if w and w not in seen and len(w) <= 12:
            seen.add(w)
            out.append(w)
    return out


def tags_start(line: str) -> str | None:
    """The text after ``TAGS:`` when ``line`` opens the TAGS line."""
    m = _TAGS_RE.match(line)
    if m is None:
        return None
    return line[m.end() :]


_SUBJ_RE = re.compile(r"^SUBJ(?:ECT)?\b\s*:?\s*", re.I)


def subject_start(line: str) -> str | None:
    """The text after ``SUBJECT:`` when ``line`` opens the subject."""
    m = _SUBJ_RE.match(line)
    if m is None:
        return None
    return line[m.end() :]


_REF_RE = re.compile(r"^REF(?:S|TEL|TELS|ERENCES?)?\b\s*:?\s*", re.I)


def ref_start(line: str) -> str | None:
    """The text after ``REF:`` when ``line`` opens the references."""
    m = _REF_RE.match(line)
    if m is None:
        return None
    return line[m.end() :]


_CLASSIFIED_RE = re.compile(
    r"^(?:\(\w{1,4}\)\s*)?CLASSIFIED\s+(?:(?:CONFIDENTIAL|SECRET)\s+)?BY\b\s*:?\s*", re.I
)
_REASON_RE = re.compile(
    r"(?:[,;.]?\s*\bfor\s+reasons?\b|[,;.]\s*(?:E\.O\.\s*\d{5},?\s*)?reasons?\b|\breasons?\s*:"
    r"|\breasons?\s+(?=\d)|\s+(?:per|for|under)\s+(?=(?:E\.O\.\s*\d{5}\s*)?1\.\d)"
    r"|[,;]\s*(?=1\.\d))\s*:?\s*",
    re.I,
)
_REASON_ASCII_RE = re.compile(
    r"(?=[,;.\sfr])(?:[,;.]?\s*\bfor\s+reasons?\b|[,;.]\s*(?:e\.o\.\s*\d{5},?\s*)?reasons?\b"
    r"|\breasons?\s*:|\breasons?\s+(?=\d)|\s+(?:per|for|under)\s+(?=(?:e\.o\.\s*\d{5}\s*)?1\.\d)"
    r"|[,;]\s*(?=1\.\d))\s*:?\s*"
)
"""``_REASON_RE`` for lower-cased ASCII text: case-sensitive, and the lookahead rejects at
once a place where no branch can start (twice as fast; the same matches)."""


def _reason_search(text: str) -> re.Match[str] | None:
    """``_REASON_RE.search(text)``; the match's offsets are ``text``'s."""
    if text.isascii():  # lower() keeps every offset
        return _REASON_ASCII_RE.search(text.lower())
    return _REASON_RE.search(text)


TITLE_WORDS = frozenset(
    """ambassador amb acting deputy chief of mission dcm charge charge' d'affaires d\u2019affaires
    charg\u00e9 affaires a.i. ai political politcal pol econ economic economics polecon
    pol/econ counselor counsellor counselors minister minister-counselor officer consul
    general consul-general cg principal director assistant secretary under deputy-assistant
    das pdas a/s senior regional security section head pol-mil polmil political-military
    poloff econoff the u.s. us representative permanent rep ambassador-at-large special
    envoy coordinator counselor-general commercial public affairs management defense
    attache attach\u00e9 office mission and for by legal adviser advisor leader
    team""".upper().split()
)


def _is_title(word: str, all_caps: bool) -> bool:
    """A word of a title or office before a name (``Ambassador``, ``PolCouns``, ``U/S``)."""
    w = word.strip(",.;:()")
    if not w:
        return True
    if w.upper() in TITLE_WORDS or "/" in w:
        return True
    if all_caps:
        return False
    if w.islower():
        return True  # "of", "and" inside "Chief of Mission"
    return w.isalpha() and len(w) >= 2 and sum(map(str.isupper, w)) >= 2


def classified_start(line: str) -> str | None:
    """The text after ``Classified By:`` when ``line`` opens that line."""
    m = _CLASSIFIED_RE.match(line)
    if m is None:
        return None
    return line[m.end() :]


def parse_classified(text: str) -> tuple[str | None, str | None]:
    """Split ``Ambassador Zalmay Khalilzad for Reasons 1.4 b/d`` into name and reasons."""
    text = fold(text)
    while (again := _CLASSIFIED_RE.match(text)) is not None or text.startswith("("):
        if again is not None:
            text = text[again.end() :]
        elif (close := text.find(")")) > 0 and close < 6:
            text = text[close + 1 :].lstrip()
        else:
            break
    if not text:
        return None, None
    if text[:12].lower() == "derived from":
        # A derivative classification names its source, not a person.
        m = _reason_search(text)
        return (text[: m.start()] if m else text).strip(" .;,") or None, (
            text[m.end() :].strip().rstrip(".") or None if m else None
        )
    m = _reason_search(text)
    if m is not None:
        who, reasons = text[: m.start()], text[m.end() :]
    else:
        colon = text.find(": 1.")
        who, reasons = (text[:colon], text[colon + 2 :]) if colon > 0 else (text, "")
    reason_text = reasons.strip().rstrip(".").strip() or None
    if ";" in who:
        who = who.split(";", 1)[0]
    if "," in who:
        who = who.split(",", 1)[0]
    words = who.split()
    caps = who.isupper()
    last_title = -1
    for k, w in enumerate(words[:-1]):
        if _is_title(w, caps):
            last_title = k
    words = words[last_title + 1 :]
    name = " ".join(words).strip(" .:-") or None
    return name, reason_text


_INLINE_RE = re.compile(
    r"\s(?=(?:E\.O\.\s?\d{5}|TAGS?:|Tags?:|TAGS\s[A-Z]{2,}|SUBJECT:|Subject:|SUBJ:"
    r"|CLASSIFIED BY:?|Classified By:?)\s)"
)


def inline_item_cut(line: str) -> int:
    """Where a second opening item starts inside ``line`` (0 when it holds one item)."""
    if not (
        "TAGS" in line
        or "Tags" in line
        or "E.O." in line
        or "SUBJ" in line
        or "Subj" in line
        or "lassified" in line
        or "LASSIFIED" in line
    ):
        return 0
    m = _INLINE_RE.search(line, 1)
    if m is None:
        return 0
    cut = m.start() + 1
    if line[:6].upper() == line[cut : cut + 6].upper():
        return 0  # "Classified By: (U) CLASSIFIED BY ..." is one item said twice
    return cut


def leading_caveat(line: str) -> str | None:
    """A caveat opening a short caption line: ``NOFORN, NOT FOR INTERNET DISTRIBUTION``."""
    if len(line) > 60:
        return None
    words = line.replace(",", " ").replace("/", " ").split(None, 1)
    if not words:
        return None  # a line of only "/" and "," (a stray separator)
    first = words[0].upper()
    return first if first in CAVEATS else None


_NF_MARKING_RE = re.compile(r"^\((?:TS|S|C|U|SBU)\s*//?\s*(?:NF|NOFORN)\)")


def marking_has_noforn(text: str) -> bool:
    """A portion marking such as ``(C/NF)`` or ``(S//NOFORN)`` opening ``text``."""
    return text.startswith("(") and _NF_MARKING_RE.match(text.upper()) is not None
