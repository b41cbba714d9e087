"""Measure the parser against hand-labelled corpus cables: per-field accuracy and action requests.

Run: ``.venv/bin/python -m tests.bench.fidelity_report [--show-mismatches] [--rendering R]``.
Prints, for README, a table of every labelled field (n, correct, %, expected-null %,
parser-null %) and the action-request precision and recall, per paragraph and per cable.

The labels were written by reading the plain rendering of each cable, not from parser output:

- ``tests/fixtures/corpus_expected/<ID>.json``: one file per cable with the fields of
  ``FIELDS`` (semantics of ../shared/spec/parse-json.md), an ``alternatives`` map (field ->
  list of other values that a desk officer would also accept, used where the spec is silent)
  and ``notes`` explaining every judgement call.
- ``tests/fixtures/action_labels.json``: action-request paragraphs of every corpus cable whose
  text says "action request", plus cables that only mention someone else's request.

The comparison rules (``normalise`` and ``summary_matches``) are part of the contract of this
harness and are documented on those functions. Corpus text is never copied here: a summary is
labelled by its first six and last five normalised words and its word count.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent.parent
FIXTURES = REPO / "tests" / "fixtures"
EXPECTED_DIR = FIXTURES / "corpus_expected"
ACTION_LABELS = FIXTURES / "action_labels.json"
CORPUS = REPO.parent / "shared" / "corpus"

FIELDS = (
    "precedence",
    "dtg",
    "origin",
    "to",
    "info",
    "subject",
    "references",
    "classified_by",
    "declassify_on",
    "sections_present",
    "summary",
    "signers",
    "action_requests",
)
"""The labelled fields, in contract order."""

SUMMARY_WORD_TOLERANCE = 0.05
"""A parsed summary may differ from the labelled word count by this fraction (at least 3 words):
a stray caption (SIPDIS) or a paragraph marking inside the summary is not a mistake."""

ParseFn = Callable[[str, str], Any]
"""``triage.parsing.parse``-shaped: (text, source) -> ParsedCable."""

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
_PARA = re.compile(r"¶\s*\d*[a-z]?\.?|(?<!\S)\d{1,2}[a-z]?\.(?=\s|$)")
_MD_LINK = re.compile(r"\[([^\]]*)\]\(#\)")
_SUMMARY_LEAD = re.compile(
    r"^(?:\((?:[a-z0-9/ \-]{1,20})\)|-+|begin\b|summary(?: and comment)?\b|[:.\-\u2013\u2014\s])+"
)
_SUMMARY_TRAIL = re.compile(r"(?:\bend (?:of )?summary(?: and comment)?|[^\w]|\s)+$")


def fold(text: str) -> str:
    """Whitespace folded to single spaces, curly quotes made straight, trimmed."""
    return " ".join(text.translate(_QUOTES).split())


def norm_summary(text: str) -> str:
    """Normalise a summary for comparison.

    Markdown links ``[x](#)`` become ``x``; paragraph markers (``¶3.``, ``3.``) are dropped;
    quotes are straightened, whitespace folded, text case-folded; leading paragraph markings
    such as ``(C)``, dashes and the labels ``SUMMARY``, ``BEGIN SUMMARY``, ``Summary and
    comment`` are stripped, and so are a trailing ``END SUMMARY`` and trailing punctuation.

    Args:
        text: The summary as a parser (or a labeller's cut of the text) gives it.

    Returns:
        The normalised text; its words are what the labels describe.
    """
    t = _MD_LINK.sub(r"\1", text)
    t = _PARA.sub(" ", t)
    t = fold(t).casefold()
    t = _SUMMARY_LEAD.sub("", t)
    return _SUMMARY_TRAIL.sub("", t)


def summary_matches(expected: dict[str, Any] | None, got: str | None) -> bool:
    """Whether a parsed summary matches its label.

    A label is ``{"starts": first six words, "ends": last five words, "words": count}`` of
    ``norm_summary`` of the summary text, or null when the cable has no summary. The parsed
    summary matches when, after ``norm_summary``, it starts with ``starts``, ends with ``ends``
    and its word count is within ``SUMMARY_WORD_TOLERANCE`` (at least 3 words) of ``words``.

    Args:
        expected: The label.
        got: The parser's ``summary``.

    Returns:
        True on a match (both null counts as a match).
    """
    if expected is None or got is None or not got.strip():
        return expected is None and (got is None or not got.strip())
    words = norm_summary(got).split()
    norm = " ".join(words)
    tolerance = max(3, round(expected["words"] * SUMMARY_WORD_TOLERANCE))
    return (
        norm.startswith(expected["starts"])
        and norm.endswith(expected["ends"])
        and abs(len(words) - expected["words"]) <= tolerance
    )


def _upper(text: str | None) -> str | None:
    return None if text is None or not text.strip() else fold(text).upper()


def normalise(name: str, value: Any) -> Any:
    """The comparable form of an expected or parsed field value.

    - ``precedence``, ``origin``: folded, upper-cased; ``dtg``, ``declassify_on``: as is.
    - ``to``, ``info``: the list of addressee names, folded and upper-cased, in order (routing
      indicators, precedence and serials are not compared).
    - ``subject``, ``classified_by``: folded, case-folded, trailing ``.,;:`` dropped.
    - ``references``: the ordered list of ``(letter, id)``, both upper-cased (``text`` is not
      compared).
    - ``sections_present``: the sorted set of section numbers.
    - ``signers``: names folded and upper-cased, in order.
    - ``action_requests``: the sorted paragraph numbers (``None`` for an unnumbered paragraph).
    - ``summary``: compared by ``summary_matches`` instead.

    Args:
        name: A field of ``FIELDS``.
        value: A label value, or the parser's value already reduced to plain data by
            ``parsed_value``.

    Returns:
        A value that compares with ``==``.
    """
    if name in ("precedence", "origin"):
        return _upper(value)
    if name in ("to", "info", "signers"):
        return [_upper(v) for v in value or []]
    if name in ("subject", "classified_by"):
        if value is None or not value.strip():
            return None
        return fold(value).casefold().rstrip(".,;: ")
    if name == "references":
        return [(_upper(r.get("letter")), _upper(r.get("id"))) for r in value or []]
    if name == "sections_present":
        return sorted(set(value or []))
    if name == "action_requests":
        return sorted(value or [], key=lambda n: -1 if n is None else n)
    return value


def parsed_value(parsed: Any, name: str) -> Any:
    """Reduce a ParsedCable field to the plain data the labels use.

    Args:
        parsed: A ``triage.model.ParsedCable`` (or anything with the same attributes).
        name: A field of ``FIELDS``.

    Returns:
        Names for addressees, ``{"letter", "id"}`` dicts for references, paragraph numbers for
        action requests, else the attribute itself.
    """
    value = getattr(parsed, name)
    if name in ("to", "info"):
        return [a.name for a in value]
    if name == "references":
        return [{"letter": r.letter, "id": r.id} for r in value]
    if name == "action_requests":
        return [a.paragraph for a in value]
    return value


def field_matches(name: str, record: dict[str, Any], got: Any) -> bool:
    """Whether the parser's value (``parsed_value``) matches the label or an accepted alternative.

    Args:
        name: A field of ``FIELDS``.
        record: One ``corpus_expected`` file.
        got: The parser's value.

    Returns:
        True when it matches ``record[name]`` or one of ``record["alternatives"][name]``.
    """
    candidates = [record[name], *record.get("alternatives", {}).get(name, [])]
    if name == "summary":
        return any(summary_matches(c, got) for c in candidates)
    have = normalise(name, got)
    return any(normalise(name, c) == have for c in candidates)


def is_null(value: Any) -> bool:
    """Null for a scalar, empty for a list."""
    return value is None or value == [] or (isinstance(value, str) and not value.strip())


def load_expected(directory: Path = EXPECTED_DIR) -> list[dict[str, Any]]:
    """Every labelled cable, sorted by ID."""
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(directory.glob("*.json"))]


def load_action_labels(path: Path = ACTION_LABELS) -> list[dict[str, Any]]:
    """The action-request label set (``cables`` of action_labels.json)."""
    return list(json.loads(path.read_text(encoding="utf-8"))["cables"])


RENDERINGS = {"text": ("plain", "txt"), "markdown": ("markdown", "md"), "html": ("html", "html")}
"""Rendering name -> (corpus folder, file suffix)."""


def rendering_path(cable_id: str, rendering: str = "text", corpus: Path = CORPUS) -> Path:
    """The file of one rendering of a corpus cable."""
    folder, suffix = RENDERINGS[rendering]
    return corpus / folder / f"{cable_id}.{suffix}"


def parse_all(
    ids: Iterable[str], parse: ParseFn, corpus: Path = CORPUS, rendering: str = "text"
) -> dict[str, Any]:
    """Parse one rendering (plain text by default) of each cable once.

    Args:
        ids: Corpus cable IDs.
        parse: ``triage.parsing.parse``.
        corpus: The corpus folder.
        rendering: ``text``, ``markdown`` or ``html``.

    Returns:
        ID -> ParsedCable.
    """
    out: dict[str, Any] = {}
    for cable_id in ids:
        path = rendering_path(cable_id, rendering, corpus)
        out[cable_id] = parse(path.read_text(encoding="utf-8"), str(path))
    return out


@dataclass
class FieldScore:
    """Accuracy of one field over the labelled cables."""

    name: str
    n: int = 0
    correct: int = 0
    expected_null: int = 0
    got_null: int = 0
    mismatches: list[tuple[str, Any, Any]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        """Fraction correct (1.0 when nothing was scored)."""
        return self.correct / self.n if self.n else 1.0


def score_fields(records: list[dict[str, Any]], parsed: dict[str, Any]) -> dict[str, FieldScore]:
    """Compare every labelled field of every record with the parser's output.

    Args:
        records: ``load_expected()``.
        parsed: ID -> ParsedCable, from ``parse_all``.

    Returns:
        Field name -> FieldScore, in ``FIELDS`` order.
    """
    scores = {name: FieldScore(name) for name in FIELDS}
    for record in records:
        cable = parsed[record["id"]]
        for name in FIELDS:
            score = scores[name]
            got = parsed_value(cable, name)
            score.n += 1
            score.expected_null += is_null(record[name])
            score.got_null += is_null(got)
            if field_matches(name, record, got):
                score.correct += 1
            else:
                score.mismatches.append((record["id"], record[name], got))
    return scores


@dataclass
class ActionScore:
    """Action-request precision and recall over the labelled set.

    Per paragraph: a parsed paragraph number is a true positive when labelled, a false positive
    when neither labelled nor ``optional``; a labelled paragraph not parsed is a false negative.
    Unnumbered paragraphs (``paragraph`` null) are not counted per paragraph. Per cable: a cable
    is positive when it has at least one (labelled / parsed) numbered action paragraph.
    """

    tp: int = 0
    fp: int = 0
    fn: int = 0
    cable_tp: int = 0
    cable_fp: int = 0
    cable_fn: int = 0
    cable_tn: int = 0
    mismatches: list[tuple[str, list[int], list[int], str]] = field(default_factory=list)

    @staticmethod
    def _ratio(num: int, den: int) -> float:
        return num / den if den else 1.0

    @property
    def precision(self) -> float:
        """Per-paragraph precision."""
        return self._ratio(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> float:
        """Per-paragraph recall."""
        return self._ratio(self.tp, self.tp + self.fn)

    @property
    def cable_precision(self) -> float:
        """Per-cable precision."""
        return self._ratio(self.cable_tp, self.cable_tp + self.cable_fp)

    @property
    def cable_recall(self) -> float:
        """Per-cable recall."""
        return self._ratio(self.cable_tp, self.cable_tp + self.cable_fn)


def score_actions(labels: list[dict[str, Any]], parsed: dict[str, Any]) -> ActionScore:
    """Score the parser's action requests against action_labels.json.

    Args:
        labels: ``load_action_labels()``.
        parsed: ID -> ParsedCable.

    Returns:
        The counts; see ActionScore for the definitions.
    """
    score = ActionScore()
    for label in labels:
        want = set(label["action_paragraphs"])
        optional = set(label.get("optional", []))
        got = {p for p in parsed_value(parsed[label["id"]], "action_requests") if p is not None}
        tp, fp, fn = len(got & want), len(got - want - optional), len(want - got)
        score.tp, score.fp, score.fn = score.tp + tp, score.fp + fp, score.fn + fn
        if want and got:
            score.cable_tp += 1
        elif got - optional:
            score.cable_fp += 1
        elif want:
            score.cable_fn += 1
        else:
            score.cable_tn += 1
        if fp or fn:
            score.mismatches.append((label["id"], sorted(want), sorted(got), label["why"]))
    return score


def _short(value: Any, width: int = 110) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 3] + "..."


def format_mismatches(score: FieldScore, limit: int = 40) -> str:
    """One line per mismatching cable: ID, expected, got."""
    lines = [
        f"  {cable_id}: expected {_short(want)} got {_short(got)}"
        for cable_id, want, got in score.mismatches[:limit]
    ]
    if len(score.mismatches) > limit:
        lines.append(f"  ... and {len(score.mismatches) - limit} more")
    return "\n".join(lines)


def format_action_mismatches(score: ActionScore, limit: int = 40) -> str:
    """One line per cable whose action paragraphs differ: ID, expected, got, why."""
    lines = [
        f"  {cable_id}: expected {want} got {got} ({why})"
        for cable_id, want, got, why in score.mismatches[:limit]
    ]
    if len(score.mismatches) > limit:
        lines.append(f"  ... and {len(score.mismatches) - limit} more")
    return "\n".join(lines)


def report(
    parse: ParseFn,
    show_mismatches: bool = False,
    corpus: Path = CORPUS,
    rendering: str = "text",
) -> tuple[dict[str, FieldScore], ActionScore]:
    """Parse the labelled cables, print the tables, return the scores."""
    records = load_expected()
    labels = load_action_labels()
    ids = sorted({r["id"] for r in records} | {a["id"] for a in labels})
    parsed = parse_all(ids, parse, corpus, rendering)
    fields = score_fields(records, parsed)
    actions = score_actions(labels, parsed)
    print(f"Fidelity against {len(records)} hand-labelled cables ({rendering} rendering)")
    print(
        f"machine: {platform.machine()} {platform.python_implementation()} "
        f"{platform.python_version()}"
    )
    print()
    print("| field | n | correct | % | expected null % | parser null % |")
    print("|---|---|---|---|---|---|")
    for s in fields.values():
        print(
            f"| {s.name} | {s.n} | {s.correct} | {100 * s.accuracy:.1f} | "
            f"{100 * s.expected_null / max(s.n, 1):.0f} | {100 * s.got_null / max(s.n, 1):.0f} |"
        )
    positives = sum(1 for a in labels if a["action_paragraphs"])
    print()
    print(
        f"Action requests over {len(labels)} labelled cables "
        f"({positives} with action paragraphs, {len(labels) - positives} without):"
    )
    print(
        f"  per paragraph: precision {100 * actions.precision:.1f}% recall "
        f"{100 * actions.recall:.1f}% (tp {actions.tp}, fp {actions.fp}, fn {actions.fn})"
    )
    print(
        f"  per cable:     precision {100 * actions.cable_precision:.1f}% recall "
        f"{100 * actions.cable_recall:.1f}% (tp {actions.cable_tp}, fp {actions.cable_fp}, "
        f"fn {actions.cable_fn}, tn {actions.cable_tn})"
    )
    if show_mismatches:
        for s in fields.values():
            if s.mismatches:
                print(f"\n{s.name}:\n{format_mismatches(s, limit=1000)}")
        if actions.mismatches:
            print(f"\naction paragraphs:\n{format_action_mismatches(actions, limit=1000)}")
    return fields, actions


def main(argv: list[str] | None = None) -> int:
    """Command line: print the fidelity tables."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--show-mismatches", action="store_true", help="list every mismatch")
    ap.add_argument(
        "--rendering", choices=sorted(RENDERINGS), default="text", help="which corpus rendering"
    )
    args = ap.parse_args(argv)
    if not (CORPUS / "truth.jsonl").is_file():
        print(f"corpus not found at {CORPUS}", file=sys.stderr)
        return 2
    from triage.parsing import parse

    report(parse, show_mismatches=args.show_mismatches, rendering=args.rendering)
    return 0


if __name__ == "__main__":
    sys.exit(main())
