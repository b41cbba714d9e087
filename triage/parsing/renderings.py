"""Detect a cable's rendering (text, markdown, html) and normalise it to plain telegram text."""

from __future__ import annotations

import html
import re

TEXT = "text"
MARKDOWN = "markdown"
HTML = "html"

_HTML_HINT_RE = re.compile(r"<(?:pre|html|!doctype)\b|&#x000a;", re.I)
_TAG_RE = re.compile(r"<[A-Za-z/!][^<>]*>")
"""A tag: "<" then a letter, "/" or "!" (a bare "<" in cable text is text)."""
_MD_LINK_RE = re.compile(r"\[([^\]\n]{0,200})\]\(#\)")
_STRAY_HTML_RE = re.compile(
    r"</?(?:br|strong|b|i|em|u|p|div|span|table|tr|td|th|tbody|font|center|pre|code)\b[^>\n]{0,200}>",
    re.I,
)


def detect(text: str) -> str:
    """Say which rendering ``text`` is in.

    Args:
        text: the decoded input.

    Returns:
        ``"html"``, ``"markdown"`` or ``"text"``.
    """
    # A one-character "in" is a memchr; a longer needle is a slower scan: each longer test
    # is put behind a one-character test that nearly always fails on text it does not fit.
    if "<" in text:
        if _HTML_HINT_RE.search(text, 0, 200_000) is not None:
            return HTML
    elif "&" in text and ("&#x000A;" in text or "&#x000a;" in text):
        return HTML
    if _has_link_mark(text):
        return MARKDOWN
    return TEXT


def _has_link_mark(text: str) -> bool:
    """``"](#)" in text``, found by its ``#`` (rare in cable text) with memchr-fast finds."""
    pos = text.find("#", 2)
    while pos >= 0:
        if text[pos - 2 : pos + 2] == "](#)":
            return True
        pos = text.find("#", pos + 1)
    return False


_ENTITY_RE = re.compile(r"&(?:#[xX][0-9a-fA-F]{1,6}|#\d{1,7}|[A-Za-z][A-Za-z0-9]{1,31});")


_COMMON_ENTITIES = (
    ("&#x000A;", "\n"),
    ("&#x000a;", "\n"),
    ("&#10;", "\n"),
    ("&quot;", '"'),
    ("&#39;", "'"),
    ("&lt;", "<"),
    ("&gt;", ">"),
)


def _unescape_entity(m: re.Match[str]) -> str:
    # Only entities closed by ";": a bare "&pounding" in cable text stays as written.
    return html.unescape(m.group(0))


_PRE_MARK_RE = re.compile("<(?:pre|/pre|PRE|/PRE)")
"""Where ``<pre`` and ``</pre`` may be, and whether the page writes them in capitals."""


def _pre_blocks(text: str) -> list[str]:
    """The contents of the page's ``<pre>`` blocks.

    A ``<pre`` opens a block at the first ``>`` after it, up to the next ``</pre``. Tags are
    looked for in lower case, or in any case on a page that writes ``<PRE`` or ``</PRE``
    somewhere. One scan of the page finds every mark (str.find per mark and a test for
    capitals cost three).
    """
    opens: list[int] = []
    closes: list[int] = []
    for m in _PRE_MARK_RE.finditer(text):
        mark = m.group()
        if mark[-1] == "E":  # "<PRE" or "</PRE": then any case counts
            return _pre_blocks_any_case(text)
        (closes if mark[1] == "/" else opens).append(m.start())
    blocks = []
    i = j = 0
    while i < len(opens):
        start = text.find(">", opens[i])
        if start < 0:
            break
        while j < len(closes) and closes[j] < start:
            j += 1
        if j == len(closes):
            break
        end = closes[j]
        blocks.append(text[start + 1 : end])
        while i < len(opens) and opens[i] < end + 5:
            i += 1
    return blocks


def _pre_blocks_any_case(text: str) -> list[str]:
    """:func:`_pre_blocks` for a page that writes ``<PRE``: tags found in any case."""
    low = text.lower()
    blocks = []
    pos = low.find("<pre")
    while pos >= 0:
        start = low.find(">", pos)
        if start < 0:
            break
        end = low.find("</pre", start)
        if end < 0:
            break
        blocks.append(text[start + 1 : end])
        pos = low.find("<pre", end + 5)
    return blocks


def _html_to_text(text: str) -> str:
    blocks = _pre_blocks(text)
    if not blocks:
        body = text
        # No <pre> block: take what is left after dropping scripts, styles and tags.
        body = re.sub(r"<(script|style)\b.*?</\1\s*>", "", body, flags=re.S | re.I)
        blocks = [body]
    parts = []
    for block in blocks:
        # Each longer test sits behind a one-character "in" (a memchr): a page's blocks are
        # a quarter of it, and each pass over them counts.
        if "&" in block and ("&#x000A;" in block or "&#x000a;" in block or "&#10;" in block):
            # (A block of the corpus's pages has no raw line end at all: the memchr tests
            # spare a replace's full counting pass.)
            if "\n" in block:
                block = block.replace("\n", "")
            if "\r" in block:
                block = block.replace("\r", "")
        if "<" in block:
            block = _TAG_RE.sub("", block)
        if "&" in block:
            # The common entities by plain replacement ("&amp;" last), the rest one by one.
            # Nearly always the line ends are the only ones: once they are replaced, a block
            # without "&" has no entity left to look for.
            block = block.replace(_COMMON_ENTITIES[0][0], _COMMON_ENTITIES[0][1])
            if "&" in block:
                for entity, char in _COMMON_ENTITIES[1:]:
                    if entity in block:
                        block = block.replace(entity, char)
                if "&" in block:
                    block = _ENTITY_RE.sub(_unescape_entity, block)
        parts.append(block)
    return "\n\n".join(parts)


def _markdown_to_text(text: str) -> str:
    # ``_MD_LINK_RE.sub(r"\1", text)``: split with the one group gives the text between
    # links and each link's text, in order; joined they are the same string, without a
    # Python call per link (a template sub makes one).
    return "".join(_MD_LINK_RE.split(text))


def normalise(text: str) -> tuple[str, str]:
    """Turn any rendering into plain telegram text.

    Args:
        text: the decoded input.

    Returns:
        ``(format, plain_text)``: ``\\n`` line ends, stray HTML removed (lines keep their
        trailing blanks: the line scanners strip them).
    """
    fmt = detect(text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if fmt == HTML:
        text = _html_to_text(text)
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
    elif fmt == MARKDOWN:
        text = _markdown_to_text(text)
    if "<" in text:
        text = _STRAY_HTML_RE.sub("", text)
    return fmt, text
