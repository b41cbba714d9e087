"""The headless subcommands: JSON output parsed back, exit codes, messages, safe text."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.cablegen import make_cable, write_inbox
from tests.conftest import INBOX, REPO
from triage import cli, cli_queue
from triage.output import csv_cell, format_table
from triage.textsafe import safe_text

HOSTILE_SUBJECT = (
    "\x1b[31mRED\x1b[0m ALERT \x1b]0;pwned\x07TITLE \u202eDESREVER\u202c "
    "\x9b2J CSI8 \x1b]8;;http://x\x1b\\LINK\x1b]8;;\x1b\\ END"
)
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""Characters text output must never carry (tab and newline are layout, checked apart)."""

QUEUE_ROW_FIELDS = {
    "id", "precedence", "niact", "classification", "caveats", "dtg", "origin", "subject",
    "cable_tags", "corrected", "action_paragraphs", "tags", "assignee", "action", "read",
    "acked", "arrived", "sections", "conflict", "sources",
}  # fmt: skip


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for var in ("TRIAGE_INBOX", "TRIAGE_DB", "TRIAGE_USER", "TRIAGE_THEME"):
        monkeypatch.delenv(var, raising=False)
    empty = tmp_path / "empty-config.toml"
    empty.write_text("", encoding="utf-8")
    monkeypatch.setenv("TRIAGE_CONFIG", str(empty))  # no user config reaches these tests
    monkeypatch.setenv("COLUMNS", "80")


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    write_inbox(folder, 6, seed=100, renderings=("txt", "md", "html"))
    hostile = make_cable(7)
    start = hostile.plain.index("SUBJECT: ") + len("SUBJECT: ")
    end = hostile.plain.index("\n", start)
    text = hostile.plain[:start] + HOSTILE_SUBJECT + hostile.plain[end:]
    (folder / "hostile.txt").write_text(text, encoding="utf-8")
    (folder / "notes.txt").write_text("=cmd|' /C calc'!A0 not a cable at all\n")
    return folder


class Run:
    """Call ``cli.main`` with the global flags of one inbox and user."""

    def __init__(self, inbox: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.inbox = inbox
        self.capsys = capsys

    def __call__(self, *args: str, user: str = "alice") -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = cli.main(["--inbox", str(self.inbox), "--user", user, *args])
        out, err = self.capsys.readouterr()
        return code, out, err

    def ok(self, *args: str, user: str = "alice") -> str:
        code, out, err = self(*args, user=user)
        assert code == 0, err
        return out

    def jsonl(self, *args: str, user: str = "alice") -> list[dict[str, Any]]:
        return [orjson.loads(line) for line in self.ok(*args, user=user).splitlines()]


@pytest.fixture
def run(inbox: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    return Run(inbox, capsys)


@pytest.fixture
def ingested(run: Run) -> Run:
    run.ok("ingest")
    return run


def _first_id(run: Run, query: str = "") -> str:
    rows = run.jsonl("list", "--json", *([query] if query else []))
    return str(rows[0]["id"])


# --- parse ------------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_parse_reads_only_regular_files(tmp_path: Path) -> None:
    """A FIFO, a device or a folder yields an object whose errors say why (it never blocks);
    a missing file says so; the exit status stays 0 (parse-json.md)."""
    fifo, folder = tmp_path / "pipe.txt", tmp_path / "folder.txt"
    os.mkfifo(fifo)
    folder.mkdir()
    link = tmp_path / "link.txt"
    link.symlink_to(fifo)
    cable = tmp_path / "cable.txt"
    cable.write_text(make_cable(3).plain, encoding="utf-8")
    names = [str(fifo), str(folder), str(tmp_path / "nonexist"), os.devnull, str(link),
             str(cable)]  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "triage", "parse", *names],
        capture_output=True,
        timeout=20,
        cwd=REPO,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    objs = [orjson.loads(line) for line in done.stdout.splitlines()]
    assert [o["source"] for o in objs] == names
    errors = [o["errors"] for o in objs]
    assert errors[0] == ["cannot read file: a FIFO, not a regular file"]
    assert errors[1] == ["cannot read file: a folder, not a regular file"]
    assert errors[2] == ["cannot read file: No such file or directory"]
    assert errors[3] == ["cannot read file: a character device, not a regular file"]
    assert errors[4] == ["cannot read file: a FIFO, not a regular file"]
    assert objs[5]["id"] and objs[5]["subject"]
    for obj in objs[:5]:
        assert obj["id"] is None and obj["paragraphs"] == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_show_never_blocks_on_a_source_replaced_by_a_fifo(ingested: Run, inbox: Path) -> None:
    (row,) = [r for r in ingested.jsonl("list", "--json") if r["sources"] == ["notes.txt"]]
    (inbox / "notes.txt").unlink()
    os.mkfifo(inbox / "notes.txt")
    done = subprocess.run(
        [sys.executable, "-m", "triage", "--inbox", str(inbox), "show", row["id"], "--json"],
        capture_output=True,
        timeout=20,
        cwd=REPO,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    shown = orjson.loads(done.stdout)
    assert "cannot read notes.txt: a FIFO, not a regular file" in shown["errors"]


# --- ingest, rejects --------------------------------------------------------------------


def test_ingest_reports_and_is_idempotent(run: Run) -> None:
    out = run.ok("ingest")
    assert re.search(r"^8 added, 0 updated, 0 merged, 0 unchanged, 0 rejected", out)
    assert out.count("  added: ") == 8
    report = run.jsonl("ingest", "--json")[0]
    assert report["added"] == [] and report["unchanged"] == 8 and report["rejected"] == {}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_ingest_rejects_with_reasons(run: Run, inbox: Path) -> None:
    os.mkfifo(inbox / "24PIPE1.txt")
    code, out, err = run("ingest")
    assert code == 0, err
    assert "rejected: 24PIPE1.txt: " in out
    rejects = run.jsonl("rejects", "--json")
    assert [r["path"] for r in rejects] == ["24PIPE1.txt"] and rejects[0]["reason"]
    assert run.ok("rejects").startswith("24PIPE1.txt: ")


def test_ingest_without_inbox_says_what_to_do(tmp_path: Path, capsys: Any) -> None:
    code, out, err = Run(tmp_path / "nowhere", capsys)("ingest")
    assert code == 1 and out == ""
    assert "does not exist" in err and "--inbox" in err


def lock_out(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Make ``folder`` behave as for another user's mode-700 folder (tests run as root): it can
    be stat'ed, but not listed, entered or opened into."""
    inside = str(folder) + os.sep

    def denied(path: Any) -> bool:
        text = os.fsdecode(path) if isinstance(path, (str, bytes, os.PathLike)) else ""
        text = os.path.abspath(text) if text else text
        return text == str(folder) or text.startswith(inside)

    def guard(real: Any, *, itself: bool) -> Any:
        def wrapped(path: Any, *args: Any, **kw: Any) -> Any:
            if denied(path) and (itself or os.path.abspath(os.fsdecode(path)) != str(folder)):
                raise PermissionError(13, "Permission denied", os.fsdecode(path))
            return real(path, *args, **kw)

        return wrapped

    monkeypatch.setattr(os, "scandir", guard(os.scandir, itself=True))
    monkeypatch.setattr(os, "listdir", guard(os.listdir, itself=True))
    monkeypatch.setattr(os, "stat", guard(os.stat, itself=False))
    monkeypatch.setattr(os, "lstat", guard(os.lstat, itself=False))
    monkeypatch.setattr(os, "open", guard(os.open, itself=False))
    real_access = os.access
    monkeypatch.setattr(
        os, "access", lambda p, mode, **kw: not denied(p) and real_access(p, mode, **kw)
    )


@pytest.mark.parametrize("command", ["list", "ingest", "rejects", "export", "tag"])
def test_unreadable_inbox_is_a_one_line_error(
    inbox: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """An inbox the user may not read, state folder in it (no --db): no traceback."""
    args = {"tag": ["tag", "X-00000000", "urgent"], "export": ["export", "--json"]}
    lock_out(monkeypatch, inbox)
    code, out, err = Run(inbox, capsys)(*args.get(command, [command]))
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert f"cannot read the inbox {inbox}" in err and "Traceback" not in err


def test_unreadable_inbox_with_db_elsewhere_is_not_reported_empty(
    inbox: Path, tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "state"
    lock_out(monkeypatch, inbox)
    code, out, err = Run(inbox, capsys)("--db", str(db), "ingest")
    assert code == 1 and "added" not in out
    assert len(err.strip().splitlines()) == 1, err
    assert f"cannot read the inbox {inbox}" in err and "--inbox" in err


# --- list -------------------------------------------------------------------------------


def test_list_json_rows_in_triage_order(ingested: Run) -> None:
    from triage.model import QueueRow
    from triage.queue import order

    rows = ingested.jsonl("list", "--json")
    assert len(rows) == 8
    for row in rows:
        assert set(row) >= QUEUE_ROW_FIELDS
        assert row["action"] in ("none", "open", "done")
    as_rows = [QueueRow(**row) for row in rows]
    assert [r.id for r in order(as_rows)] == [r["id"] for r in rows]
    note = next(r for r in rows if r["sources"] == ["notes.txt"])
    assert note["id"].startswith("X-") and note["precedence"] is None


def test_list_text_fits_80_columns_and_is_clean(ingested: Run) -> None:
    out = ingested.ok("list", "--width", "80")
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["ID", "PREC", "CLASS", "DTG"]
    assert len(lines) == 9
    from rich.cells import cell_len

    for line in lines:
        assert cell_len(line) <= 80, line
        assert not CONTROL.search(line) and "\t" not in line
    hostile = next(line for line in lines if "RED" in line)
    assert "[31m" not in hostile and "pwned" not in hostile


def test_list_text_columns(ingested: Run) -> None:
    cid = _first_id(ingested)
    ingested.ok("assign", cid, "bob")
    ingested.ok("action", cid, "done")
    line = next(x for x in ingested.ok("list", "--width", "200").splitlines() if cid in x)
    row = ingested.jsonl("show", cid, "--json")[0]
    for part in ("bob", "done", row["subject"][:20]):
        assert part in line


def test_list_query_and_count(ingested: Run) -> None:
    code, out, err = ingested("list", "--json", "prec:flash,immediate")
    assert code == 0
    rows = [orjson.loads(x) for x in out.splitlines()]
    assert all(r["precedence"] in ("FLASH", "IMMEDIATE") for r in rows)
    code, out, err = ingested("list", "prec:flash,immediate")
    assert f"{len(rows)} of 8 cables match" in err


def test_list_bad_query_is_a_usage_error(ingested: Run) -> None:
    code, out, err = ingested("list", "color:red")
    assert code == 2 and out == ""
    assert "unknown field 'color:'" in err and "prec:" in err
    assert "\n  color:red\n  ^" in err


def test_list_piped_cuts_nothing_unless_width_given(
    ingested: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = ingested.jsonl("list", "--json")
    piped = ingested.ok("list")  # capsys: stdout is not a terminal
    assert "…" not in piped
    for row in rows:
        line = next(x for x in piped.splitlines() if row["id"] in x.split())
        assert safe_text(row["subject"]) in line, row["id"]
        if row["origin"]:
            assert row["origin"].split()[-1] in line
    assert max(len(x) for x in piped.splitlines()) > 80  # the generated subjects are long
    assert ingested.ok("list", "--width", "0") == piped  # 0: never cut
    narrow = ingested.ok("list", "--width", "80").splitlines()
    assert all(len(x) <= 80 for x in narrow) and any(x.endswith("…") for x in narrow)
    monkeypatch.setattr(cli_queue, "_is_tty", lambda stream: True)  # a terminal of COLUMNS=80
    on_terminal = ingested.ok("list").splitlines()
    assert all(len(x) <= 80 for x in on_terminal) and any(x.endswith("…") for x in on_terminal)


def test_rows_without_subject_name_their_file(run: Run, inbox: Path) -> None:
    (inbox / "memo\x1b[31m\x07.txt").write_text("lunch at noon, not a cable\n")
    run.ok("ingest")
    listed = run.ok("list")
    for name in ("notes.txt", "memo.txt"):
        (row,) = [r for r in run.jsonl("list", "--json") if safe_text(r["sources"][0]) == name]
        assert row["subject"] is None  # the JSON keeps the contract: no subject
        line = next(x for x in listed.splitlines() if row["id"] in x.split())
        assert line.endswith(f"(file {name})"), line
        shown = run.ok("show", row["id"])
        assert f"Subject:        (file {name})" in shown.splitlines()
        assert not CONTROL.search(listed + shown)


def test_list_explains_its_marks(
    ingested: Run, inbox: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from triage.output import FLAGS, MARKS

    code, out, err = ingested("list", "--help")
    assert code == 0
    for mark, _word, meaning in (*MARKS, *FLAGS):
        assert f"{mark}  {meaning}" in out, mark
    code, out, err = ingested("list")  # piped: no legend in the way of a script
    assert "marks:" not in err
    monkeypatch.setattr(cli_queue, "_is_tty", lambda stream: True)
    code, out, err = ingested("list")
    assert err.splitlines()[-1] == "marks: ● unread, ! ack due (triage list --help)"
    (inbox / "notes.txt").unlink()
    ingested.ok("ingest")
    code, out, err = ingested("list")
    assert err.splitlines()[-1] == (
        "marks: ● unread, ! ack due; FLAGS: ? source gone (triage list --help)"
    )
    code, out, err = ingested("list", "--json")
    assert "marks:" not in err


def test_legend_names_only_the_flags_shown() -> None:
    from triage.output import legend

    line = legend(_flag_rows())
    assert line == (
        "marks: ● unread, ! ack due; FLAGS: X conflict, F flagged, ? source gone, P partial, "
        "C corrected, R rejected (triage list --help)"
    )


def test_list_no_match_says_so_on_stderr(ingested: Run) -> None:
    code, out, err = ingested("list", "nothing-matches-this")
    assert code == 0 and out == ""
    assert "no cables match" in err and "nothing-matches-this" in err and "of 8" in err
    code, out, err = ingested("list", "--json", "nothing-matches-this")
    assert code == 0 and out == ""


def test_list_empty_queue_hints_at_ingest(run: Run) -> None:
    code, out, err = run("list")
    assert code == 0 and out == ""
    assert "triage ingest" in err


def test_query_words_split() -> None:
    split = cli._split_query_words
    assert split(["list", "-tag:x", "--json"]) == ["list", "--json", "--", "-tag:x"]
    assert split(["--db", "d", "list", "a", "OR", "-b"]) == ["--db", "d", "list", "--", "a",
                                                              "OR", "-b"]  # fmt: skip
    assert split(["export", "--format", "json", "-x", "-o", "f"]) == [
        "export", "--format", "json", "-o", "f", "--", "-x"
    ]  # fmt: skip
    assert split(["list", "--", "--json"]) == ["list", "--", "--json"]
    assert split(["show", "-x"]) == ["show", "-x"]
    assert split(["--user", "list", "list"]) == ["--user", "list", "list"]


# --- show -------------------------------------------------------------------------------


def test_show_json_and_text(ingested: Run) -> None:
    cid = _first_id(ingested)
    shown = ingested.jsonl("show", cid.lower(), "--json")
    assert len(shown) == 1
    row = shown[0]
    assert row["id"] == cid and set(row) >= QUEUE_ROW_FIELDS
    assert row["paragraphs"] and "text" in row["paragraphs"][0]
    text = ingested.ok("show", cid)
    banner = text.splitlines()[0]
    assert banner.startswith(row["classification"] or "UNKNOWN")
    assert text.rstrip().splitlines()[-1] == banner


def test_show_marks_read_in_text_and_json_alike(ingested: Run) -> None:
    """Opening a cable is reading it, whatever the output format; --no-mark-read peeks."""
    first, second, third = (r["id"] for r in ingested.jsonl("list", "--json")[:3])
    assert ingested.jsonl("show", first, "--json")[0]["read"] is True
    ingested.ok("show", second)
    for cid in (first, second):
        (row,) = ingested.jsonl("list", "--json", f"id:{cid}")
        assert row["read"] is True, cid
        (row,) = ingested.jsonl("list", "--json", f"id:{cid}", user="bob")
        assert row["read"] is False, cid  # read state is per user
    assert ingested.jsonl("show", third, "--json", "--no-mark-read")[0]["read"] is False
    ingested.ok("show", third, "--no-mark-read")
    (row,) = ingested.jsonl("list", "--json", f"id:{third}")
    assert row["read"] is False
    assert ingested.jsonl("history", first, "--json") == []  # reading is not a change
    code, out, _err = ingested("show", "--help")
    assert code == 0 and "marks it read" in out and "--no-mark-read" in out


def test_show_unknown_id(ingested: Run) -> None:
    code, out, err = ingested("show", "99NOWHERE1")
    assert code == 1 and out == ""
    assert "no cable '99NOWHERE1'" in err and "triage list" in err


def test_show_hostile_cable_is_clean(ingested: Run) -> None:
    (row,) = ingested.jsonl("list", "--json", "alert")
    text = ingested.ok("show", row["id"])
    assert not CONTROL.search(text)
    assert "RED" in text and "ALERT" in text


# --- state changes, undo, history -------------------------------------------------------


def test_tag_assign_action_ack_undo_history(ingested: Run) -> None:
    cid = _first_id(ingested, "prec:immediate+")
    before = ingested.jsonl("show", cid, "--json")[0]
    assert ingested.ok("tag", cid, "urgent", "press") == f"{cid}: tags urgent, press\n"
    ingested.ok("untag", cid, "press")
    ingested.ok("assign", cid, "me")
    ingested.ok("action", cid, "done")
    ingested.ok("ack", cid, user="bob")
    row = ingested.jsonl("show", cid, "--json")[0]
    assert row["tags"] == ["urgent"] and row["assignee"] == "alice"
    assert row["action"] == "done" and row["acked"]["user"] == "bob"
    assert ingested.jsonl("list", "--json", "assignee:me", "tag:urgent")[0]["id"] == cid

    history = ingested.jsonl("history", cid, "--json")
    assert [h["field"] for h in history] == ["tags", "tags", "assignee", "action", "ack"]
    assert history[3]["old"] == f"{before['action']} (derived)" and history[3]["new"] == "done"
    lines = ingested.ok("history", cid).splitlines()
    assert len(lines) == 5
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ  alice\b.*  assignee: \(none\) -> alice$",
                    lines[2])  # fmt: skip

    out = ingested.ok("undo")
    assert out.startswith("undone: ") and cid in out
    assert ingested.jsonl("show", cid, "--json")[0]["action"] != "done"
    ingested.ok("assign", cid, "--none")
    assert ingested.jsonl("show", cid, "--json")[0]["assignee"] is None
    assert len(ingested.jsonl("history", cid, "--json")) == 7


def test_tags_are_case_insensitive_and_keep_the_first_spelling(ingested: Run) -> None:
    first, second = (r["id"] for r in ingested.jsonl("list", "--json")[:2])
    ingested.ok("tag", first, "urgent")
    code, out, err = ingested("tag", first, "Urgent", "Press", "PRESS")
    assert code == 0 and out == f"{first}: tags urgent, Press\n"
    assert "'Urgent' is already tagged as 'urgent'" in err
    # A spelling known from another cable is reused, whoever typed it.
    code, out, err = ingested("tag", second, "URGENT", "press", user="bob")
    assert code == 0 and out == f"{second}: tags urgent, Press\n"
    assert "using the existing spelling 'urgent' for 'URGENT'" in err
    assert [h["new"] for h in ingested.jsonl("history", second, "--json")] == [["urgent", "Press"]]
    assert {r["id"] for r in ingested.jsonl("list", "--json", "tag:URGENT")} == {first, second}
    # untag matches any case too.
    assert ingested.ok("untag", first, "URGENT", "press") == f"{first}: tags (none)\n"


def test_untag_of_a_missing_tag_is_noted(ingested: Run) -> None:
    cid = _first_id(ingested)
    ingested.ok("tag", cid, "urgent")
    code, out, err = ingested("untag", cid, "nosuch", "URGENT")
    assert code == 0 and out == f"{cid}: tags (none)\n"
    assert f"{cid} had no tag 'nosuch'" in err and "urgent" not in err.lower()
    code, out, err = ingested("untag", cid, "nosuch", "gone")
    assert code == 0  # the tags are absent either way: scripts may untag idempotently
    assert f"{cid} had no tag 'nosuch', 'gone'; nothing changed" in err
    assert len(ingested.jsonl("history", cid, "--json")) == 2  # no empty change recorded
    code, out, err = ingested("untag", "--help")
    assert "exit status stays 0" in out
    ingested.ok("tag", cid, "press")
    code, out, err = ingested("tag", cid, "press")
    assert code == 0 and f"{cid} already had tag 'press'; nothing changed" in err


def test_undo_of_ack(ingested: Run) -> None:
    cid = _first_id(ingested, "prec:immediate+")
    ingested.ok("ack", cid)
    assert ingested.jsonl("show", cid, "--json")[0]["acked"]["user"] == "alice"
    ingested.ok("undo")
    assert ingested.jsonl("show", cid, "--json")[0]["acked"] is None


def test_undo_with_nothing_to_undo(ingested: Run) -> None:
    code, _out, err = ingested("undo", user="nobody-yet")
    assert code == 1 and "nothing to undo" in err


def test_state_commands_reject_unknown_ids(ingested: Run) -> None:
    for args in (("tag", "NOPE", "x"), ("assign", "NOPE", "bob"), ("action", "NOPE", "done"),
                 ("ack", "NOPE"), ("history", "NOPE")):  # fmt: skip
        code, _out, err = ingested(*args)
        assert code == 1 and "no cable 'NOPE'" in err, args


@pytest.mark.parametrize(
    "args",
    [
        ("action", "X", "maybe"),
        ("assign", "X"),
        ("assign", "X", "bob", "--none"),
        ("frobnicate",),
        ("tag", "X"),
        ("list", "--width", "wide"),
        ("list", "--width", "-1"),
        ("export", "--format", "xls"),
    ],
)
def test_usage_errors_exit_2(run: Run, args: tuple[str, ...]) -> None:
    code, out, err = run(*args)
    assert code == 2 and out == "" and "usage:" in err


@pytest.mark.parametrize(
    ("tag", "why"),
    [("-x", "starts with '-'"), ("(x)", "parenthesis"), ('"q"', "quote"), ("a,b", "comma"),
     ("a b", "space"), ("x" * 41, "longer than 40")],
)  # fmt: skip
def test_tag_refuses_what_the_app_refuses(ingested: Run, tag: str, why: str) -> None:
    from triage.names import tag_error

    cid = _first_id(ingested)
    before = ingested.ok("history", cid, "--json")
    code, out, err = ingested("tag", cid, "--", "ok", tag)
    assert (code, out) == (2, "") and why in err and tag_error(tag) in err, err
    assert ingested.ok("history", cid, "--json") == before  # nothing was written
    code, out, err = ingested("untag", cid, "--", tag)
    assert (code, out) == (2, "") and why in err, err


def test_untag_removes_an_odd_tag_the_cable_already_has(ingested: Run, inbox: Path) -> None:
    from triage.store import Store

    cid = _first_id(ingested)
    Store(inbox / ".triage", "alice").add_tags([cid], ["a,b", "(x)"])  # from an older version
    assert ingested.ok("untag", cid, "--", "A,B", "(x)") == f"{cid}: tags (none)\n"


@pytest.mark.parametrize("how", ["assign", "--user"])
def test_user_name_with_a_space_is_refused(ingested: Run, how: str) -> None:
    cid = _first_id(ingested)
    before = ingested.ok("history", cid, "--json")
    if how == "assign":
        code, out, err = ingested("assign", cid, "bad user")
    else:
        code, out, err = ingested("tag", cid, "x", user="two words")
        assert "--user" in err
    assert (code, out) == (2, "") and "a user name has no spaces" in err, err
    assert ingested.ok("history", cid, "--json") == before


def test_tag_with_control_characters_is_refused(ingested: Run) -> None:
    cid = _first_id(ingested)
    code, _out, err = ingested("tag", cid, "bad\x1b[31mtag")
    assert code == 2 and "printable" in err


@pytest.mark.parametrize(
    "name", ["ev\x1b[31mil", "bo\tb", "nul\x00", "\u202eecila", "line\nbreak", "", "  "]
)
def test_user_with_control_characters_is_refused(
    ingested: Run, inbox: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    cid = _first_id(ingested)
    before = ingested.ok("history", cid, "--json")
    code, out, err = ingested("tag", cid, "x", user=name)
    assert (code, out) == (2, ""), err
    assert "--user" in err and "printable" in err
    assert not CONTROL.search(err.replace("\n", " "))
    if name and "\x00" not in name:  # an empty variable counts as unset; no NUL in environ
        monkeypatch.setenv("TRIAGE_USER", name)
        ingested.capsys.readouterr()
        code = cli.main(["--inbox", str(inbox), "tag", cid, "x"])
        out, err = ingested.capsys.readouterr()
        assert (code, out) == (2, "") and "TRIAGE_USER" in err, err
        monkeypatch.delenv("TRIAGE_USER")
    assert ingested.ok("history", cid, "--json") == before  # nothing was written
    code = cli.main(["--inbox", str(inbox), "--user", name])  # the app: refused before it starts
    out, err = ingested.capsys.readouterr()
    assert code == 2 and "--user" in err


# --- the state folder -------------------------------------------------------------------


def test_newer_major_state_is_an_error_and_untouched(ingested: Run, inbox: Path) -> None:
    meta = inbox / ".triage" / "meta.json"
    data = orjson.loads(meta.read_bytes())
    data["meta"]["1"]["schema"] = "99.0"
    meta.write_bytes(orjson.dumps(data))
    before = meta.read_bytes()
    for args in (("list",), ("tag", "X", "y"), ("ingest",)):
        code, _out, err = ingested(*args)
        assert code == 1 and "newer" in err and "upgrade" in err, args
    assert meta.read_bytes() == before


def test_invalid_json_state_is_an_error_and_untouched(ingested: Run, inbox: Path) -> None:
    meta = inbox / ".triage" / "meta.json"
    meta.write_bytes(b'{"meta": {"1": {"schema": "1.1", "sh')
    before = meta.read_bytes()
    code, _out, err = ingested("list")
    assert code == 1 and "meta.json" in err
    code, _out, err = ingested("ingest")
    assert code == 1
    assert meta.read_bytes() == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_unwritable_inbox_asks_for_db(inbox: Path, capsys: Any) -> None:
    inbox.chmod(0o555)
    try:
        code, _out, err = Run(inbox, capsys)("ingest")
    finally:
        inbox.chmod(0o755)
    assert code == 1 and "--db" in err


def test_db_flag_and_environment(
    inbox: Path, tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "state"
    assert cli.main(["--inbox", str(inbox), "--db", str(db), "ingest"]) == 0
    assert (db / "meta.json").is_file() and not (inbox / ".triage").exists()
    capsys.readouterr()
    monkeypatch.setenv("TRIAGE_DB", str(db))
    monkeypatch.setenv("TRIAGE_USER", "carol")
    assert cli.main(["--inbox", str(inbox), "list", "--json"]) == 0
    out = capsys.readouterr().out
    assert len(out.splitlines()) == 8
    config = tmp_path / "config.toml"
    config.write_text(f'db = "{tmp_path / "other"}"\n')
    monkeypatch.delenv("TRIAGE_DB")
    monkeypatch.setenv("TRIAGE_CONFIG", str(config))
    assert cli.main(["--inbox", str(inbox), "list"]) == 0
    assert (tmp_path / "other" / "meta.json").is_file()


# --- export -----------------------------------------------------------------------------


def _formula_free(cell: str) -> bool:
    return not cell.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r"))


def test_export_csv(ingested: Run) -> None:
    cid = _first_id(ingested)
    ingested.ok("tag", cid, "--", "=HYPERLINK|x", "+1", "@SUM:A1")
    ingested.ok("assign", cid, " =1+1")
    out = ingested.ok("export")
    rows = list(csv.reader(io.StringIO(out)))
    listed = ingested.jsonl("list", "--json")
    ranks = {"UNCLASSIFIED": 0, "UNCLASSIFIED//FOR OFFICIAL USE ONLY": 1,
             "LIMITED OFFICIAL USE": 2, "CONFIDENTIAL": 3, "SECRET": 4, "TOP SECRET": 5,
             None: 6}  # fmt: skip
    top = max((r["classification"] for r in listed), key=lambda c: ranks.get(c, 6))
    assert rows[0][0].split("//")[0] == (top or "UNKNOWN")
    assert len(rows[0]) == 1
    assert rows[1][:3] == ["classification", "caveats", "id"]
    assert [r[2] for r in rows[2:]] == [r["id"] for r in listed]
    for record, row in zip(rows[2:], listed, strict=True):
        assert record[0] == (row["classification"] or "UNKNOWN")
        assert record[1] == "; ".join(row["caveats"])
        for cell in record:
            assert _formula_free(cell), cell
            assert not CONTROL.search(cell)
    tagged = next(r for r in rows[2:] if r[2] == cid)
    header = rows[1]
    assert tagged[header.index("tags")].startswith("'=HYPERLINK")
    assert tagged[header.index("assignee")] == "'=1+1"  # the CLI strips blanks


def test_export_banner_covers_every_caveat(ingested: Run) -> None:
    listed = ingested.jsonl("list", "--json")
    caveats = sorted({c for r in listed for c in r["caveats"]})
    first = ingested.ok("export").splitlines()[0]
    if caveats:
        assert first.endswith("//" + "/".join(caveats))


def test_export_json_and_query(ingested: Run) -> None:
    lines = ingested.jsonl("export", "--format", "json", "-prec:flash")
    head, rows = lines[0], lines[1:]
    assert next(iter(head)) == "banner"
    assert head["count"] == len(rows) and head["query"] == "-prec:flash"
    assert all(r["precedence"] != "FLASH" for r in rows)
    assert head["banner"].split("//")[0] == head["classification"]
    assert set(head["caveats"]) == {c for r in rows for c in r["caveats"]}


def test_export_empty_is_unclassified(ingested: Run) -> None:
    out = ingested.ok("export", "nothing-matches-this")
    assert out.splitlines()[0] == "UNCLASSIFIED"


def test_export_to_file_but_not_into_the_inbox(ingested: Run, inbox: Path, tmp_path: Path) -> None:
    code, out, err = ingested("export", "-o", str(inbox / "report.csv"))
    assert code == 2 and "inside the inbox" in err
    assert not (inbox / "report.csv").exists()
    target = tmp_path / "report.csv"
    code, out, err = ingested("export", "--output", str(target))
    assert code == 0 and out == "" and "8 cables exported" in err
    assert target.read_text().splitlines()[1].startswith("classification,caveats,id")
    assert not target.stat().st_mode & 0o007


# --- safe output ------------------------------------------------------------------------


def test_json_output_carries_no_raw_control_characters(ingested: Run) -> None:
    for args in (("list", "--json"), ("export", "--format", "json")):
        out = ingested.ok(*args)
        assert not CONTROL.search(out), args
        for line in out.splitlines():
            orjson.loads(line)


def test_text_output_is_clean_everywhere(ingested: Run) -> None:
    (row,) = ingested.jsonl("list", "--json", "alert")
    assert "\x1b" in row["subject"] or "RED" in row["subject"]
    for args in (("list",), ("show", row["id"]), ("history", row["id"]), ("export",),
                 ("ingest",)):  # fmt: skip
        out = ingested.ok(*args)
        assert not CONTROL.search(out.replace("\r\n", "\n")), args


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("plain text", "plain text"),
        ("\x1b[31mred\x1b[0m", "red"),
        ("a\x1b]0;title\x07b", "ab"),
        ("a\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\b", "alinkb"),
        ("x\x9b2Jy", "xy"),
        ("tab\there", "tab here"),
        ("two\nlines\r\n", "two lines  "),
        ("\u202eevil\u202c", "evil"),
        ("nul\x00bell\x07del\x7f", "nulbelldel"),
        ("Ελληνικά 漢字 café", "Ελληνικά 漢字 café"),
        (None, ""),
        ("\x1b", ""),
        ("\x1b[", ""),
    ],
)
def test_safe_text(raw: str | None, clean: str) -> None:
    assert safe_text(raw) == clean


def test_safe_text_multiline() -> None:
    assert safe_text("a\r\nb\x1b[2Kc\td", multiline=True) == "a\nbc    d"


def test_csv_cell() -> None:
    for value in ("=1", "+1", "-1", "@x", " =1", "\t=1"):
        assert csv_cell(value).startswith("'")
    for value in ("a=1", "P-3", "", "2008-01-01"):
        assert csv_cell(value) == value


def test_format_table_cuts_only_the_subject() -> None:
    from triage.model import QueueRow

    row = QueueRow(
        id="08USUNNEWYORK173",
        precedence="IMMEDIATE",
        niact=True,
        classification="SECRET",
        caveats=["NOFORN", "EXDIS"],
        dtg="2008-02-22T22:15:00Z",
        origin="USMISSION USUN NEW YORK",
        subject="A VERY LONG SUBJECT " * 10,
        assignee="alice",
        action="open",
    )
    _header, line = format_table([row], 80)
    assert len(line) <= 80
    assert "08USUNNEWYORK173 NIACT S//NF/XD 22FEB08 USUN NEW" in line
    assert "alice" in line and "open" in line and line.endswith("…")


@pytest.mark.parametrize(
    ("received", "of", "shown"),
    [
        ([1, 2], 3, "have 1, 2 of 3; missing 3"),
        ([2], 2, "have 2 of 2; missing 1"),
        ([2, 1], 2, "have all 2"),
        ([1, 2, 3, 4, 5, 7], 10, "have 1-5, 7 of 10; missing 6, 8-10"),
        ([1, 2, 3, 4, 5, 7], 9, "have 1-5, 7 of 9; missing 6, 8, 9"),
        ([], 3, "have none of 3; missing 1-3"),
    ],
)
def test_show_says_which_sections_are_missing(received: list[int], of: int, shown: str) -> None:
    from triage.model import QueueRow
    from triage.output import show_lines

    row = QueueRow(id="08X1", sections={"received": received, "of": of})
    lines = show_lines(row, {})
    assert f"Sections:       {shown}" in lines


def _flag_rows() -> list[Any]:
    from triage.model import QueueRow

    base = {"precedence": "ROUTINE", "classification": "SECRET", "read": True,
            "dtg": "2008-02-22T22:15:00Z", "origin": "AMEMBASSY BELGRADE",
            "subject": "A LONG SUBJECT " * 8}  # fmt: skip
    return [
        QueueRow(id="08PLAIN1", **base),
        QueueRow(id="08UNREAD1", **{**base, "read": False}),
        QueueRow(id="08FLASH1", **{**base, "precedence": "FLASH", "read": False}),
        QueueRow(id="08ACKED1", **{**base, "precedence": "FLASH"}, acked={"user": "a", "at": "x"}),
        QueueRow(id="08CONFLICT1", **base, conflict=True),
        QueueRow(id="08FLAGGED1", **base, flagged="new action requests"),
        QueueRow(id="08GONE1", **base, missing_sources=["a.txt"], sources=["a.txt"]),
        QueueRow(id="08PART1", **base, sections={"received": [1], "of": 2}),
        QueueRow(id="08CORR1", **base, corrected=True),
        QueueRow(id="08ALL1", **{**base, "precedence": "IMMEDIATE", "read": False},
                 conflict=True, flagged="x", missing_sources=["b"], corrected=True,
                 sections={"received": [2], "of": 2}, rejected="too big"),
    ]  # fmt: skip


def test_list_marks_and_flags_columns() -> None:
    rows = _flag_rows()
    for width in (80, None):
        lines = format_table(rows, width)
        title = lines[0]
        assert "FLAGS" in title.split()
        at = title.index("FLAGS")
        by_id = {next(w for w in line.split() if w.startswith("08")): line for line in lines[1:]}
        marks = {cid: line[:2] for cid, line in by_id.items()}
        flags = {cid: line[at : at + 6].strip() for cid, line in by_id.items()}
        assert marks == {"08PLAIN1": "  ", "08UNREAD1": "● ", "08FLASH1": "●!", "08ACKED1": "  ",
                         "08CONFLICT1": "  ", "08FLAGGED1": "  ", "08GONE1": "  ",
                         "08PART1": "  ", "08CORR1": "  ", "08ALL1": "●!"}  # fmt: skip
        assert flags == {"08PLAIN1": "", "08UNREAD1": "", "08FLASH1": "", "08ACKED1": "",
                         "08CONFLICT1": "X", "08FLAGGED1": "F", "08GONE1": "?", "08PART1": "P",
                         "08CORR1": "C", "08ALL1": "XF?PCR"}  # fmt: skip
        if width is not None:
            assert all(len(line) <= width for line in lines), lines


def test_list_with_every_flag_still_fits_80_columns() -> None:
    from triage.model import QueueRow

    row = QueueRow(id="08USUNNEWYORK173", precedence="IMMEDIATE", niact=True,
                   classification="SECRET", caveats=["NOFORN", "EXDIS"],
                   dtg="2008-02-22T22:15:00Z", origin="USMISSION USUN NEW YORK",
                   subject="UNSC CONSULTATIONS ON KOSOVO", assignee="alexandra",
                   action="open", conflict=True, flagged="x", missing_sources=["a"],
                   corrected=True, sections={"received": [1], "of": 2})  # fmt: skip
    header, line = format_table([row], 80)
    assert len(header) <= 80 and len(line) <= 80, line
    assert "08USUNNEWYORK173 NIACT S//NF/XD 22FEB08" in line and "XF?PC" in line
    assert "UNSC CONSUL" in line and "alex" in line


def test_list_flags_column_only_when_a_row_has_a_flag() -> None:
    rows = _flag_rows()[:4]
    assert "FLAGS" not in format_table(rows, 80)[0]


def test_list_shows_a_missing_source(ingested: Run, inbox: Path) -> None:
    (inbox / "notes.txt").unlink()
    ingested.ok("ingest")
    lines = ingested.ok("list").splitlines()
    at = lines[0].index("FLAGS")
    line = next(x for x in lines if "(file notes.txt)" in x)
    assert line[at : at + 5].strip() == "?"


def test_query_help_names_every_field_and_value() -> None:
    from triage import queue

    for name in queue.FIELDS:
        assert f"{name}:" in cli.QUERY_HELP, name
    for value in queue.IS_VALUES:
        assert value in cli.QUERY_HELP, value


def test_export_file_is_group_only_even_over_a_world_readable_file(
    ingested: Run, tmp_path: Path
) -> None:
    out = tmp_path / "report.csv"
    out.write_text("old\n")
    out.chmod(0o644)
    ingested.ok("export", "--format", "csv", "--output", str(out))
    assert out.stat().st_mode & 0o007 == 0
    assert out.read_text(encoding="utf-8").splitlines()[0]  # the banner line
    assert not list(tmp_path.glob(".report.csv.*"))  # no temp file left behind


def test_parse_into_a_closed_pipe_prints_no_traceback() -> None:
    files = [str(p) for p in sorted(INBOX.glob("*.txt"))] * 40
    proc = subprocess.run(
        f"{sys.executable} -m triage parse {' '.join(files)} | head -c 10",
        shell=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Traceback" not in proc.stderr, proc.stderr


def test_unknown_config_keys_are_warned_on_stderr(
    inbox: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('qeury = "-action:done"\n', encoding="utf-8")
    monkeypatch.setenv("TRIAGE_CONFIG", str(config))
    assert cli.main(["--inbox", str(inbox), "--db", str(tmp_path / "state"), "list"]) == 0
    err = capsys.readouterr().err
    assert "triage: warning:" in err and "'qeury'" in err and "query" in err
