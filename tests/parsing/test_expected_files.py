"""The parser against the hand-written expectations: inbox/ and tests/fixtures/cables/ sidecars.

``tests/fixtures/inbox_expected.json`` holds, per sample file of ``inbox/``, values read off the
text by hand (its ``_about`` says how: addressees by name, paragraphs by number, references by
letter and id). ``tests/fixtures/cables/<name>.expected.json`` holds the fields each quirk
fixture concerns (its README lists the keys). Every key of both files is asserted: a key this
test does not know fails it, so that an expectation cannot be silently skipped.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES, INBOX
from triage.parsing import parse_bytes

CABLES = FIXTURES / "cables"
INBOX_EXPECTED: dict[str, Any] = json.loads((FIXTURES / "inbox_expected.json").read_text("utf-8"))
INBOX_COMMENTARY = frozenset({"notes"})
"""Keys of inbox_expected.json entries that describe the sample, not a parsed field."""


def _inbox_view(parsed: dict[str, Any]) -> dict[str, Any]:
    """The parse in inbox_expected.json's shapes (see its ``_about``)."""
    view = dict(parsed)
    view["to"] = [a["name"] for a in parsed["to"]]
    view["info"] = [a["name"] for a in parsed["info"]]
    view["info_excluded"] = {a["name"]: a["excluded"] for a in parsed["info"] if a["excluded"]}
    view["references"] = [{"letter": r["letter"], "id": r["id"]} for r in parsed["references"]]
    view["paragraphs"] = [p["number"] for p in parsed["paragraphs"]]
    view["action_paragraphs"] = [a["paragraph"] for a in parsed["action_requests"]]
    return view


def test_inbox_expected_names_every_sample():
    names = {p.name for p in INBOX.iterdir() if p.is_file() and not p.name.startswith(".")}
    assert names == {k for k in INBOX_EXPECTED if not k.startswith("_")}


@pytest.mark.parametrize("name", sorted(k for k in INBOX_EXPECTED if not k.startswith("_")))
def test_inbox_sample_parses_as_expected(name: str) -> None:
    expected = INBOX_EXPECTED[name]
    path = INBOX / name
    got = _inbox_view(parse_bytes(path.read_bytes(), str(path)).to_json())
    wrong = {}
    for key, want in expected.items():
        if key in INBOX_COMMENTARY:
            continue
        assert key in got, f"{name}: unknown expectation key {key!r}"
        if got[key] != want:
            wrong[key] = (want, got[key])
    assert not wrong, f"{name}: (expected, parsed) per field: {wrong}"


def _sidecars() -> list[Path]:
    return sorted(CABLES.glob("*.expected.json"))


def _input_of(sidecar: Path) -> Path:
    stem = sidecar.name[: -len(".expected.json")]
    inputs = [p for p in CABLES.glob(stem + ".*") if not p.name.endswith(".expected.json")]
    assert len(inputs) == 1, f"{sidecar.name}: inputs {inputs}"
    return inputs[0]


def _subset(entry: dict[str, Any], keys: dict[str, Any]) -> dict[str, Any]:
    return {k: entry.get(k) for k in keys}


def test_every_fixture_has_a_sidecar():
    inputs = {p.name.split(".", 1)[0] for p in CABLES.iterdir()} - {"README"}
    stems = {p.name[: -len(".expected.json")] for p in _sidecars()}
    assert inputs == stems


@pytest.mark.parametrize("sidecar", _sidecars(), ids=lambda p: p.name.split(".", 1)[0])
def test_fixture_parses_as_its_sidecar_says(sidecar: Path) -> None:
    expected = json.loads(sidecar.read_text("utf-8"))
    path = _input_of(sidecar)
    got = parse_bytes(path.read_bytes(), str(path)).to_json()
    errors = " ".join(got["errors"]).lower()
    wrong = {}
    for key, want in expected.items():
        if key == "_quirk":
            continue
        if key == "_errors_contain":
            missing = [s for s in want if s not in errors]
            if missing:
                wrong[key] = (missing, got["errors"])
            continue
        if key == "_errors_nonempty":
            if bool(got["errors"]) != bool(want):
                wrong[key] = (want, got["errors"])
            continue
        if key == "action_paragraphs":
            have: Any = [a["paragraph"] for a in got["action_requests"]]
        else:
            assert key in got, f"{sidecar.name}: unknown expectation key {key!r}"
            have = got[key]
            if key in ("references", "paragraphs") and len(have) == len(want):
                # Entries give the keys they assert (README: letter/id/text, number/marking/text).
                have = [_subset(h, w) for h, w in zip(have, want, strict=True)]
        if have != want:
            wrong[key] = (want, have)
    assert not wrong, f"{sidecar.name}: (expected, parsed) per field: {wrong}"
