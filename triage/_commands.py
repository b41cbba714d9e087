"""Users' commands on the triage state: what each changes in one cable, and the runner that
commits the changes as one journal record with their history, new names and undo entry.

Each command is a ``change(cid, doc, txn)`` function (and, for compare-and-set commands, a
``check(txn, docs)``), built here and run by ``run`` inside one ``Store`` transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from triage._errors import StaleChangeError, StoreError
from triage._txn import Change, Txn, now, unique
from triage.model import ActionState

UNDO_DEPTH = 100
"""Commands kept on each user's undo stack."""

ACTIONS = tuple(state.value for state in ActionState)

ChangeFn = Callable[[str, dict[str, Any], Txn], list[tuple[str, Any, Any]]]
"""``change(cid, doc, txn) -> [(field, old, new), ...]``: changes ``doc`` in place."""

CheckFn = Callable[[Txn, dict[str, dict[str, Any]]], None]
"""``check(txn, docs)``: raises before anything changes (compare-and-set)."""


def run(
    txn: Txn,
    cmd: str,
    ids: list[str],
    change: ChangeFn,
    *,
    undoable: bool = True,
    history: bool = True,
    check: CheckFn | None = None,
) -> Change:
    """Run one command in ``txn``: re-read, check, change each cable, commit state + history.

    Args:
        txn: the store's transaction (the lock is held).
        cmd: the command's name, recorded in the journal and the undo stack.
        ids: the cable IDs, without repeats (at least one).
        change: what the command changes in one cable's state.
        undoable: push the command on the acting user's undo stack.
        history: record history entries for the changes.
        check: called with every cable's state before any change.

    Returns:
        The committed change (or seq unchanged and no IDs when nothing changed).
    """
    docs = {cid: txn.state(cid) for cid in ids}
    if check is not None:
        check(txn, docs)
    at = now()
    states: dict[str, dict[str, Any]] = {}
    entries: list[dict[str, Any]] = []
    undo: list[dict[str, Any]] = []
    for cid in ids:
        doc = docs[cid]
        changed = change(cid, doc, txn)
        if not changed:
            continue
        states[cid] = doc
        for name, old, new in changed:
            if history:
                shown_old, shown_new = txn.shown(cid, name, old, new)
                entries.append(txn.entry(cid, name, shown_old, shown_new, at))
            undo.append({"id": cid, "field": name, "old": old, "new": new})
    if not states:
        return Change(seq=txn.head, ids=[], message="nothing to change")
    record: dict[str, Any] = {"cmd": cmd, "at": at, "ids": list(states), "state": states}
    if entries:
        record["history"] = entries
        names = _new_names(txn, entries)
        if names:
            record["names"] = names
    if undoable:
        record["undo"] = {
            "user": txn.user,
            "limit": UNDO_DEPTH,
            "push": {"cmd": cmd, "at": at, "changes": undo},
        }
    seq = txn.commit(record)
    return Change(seq=seq, ids=list(states), message=f"{cmd}: {len(states)} cable(s)")


def _new_names(txn: Txn, entries: list[dict[str, Any]]) -> dict[str, list[str]]:
    data = txn.read(txn.files.names_path) or {}
    users, tags = data.get("users") or {}, data.get("tags") or {}
    new_users: dict[str, None] = {}
    new_tags: dict[str, None] = {}
    for entry in entries:
        for name in (entry["user"], entry["new"] if entry["field"] == "assignee" else None):
            if isinstance(name, str) and name not in users:
                new_users[name] = None
        if entry["field"] == "tags":
            for tag in entry["new"] or ():
                if tag not in tags:
                    new_tags[tag] = None
    out = {}
    if new_users:
        out["users"] = list(new_users)
    if new_tags:
        out["tags"] = list(new_tags)
    return out


# --- tags ---------------------------------------------------------------------------------


def clean_tags(tags: list[str]) -> list[str]:
    """The given tags stripped, without empty ones or repeats; StoreError when none is left."""
    out = unique(t.strip() for t in tags if t and t.strip())
    if not out:
        raise StoreError("no tag given: a tag is a non-empty word")
    return out


def _spelled(txn: Txn, wanted: list[str]) -> dict[str, str]:
    """Tags ignore case: ``lower -> spelling`` for the wanted tags, in the order given.

    A tag known (from any cable) as typed keeps that spelling; one known only in other
    case takes the first known spelling in sorted order; a new tag is kept as typed.
    Read under the lock, so two people typing one tag differently get one spelling.
    """
    known = sorted((txn.read(txn.files.names_path) or {}).get("tags") or {})
    by_lower: dict[str, str] = {}
    for tag in known:
        by_lower.setdefault(tag.lower(), tag)
    exact = set(known)
    out: dict[str, str] = {}
    for tag in wanted:
        low = tag.lower()
        if low not in out:
            out[low] = tag if tag in exact else by_lower.get(low, tag)
    return out


def add_tags(wanted: list[str]) -> ChangeFn:
    """Add the ``wanted`` tags (cleaned) in the spelling already known, ignoring case."""
    spelled: dict[str, str] | None = None

    def change(cid: str, doc: dict[str, Any], txn: Txn) -> list[tuple[str, Any, Any]]:
        nonlocal spelled
        if spelled is None:
            spelled = _spelled(txn, wanted)
        old = list(doc["tags"])
        present = {t.lower() for t in old}
        new = old + [t for low, t in spelled.items() if low not in present]
        if new == old:
            return []
        doc["tags"] = new
        return [("tags", old, new)]

    return change


def remove_tags(unwanted: set[str]) -> ChangeFn:
    """Remove the tags whose lower case is in ``unwanted``."""

    def change(cid: str, doc: dict[str, Any], txn: Txn) -> list[tuple[str, Any, Any]]:
        old = list(doc["tags"])
        new = [t for t in old if t.lower() not in unwanted]
        if new == old:
            return []
        doc["tags"] = new
        return [("tags", old, new)]

    return change


def change_tags(wanted: list[str], unwanted: set[str]) -> ChangeFn:
    """Remove the tags whose lower case is in ``unwanted``, then add ``wanted`` (cleaned):
    one field change, so one undo reverts both."""
    add = add_tags(wanted) if wanted else None

    def change(cid: str, doc: dict[str, Any], txn: Txn) -> list[tuple[str, Any, Any]]:
        old = list(doc["tags"])
        doc["tags"] = [t for t in old if t.lower() not in unwanted]
        if add is not None:
            add(cid, doc, txn)  # sets doc["tags"] when it adds a tag
        new = list(doc["tags"])
        if new == old:
            doc["tags"] = old
            return []
        return [("tags", old, new)]

    return change


# --- assignee and action (compare-and-set) ---------------------------------------------------


def assign(
    assignee: str | None, expected: dict[str, str | None] | None
) -> tuple[ChangeFn, CheckFn]:
    """Set or clear the assignee, checking ``expected`` (id -> assignee shown) first."""
    who = assignee.strip() if assignee and assignee.strip() else None

    def check(txn: Txn, docs: dict[str, dict[str, Any]]) -> None:
        if expected is None:
            return
        stale = [
            (cid, expected[cid], docs[cid]["assignee"])
            for cid in docs
            if cid in expected and expected[cid] != docs[cid]["assignee"]
        ]
        _refuse_stale(txn, "assignee", stale)

    def change(cid: str, doc: dict[str, Any], txn: Txn) -> list[tuple[str, Any, Any]]:
        if doc["assignee"] == who:
            return []
        old, doc["assignee"] = doc["assignee"], who
        return [("assignee", old, who)]

    return change, check


def set_action(state: str, expected: dict[str, str] | None) -> tuple[ChangeFn, CheckFn]:
    """Set the action state and clear the flag, checking ``expected`` (id -> state shown)."""

    def effective(txn: Txn, cid: str, doc: dict[str, Any]) -> str:
        return doc["action"] if doc["action"] is not None else txn.derived_action(cid)

    def check(txn: Txn, docs: dict[str, dict[str, Any]]) -> None:
        if expected is None:
            return
        stale = [
            (cid, expected[cid], effective(txn, cid, docs[cid]))
            for cid in docs
            if cid in expected and expected[cid] != effective(txn, cid, docs[cid])
        ]
        _refuse_stale(txn, "action", stale)

    def change(cid: str, doc: dict[str, Any], txn: Txn) -> list[tuple[str, Any, Any]]:
        out: list[tuple[str, Any, Any]] = []
        if doc["action"] != state:
            out.append(("action", doc["action"], state))
            doc["action"] = state
        if doc["flagged"] is not None:
            out.append(("flag", doc["flagged"], None))
            doc["flagged"] = None
        return out

    return change, check


def _refuse_stale(txn: Txn, name: str, stale: list[tuple[str, Any, Any]]) -> None:
    if not stale:
        return
    parts = []
    for cid, saw, current in stale[:5]:
        who = txn.last_change_by(cid, name)
        parts.append(
            f"{cid}: you saw {saw or 'nobody' if name == 'assignee' else saw}, "
            f"it is now {current or 'nobody' if name == 'assignee' else current}{who}"
        )
    more = f" (and {len(stale) - 5} more)" if len(stale) > 5 else ""
    raise StaleChangeError(
        f"not changed: someone changed the {name} since your screen showed it — "
        + "; ".join(parts)
        + more
        + ". Look again and repeat the change if still wanted."
    )


# --- acknowledgement, read, attention flag ----------------------------------------------------


def ack(cid: str, doc: dict[str, Any], txn: Txn) -> list[tuple[str, Any, Any]]:
    """Acknowledge receipt by the acting user, unless already acknowledged."""
    if doc["acked"] is not None:
        return []
    doc["acked"] = {"user": txn.user, "at": now()}
    return [("ack", None, doc["acked"])]


def mark_read(cid: str, doc: dict[str, Any], txn: Txn) -> list[tuple[str, Any, Any]]:
    """Mark read for the acting user."""
    if txn.user in doc["read"]:
        return []
    doc["read"].append(txn.user)
    return [("read", False, True)]


def flag(reason: str, when_action: str | None) -> ChangeFn:
    """Set the attention flag to ``reason`` (only when the action state is ``when_action``)."""

    def change(cid: str, doc: dict[str, Any], txn: Txn) -> list[tuple[str, Any, Any]]:
        if doc["flagged"] == reason:
            return []
        if when_action is not None and when_action != (doc["action"] or txn.derived_action(cid)):
            return []
        old, doc["flagged"] = doc["flagged"], reason
        return [("flag", old, reason)]

    return change


def unflag(cid: str, doc: dict[str, Any], txn: Txn) -> list[tuple[str, Any, Any]]:
    """Clear the attention flag."""
    if doc["flagged"] is None:
        return []
    old, doc["flagged"] = doc["flagged"], None
    return [("flag", old, None)]
