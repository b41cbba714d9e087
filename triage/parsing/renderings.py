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
    if "<" in text:
        if _HTML_HINT_RE.search(text, 0, 200_000) is not None:
            return HTML
    elif "&#x000A;" in text or "&#x000a;" in text:
        return HTML
    if "](#)" in text:
        return MARKDOWN
    return TEXT


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


def _pre_blocks(text: str) -> list[str]:
    """The contents of the page's ``<pre>`` blocks (str.find: faster than a lazy regex)."""
    low = text.lower() if "<PRE" in text or "</PRE" in text else text
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
        if "&#x000A;" in block or "&#x000a;" in block or "&#10;" in block:
            block = block.replace("\n", "").replace("\r", "")
        if "<" in block:
            block = _TAG_RE.sub("", block)
        if "&" in block:
            # The common entities by plain replacement ("&amp;" last), the rest one by one.
            for entity, char in _COMMON_ENTITIES:
                if entity in block:
                    block = block.replace(entity, char)
            if "&" in block:
                block = _ENTITY_RE.sub(_unescape_entity, block)
        parts.append(block)
    return "\n\n".join(parts)


def _markdown_to_text(text: str) -> str:
    return _MD_LINK_RE.sub(r"\1", text)


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
