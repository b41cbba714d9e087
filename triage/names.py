"""One rule for what a tag and a user name may be: the app's dialogs and the CLI use it.

Pure functions: each returns why a value cannot be used, or None when it can.
"""

from __future__ import annotations

import re

from triage.textsafe import safe_text

MAX_TAG_LENGTH = 40
"""The longest tag accepted."""
MAX_USER_LENGTH = 64
"""The longest user name accepted."""

_TAG_SEPARATORS = re.compile(r"[,\s]")
_TAG_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f\"()\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_USER_FORBIDDEN = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def shown(text: str) -> str:
    """``text`` quoted on one line, cut short, for a message."""
    return repr(" ".join(safe_text(text).split())[: MAX_TAG_LENGTH + 5])


def tag_error(tag: str) -> str | None:
    """Why ``tag`` cannot be a tag (None when it can).

    No control characters, quotes or parentheses (they would break QUERY terms), no commas
    or spaces (they separate tags when typed, and ``tag:a,b`` means a or b), no leading
    ``-`` (it asks to remove a tag), at most ``MAX_TAG_LENGTH`` characters.
    """
    if not tag:
        return "a tag cannot be empty"
    if _TAG_FORBIDDEN.search(tag):
        return f"tag {shown(tag)} holds a control character, a quote or a parenthesis"
    if _TAG_SEPARATORS.search(tag):
        return f"tag {shown(tag)} holds a comma or a space (they separate tags)"
    if len(tag) > MAX_TAG_LENGTH:
        return f"tag {shown(tag)} is longer than {MAX_TAG_LENGTH} characters"
    if tag.startswith("-"):
        return f"tag {shown(tag)} starts with '-'"
    return None


def user_error(user: str) -> str | None:
    """Why ``user`` cannot be a user name (None when it can)."""
    if not user:
        return "a user name cannot be empty"
    if _USER_FORBIDDEN.search(user):
        return "a user name has no spaces or control characters"
    if len(user) > MAX_USER_LENGTH:
        return f"a user name is at most {MAX_USER_LENGTH} characters"
    return None
