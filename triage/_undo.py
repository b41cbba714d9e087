"""Undo the acting user's last command: conflict checks, the reverted values, the undo record."""

from __future__ import annotations

from typing import Any

from triage._errors import UndoError
from triage._txn import Change, Txn, now

_DOC_KEY = {"ack": "acked", "flag": "flagged"}
"""History field names that differ from the state document's key they change."""


def undo_last(txn: Txn) -> Change:
    """Undo the top command of ``txn.user``'s undo stack in ``txn`` (see ``Store.undo``).

    Raises:
        UndoError: the stack is empty, or someone changed one of the command's fields since
            (then the command is dropped from the stack, in a commit of its own).
    """
    path = txn.files.undo_path(txn.user)
    stack = (txn.read(path) or {}).get("undo") or {}
    if not stack:
        raise UndoError(f"nothing to undo for {txn.user}")
    top = max(stack, key=int)
    command = stack[top]
    conflicts: list[str] = []
    docs: dict[str, dict[str, Any]] = {}
    for item in command["changes"]:
        cid = item["id"]
        if cid not in docs:
            docs[cid] = txn.state(cid)
        why = _conflict(item, docs[cid])
        if why:
            conflicts.append(
                f"{cid} {item['field']}: {why}{txn.last_change_by(cid, item['field'])}"
            )
    at = now()
    if conflicts:
        txn.commit(
            {
                "cmd": "undo-refused",
                "at": at,
                "ids": [],
                "undo": {"user": txn.user, "pop": int(top)},
            },
        )
        raise UndoError(
            f"cannot undo your {command['cmd']} of {command['at']}: someone changed it "
            f"since — {'; '.join(conflicts[:5])}. Nothing was changed; that command is "
            "off your undo list, so undo again goes further back."
        )
    entries = []
    for item in command["changes"]:
        cid, name = item["id"], item["field"]
        doc = docs[cid]
        key = _DOC_KEY.get(name, name)
        old = doc[key]
        doc[key] = _reverted(item, doc)
        if name != "read":
            shown_old, shown_new = txn.shown(cid, name, old, doc[key])
            entry = txn.entry(cid, name, shown_old, shown_new, at)
            entry["undo_of"] = int(top)
            entries.append(entry)
    record: dict[str, Any] = {
        "cmd": "undo",
        "at": at,
        "ids": list(docs),
        "state": docs,
        "history": entries,
        "undo": {"user": txn.user, "pop": int(top)},
    }
    seq = txn.commit(record)
    return Change(
        seq=seq, ids=list(docs), message=f"undid {command['cmd']} on {len(docs)} cable(s)"
    )


def _conflict(item: dict[str, Any], doc: dict[str, Any]) -> str:
    name, old, new = item["field"], item["old"], item["new"]
    current = doc.get(_DOC_KEY.get(name, name))
    if name == "tags":
        current = current or []
        added = [t for t in new if t not in old]
        removed = [t for t in old if t not in new]
        gone = [t for t in added if t not in current]
        back = [t for t in removed if t in current]
        if gone:
            return f"tag(s) {', '.join(gone)} removed since"
        if back:
            return f"tag(s) {', '.join(back)} added again since"
        return ""
    if current != new:
        return f"now {current!r}, not {new!r}"
    return ""


def _reverted(item: dict[str, Any], doc: dict[str, Any]) -> Any:
    if item["field"] != "tags":
        return item["old"]
    added = {t for t in item["new"] if t not in item["old"]}
    removed = [t for t in item["old"] if t not in item["new"]]
    kept = [t for t in doc["tags"] if t not in added]
    return kept + [t for t in removed if t not in kept]
