"""Parse a cable: text or bytes in, a ParsedCable out. Pure; never raises on input."""

from __future__ import annotations

from triage.model import ParsedCable

PARSER_VERSION = "0"
"""Bumped whenever parsing output may change; the store reparses cables indexed by an older one."""


def parse(text: str, source: str = "-") -> ParsedCable:
    """Parse one cable (or fragment) given as text, in any of the three renderings."""
    raise NotImplementedError


def parse_bytes(data: bytes, source: str = "-") -> ParsedCable:
    """Decode bytes per parse-json.md (BOM, UTF-8, cp1252; NULs dropped; binary and size cap)."""
    raise NotImplementedError
