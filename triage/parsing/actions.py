"""Find action requests: paragraphs that ask the addressee to act, and those a pointer names."""

from __future__ import annotations

import re
from collections.abc import Iterator

from triage.model import ActionRequest, Paragraph

_NUM = r"(\d{1,2})"
_POINTER_RE = re.compile(
    r"action\s+(?:request|item|requested)s?\b[^.]{0,60}?\b(?:in|at|see|:)?\s*"
    r"(?:para(?:graph)?s?\.?|\u00b6)\s*"
    + _NUM
    + r"(?:\s*(?:,|and|-|through|to|&)\s*"
    + _NUM
    + r")?"
    r"|(?:see|in)\s+(?:para(?:graph)?s?\.?|\u00b6)\s*"
    + _NUM
    + r"(?:\s*(?:,|and|-|through|to|&)\s*"
    + _NUM
    + r")?\s*(?:below\s*)?(?:for|,)?\s*(?:the\s+|an?\s+)?action\s+request"
    r"|para(?:graph)?s?\.?\s*"
    + _NUM
    + r"(?:\s*(?:,|and|&)\s*"
    + _NUM
    + r")?\s+(?:contains?|includes?|has|is)\s+"
    r"(?:an?\s+|the\s+)?(?:[a-z\-]+\s+){0,3}action\s+requests?",
    re.I,
)
"""``See Action Request in paragraph 6``, ``ACTION REQUEST IN PARA 10 BELOW``,
``Paragraphs 2 and 8 contain ... action request``."""

_ASK_RE = re.compile(
    r"\baction\s+request\b(?!s?\s+(?:from|by|of)\s)"
    r"|\baction\s+requested\b"
    r"|\b(?:post|embassy|mission|consulate|we|i|country\s+team|usun|usnato|usEU)\s+"
    r"(?:(?:would|respectfully|therefore|also|strongly|again|urgently)\s+)*"
    r"(?:requests?|seeks?|asks?|recommends?\s+that\s+the\s+department)\s+"
    r"(?:that\s+)?(?:the\s+)?(?:department|washington|dept|state|guidance|instructions|authori[sz]ation|clearance|approval|permission)\b"
    r"|\b(?:request|requests|requesting|seek|seeks|seeking|need|needs)\s+(?:department\s+|washington\s+|dept\.?\s+)?"
    r"(?:guidance|instructions?|approval|authori[sz]ation|clearance)\b"
    r"|\b(?:department|washington|dept\.?|addressees?|posts?|embassy|embassies|mission|you)\s+"
    r"(?:(?:is|are)\s+)?(?:please|kindly)\s+(?:advise|instruct|provide|confirm|deliver|pass|inform|clear|approve)"
    r"|\bplease\s+advise\b"
    r"|\b(?:posts?|embassy|embassies|addressees?|mission|you)\s+(?:is|are)\s+(?:hereby\s+)?(?:requested|instructed|asked|authori[sz]ed)\s+to\b"
    r"|\bguidance\s+(?:is\s+)?requested\b"
    r"|\binstructions\s+(?:are\s+)?requested\b"
    r"|\brequest\s+(?:that\s+)?(?:the\s+)?department\b"
    r"|\bplease\s+(?:deliver|pass|instruct|provide|convey|share|contact|raise|respond)\b",
    re.I,
)
"""Sentences that ask the addressee to act."""

_NEGATIVE_RE = re.compile(
    r"\bno\s+action\s+(?:is\s+)?(?:request|required|needed|necessary)"
    r"|\bnot\s+an\s+action\s+request"
    r"|\binformation\s+(?:cable|only)\b|\bfor\s+info(?:rmation)?\s+only\b",
    re.I,
)


_PARA_REF_RE = re.compile(
    r"\b(?:para(?:graph)?s?\.?|\u00b6)\s*(\d{1,2})(?:\s*(?:-|through|to|and|&|,)\s*(\d{1,2}))?"
)
"""``paragraph 7``, ``paras 3-7``, ``paragraphs 2 and 8`` in lower-cased text."""

_KEYWORDS = (
    "request",
    "please",
    "advise",
    "guidance",
    "instruct",
    "approv",
    "authori",
    "clearance",
)
"""Words one of which every asking sentence holds: a cheap filter before the patterns."""


def _windows(pattern: re.Pattern[str], text: str, word: str, reach: int) -> Iterator[re.Match[str]]:
    """Matches of ``pattern`` near each occurrence of ``word``: cheap on long paragraphs."""
    start = text.find(word)
    last_end = 0
    while start >= 0:
        lo = max(last_end, start - reach)
        for m in pattern.finditer(text, lo, min(len(text), start + reach)):
            last_end = m.end()
            yield m
        start = text.find(word, start + len(word))


def find_action_requests(
    paragraphs: list[Paragraph], headings: list[str | None] | None = None
) -> list[ActionRequest]:
    """Paragraphs that ask the addressee to act, and paragraphs an action pointer names.

    Args:
        paragraphs: the cable's paragraphs in order.
        headings: the heading above each paragraph (``ACTION REQUEST``), or None.

    Returns:
        One ActionRequest per paragraph, in paragraph order.
    """
    by_number = {p.number: i for i, p in enumerate(paragraphs) if p.number is not None}
    chosen: dict[int, None] = {}
    pointed_from: set[int] = set()
    lowered = [p.text.lower() for p in paragraphs]
    for i, text in enumerate(lowered):
        if "action" not in text or ("para" not in text and "\u00b6" not in text):
            continue
        if "action request" in text or "action item" in text:
            for m in _PARA_REF_RE.finditer(text):
                a, b = int(m.group(1)), int(m.group(2) or m.group(1))
                targets = (
                    list(range(a, b + 1))
                    if "-" in m.group(0) or "through" in m.group(0) or " to " in m.group(0)
                    else [a, b]
                )
                for n in targets[:20]:
                    j = by_number.get(n)
                    if j is not None and j != i:
                        chosen[j] = None
                        pointed_from.add(i)
        for m in _windows(_POINTER_RE, text, "action", 120):
            nums = [g for g in m.groups() if g]
            targets = [int(n) for n in nums]
            if (len(targets) == 2 and m.group(0).find("-") >= 0) or " through " in m.group(0):
                targets = list(range(targets[0], targets[-1] + 1))
            for n in targets:
                j = by_number.get(n)
                if j is not None and j != i:
                    chosen[j] = None
                    pointed_from.add(i)
    for i in range(len(paragraphs)):
        if i in pointed_from or i in chosen:
            continue
        heading = headings[i] if headings and i < len(headings) else None
        if heading and "ACTION REQUEST" in heading.upper() and not _NEGATIVE_RE.search(heading):
            chosen[i] = None
            continue
        text = lowered[i]
        if not any(k in text for k in _KEYWORDS):
            continue
        if ("no action" in text or "not an action" in text or "only" in text) and (
            _NEGATIVE_RE.search(text)
        ):
            continue
        for k in _KEYWORDS:
            if k in text and next(_windows(_ASK_RE, text, k, 90), None) is not None:
                chosen[i] = None
                break
    return [
        ActionRequest(text=paragraphs[i].text, paragraph=paragraphs[i].number)
        for i in sorted(chosen)
    ]
