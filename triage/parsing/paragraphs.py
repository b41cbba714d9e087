"""Split a cable body into numbered paragraphs; find page breaks, the summary and the signers."""

from __future__ import annotations

import re

from triage.model import Paragraph
from triage.parsing.common import fold

PAGE_BREAK_RE = re.compile(
    r"^\s*(?:[A-Za-z][A-Za-z .'\-]{0,30}?\s+)?\d{8}\s+(\d{3})(?:\.\d+)?\s+(?:OF|of|Of)\s+"
    r"(\d{3})\s*$"
)
"""``BAGHDAD 00000293 002 OF 002``, ``MADRID 00000869 001.2 OF 004``."""

OLD_PAGE_RE = re.compile(r"^\s*PAGE\s+\d{2,3}\s+.*?\b(\d{2})\s+OF\s+(\d{2})\b")
"""Print-out page headers: ``PAGE 02 HARARE 06677 01 OF 03 291400Z``."""

_PARA_RE = re.compile(r"^\u00b6\s?(\d{1,3})\s?[.):]?(?=\s|$|\()")
_BARE_PARA_RE = re.compile(r"^(\d{1,3})\s?[.)](?=\s|$)")
_MARKING_RE = re.compile(
    r"^\(((?:TS|S|C|U|SBU|LOU|FOUO|CUI)(?:\s*//?\s*[A-Z][A-Za-z ,/\-]{0,60}?)?)\)\s*", re.I
)
"""Portion markings: ``(C)``, ``(S/NF)``, ``(U//FOUO)``, ``(S//REL CHINA)``."""
_MARKING_OPT = _MARKING_RE.pattern[1:].join(("(?i:", ")?"))
_PARA_LINE_RE = re.compile(_PARA_RE.pattern + r"\s*" + _MARKING_OPT)
"""``_PARA_RE``, the blanks after it and ``_MARKING_RE`` if it matches there (group 2): one
match for a paragraph's first line."""
_BARE_LINE_RE = re.compile(_BARE_PARA_RE.pattern + r"\s*" + _MARKING_OPT)
"""The same for ``_BARE_PARA_RE``."""
_RULE_CHARS = frozenset("-=_*~ ")
_RULE_RUN_RE = re.compile(r"(?:(?<!\S)[-=_*~]{5,}(?!\S)\s*)+")
"""Rules of dashes or stars that a rendering joined into a paragraph."""
_PAGE_CLASS_WORDS = frozenset(
    {"CONFIDENTIAL", "SECRET", "UNCLASSIFIED", "UNCLAS", "LIMITED OFFICIAL USE"}
)
_SIGNER_RE = re.compile(r"^[A-Za-z][A-Za-z.'\-]*(?:[ /][A-Za-z][A-Za-z.'\-]*){0,3}$")
_NOT_SIGNERS = frozenset(
    {
        "NNNN",
        "SIPDIS",
        "NOFORN",
        "END",
        "BT",
        "CONFIDENTIAL",
        "SECRET",
        "UNCLASSIFIED",
        "UNCLAS",
        "COMMENT",
        "END COMMENT",
        "END TEXT",
        "SUMMARY",
        "END SUMMARY",
    }
)


def page_break_section(line: str) -> int | None:
    """The section number a page-break line belongs to, or None when it is not one."""
    if " OF " not in line and " of " not in line:
        return None
    m = PAGE_BREAK_RE.match(line)
    if m is not None:
        return int(m.group(1))
    m = OLD_PAGE_RE.match(line)
    if m is not None:
        return int(m.group(1))
    return None


_SENTENCE_END_RE = re.compile(r"[.!?;:][\"'\u201d\u2019)]*\s+")


def signer_of(line: str) -> tuple[str, list[str] | None]:
    """Split a cable's last line into text and signature names (``KHALILZAD``, ``RICE/GATES``).

    The signature is what follows the last finished sentence of the line (a rendering that
    joins wrapped lines puts it at the end of the last paragraph).

    Returns:
        ``(text_before, names)``; names is None when the line ends without a signature.
    """
    s = line.strip()
    head = ""
    cut = 0
    for m in _SENTENCE_END_RE.finditer(s, max(0, len(s) - 60)):
        cut = m.end()
    if cut:
        head, s = s[:cut].rstrip(), s[cut:]
    elif len(s) > 40:
        return line, None
    if not s or len(s) > 40 or not _SIGNER_RE.match(s) or s.upper() in _NOT_SIGNERS:
        return line, None
    if s[-1] == "." and " " in s:
        return line, None
    for w in s.replace("/", " ").split():
        if not w[0].isupper():
            return line, None
    if s.strip("X ") == "":
        return line, None
    half = s.split()
    if len(half) % 2 == 0 and half[: len(half) // 2] == half[len(half) // 2 :]:
        s = " ".join(half[: len(half) // 2])  # "KUBISKE KUBISKE"
    names = [n.strip() for n in s.split("/") if n.strip()]
    return head, names or None


_TRAILERS = frozenset(
    {
        "",
        ">",
        "NNNN",
        "BT",
        "#",
        "...",
        "END CABLE TEXT",
        "END OF CABLE",
        "END TEXT",
        "CONFIDENTIAL",
        "SECRET",
        "UNCLASSIFIED",
        "UNCLAS",
        "LIMITED OFFICIAL USE",
    }
)


def is_trailer(line: str) -> bool:
    """A line after the signature that is not text: end marks, page classification, redaction."""
    s = line.strip().upper()
    return s in _TRAILERS or (len(s) >= 4 and s.strip("X") == "")


class _Para:
    __slots__ = ("heading", "lines", "marking", "number")

    def __init__(self, number: int | None) -> None:
        self.number = number
        self.marking: str | None = None
        self.lines: list[str] = []
        self.heading: str | None = None


def _is_heading_block(block: list[str]) -> bool:
    if not block or len(block) > 3:
        return False
    text = " ".join(block)
    if "*****" in text or "-----" in text or "=====" in text:
        text = _RULE_RUN_RE.sub(" ", text).strip()
    if not text or len(text) > 90 or text[-1] in ".:;,)\"'":
        return False
    return text[0].isalpha() or text[0] in "\"'"


_BLANKS_RE = re.compile(r"\n[ \t\f\v\r\u00a0]*\n(?:[ \t\f\v\r\u00a0]*\n)*")
"""One or more blank lines: what separates the blocks of a body. (``\n(?:[...]*\n)+`` with
its first repetition written out: the same matches, found a third faster.)"""


_TAIL_MARKS: tuple[tuple[str, str], ...] = (
    ("0", " 00"),
    ("G", "PAGE"),
    ("-", "---"),
    ("-", "- - -"),
    ("F", "CONFIDENTIAL"),
    ("R", "SECRET"),
    ("L", "UNCLAS"),
    ("F", "LIMITED OFF"),
)
"""What a plain run of lines may not hold (see _is_plain_tail), each after a character of it:
looking for one character is many times faster than for a short string, and usually fails."""


def _tail_marks(body: str) -> tuple[tuple[str, str], ...]:
    """_is_plain_tail's marks for the blocks of ``body``: those made of a character that
    ``body`` lacks cannot be in a block of it (one fast scan for a character each)."""
    marks = _TAIL_MARKS
    if "\u00b6" in body:
        marks += (("\u00b6", "\n\u00b6"),)
    if "*" in body:
        marks += (("*", "***"),)
    if "=" in body:
        marks += (("=", "==="),)
    if "_" in body:
        marks += (("_", "___"),)
    return marks


def _is_plain_block(block: str, marks: tuple[tuple[str, str], ...] | None = None) -> bool:
    """A block of wrapped text with nothing the line scanner must see: no paragraph marker,
    page break, rule, heading or page classification line."""
    head = block[:1]
    if head.isspace():
        head = block.lstrip()[:1]
    if not head or head.isdigit() or not _is_plain_tail(block, marks, head):
        return False
    nl = block.find("\n")
    return heading_of(block if nl < 0 else block[:nl]) is None


def _is_plain_tail(
    block: str, marks: tuple[tuple[str, str], ...] | None = None, head: str | None = None
) -> bool:
    """Lines that continue a paragraph with nothing the line scanner must see (no marker,
    page break, rule or page classification line); headings are not looked for here.

    Args:
        block: the lines, joined by newlines.
        marks: ``_tail_marks`` of the text ``block`` comes from (all marks when None).
        head: the first character of ``block.lstrip()``, when already known.
    """
    if head is None:
        head = block[:1]
        if head.isspace():
            head = block.lstrip()[:1]
    if not head or head == "\u00b6" or head in _RULE_CHARS:
        return False
    for char, mark in _tail_marks(block) if marks is None else marks:
        if char in block and mark in block:
            return False
    return True


def _start(
    number: int | None,
    cur: _Para | None,
    heading: str | None,
    paras: list[_Para],
    headings: list[str | None],
) -> _Para:
    """Close ``cur`` and open paragraph ``number`` (None: unnumbered) under ``heading``, or
    under the heading ``cur``'s tail turned out to be; the new paragraph is appended to
    ``paras`` and its heading to ``headings``."""
    if cur is not None:
        heading = _close(cur)[1] or heading
    new = _Para(number)
    paras.append(new)
    headings.append(heading)
    return new


def _close(p: _Para) -> tuple[_Para, str | None]:
    """Split a trailing heading block off a paragraph; returns (paragraph, heading)."""
    lines = p.lines
    while lines and lines[-1] == "":
        lines.pop()
    if "" in lines:
        cut = len(lines) - 1 - lines[::-1].index("")
        if cut == 0:
            return p, None
        tail = lines[cut + 1 :]
        # At most 3 lines make a heading: stop at the 4th non-blank line of the tail.
        block: list[str] = []
        for entry in tail:
            pieces = entry.split("\n", 4)
            if len(pieces) == 5:  # more lines (all of them, if blank ones came first)
                pieces[4:] = pieces[4].split("\n")
            for x in pieces:
                if x := x.strip():
                    block.append(x)
                    if len(block) > 3:
                        return p, None
        if _is_heading_block(block):
            p.lines = lines[:cut]
            return p, " ".join(block)
    return p, None


HEADINGS = frozenset(
    {
        "SUMMARY",
        "BEGIN SUMMARY",
        "SUMMARY AND COMMENT",
        "SUMMARY AND ACTION REQUEST",
        "SUMMARY AND ACTION REQUESTS",
        "ACTION REQUEST",
        "ACTION REQUESTS",
        "ACTION REQUESTED",
        "ACTION ITEM",
        "ACTION ITEMS",
    }
)
"""Heading lines that say what the next paragraph is."""
_HEADING_MAX = max(map(len, HEADINGS))
_HEADING_TRIM = "-=_*: "
"""What ``heading_of`` strips off a line's ends after its whitespace."""


def heading_of(line: str) -> str | None:
    """``SUMMARY``, ``-- Action Request --``: a known heading line, upper-cased, or None."""
    s = line.strip().strip(_HEADING_TRIM)
    if len(s) > _HEADING_MAX:  # upper() never shortens a string
        return None
    s = s.upper()
    return s if s in HEADINGS else None


_LINE_SPECIAL = frozenset("\u00b6-=_*~")
"""First characters of a stripped line that may make it a marker or a rule."""
_RULES = ("-----", "*****", "=====", "_____")
"""Runs that may start a rule run into a paragraph (see ``_RULE_RUN_RE``)."""
_FOLD_SLOW = ("\t", "\r", "\xa0", "\f", "\v")
"""Characters that send ``common.fold`` to its split-and-join path (``_paragraphs`` does what
``fold`` does on its other path, for all paragraphs at once: keep the two in step)."""


def split_paragraphs(
    lines: list[str], start: int, stop: int, sections: set[int], heading: str | None = None
) -> tuple[list[Paragraph], list[str | None]]:
    """Numbered paragraphs of ``lines[start:stop]``; page-break sections go into ``sections``.

    The body is cut into blocks at blank lines. A block of plain wrapped text inside a
    numbered paragraph is taken whole; any other block is read line by line, and a line that
    can only continue the current paragraph is told apart by cheap tests before any regex.

    Returns:
        The paragraphs, and for each the heading that stood above it (or None).
    """
    paras: list[_Para] = []
    cur: _Para | None = None
    prev_blank = True
    expected = 1
    pending_heading: str | None = heading
    headings: list[str | None] = []
    body = "\n".join(lines[start:stop])
    marks = _tail_marks(body)
    for bi, block in enumerate(_BLANKS_RE.split(body)):
        if bi:
            prev_blank = True
            if cur is not None:
                cur.lines.append("")
        c = block[:1]
        if (
            cur is not None
            and cur.number is not None
            and c != "\u00b6"  # a first character that rules the block out, before a call
            and not c.isdigit()
            and _is_plain_block(block, marks)
        ):
            # The common case: a run of wrapped text inside a numbered paragraph.
            cur.lines.append(block)
            prev_blank = False
            continue
        first, _, rest = block.partition("\n")
        todo: list[str] | tuple[str] = (first,)
        while True:
            for raw in todo:
                s = raw.strip()
                if not s:
                    if cur is not None:
                        cur.lines.append("")
                    prev_blank = True
                    continue
                c = s[0]
                if (
                    not prev_blank
                    and cur is not None
                    and c not in _LINE_SPECIAL
                    and " 00" not in s
                    and "PAGE" not in s
                    and (len(s) > 20 or s not in _PAGE_CLASS_WORDS)
                    and (
                        cur.number is not None
                        or (len(s) > _HEADING_MAX and c != ":" and s[-1] not in _HEADING_TRIM)
                        or heading_of(s) is None
                    )
                ):
                    # A line that can only continue the paragraph (the last test is
                    # heading_of's: a line longer than any heading, with nothing to trim).
                    cur.lines.append(s)
                    continue
                m = None
                if c == "\u00b6":
                    # Never a page break, page classification or rule.
                    m = _PARA_LINE_RE.match(s)
                else:
                    if (" 00" in s or "PAGE" in s) and (sec := page_break_section(s)) is not None:
                        sections.add(sec)
                        continue
                    if len(s) <= 20 and s in _PAGE_CLASS_WORDS:
                        continue
                    if c in _RULE_CHARS and not s.strip("-=_*~ "):
                        continue
                    if prev_blank and c.isdigit():
                        m = _BARE_LINE_RE.match(s)
                        if m is not None:
                            n = int(m.group(1))
                            if not (
                                n == expected
                                or str(n) == "1" + str(expected)
                                or expected < n <= expected + 2
                            ):
                                m = None
                if m is not None:
                    n = int(m.group(1))
                    if c != "\u00b6" and str(n) == "1" + str(expected) and n != expected:
                        n = expected
                    cur = _start(n, cur, pending_heading, paras, headings)
                    pending_heading = None
                    expected = n + 1
                    if (marking := m.group(2)) is not None:
                        cur.marking = marking.upper()
                    cur.lines.append(s[m.end() :])
                elif (cur is None or cur.number is None or prev_blank) and (h := heading_of(s)):
                    if cur is not None:
                        _close(cur)
                    prev_blank = True
                    pending_heading = h
                    continue
                elif cur is None or (cur.number is None and prev_blank):
                    cur = _start(None, cur, pending_heading, paras, headings)
                    pending_heading = None
                    mk = _MARKING_RE.match(s)
                    if mk is not None:
                        cur.marking = mk.group(1).upper()
                        s = s[mk.end() :]
                    cur.lines.append(s)
                else:
                    cur.lines.append(s)
                prev_blank = False
            if not rest:
                break
            if (
                cur is not None
                and cur.number is not None
                and not prev_blank
                and _is_plain_tail(rest, marks)
            ):
                cur.lines.append(rest)
                break
            todo, rest = rest.split("\n"), ""
    if cur is not None:
        _close(cur)
    return _paragraphs(paras, headings, body)


def _paragraphs(
    paras: list[_Para], headings: list[str | None], body: str
) -> tuple[list[Paragraph], list[str | None]]:
    """The Paragraphs of ``paras`` (text folded, rules dropped), skipping empty unnumbered ones,
    and the headings of those kept."""
    if not paras:
        return [], []
    texts = [" ".join(p.lines) for p in paras]
    joined = "\x01".join(texts)
    if "\x01" in body or any(ch in joined for ch in _FOLD_SLOW):
        folded = [fold(t) for t in texts]
        joined = "\x01".join(folded)
    else:
        # fold() of every text at once: the same steps, one pass each over all of them (a
        # run of spaces never crosses a \x01, and each text is stripped after). A run of
        # spaces goes by one split at double spaces (what is left of an odd run is the
        # piece's first character), not by replace() until nothing changes: 3 passes or more.
        if "\u00b6" in joined:
            joined = joined.replace("\u00b6", "")
        joined = joined.replace("\n", " ")
        pieces = joined.split("  ")
        if len(pieces) > 1:
            joined = " ".join(filter(None, [x.lstrip(" ") for x in pieces]))
        folded = [t.strip() for t in joined.split("\x01")]
    # Rules are made of characters the text may lack: then no paragraph holds one.
    rule_marks = tuple(r for r in _RULES if r[0] in joined and r in joined)
    out = []
    kept_headings = []
    for p, h, text in zip(paras, headings, folded, strict=True):
        if rule_marks and any(r in text for r in rule_marks):
            text = fold(_RULE_RUN_RE.sub(" ", text))
        if not text and p.number is None:
            continue
        out.append(Paragraph(text=text, number=p.number, marking=p.marking))
        kept_headings.append(h)
    return out, kept_headings


_SUMMARY_START_RE = re.compile(
    r"^(?:\([A-Za-z/]{1,12}\)\s*)?SUMMARY\b\s*(?:AND\s+COMMENT\s*)?[:.\-]*\s*", re.I
)
_EMPTY_RE = re.compile("")
_END_SUMMARY_RE = re.compile(r"\bEND\s+(?:OF\s+)?SUMMARY\b\s*[.:]?", re.I)
_SUMMARY_ANY_RE = re.compile(r"\bSUMMARY\s*(?:AND\s+COMMENT\s*)?[:.\-]+\s*", re.I)


def find_summary(
    paragraphs: list[Paragraph],
    headings: list[str | None] | None = None,
    lowered: list[str] | None = None,
) -> str | None:
    """The summary: text between ``SUMMARY`` and ``END SUMMARY``, or a ``Summary:`` paragraph.

    Args:
        paragraphs: the cable's paragraphs in order.
        headings: the heading above each paragraph, or None.
        lowered: each paragraph's text lower-cased, when already at hand (a cheap guard
            before the case-blind ``END SUMMARY`` search).
    """

    def end_of(k: int, text: str, offset: int = 0) -> re.Match[str] | None:
        """``_END_SUMMARY_RE.search(text)``, ``text`` being paragraph k's text from offset."""
        if lowered is None:
            return _END_SUMMARY_RE.search(text)
        low = lowered[k]
        if len(low) != len(paragraphs[k].text):
            # A letter lower-cased to two: positions differ; "mmary" still guards.
            return _END_SUMMARY_RE.search(text) if "mmary" in low else None
        # Every match holds "mmary" (none of its letters case-folds from another letter), and
        # starts at the last "end" before the first "mmary" or later: search from there.
        first = low.find("mmary", offset + 2)
        if first < 0:
            return None
        start = low.rfind("end", offset, first)
        return _END_SUMMARY_RE.search(text, max(0, start - offset))

    for idx, p in enumerate(paragraphs[:6]):
        m = _SUMMARY_START_RE.match(p.text)
        heading = headings[idx] if headings and idx < len(headings) else None
        if m is None and heading is not None and "SUMMARY" in heading:
            m = _EMPTY_RE.match(p.text)
        if m is None:
            if idx == 0:
                m2 = _SUMMARY_ANY_RE.search(p.text[:200])
                if m2 is None or end_of(idx, p.text[m2.end() :], m2.end()) is None:
                    continue
                m = m2
            else:
                continue
        texts = [p.text[m.end() :]]
        end = end_of(idx, texts[0], m.end())
        if end is not None:
            return fold(texts[0][: end.start()]) or None
        for k, q in enumerate(paragraphs[idx + 1 : idx + 6], idx + 1):
            e = end_of(k, q.text)
            if e is not None:
                texts.append(q.text[: e.start()])
                return fold(" ".join(texts)) or None
            texts.append(q.text)
        return fold(texts[0]) or None
    return None
