"""Make untrusted cable text safe to print: no control characters, no terminal escapes."""

from __future__ import annotations

import re

_ESCAPES = re.compile(
    r"""
    \x1b\[ [\x30-\x3f]* [\x20-\x2f]* [\x40-\x7e]?      # CSI ... final (7-bit)
  | \x9b [\x30-\x3f]* [\x20-\x2f]* [\x40-\x7e]?        # CSI (8-bit)
  | [\x1b][\]PX^_] .*? (?:\x07|\x1b\\|\x9c|$)          # OSC, DCS, SOS, PM, APC ... terminator
  | [\x90\x98\x9d\x9e\x9f] .*? (?:\x07|\x1b\\|\x9c|$)  # the same, 8-bit introducers
  | \x1b [\x20-\x2f]* [\x30-\x7e]?                     # any other ESC sequence
    """,
    re.VERBOSE | re.DOTALL,
)
"""Whole escape sequences, removed together with their parameters (``ESC[31m``, a title set
by ``ESC]0;...BEL``, an OSC 8 hyperlink), so no fragment like ``[31m`` is left behind."""

_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"

_REMOVE = {
    **{c: None for c in range(0x00, 0x20)},
    0x7F: None,
    **{c: None for c in range(0x80, 0xA0)},
    # Bidirectional overrides and isolates can make a line display in another order than
    # it reads (a subject that hides its real text); zero-width no-break / BOM.
    **{c: None for c in (0x061C, 0x200E, 0x200F, 0xFEFF)},
    **{c: None for c in range(0x202A, 0x202F)},
    **{c: None for c in range(0x2066, 0x206A)},
}
_ONE_LINE = {**_REMOVE, **{ord(c): " " for c in _LINE_BREAKS}, ord("\t"): " "}
_MULTI_LINE = {
    **_REMOVE,
    ord("\n"): "\n",
    ord("\r"): None,
    ord("\t"): "    ",
    **{ord(c): "\n" for c in "\x0b\x0c\x85\u2028\u2029"},
}


def safe_text(text: str | None, *, multiline: bool = False) -> str:
    """Strip control characters and terminal escape sequences from untrusted text.

    Every C0 and C1 control character, DEL, and the bidirectional-override characters are
    removed; an escape sequence goes with its parameters. Printable text, including any
    non-Latin script, is kept as is.

    Args:
        text: untrusted text (None gives "").
        multiline: keep line breaks (``\\n``; CR LF becomes ``\\n``, a tab four spaces);
            otherwise every line break and tab becomes one space, so the result is one line.

    Returns:
        Text safe to write to a terminal, a CSV cell or a log.
    """
    if not text:
        return ""
    if text.isprintable():  # the common case: nothing to do
        return text
    text = _ESCAPES.sub("", text)
    return text.translate(_MULTI_LINE if multiline else _ONE_LINE)
