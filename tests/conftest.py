"""Shared fixtures: the sample inbox, the public corpus (skipped when absent), temp state."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
INBOX = REPO / "inbox"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CORPUS = REPO.parent / "shared" / "corpus"
"""The public corpus, used through a path relative to the repo and never copied into it."""

requires_corpus = pytest.mark.skipif(
    not (CORPUS / "truth.jsonl").is_file(), reason="../shared/corpus is absent"
)


@pytest.fixture
def corpus() -> Path:
    """The corpus folder; skips the test when it is absent."""
    if not (CORPUS / "truth.jsonl").is_file():
        pytest.skip("../shared/corpus is absent")
    return CORPUS
