"""Find action requests: paragraphs that ask the addressee to act, and those a pointer names."""

from __future__ import annotations

import re
from bisect import bisect_right

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

_LABEL_FIRST = frozenset("busca")
"""The letters ``_LABEL_RE`` can start with (begin, urgent, summary, comment, action)."""

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
_ADVERBS = r"(?:\s+(?:would|respectfully|therefore|also|strongly|again|urgently|hereby))*"


def _subject(who: str) -> re.Pattern[str]:
    """A subject ending right before the verb, searched in the few words before it."""
    return re.compile(r"\b" + who + _OFFICE + _ADVERBS + r"\s+$")


_SENDER = _subject(r"(?:" + _WHO[3:-1] + r"|usun|usnato|useu|department|washington|dept)")
_REQUESTERS = _subject(_WHO)
_ASKED = _subject(r"(?:department|washington|dept\.?|addressees?|posts?|embassy|embassies|"
                  r"missions?|you)(?:\s+(?:is|are))?")  # fmt: skip
_TOLD = re.compile(
    r"\b(?:posts?|embassy|embassies|addressees?|missions?|consulates?|you|chiefs?\s+of\s+mission|"
    r"action\s+addressees)" + _OFFICE + r"\s+(?:is|are|should|may\s+wish\s+to)"
    r"(?:\s+(?:hereby|also))?\s+$"
)
"""``Posts are requested to``, ``Embassy Astana is requested to``."""
_INSTRUCTED = _subject(r"(?:posts?|embassy|embassies|missions?|addressees?|consulates?)")
"""Who "should" act in an instruction (not "you should", a scenesetter's advice)."""
_OBJECT_WORDS = re.compile(
    r"\b(?:guidance|instructions|comments?|views|approval|input|response)\b[^.]*\b(?:is|are)\s+$"
)

_OBJECTS = (
    r"(?:department|washington|dept|state|usg|guidance|instructions|authori[sz]ation|clearance|"
    r"approval|permission|action\s+addressees?|addressees?|posts?|embass(?:y|ies)|missions?|input|"
    r"comments?|support|assistance|views|funding|an?\s+[a-z\-]+)\b"
)
_ASKING_VERB = re.compile(
    r"(?:^|[.:;!?)]\s+|\b(?:"
    + _WHO[3:-1]
    + r"|department|washington|dept|usun|usnato|useu)"
    + _OFFICE
    + _ADVERBS
    + r"\s+)(?:request|requests|requesting|seek|seeks|seeking|need|needs)\s+"
    r"(?:department\s+|washington\s+|dept\.?\s+)?$"
)
"""``Post requests guidance``, ``Request Department guidance`` opening a sentence; not a third
party who "asked Tehran for guidance"."""
_WOULD = re.compile(r"\b(?:" + _WHO[3:-1] + r")" + _OFFICE + r"\s+would\s+$")


def _verb(word: str) -> re.Pattern[str]:
    return re.compile(word + r"s?\s+(?:that\s+)?(?:the\s+)?" + _OBJECTS)


_Check = tuple[re.Pattern[str], re.Pattern[str] | None]
_PLEASE_ALONE = re.compile(
    r"please\s+(?:advise|instruct|report|deliver|convey|raise|respond|confirm)\b"
)
_ASKED_FOR = r"\s+(?:provide|inform|clear|approve|approach)\b"
_PLEASE_ASKED = re.compile(r"(?:please|kindly)" + _ASKED_FOR)
_NEEDED = re.compile(r"(?:requested|needed|sought)\b")

# Anchor word -> (pattern starting with that word, subject required before it or None). Each
# pattern starts with a literal the regex engine scans for quickly; the subject is checked on a
# short slice before the match.
_ASKS: dict[str, tuple[_Check, ...]] = {
    "request": (
        (_verb("request"), _SENDER),
        (re.compile(r"requested\s+to\b"), _TOLD),
        (_NEEDED, _OBJECT_WORDS),
    ),
    "seek": ((_verb("seek"), _SENDER),),
    "ask": ((_verb("ask"), _SENDER), (re.compile(r"asked\s+to\b"), _TOLD)),
    "urge": ((_verb("urge"), _SENDER),),
    "recommend": (
        (_verb("recommend"), _SENDER),
        (re.compile(r"recommends?\s+that\s+(?!you\b)"), _REQUESTERS),
    ),
    "guidance": ((re.compile(r"guidance\b"), _ASKING_VERB),),
    "instruct": (
        (re.compile(r"instructions?\b"), _ASKING_VERB),
        (re.compile(r"instructed\s+to\b"), _TOLD),
    ),
    "approval": ((re.compile(r"approval\b"), _ASKING_VERB),),
    "authori": (
        (re.compile(r"authori[sz]ation\b"), _ASKING_VERB),
        (re.compile(r"authori[sz]ed\s+to\b"), _TOLD),
    ),
    "clearance": ((re.compile(r"clearance\b"), _ASKING_VERB),),
    "please": ((_PLEASE_ALONE, None), (_PLEASE_ASKED, _ASKED)),
    "kindly": ((_PLEASE_ASKED, _ASKED),),
    "should": (
        (
            re.compile(
                r"should(?:\s*:|\s+(?:also\s+)?(?!not\b|be\b|have\b|note\b|know\b|expect\b|"
                r"continue\b)[a-z]+)"
            ),
            _INSTRUCTED,
        ),
    ),
    "needed": ((_NEEDED, _OBJECT_WORDS),),
    "sought": ((_NEEDED, _OBJECT_WORDS),),
    "appreciate": (
        (
            re.compile(
                r"appreciate\b[^.]{0,80}?\b(?:department|washington|input|guidance|response|"
                r"views|comments|front-channel)"
            ),
            _WOULD,
        ),
    ),
    "welcome": (
        (
            re.compile(
                r"welcome\b[^.]{0,80}?\b(?:department|washington|input|guidance|response|views|"
                r"comments|front-channel)"
            ),
            _WOULD,
        ),
    ),
}
"""Sentences (lower-cased) that ask the addressee to act."""

_NEGATIVE_RE = re.compile(r"no\s+action\s+(?:is\s+)?(?:request|required|needed|necessary)")

_POINTS_RE = re.compile(
    r"(?:begin\s+(?:text|talking\s+points|points|non-paper|quote|letter)|"
    r"talking\s+points(?:/non-paper)?\s*:|points\s+for\s+oral\s+presentation|begin\s+points)"
)
"""Where the text to hand a foreign government starts: asks after it are not ours."""


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


def _says_no_action(text: str) -> bool:
    """``No action is required``, ``for information only``, ``not an action request``."""
    if "action" in text and (
        ("no action" in text and _NEGATIVE_RE.search(text) is not None)
        or "not an action request" in text
    ):
        return True
    return "info" in text and (
        "information only" in text or "info only" in text or "information cable" in text
    )


_ANCHORS = tuple(_ASKS)
"""Every anchor word of ``_ASKS``."""

_ASKING_WORDS = ("request", "seek", "need")
"""What ``_ASKING_VERB`` needs in a text: without one of them, no pattern it guards matches."""


def _letter_scan(
    letter: str, words: tuple[str, ...]
) -> tuple[re.Pattern[str], tuple[tuple[str, int], ...]]:
    """A regex that matches one of ``words`` from its last ``letter`` on, and each word with
    where that letter is in it.

    A regex that starts with one letter is searched for by a loop over the text as fast as
    ``str.find``'s, and stops only at that letter: for a rare one, one scan for several words
    costs less than a ``find`` per word. After the letter, the rest of the word is matched,
    then the whole word looked behind for: a match holds no other such letter, so it hides no
    other word's.
    """
    alts = []
    for w in words:
        i = w.rindex(letter)
        alts.append(w[i + 1 :] + (f"(?<={w})" if i else ""))
    pattern = re.compile(letter + "(?:" + "|".join(alts) + ")")
    return pattern, tuple((w, w.rindex(letter)) for w in words)


_LETTER_SCANS = (
    _letter_scan("u", ("instruct", "authori", "should", "urge", "sought", "request")),
    _letter_scan("k", ("seek", "ask", "kindly")),
    _letter_scan("p", ("please", "appreciate")),
    _letter_scan("m", ("recommend", "welcome")),
)
"""The anchor words ``_anchor_words`` looks for in the whole text by a rare letter of theirs
(all but ``need``, ``needed`` and ``_GUARDED``)."""
_GUARDED = ("guidance", "approval", "clearance")
"""The anchors looked for only in a paragraph that holds one of ``_ASKING_WORDS``: they only
matter after one of them. Every other anchor is looked for in the whole text (``need`` and
``needed`` by ``str.find``, the rest by ``_LETTER_SCANS``)."""


def _joined(lowered: list[str]) -> tuple[str, list[int]]:
    """The paragraphs joined by newlines, and where each starts (and where one more would)."""
    starts = [0]
    for t in lowered:
        starts.append(starts[-1] + len(t) + 1)
    return "\n".join(lowered), starts


def _holding(joined: str, starts: list[int], word: str) -> set[int]:
    """The paragraphs of ``joined`` (each starting at ``starts[i]``) that hold ``word``."""
    out = set()
    at = joined.find(word)
    while at >= 0:
        i = bisect_right(starts, at) - 1
        out.add(i)
        at = joined.find(word, starts[i + 1])  # on in the next paragraph
    return out


def _anchor_words(
    lowered: list[str], joined: str | None = None, starts: list[int] | None = None
) -> dict[int, dict[str, list[int]]]:
    """For each paragraph holding an anchor word that can start an ask, where each such word
    occurs in it (in order): 5 scans of the whole text, and a few of single paragraphs.

    An anchor left out (``guidance`` in a paragraph without ``request``, ``seek`` or ``need``)
    starts no match whose subject ``_asks`` accepts, so ``_asks`` returns the same without it.

    Args:
        lowered: the paragraphs, lower-cased.
        joined: ``lowered`` joined by newlines, when already at hand, with ``starts``.
        starts: where each paragraph starts in ``joined``, and its length + 1 at the end.
    """
    if joined is None or starts is None:
        joined, starts = _joined(lowered)
    hits: list[tuple[str, int]] = []
    for regex, offsets in _LETTER_SCANS:
        for m in regex.finditer(joined):
            for w, i in offsets:  # the one the regex found, and any other there ("askindly")
                at = m.start() - i
                if at >= 0 and joined.startswith(w, at):
                    hits.append((w, at))
    at = joined.find("need")
    while at >= 0:
        hits.append(("need", at))
        if joined.startswith("needed", at):
            hits.append(("needed", at))
        at = joined.find("need", at + 4)
    found: dict[int, dict[str, list[int]]] = {}
    for w, at in hits:  # each word's hits in order
        i = bisect_right(starts, at) - 1
        found.setdefault(i, {}).setdefault(w, []).append(at - starts[i])
    for i, words in found.items():
        if "request" in words or "seek" in words or "need" in words:
            text = lowered[i]
            for w in _GUARDED:
                at = text.find(w)
                while at >= 0:
                    words.setdefault(w, []).append(at)
                    at = text.find(w, at + len(w))
        words.pop("need", None)  # not an anchor: "needed" is
    return {i: words for i, words in found.items() if words}


_Run = tuple[re.Pattern[str], re.Pattern[str] | None, int]

_OWN_PART = {
    (_NEEDED, "request"): re.compile(r"requested\b"),
    (_NEEDED, "needed"): re.compile(r"needed\b"),
    (_NEEDED, "sought"): re.compile(r"sought\b"),
    (_PLEASE_ASKED, "please"): re.compile("please" + _ASKED_FOR),
    (_PLEASE_ASKED, "kindly"): re.compile("kindly" + _ASKED_FOR),
}
"""The alternatives of a pattern that several anchors start, each alone. A match of the whole
is a match of one of them (no two can overlap), and a regex that starts with a literal is
searched for many times faster than one that starts with a choice of them."""


def _runs(word: str) -> tuple[_Run, ...]:
    """``_ASKS[word]`` ready to run: (pattern, subject, how far before a match its subject may
    start); every pattern's matches start with ``word``."""
    return tuple(
        (_OWN_PART.get((pattern, word), pattern), subject, 110 if subject is _OBJECT_WORDS else 60)
        for pattern, subject in _ASKS[word]
    )


_RUNS = {word: _runs(word) for word in _ASKS}
"""``_runs`` of every anchor word."""


def _occurrences(text: str, word: str) -> list[int]:
    """Where ``word`` occurs in ``text``, in order."""
    out = []
    at = text.find(word)
    while at >= 0:
        out.append(at)
        at = text.find(word, at + len(word))
    return out


def _asks(
    text: str, present: dict[str, list[int]] | None = None, begin: bool | None = None
) -> bool:
    """Whether ``text`` (lower case) holds a sentence asking the addressee to act.

    Args:
        text: a paragraph, lower-cased.
        present: the anchor words ``text`` holds with where each occurs, in order, when
            already known (from ``_anchor_words``).
        begin: whether ``text`` holds "begin", when already known.
    """
    if begin is None:
        begin = "begin" in text
    points = _POINTS_RE.search(text) if (begin or "points" in text) else None
    end = points.start() if points is not None else len(text)
    if present is None:
        present = {w: where for w in _ANCHORS if (where := _occurrences(text, w))}
    for word, starts in present.items():
        for pattern, subject, reach in _RUNS[word]:
            # Every match starts with ``word``: trying each occurrence in turn, past the end of
            # the last match, finds what pattern.finditer(text, 0, end) finds, without a scan.
            after = 0
            for at in starts:
                if at >= end:
                    break
                if at < after or (m := pattern.match(text, at, end)) is None:
                    continue
                after = m.end()
                if subject is None:
                    return not _says_no_action(text)
                if subject.search(text, at - reach if at > reach else 0, at) is not None:
                    # Checked last (it seldom matters): a paragraph saying no action is
                    # needed asks for none.
                    return not _says_no_action(text)
    return False


def find_action_requests(
    paragraphs: list[Paragraph],
    headings: list[str | None] | None = None,
    lowered: list[str] | None = None,
) -> list[ActionRequest]:
    """Paragraphs that ask the addressee to act, and paragraphs an action pointer names.

    A paragraph that only points elsewhere ("This is an action request; see para 10") is not
    itself one; a paragraph that reports someone else's request, says no action is needed,
    gives a point of contact or holds talking points for a foreign government is not one.

    Args:
        paragraphs: the cable's paragraphs in order.
        headings: the heading above each paragraph (``ACTION REQUEST``), or None.
        lowered: each paragraph's text lower-cased, when already at hand.

    Returns:
        One ActionRequest per paragraph, in paragraph order.
    """
    if lowered is None:
        lowered = [p.text.lower() for p in paragraphs]
    chosen: set[int] = set()
    pointed_from: set[int] = set()
    joined, starts = _joined(lowered)
    action_re = _holding(joined, starts, "action re")
    if action_re:
        by_number = {p.number: i for i, p in enumerate(paragraphs) if p.number is not None}
        for i in sorted(action_re):
            for n in _pointer_targets(lowered[i]):
                j = by_number.get(n)
                if j is not None and j != i:
                    chosen.add(j)
                    pointed_from.add(i)
    anchors = _anchor_words(lowered, joined, starts)
    begins = _holding(joined, starts, "begin")
    quoted = False
    for i, text in enumerate(lowered):
        was_quoted = quoted
        b = -1
        has_begin = i in begins
        if has_begin:
            b = max(text.rfind("begin text"), text.rfind("begin talking"), text.rfind("begin non"))
        if b >= 0 or (quoted and "end" in text):
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
            or (
                text[0] in _LABEL_FIRST and _LABEL_RE.match(text) and not _says_no_action(text[:80])
            )
            or (i in anchors and _asks(text, anchors[i], has_begin))
        ):
            chosen.add(i)
        elif i in action_re and _BARE_LABEL_RE.search(text) is None:
            head = text[:60]
            if "action request:" in head or "action requested:" in head:
                chosen.add(i)
    return [
        ActionRequest(text=paragraphs[i].text, paragraph=paragraphs[i].number)
        for i in sorted(chosen)
    ]
