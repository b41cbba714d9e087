"""Tests of the fictional-cable generator: deterministic, unique IDs, three renderings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.cablegen import (
    CLASSIFICATIONS,
    PRECEDENCES,
    GeneratedCable,
    _uid,
    cables,
    make_cable,
    render,
    to_html,
    to_markdown,
    write_inbox,
)
from tests.conftest import CORPUS

BANNER = {
    "UNCLASSIFIED": "UNCLAS ",
    "UNCLASSIFIED//FOR OFFICIAL USE ONLY": "UNCLAS ",
    "LIMITED OFFICIAL USE": "LIMITED OFFICIAL USE ",
    "CONFIDENTIAL": "C O N F I D E N T I A L ",
    "SECRET": "S E C R E T ",
}


def test_deterministic() -> None:
    for seed in (0, 1, 17, 12345, 11_999_999):
        a, b = make_cable(seed), make_cable(seed)
        assert a == b
        assert a.plain == b.plain
    assert make_cable(3).plain != make_cable(4).plain


def test_ids_unique_and_canonical() -> None:
    ids = [make_cable(seed).id for seed in range(400)]
    assert len(set(ids)) == len(ids)
    for cable_id in ids:
        assert re.fullmatch(r"2[456][A-Z]+[1-9][0-9]*", cable_id), cable_id


def test_id_parts_injective() -> None:
    """Office, year and serial never repeat over a large range of seeds, near and far."""
    seen = set()
    seeds = [*range(120_000), *range(11_880_000, 12_000_000, 7)]
    for seed in seeds:
        office, yy, serial = _uid(seed)
        seen.add((office.short, yy, serial))
        assert serial < 1_000_000
    assert len(seen) == len(seeds)


def test_plain_looks_like_a_cable() -> None:
    cable = make_cable(42, classification="SECRET//NOFORN", references=2, action=True)
    text = cable.plain
    lines = text.split("\n")
    assert lines[0].startswith("VZCZC")
    assert f"FM {cable.origin}" in lines
    assert any(line.startswith("TO ") for line in lines)
    assert "S E C R E T " in text and "\nNOFORN\n" in text and "ZNY SSSSS" in text
    assert "\nTAGS: " + " ".join(cable.cable_tags) + "\n" in text
    assert "\nSUBJECT: " in text
    assert "\nREF: A. " in text
    assert "\nClassified By: " in text
    assert re.search(r"^E\.O\. 1(2958|3526): DECL: \d\d/\d\d/20\d\d$", text, re.M)
    assert re.search(r"^¶1\. \(S/{1,2}NF\) ", text, re.M)
    assert lines[-2] == cable.signers[0]
    assert text.endswith("\n") and not text.endswith("\n\n")
    assert all(line == line.rstrip() for line in lines)
    assert cable.caveats == ["NOFORN"] and cable.classification == "SECRET"
    assert cable.declassify_on is not None and cable.classified_by is not None


@pytest.mark.parametrize("precedence", PRECEDENCES)
def test_precedence_option(precedence: str) -> None:
    cable = make_cable(7, precedence=precedence)
    assert cable.precedence == precedence
    prosign = {"FLASH": "Z", "IMMEDIATE": "O", "PRIORITY": "P", "ROUTINE": "R"}[precedence]
    assert re.search(rf"^{prosign} \d{{6}}Z [A-Z]{{3}} 2[456]$", cable.plain, re.M)


def test_niact() -> None:
    cable = make_cable(8, niact=True)
    assert cable.niact and cable.precedence == "IMMEDIATE"
    assert "NIACT IMMEDIATE" in cable.plain
    assert cable.to[0]["precedence"] == "IMMEDIATE"
    assert not make_cable(8, niact=False).niact


@pytest.mark.parametrize("classification", CLASSIFICATIONS)
def test_classification_option(classification: str) -> None:
    cable = make_cable(11, classification=classification)
    assert cable.classification == classification
    assert cable.caveats == []
    body = cable.plain.split("\n\n", 1)[1]
    assert body.startswith(BANNER[classification])
    if classification in ("CONFIDENTIAL", "SECRET"):
        assert cable.declassify_on and cable.reasons
    else:
        assert cable.declassify_on is None and "E.O. 1" in body and ": N/A" in body


def test_sections() -> None:
    cable = make_cable(21, sections=3)
    assert cable.section == {"number": 1, "of": 3}
    assert cable.sections_present == [1, 2, 3]
    assert len(cable.section_texts) == 3
    office = cable.origin.split(" ", 1)[1][:10]
    for k in (2, 3):
        assert re.search(rf"^{office} 0+\d+ 00{k} OF 003$", cable.plain, re.M)
    numbers = [n for part in cable.section_paragraphs for n in part]
    assert numbers == [p["number"] for p in cable.paragraphs]
    for k, text in enumerate(cable.section_texts, start=1):
        assert f"SECTION 0{k} OF 03 " in text
        assert f"/0{k} " in text.split("\n")[2]  # DE line: #serial/section
        exp = cable.section_expected(k - 1)
        assert exp["sections_present"] == [k]
        for number in exp["paragraphs"]:
            assert f"¶{number['number']}. " in text
    assert cable.signers[0] in cable.section_texts[-1]
    assert cable.signers[0] not in cable.section_texts[0].split("\n")[-2]


def test_single_section_has_no_section_marks() -> None:
    cable = make_cable(22, sections=1)
    assert cable.section is None and cable.sections_present == []
    assert "SECTION 0" not in cable.plain
    assert cable.section_texts == [cable.plain]


def test_corrected_copy_is_the_same_cable_corrected() -> None:
    original = make_cable(5)
    corrected = make_cable(5, corrected=True)
    assert corrected.corrected and not original.corrected
    assert corrected.id == original.id and corrected.dtg == original.dtg
    assert "C O R R E C T E D C O P Y" in corrected.plain
    changed = [
        (a["number"], a["text"], b["text"])
        for a, b in zip(original.paragraphs, corrected.paragraphs, strict=True)
        if a != b
    ]
    assert len(changed) == 1
    assert changed[0][2].startswith(changed[0][1])


def test_action_request_and_pointer() -> None:
    cable = make_cable(31, action=True, pointer=True, paragraphs=6)
    assert len(cable.action_paragraphs) == 1
    n = cable.action_paragraphs[0]
    assert cable.summary is not None and str(n) in cable.summary
    assert cable.action_requests[0]["paragraph"] == n
    none = make_cable(31, action=False)
    assert none.action_paragraphs == [] and none.action_requests == []
    assert all(not make_cable(seed).action_paragraphs for seed in range(40))
    assert sum(bool(make_cable(seed, action=None).action_paragraphs) for seed in range(40)) > 3


def test_expected_fields_match_text() -> None:
    for seed in range(50):
        cable = make_cable(seed)
        flat = " ".join(cable.plain.split())
        assert cable.subject in flat
        for p in cable.paragraphs:
            assert p["text"] in flat, (seed, p["number"])
        for ref in cable.references:
            assert ref["text"] in cable.plain
        if cable.classified_by:
            assert cable.classified_by in flat


def test_markdown_rendering() -> None:
    cable = make_cable(1, sections=2, references=3)
    md = to_markdown(cable.plain)
    assert md.startswith("\n\nVZCZC")
    assert not md.endswith("\n")
    assert "TAGS: " + " ".join(f"[{t}](#)" for t in cable.cable_tags) in md
    assert "\n\n\n" not in md
    assert md.split("\n")[-1] == cable.signers[0]


def test_markdown_puts_each_paragraph_on_one_line() -> None:
    for seed in range(60):
        cable = make_cable(seed)
        lines = set(to_markdown(cable.plain).split("\n"))
        assert "SUBJECT: " + cable.subject in lines, seed
        for p in cable.paragraphs:
            assert f"[¶{p['number']}.](#) ({p['marking']}) {p['text']}" in lines, (seed, p)


def test_html_rendering() -> None:
    cable = make_cable(2, classification="CONFIDENTIAL//NOFORN")
    page = render(cable, "html")
    pres = re.findall(r"<code><pre>(.*?)</pre></code>", page, re.S)
    assert len(pres) == 2
    assert "\n" not in pres[0] + pres[1]
    assert "&#x000A;" in pres[1]
    assert f"<a href='/cable/{cable.dtg[:4]}/{cable.dtg[5:7]}/{cable.id}.html'>" in page
    assert "CONFIDENTIAL//NOFORN</a>" in page
    assert "<a id='par1' href='#par1'>¶</a>1." in pres[1]
    # Undoing the page gives back the plain text (the archive's plain rendering rule).
    back = []
    for pre in pres:
        t = re.sub(r"<[^>]+>", "", pre.replace("&#x000A;", "\n"))
        back.append("\n".join(x.rstrip() for x in t.split("\n")).strip("\n"))
    assert "\n\n".join(back) + "\n" == cable.plain


def test_to_html_without_metadata() -> None:
    cable = make_cable(3)
    page = to_html(cable.plain, cable.id)
    assert f">{cable.id}</a>" in page
    assert cable.dtg[:10] in page


def test_write_inbox(tmp_path: Path) -> None:
    paths = write_inbox(tmp_path / "inbox", 30, seed=100, renderings=("txt", "md", "html"))
    assert len(paths) == 30
    assert {p.suffix for p in paths} == {".txt", ".md", ".html"}
    assert len({p.stem for p in paths}) == 30
    again = write_inbox(tmp_path / "again", 30, seed=100, renderings=("txt", "md", "html"))
    assert [p.read_bytes() for p in paths] == [p.read_bytes() for p in again]
    split = write_inbox(tmp_path / "split", 3, seed=5, sections=2)
    assert len(split) == 6 and split[0].name.endswith("-1.txt")


def test_hypothesis_strategy() -> None:
    pytest.importorskip("hypothesis")
    from hypothesis import given, settings

    seen: list[GeneratedCable] = []

    @settings(max_examples=25, deadline=None, database=None)
    @given(cables(sections=1))
    def check(cable: GeneratedCable) -> None:
        assert cable.sections == 1
        assert cable.plain.startswith("VZCZC")
        seen.append(cable)

    check()
    assert seen


@pytest.mark.skipif(not (CORPUS / "truth.jsonl").is_file(), reason="corpus absent")
def test_markdown_rule_close_to_the_archive() -> None:
    """to_markdown reproduces most lines of the corpus's Markdown export from its plain text."""
    plains = sorted((CORPUS / "plain").glob("*.txt"))[::8]
    same = total = 0
    for path in plains:
        want = set((CORPUS / "markdown" / f"{path.stem}.md").read_text("utf-8").split("\n"))
        got = to_markdown(path.read_text("utf-8")).split("\n")
        total += len(got)
        same += sum(1 for line in got if line in want)
    assert same / total > 0.95


def _visible_text(path: Path) -> str:
    """The telegram text of an inbox file in any rendering (a crude reader for sanity checks)."""
    raw = path.read_text(encoding="utf-8")
    if path.suffix == ".html":
        pres = re.findall(r"<code><pre>(.*?)</pre></code>", raw, re.S)
        return "\n\n".join(re.sub(r"<[^>]+>", "", p.replace("&#x000A;", "\n")) for p in pres)
    if path.suffix == ".md":
        return re.sub(r"\[([^\]]*)\]\(#\)", r"\1", raw)
    return raw


def test_inbox_expected_is_consistent_with_the_samples() -> None:
    """The hand-written tests/fixtures/inbox_expected.json matches the inbox files' text."""
    import json

    from tests.conftest import FIXTURES, INBOX

    expected = json.loads((FIXTURES / "inbox_expected.json").read_text("utf-8"))
    names = {p.name for p in INBOX.iterdir() if not p.name.startswith(".")}
    assert names == {k for k in expected if not k.startswith("_")}
    for name in names:
        exp = expected[name]
        text = _visible_text(INBOX / name)
        flat = " ".join(text.split())
        assert exp["subject"] in flat, name
        assert "TAGS: " + " ".join(exp["cable_tags"]) in flat, name
        assert re.findall(r"¶(\d+)\. ", text) == [str(n) for n in exp["paragraphs"]], name
        assert set(exp["action_paragraphs"]) <= set(exp["paragraphs"]), name
        if exp["summary"]:
            assert exp["summary"] in flat, name
        if exp["signers"]:
            assert text.strip().split("\n")[-1] == exp["signers"][0], name
        for addressee in exp["to"] + exp["info"]:
            assert addressee in text, (name, addressee)
        serial = re.sub(r"^\d\d[A-Z-]+?(?=\d)", "", exp["id"])
        assert f"{int(serial):06d}" in text, name


def test_variants_change_the_surface_not_the_fields() -> None:
    forms: set[str] = set()
    for seed in range(300):
        plain = make_cable(seed, references=3)
        varied = make_cable(seed, references=3, variants=True)
        assert varied.expected() == plain.expected()
        text = varied.plain
        if "\nTAGS: " in text and ", " in text.split("\nTAGS: ", 1)[1].split("\n", 1)[0]:
            forms.add("tags-commas")
        if "\nTAGS " in text:
            forms.add("tags-no-colon")
        if "\nSUBJ: " in text:
            forms.add("subj")
        if "\nREF: (A) " in text:
            forms.add("ref-(A)")
        if "\nREF: A) " in text:
            forms.add("ref-A)")
        if "\nCLASSIFIED BY: " in text:
            forms.add("classified-by-upper")
        if re.search(r"^EO 1\d{4} DECL: ", text, re.M):
            forms.add("eo-no-dots")
        if re.search(r"DECL: 20\d\d/\d\d/\d\d$", text, re.M):
            forms.add("decl-ymd")
        if re.search(r"^S E C R E T .*\d{6} NOFORN$|^C O N F .*\d{6} NOFORN$", text, re.M):
            forms.add("noforn-banner")
    assert len(forms) == 9, forms
