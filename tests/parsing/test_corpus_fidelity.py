"""Parser fidelity on hand-labelled corpus cables: fields truth.jsonl lacks, and action requests.

Labels: ``tests/fixtures/corpus_expected/<ID>.json`` (one per cable, written by reading the plain
rendering; ``notes`` in each file explains the judgement calls, ``alternatives`` lists other
values accepted where the spec is silent) and ``tests/fixtures/action_labels.json``. The
comparison rules live in ``tests/bench/fidelity_report.py`` (``normalise``, ``summary_matches``):

- names, subjects, origins and signers are compared after folding whitespace and case;
  addressees by name only; references by ``(letter, id)`` in order; ``sections_present`` as a
  set; summaries by their first six and last five normalised words and word count (+-5%, at
  least 3 words); action requests by paragraph numbers.
- Every field must be right on >= 97% of the labelled cables.
- Action requests are scored PER PARAGRAPH (stricter than per cable): a parsed paragraph is a
  true positive when labelled, a false positive when neither labelled nor marked ``optional``
  (a paragraph where both readings are defensible, e.g. a summary restating the request), and
  a labelled paragraph the parser misses is a false negative. Unnumbered paragraphs are not
  counted. Precision must be >= 95% and recall >= 90%.

On failure the message lists each mismatching cable with the expected and parsed values.
Run ``python -m tests.bench.fidelity_report --show-mismatches`` for the full table.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.bench import fidelity_report as fr
from tests.conftest import CORPUS, requires_corpus

pytestmark = [requires_corpus, pytest.mark.corpus]

FIELD_ACCURACY = 0.97
ACTION_PRECISION = 0.95
ACTION_RECALL = 0.90
MIN_LABELLED_CABLES = 55
MIN_ACTION_NEGATIVES = 40


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    """The hand-labelled cables."""
    return fr.load_expected()


@pytest.fixture(scope="module")
def action_labels() -> list[dict[str, Any]]:
    """The action-request label set."""
    return fr.load_action_labels()


@pytest.fixture(scope="module")
def parsed(records: list[dict[str, Any]], action_labels: list[dict[str, Any]]) -> dict[str, Any]:
    """Every labelled cable's plain rendering, parsed once."""
    from triage.parsing import parse

    ids = {r["id"] for r in records} | {a["id"] for a in action_labels}
    return fr.parse_all(sorted(ids), parse, CORPUS)


def test_labels_are_well_formed(
    records: list[dict[str, Any]], action_labels: list[dict[str, Any]]
) -> None:
    """Each label file names a corpus cable and has every field; enough cables of each kind."""
    assert len(records) >= MIN_LABELLED_CABLES
    keys = {*fr.FIELDS, "id", "alternatives", "notes"}
    for record in records:
        assert set(record) == keys, record["id"]
        assert (CORPUS / "plain" / f"{record['id']}.txt").is_file(), record["id"]
        assert set(record["alternatives"]) <= set(fr.FIELDS), record["id"]
        summary = record["summary"]
        assert summary is None or set(summary) == {"starts", "ends", "words"}, record["id"]
    ids = [a["id"] for a in action_labels]
    assert len(ids) == len(set(ids))
    for label in action_labels:
        assert (CORPUS / "plain" / f"{label['id']}.txt").is_file(), label["id"]
        assert not set(label["action_paragraphs"]) & set(label["optional"]), label["id"]
        assert label["why"], label["id"]
    said = {
        p.stem
        for p in (CORPUS / "plain").glob("*.txt")
        if "action request" in p.read_text(encoding="utf-8").lower()
    }
    assert said <= set(ids), sorted(said - set(ids))
    negatives = [a for a in action_labels if not a["action_paragraphs"]]
    assert len(negatives) >= MIN_ACTION_NEGATIVES


def test_label_files_agree(
    records: list[dict[str, Any]], action_labels: list[dict[str, Any]]
) -> None:
    """A cable in both label files has the same action paragraphs in each (up to ``optional``)."""
    by_id = {a["id"]: a for a in action_labels}
    for record in records:
        label = by_id.get(record["id"])
        if label is None:
            continue
        required, optional = set(label["action_paragraphs"]), set(label["optional"])
        accepted = [record["action_requests"], *record["alternatives"].get("action_requests", [])]
        for paragraphs in accepted:
            numbered = {p for p in paragraphs if p is not None}
            assert required <= numbered <= required | optional, record["id"]


def test_summary_rule_reads_labels() -> None:
    """The summary comparison accepts the common renderings of one summary."""
    label = {
        "starts": "p-3 deputies told u/syg guehenno on",
        "ends": "see action request in paragraph",
        "words": 14,
    }
    body = "P-3 deputies told U/SYG Guehenno on  February 22 that see Action Request in paragraph"
    assert fr.summary_matches(label, f"(C) SUMMARY. {body} ¶6. END SUMMARY.")
    assert fr.summary_matches(label, f"{body} [¶6.](#)")
    assert fr.summary_matches(label, f"Summary: {body} 6.")
    assert not fr.summary_matches(label, "Something else entirely.")
    assert not fr.summary_matches(label, None)
    assert fr.summary_matches(None, None)


@pytest.mark.parametrize("name", fr.FIELDS)
def test_field_accuracy(name: str, records: list[dict[str, Any]], parsed: dict[str, Any]) -> None:
    """Each labelled field is right on >= 97% of the labelled cables."""
    score = fr.score_fields(records, parsed)[name]
    assert score.accuracy >= FIELD_ACCURACY, (
        f"{name}: {score.correct}/{score.n} correct ({100 * score.accuracy:.1f}%), "
        f"need {100 * FIELD_ACCURACY:.0f}%; mismatches (see notes in "
        f"tests/fixtures/corpus_expected/<ID>.json):\n{fr.format_mismatches(score)}"
    )


def test_action_request_precision_recall(
    action_labels: list[dict[str, Any]], parsed: dict[str, Any]
) -> None:
    """Per-paragraph precision >= 95% and recall >= 90% on the action-request label set."""
    score = fr.score_actions(action_labels, parsed)
    precision, recall = score.precision, score.recall
    tp, fp, fn = score.tp, score.fp, score.fn
    mismatches = fr.format_action_mismatches(score)
    assert precision >= ACTION_PRECISION and recall >= ACTION_RECALL, (
        f"action requests per paragraph: precision {100 * precision:.1f}% "
        f"(need {100 * ACTION_PRECISION:.0f}%), recall {100 * recall:.1f}% "
        f"(need {100 * ACTION_RECALL:.0f}%); tp {tp} fp {fp} fn {fn}. "
        f"Mismatching cables (expected vs got; labels in {fr.ACTION_LABELS}):\n{mismatches}"
    )
