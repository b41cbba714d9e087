"""One rule for what a tag and a user name may be (the app's dialogs and the CLI use it)."""

from __future__ import annotations

from triage.names import MAX_TAG_LENGTH, MAX_USER_LENGTH, tag_error, user_error


def test_tag_error_allows_ordinary_tags() -> None:
    for tag in ("follow-up", "urgent", "=1+1", "x" * MAX_TAG_LENGTH, "[b]markup[/b]"):
        assert tag_error(tag) is None, tag


def test_tag_error_says_why() -> None:
    assert tag_error("-x") == "tag '-x' starts with '-'"
    assert "parenthesis" in (tag_error("(x)") or "")
    assert "quote" in (tag_error('"q"') or "")
    assert "comma" in (tag_error("a,b") or "")
    assert "space" in (tag_error("a b") or "")
    assert "control" in (tag_error("bad\x1b[31m") or "")
    assert "longer" in (tag_error("x" * (MAX_TAG_LENGTH + 1)) or "")
    assert tag_error("") is not None


def test_user_error() -> None:
    assert user_error("alice") is None
    assert user_error("bad user") == "a user name has no spaces or control characters"
    assert user_error("ev\x1bil") is not None
    assert user_error("x" * (MAX_USER_LENGTH + 1)) is not None
    assert user_error("") is not None
