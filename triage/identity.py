"""Which cable a file is, and what a queue item shows from its sources. Pure; no I/O.

The fingerprint of a parse (any rendering of one text gives the same), the compact parse kept
per source, the path-derived ID of a file without a reference ID, and ``compose``: an index
entry as a function of its source dicts (corrected copies win section by section, identical
texts are one, a different text claiming an ID is a conflict), and ``rebase``: one ingest's
changes to an entry's sources re-applied to the entry as another process has since written it;
and ``merge_texts``: the one text a cable reads as, from the parses of its source files (what
``triage show`` prints and the app's cable view shows). The entry shape is documented in
``triage.ingest``.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Sequence
from typing import Any

import orjson

from triage import parsing
from triage.model import ParsedCable, classification_rank

MAX_ERRORS = 5
"""Parser errors kept per source."""

_FP_KEYS = (
    "id",
    "dtg",
    "origin",
    "precedence",
    "niact",
    "classification",
    "caveats",
    "corrected",
    "cable_tags",
    "subject",
    "section",
    "sections_present",
)


def _fingerprint(cable: dict[str, Any]) -> str:
    key = {k: cable.get(k) for k in _FP_KEYS}
    key["paragraphs"] = [
        (p.get("number"), " ".join(str(p.get("text") or "").split()))
        for p in cable.get("paragraphs") or ()
    ]
    return hashlib.blake2b(orjson.dumps(key), digest_size=12).hexdigest()


def compact_parse(data: bytes, source: str) -> dict[str, Any]:
    """Parse bytes and keep what the index needs: the compact fields and the fingerprint.

    Args:
        data: the file's bytes.
        source: the path to report.

    Returns:
        The ``fields`` dict of a source, plus ``fp``.
    """
    cable = parsing.parse_bytes(data, source).to_json()
    section = cable.get("section") or None
    return {
        "id": cable.get("id"),
        "precedence": cable.get("precedence"),
        "niact": bool(cable.get("niact")),
        "classification": cable.get("classification"),
        "caveats": list(cable.get("caveats") or ()),
        "dtg": cable.get("dtg"),
        "origin": cable.get("origin"),
        "subject": cable.get("subject"),
        "cable_tags": list(cable.get("cable_tags") or ()),
        "corrected": bool(cable.get("corrected")),
        "action_paragraphs": sorted(
            {a["paragraph"] for a in cable.get("action_requests") or () if a.get("paragraph")}
        ),
        "of": section.get("of") if isinstance(section, dict) else None,
        "sections_present": sorted(set(cable.get("sections_present") or ())),
        "format": cable.get("format"),
        "errors": list(cable.get("errors") or ())[:MAX_ERRORS],
        "fp": _fingerprint(cable),
    }


def path_id(rel: str) -> str:
    """The stable ID of a file without a reference ID: ``X-`` and 8 hex of its inbox path."""
    return "X-" + hashlib.sha1(rel.encode("utf-8", "surrogateescape")).hexdigest()[:8]


def _coverage(src: dict[str, Any]) -> list[int]:
    present = (src.get("fields") or {}).get("sections_present") or []
    return list(present) or [0]


def _order(src: dict[str, Any]) -> tuple[str, int, str]:
    return (str(src.get("seen") or ""), int(src.get("mtime") or 0), str(src.get("path")))


def _agree(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two texts of different section coverage can be parts of one cable."""
    fa, fb = a.get("fields") or {}, b.get("fields") or {}
    for key in ("dtg", "origin", "of"):
        if fa.get(key) and fb.get(key) and fa.get(key) != fb.get(key):
            return False
    return True


def choose(sources: Sequence[dict[str, Any]]) -> tuple[dict[int, dict[str, Any]], bool]:
    """Pick the text shown for each section (0 = a cable not split).

    A corrected copy wins over an original whatever the arrival order; identical texts (same
    fingerprint, any rendering) are one; otherwise the text seen first stays, and a different
    text for the same section, neither correcting the other, is a conflict.

    Returns:
        ({section: chosen source}, conflict).
    """
    chosen: dict[int, dict[str, Any]] = {}
    conflict = False
    for src in sorted(sources, key=_order):
        corrected = bool((src.get("fields") or {}).get("corrected"))
        for section in _coverage(src):
            cur = chosen.get(section)
            if cur is None:
                chosen[section] = src
                continue
            if cur.get("fp") == src.get("fp"):
                continue
            cur_corrected = bool((cur.get("fields") or {}).get("corrected"))
            if corrected and not cur_corrected:
                chosen[section] = src
            elif cur_corrected and not corrected:
                continue
            elif set(_coverage(cur)) != set(_coverage(src)) and _agree(cur, src):
                continue  # e.g. a whole archive file and one section delivered alone
            else:
                conflict = True
    return chosen, conflict


def compose(cable_id: str, sources: list[dict[str, Any]]) -> dict[str, Any]:
    """The index entry of one cable from its source dicts (see the module docstring).

    Args:
        cable_id: the ID.
        sources: every source dict of the cable (missing ones included).

    Returns:
        A new entry (``sources`` sorted oldest first).
    """
    ordered = sorted(sources, key=_order)
    live = [s for s in ordered if not s.get("missing")] or ordered
    chosen, conflict = choose(live)
    picks: list[dict[str, Any]] = []
    for section in sorted(chosen):
        if not any(chosen[section] is p for p in picks):
            picks.append(chosen[section])
    fields = [p.get("fields") or {} for p in picks]

    def first(key: str) -> Any:
        for f in fields:
            if f.get(key):
                return f[key]
        return fields[0].get(key) if fields else None

    classification = None
    if fields:
        classification = max((f.get("classification") for f in fields), key=classification_rank)
    caveats: list[str] = []
    for f in fields:
        for caveat in f.get("caveats") or ():
            if caveat not in caveats:
                caveats.append(caveat)
    actions = sorted({n for f in fields for n in f.get("action_paragraphs") or ()})
    received = sorted(s for s in chosen if s)
    sections = None
    if received:
        of = max((int(f.get("of") or 0) for s in live for f in [s.get("fields") or {}]), default=0)
        sections = {"received": received, "of": of or max(received)}
    return {
        "id": cable_id,
        "precedence": first("precedence"),
        "niact": any(bool(f.get("niact")) for f in fields),
        "classification": classification,
        "caveats": caveats,
        "dtg": first("dtg"),
        "origin": first("origin"),
        "subject": first("subject"),
        "cable_tags": list(first("cable_tags") or ()),
        "corrected": any(bool(f.get("corrected")) for f in fields),
        "action_paragraphs": actions,
        "sections": sections,
        "conflict": conflict,
        "missing_sources": [str(s["path"]) for s in ordered if s.get("missing")],
        "rejected": None,
        "format": fields[0].get("format") if fields else None,
        "errors": list(fields[0].get("errors") or ()) if fields else [],
        "sources": ordered,
    }


def rebase(
    cable_id: str,
    base: dict[str, Any] | None,
    ours: dict[str, Any],
    current: dict[str, Any] | None,
) -> dict[str, Any]:
    """Re-apply one ingest's source changes to the entry as it is stored now.

    ``ours`` was composed from ``base`` (the entry as this ingest read it); meanwhile another
    process may have written ``current``. The sources ours added, replaced or marked missing
    (compared by path with base) replace current's source of that path, the paths ours took
    out are taken out, and every other source of current is kept; the entry is then composed
    again. When current is still base, ours is returned as it is.

    Args:
        cable_id: the ID.
        base: the entry this ingest started from (None: the ID was new to it).
        ours: the entry this ingest composed.
        current: the entry as stored now (None: still new).

    Returns:
        The entry to store.
    """
    base_sources: list[dict[str, Any]] = list((base or {}).get("sources") or ())
    current_sources: list[dict[str, Any]] = list((current or {}).get("sources") or ())
    if current_sources == base_sources:
        return ours
    before = {str(s.get("path")): s for s in base_sources}
    mine = {str(s.get("path")): s for s in ours.get("sources") or ()}
    merged = {str(s.get("path")): s for s in current_sources}
    for path, src in mine.items():
        if before.get(path) != src:
            merged[path] = src
    for path in before:
        if path not in mine:
            merged.pop(path, None)
    return compose(cable_id, list(merged.values()))


def merge_texts(cables: Sequence[ParsedCable]) -> ParsedCable | None:
    """The text a cable reads as, from the parses of its source files (``triage show`` and
    the app's cable view both show this).

    One parse per section (a corrected copy preferred, then the first given), sections in
    order, so a cable delivered in two renderings or in parts reads once, whole: the first
    part's header, then every part's paragraphs, action requests, signers (each once) and
    parser errors; the highest classification and every caveat of the parts; corrected if
    any part is.

    Args:
        cables: the parses, oldest source first.

    Returns:
        The merged cable (a new object), or None when ``cables`` is empty.
    """
    chosen: dict[tuple[int, ...], ParsedCable] = {}
    for cable in cables:
        key = tuple(cable.sections_present) or (cable.section.number if cable.section else 0,)
        if key not in chosen or (cable.corrected and not chosen[key].corrected):
            chosen[key] = cable
    if not chosen:
        return None
    parts = [chosen[k] for k in sorted(chosen)]
    first = parts[0]
    caveats: list[str] = []
    for part in parts:
        caveats.extend(c for c in part.caveats if c not in caveats)
    return dataclasses.replace(
        first,
        classification=max((p.classification for p in parts), key=classification_rank),
        caveats=caveats,
        corrected=any(p.corrected for p in parts),
        sections_present=sorted({n for p in parts for n in p.sections_present}),
        paragraphs=[item for part in parts for item in part.paragraphs],
        action_requests=[item for part in parts for item in part.action_requests],
        signers=list(dict.fromkeys(s for part in parts for s in part.signers)),
        errors=[e for part in parts for e in part.errors],
    )
