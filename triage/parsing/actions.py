"""Find action requests: paragraphs that ask the addressee to act, and those a pointer names."""

from __future__ import annotations

import re
from collections.abc import Iterator

from triage.model import ActionRequest, Paragraph

_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
}  # fmt: skip
_N = r"(\d{1,2}|" + "|".join(_WORDS) + r")\b"
_PARA = r"(?:para(?:graph)?s?\.?|\u00b6)\s*"
_RANGE = r"(?:\s*(-|\u2013|through|to|and|&|,)\s*" + _N + r")?"

_POINTER_AFTER_RE = re.compile(
    r"(?:\bsee\s+(?:the\s+)?(?:end\s+of\s+)?(?:action\s+requests?\s+(?:in|at)\s+)?"
    r"|\baction\s+requests?\s+(?:is\s+|are\s+)?(?:contained\s+|found\s+|below\s+)?(?:in|at)\s+"
    r"|\baction\s+requests?\b[^.;]{0,60}?,\s*)" + _PARA + _N + _RANGE
)
"""``see paragraph 6``, ``action request in para 10``, ``action request for X, para 11``."""

_POINTER_BEFORE_RE = re.compile(
    _PARA + _N + _RANGE + r"\s+(?:below\s+)?(?:contains?|includes?|has|have|is|are)\b"
)
"""``Paragraphs 2 and 8 contain ... action request`` (text before "action request")."""

_CONTAINS_RE = re.compile(_PARA + _N + _RANGE + r"\s+(?:below\s+)?(?:contains?|includes?)\b")
"""``paragraphs 3-7 contain the proposed steps``: anywhere in a paragraph that says "action
request"."""

_LABEL_RE = re.compile(
    r"^(?:(?:begin\s+|urgent\s+|summary\s+and\s+|comment\s+and\s+)?action\s+"
    r"(?:requests?|requested|items?)\b)"
)
"""A paragraph that opens with its label: ``ACTION REQUEST:``, ``Comment and Action Request``."""

_BARE_LABEL_RE = re.compile(
    r"\bthis\s+(?:cable\s+|message\s+|telegram\s+)?is\s+an\s+action\s+request"
)

_WHO = r"(?:post|posts|embassy|embassies|mission|missions|consulate|consulates|we|i|country\s+team)"
_OFFICE = (
    r"(?:\s+(?!(?:that|the|is|are|should|would|will|may|might|can|could|must|has|have|had|did|"
    r"does|do|also|not|then|plans?|intends?|was|were|officials?|staff|officers?|contacts?|"
    r"procedures?|policy|policies|personnel|management|employees?|security|guidance|files?)\b)"
    r"[a-z][a-z'\-]*)?"
)
"""An optional office name after the subject: ``Embassy Berlin requests``."""
_ASK_RE = re.compile(
    r"\b(?:" + _WHO + r"|usun|usnato|useu|department|washington|dept)" + _OFFICE + r"\s+"
    r"(?:(?:would|respectfully|therefore|also|strongly|again|urgently|hereby)\s+)*"
    r"(?:requests?|seeks?|asks?|urges?|recommends?)\s+(?:that\s+)?(?:the\s+)?"
    r"(?:department|washington|dept|state|usg|guidance|instructions|authori[sz]ation|clearance|"
    r"approval|permission|action\s+addressees?|addressees?|posts?|embass(?:y|ies)|missions?|"
    r"input|comments?|support|assistance|views|funding|an?\s+[a-z\-]+)\b"
    r"|\b(?:" + _WHO + r")" + _OFFICE + r"\s+(?:(?:would|strongly|therefore|also)\s+)*"
    r"recommends?\s+that\b"
    r"|\b(?:request|requests|requesting|seek|seeks|seeking|need|needs)\s+(?:department\s+|"
    r"washington\s+|dept\.?\s+)?(?:guidance|instructions?|approval|authori[sz]ation|clearance)\b"
    r"|\b(?:department|washington|dept\.?|addressees?|posts?|embassy|embassies|mission|missions|you)"
    r"\s+(?:(?:is|are)\s+)?(?:please|kindly)\s+(?:advise|instruct|provide|confirm|deliver|inform|"
    r"clear|approve|report|approach|raise|convey)"
    r"|\bplease\s+(?:advise|instruct|report|deliver|convey|raise|respond|confirm)\b"
    r"|\b(?:posts?|embassy|embassies|addressees?|missions?|consulates?|you|chiefs?\s+of\s+mission)"
    + _OFFICE
    + r"\s+(?:is|are|should|may\s+wish\s+to)\s+(?:hereby\s+|also\s+)?(?:requested|"
    r"instructed|asked|authori[sz]ed|requested)\s+to\b"
    r"|\b(?:posts?|embassy|embassies|missions?|addressees?|consulates?)" + _OFFICE + r"\s+should"
    r"(?:\s*:|\s+(?:also\s+)?(?!not\b|be\b|have\b|note\b|know\b|expect\b|continue\b)[a-z]+)"
    r"|\b(?:guidance|instructions|comments?|views|approval|input|response)\b[^.]{0,100}?\b"
    r"(?:is|are)\s+(?:requested|needed|sought)\b"
    r"|\b(?:" + _WHO + r")" + _OFFICE + r"\s+would\s+(?:appreciate|welcome)\b[^.]{0,80}?"
    r"\b(?:department|washington|input|guidance|response|views|comments|front-channel)"
)
"""Sentences (lower-cased) that ask the addressee to act."""

_NEGATIVE_RE = re.compile(
    r"\bno\s+action\s+(?:is\s+)?(?:request|required|needed|necessary)"
    r"|\bnot\s+an\s+action\s+request"
    r"|\binformation\s+(?:cable|only)\b|\bfor\s+info(?:rmation)?\s+only\b"
)

_POINTS_RE = re.compile(
    r"(?:begin\s+(?:text|talking\s+points|points|non-paper|quote|letter)|"
    r"talking\s+points(?:/non-paper)?\s*:|points\s+for\s+oral\s+presentation|begin\s+points)"
)
"""Where the text to hand a foreign government starts: asks after it are not ours."""

_KEYWORDS = (
    "request", "please", "advise", "guidance", "instruct", "approv", "authori", "clearance",
    "recommend", "appreciate", "should", "urge", "welcome", "seek", "needed",
)  # fmt: skip
"""Words one of which every asking sentence holds: a cheap filter before the patterns."""


def _number(token: str) -> int:
    return int(token) if token.isdigit() else _WORDS.get(token, 0)


def _targets(m: re.Match[str]) -> list[int]:
    first = _number(m.group(1))
    sep, second = m.group(2), m.group(3)
    if second is None:
        return [first]
    last = _number(second)
    if sep in ("-", "\u2013", "through", "to") and first < last <= first + 20:
        return list(range(first, last + 1))
    return [first, last]


def _pointer_targets(text: str) -> list[int]:
    """Paragraph numbers an ``action request`` pointer in ``text`` names."""
    out: list[int] = []
    start = text.find("action re")
    while start >= 0:
        for m in _POINTER_AFTER_RE.finditer(text, max(0, start - 40), min(len(text), start + 160)):
            out.extend(_targets(m))
        for m in _POINTER_BEFORE_RE.finditer(text, max(0, start - 140), start):
            out.extend(_targets(m))
        start = text.find("action re", start + 9)
    if "contain" in text or "include" in text:
        for m in _CONTAINS_RE.finditer(text):
            out.extend(_targets(m))
    return out


def _asks(text: str) -> bool:
    """Whether ``text`` (lower case) holds a sentence asking the addressee to act."""
    if not any(k in text for k in _KEYWORDS):
        return False
    if ("no action" in text or "not an action" in text or "only" in text) and _NEGATIVE_RE.search(
        text
    ):
        return False
    points = _POINTS_RE.search(text) if ("points" in text or "begin" in text) else None
    end = points.start() if points is not None else len(text)
    for k in _KEYWORDS:
        if k in text and next(_windows(_ASK_RE, text, k, 120, end), None) is not None:
            return True
    return False


def _windows(
    pattern: re.Pattern[str], text: str, word: str, reach: int, end: int
) -> Iterator[re.Match[str]]:
    """Matches of ``pattern`` near each occurrence of ``word`` before ``end``."""
    start = text.find(word, 0, end)
    last_end = 0
    while start >= 0:
        lo = max(last_end, start - reach)
        for m in pattern.finditer(text, lo, min(end, start + reach)):
            last_end = m.end()
            yield m
        start = text.find(word, start + len(word), end)


def find_action_requests(
    paragraphs: list[Paragraph], headings: list[str | None] | None = None
) -> list[ActionRequest]:
    """Paragraphs that ask the addressee to act, and paragraphs an action pointer names.

    A paragraph that only points elsewhere ("This is an action request; see para 10") is not
    itself one; a paragraph that reports someone else's request, says no action is needed,
    gives a point of contact or holds talking points for a foreign government is not one.

    Args:
        paragraphs: the cable's paragraphs in order.
        headings: the heading above each paragraph (``ACTION REQUEST``), or None.

    Returns:
        One ActionRequest per paragraph, in paragraph order.
    """
    by_number = {p.number: i for i, p in enumerate(paragraphs) if p.number is not None}
    lowered = [p.text.lower() for p in paragraphs]
    chosen: set[int] = set()
    pointed_from: set[int] = set()
    for i, text in enumerate(lowered):
        if "action re" not in text:
            continue
        for n in _pointer_targets(text):
            j = by_number.get(n)
            if j is not None and j != i:
                chosen.add(j)
                pointed_from.add(i)
    quoted = False
    for i, text in enumerate(lowered):
        was_quoted = quoted
        if "begin" in text or "end" in text:
            b = max(text.rfind("begin text"), text.rfind("begin talking"), text.rfind("begin non"))
            e = max(
                text.rfind("end text"),
                text.rfind("end talking"),
                text.rfind("end non"),
                text.rfind("end of non"),
                text.rfind("end points"),
                text.rfind("end of text"),
            )
            if b > e:
                quoted = True
            elif e >= 0:
                quoted = False
        if i in pointed_from or i in chosen or not text or was_quoted:
            continue
        heading = headings[i] if headings and i < len(headings) else None
        if (
            (heading and "ACTION RE" in heading and not pointed_from)
            or (_LABEL_RE.match(text) and not _NEGATIVE_RE.search(text[:80]))
            or _asks(text)
        ):
            chosen.add(i)
        elif "action re" in text and _BARE_LABEL_RE.search(text) is None:
            head = text[:60]
            if "action request:" in head or "action requested:" in head:
                chosen.add(i)
    return [
        ActionRequest(text=paragraphs[i].text, paragraph=paragraphs[i].number)
        for i in sorted(chosen)
    ]
