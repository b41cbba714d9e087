"""Parse a cable: text or bytes in, a ParsedCable out. Pure; never raises on input."""

from __future__ import annotations

import codecs
import re

from triage.model import ParsedCable
from triage.parsing.core import read_cable
from triage.parsing.renderings import normalise

PARSER_VERSION = "5"
"""Bumped whenever parsing output may change; the store reparses cables indexed by an older one."""

SIZE_CAP = 5 * 1024 * 1024
"""Inputs larger than this (bytes, or characters for text) are not parsed."""

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CONTROL_RE = re.compile("[\x00-\x08\x0e-\x1f\x7f\ufffd]")

__all__ = ["PARSER_VERSION", "SIZE_CAP", "decode", "parse", "parse_bytes"]


def decode(data: bytes) -> tuple[str, list[str]]:
    """Bytes to text per parse-json.md: BOM, else UTF-8, else cp1252; NUL bytes dropped.

    Returns:
        ``(text, notes)``: notes say how unusual input was read.
    """
    notes: list[str] = []
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace").replace("\x00", ""), notes
    sample = data[:4096]
    if len(sample) >= 8 and 0 in sample:  # without a NUL byte neither half has one
        even_nul = sample[0::2].count(0)
        odd_nul = sample[1::2].count(0)
        half = len(sample) // 2
        if odd_nul > 0.4 * half and even_nul < 0.05 * half:
            notes.append("UTF-16 without byte-order mark; read as UTF-16LE")
            return data.decode("utf-16-le", errors="replace").replace("\x00", ""), notes
        if even_nul > 0.4 * half and odd_nul < 0.05 * half:
            notes.append("UTF-16 without byte-order mark; read as UTF-16BE")
            return data.decode("utf-16-be", errors="replace").replace("\x00", ""), notes
    if b"\x00" in data:
        data = data.replace(b"\x00", b"")
    try:
        return data.decode("utf-8"), notes
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), notes


_CONTROL_BYTES = bytes(range(0x00, 0x09)) + bytes(range(0x0E, 0x20)) + b"\x7f"
"""``_CONTROL_RE``'s characters below U+0080, as Latin-1 bytes."""


def _is_binary(text: str) -> bool:
    sample = text[:8192]
    if not sample:
        return False
    # The characters below U+0100 as Latin-1 bytes (the others dropped: none is a control
    # character but U+FFFD, counted apart); a byte search (memchr) per control character is
    # many times faster than a regex scan.
    raw = sample.encode("latin-1", "ignore")
    for c in _CONTROL_BYTES:
        if c in raw:
            break
    else:
        if "\ufffd" not in sample:
            return False  # no control character: 0 > 10% is false
    controls = len(raw) - len(raw.translate(None, _CONTROL_BYTES)) + sample.count("\ufffd")
    return controls > 0.1 * len(sample)


def parse(text: str, source: str = "-") -> ParsedCable:
    """Parse one cable (or fragment) given as text, in any of the three renderings.

    Args:
        text: the cable as plain telegram text, Markdown export or archive HTML page.
        source: the path to report in ``source``.

    Returns:
        A ParsedCable; fields not in the text are None or empty, and ``errors`` says why a
        field or the whole input could not be read. Never raises on input.
    """
    cable = ParsedCable(source=source)
    try:
        if len(text) > SIZE_CAP:
            cable.errors.append(
                f"input larger than the {SIZE_CAP // (1024 * 1024)} MB size cap; not parsed"
            )
            return cable
        if "\x00" in text:
            text = text.replace("\x00", "")
        if text.startswith("\ufeff"):
            text = text[1:]
        if not text or text.isspace():
            cable.errors.append("empty input: not a cable")
            return cable
        if _is_binary(text):
            cable.errors.append("binary input (mostly control characters): not a cable")
            return cable
        cable.format, plain = normalise(text)
        read_cable(plain, cable)
        if (
            cable.id is None
            and cable.classification is None
            and cable.dtg is None
            and not cable.cable_tags
            and cable.subject is None
        ):
            cable.errors.append("no cable fields found: probably not a cable")
    except Exception as exc:  # never raise on input: report it instead
        fresh = ParsedCable(source=source, format=cable.format)
        fresh.errors.append(f"parser error: {type(exc).__name__}: {exc}")
        return fresh
    return cable


def parse_bytes(data: bytes, source: str = "-") -> ParsedCable:
    """Decode bytes per parse-json.md (BOM, UTF-8, cp1252; NULs dropped; binary and size cap).

    Args:
        data: the file's bytes.
        source: the path to report in ``source``.

    Returns:
        A ParsedCable, as :func:`parse` gives.
    """
    if len(data) > SIZE_CAP:
        cable = ParsedCable(source=source)
        cable.errors.append(
            f"input larger than the {SIZE_CAP // (1024 * 1024)} MB size cap; not parsed"
        )
        return cable
    try:
        text, notes = decode(data)
    except Exception as exc:  # pragma: no cover - decode uses errors="replace"
        cable = ParsedCable(source=source)
        cable.errors.append(f"cannot decode input: {exc}")
        return cable
    cable = parse(text, source)
    if notes:
        cable.errors[:0] = notes
    return cable
