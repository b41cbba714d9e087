"""Triage order and the QUERY language: the shared table through the filter and the CLI."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests import query_table
from triage import cli, queue
from triage.model import CLASSIFICATIONS, PRECEDENCES, Precedence, QueueRow
from triage.queue import QueryError, QueueIndex, filter_rows, order, parse_query

TABLE = query_table.load()
ROWS = TABLE.queue_rows()
BY_ID = {row.id: row for row in ROWS}


def _ids(rows: list[QueueRow]) -> list[str]:
    return [row.id for row in rows]


def _in_order(ids: tuple[str, ...]) -> list[str]:
    return [cid for cid in TABLE.order if cid in ids]


# --- order ------------------------------------------------------------------------------


def test_order_matches_the_table() -> None:
    assert _ids(order(ROWS)) == list(TABLE.order)


def test_order_ignores_input_order() -> None:
    rows = ROWS[:]
    for seed in range(5):
        random.Random(seed).shuffle(rows)
        assert _ids(order(rows)) == list(TABLE.order)


def _reference_key(row: QueueRow) -> tuple[int, int, str, str]:
    # (rank, has no DTG, DTG descending via a second pass, ID)
    return (int(row.rank), row.dtg is None, row.dtg or "", row.id)


def _reference_order(rows: list[QueueRow]) -> list[QueueRow]:
    by_id = sorted(rows, key=lambda r: r.id)
    newest = sorted(by_id, key=lambda r: r.dtg or "", reverse=True)
    return sorted(newest, key=lambda r: int(r.rank))


dtgs = st.one_of(
    st.none(),
    st.datetimes(min_value=datetime(1966, 1, 1), max_value=datetime(2030, 1, 1)).map(
        lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ")
    ),
)
rows_strategy = st.lists(
    st.builds(
        QueueRow,
        id=st.text("0123456789ABCXYZ-", min_size=1, max_size=8),
        precedence=st.sampled_from((*PRECEDENCES, None, "BOGUS")),
        niact=st.booleans(),
        dtg=dtgs,
    ),
    max_size=40,
    unique_by=lambda r: r.id,
)


@given(rows_strategy)
@settings(max_examples=100, deadline=None)
def test_order_equals_a_plain_reference_sort(rows: list[QueueRow]) -> None:
    assert _ids(order(rows)) == _ids(_reference_order(rows))
    assert _ids(list(QueueIndex(rows))) == _ids(_reference_order(rows))


def test_rank_of_agrees_with_the_model() -> None:
    for prec in (*PRECEDENCES, None, "ODD"):
        for niact in (False, True):
            row = QueueRow(id="x", precedence=prec, niact=niact)
            assert queue.rank_of(row) == int(Precedence.rank(prec, niact))


# --- the table: pure filter -------------------------------------------------------------


@pytest.mark.parametrize("case", TABLE.cases, ids=lambda c: c.query or "<empty>")
def test_table_filter_rows(case: query_table.Case) -> None:
    query = parse_query(case.query, now=TABLE.now)
    got = filter_rows(ROWS, query, TABLE.user)
    assert sorted(_ids(got)) == sorted(case.ids)
    # Order kept; matches() agrees with filter_rows(); QueueIndex gives triage order.
    assert _ids(got) == [r.id for r in ROWS if r.id in case.ids]
    assert [r.id for r in ROWS if query.matches(r, TABLE.user)] == _ids(got)
    assert _ids(QueueIndex(ROWS).filter(query, TABLE.user)) == _in_order(case.ids)
    hays = [queue.haystack(r) for r in ROWS]
    assert _ids(query.filter(ROWS, TABLE.user, hays)) == _ids(got)


@pytest.mark.parametrize("case", TABLE.errors, ids=lambda c: c.query)
def test_table_errors(case: query_table.ErrorCase) -> None:
    with pytest.raises(QueryError) as info:
        parse_query(case.query, now=TABLE.now)
    assert case.message in str(info.value)
    assert info.value.position == case.position
    if case.position is not None:
        assert f"(column {case.position + 1})" in str(info.value)


def test_the_table_covers_every_field_and_operator() -> None:
    text = " ".join(c.query for c in TABLE.cases).lower()
    for name in queue.FIELDS:
        assert f"{name}:" in text, name
    for value in queue.IS_VALUES:
        assert f"is:{value}" in text, value
    for token in (" or ", " and ", "not ", "-", "(", '"', ","):
        assert token in f" {text} ", token


# --- the table: through `triage list --json` --------------------------------------------


@pytest.fixture(scope="module")
def table_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    state = tmp_path_factory.mktemp("query-table") / "state"
    query_table.populate(state)
    return state


def _cli_list(db: Path, query: str, capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    code = cli.main(["--db", str(db), "--user", TABLE.user, "list", "--json", "--", query])
    out, err = capsys.readouterr()
    assert code == 0, err
    return [orjson.loads(line) for line in out.splitlines()]


def test_store_rows_equal_the_table_rows(table_db: Path) -> None:
    from triage.store import Store

    store = Store(table_db, TABLE.user)
    fields = (
        *query_table.PARSED_FIELDS,
        "tags",
        "assignee",
        "action",
        "read",
        "flagged",
    )
    got = {row.id: row for row in store.rows()}
    assert set(got) == set(BY_ID)
    for cid, want in BY_ID.items():
        for name in fields:
            assert getattr(got[cid], name) == getattr(want, name), (cid, name)
        assert (got[cid].acked is None) == (want.acked is None), cid


CLI_CASES = [c for c in TABLE.cases if c.cli]


def test_table_through_cli(table_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    failures = []
    for case in CLI_CASES:
        rows = _cli_list(table_db, case.query, capsys)
        got = [str(r["id"]) for r in rows]
        if got != _in_order(case.ids):
            failures.append((case.query, got, _in_order(case.ids)))
    assert not failures


def test_cli_query_words_without_double_dash(
    table_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Words after the subcommand are the QUERY; a leading -term works without `--`.
    code = cli.main(["--db", str(table_db), "--user", "alice", "list", "--json", "kosovo",
                     "-prec:flash"])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    assert [orjson.loads(line)["id"] for line in out.splitlines()] == [
        "08USUNNEWYORK173",
        "09ATHENS7",
    ]


@pytest.mark.parametrize("case", TABLE.errors[:4], ids=lambda c: c.query)
def test_cli_query_errors_exit_2(
    table_db: Path, case: query_table.ErrorCase, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(["--db", str(table_db), "list", "--", case.query])
    out, err = capsys.readouterr()
    assert code == 2
    assert out == ""
    assert case.message in err


# --- the compiler -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('true')",
        "x') or True or ('",
        '"\\" + r.id + \\""',
        "{r.id}",
        "a\\b",
        "tag:'\"",
        "from:)",
    ],
)
def test_query_values_are_data_never_code(text: str) -> None:
    try:
        query = parse_query(text)
    except QueryError:
        return
    assert filter_rows(ROWS, query, "alice") == [r for r in ROWS if query.matches(r, "alice")]
    # Every value is a bound constant: the generated source holds no string literal.
    assert "'" not in query.source and '"' not in query.source


def test_generated_source_has_no_query_text() -> None:
    query = parse_query('kosovo "nuclear talks" from:paris tag:urgent assignee:bob')
    for word in ("kosovo", "nuclear", "paris", "urgent", "bob"):
        assert word not in query.source


def test_empty_query_matches_everything() -> None:
    for text in ("", "   ", "\t\n"):
        query = parse_query(text)
        assert query.is_empty
        assert filter_rows(ROWS, query, "alice") == ROWS


def test_nesting_is_limited() -> None:
    with pytest.raises(QueryError, match="nested too deeply"):
        parse_query("(" * 200 + "x" + ")" * 200)
    with pytest.raises(QueryError, match="nested too deeply"):
        parse_query("-" * 200 + "x")
    parse_query("(" * 30 + "x" + ")" * 30)


def test_long_flat_queries_compile() -> None:
    query = parse_query(" OR ".join(f"word{i}" for i in range(2000)))
    assert filter_rows(ROWS, query, "alice") == []


def test_relative_dates_count_from_now() -> None:
    now = datetime(2008, 2, 20, 12, 0, tzinfo=UTC)
    got = filter_rows(ROWS, parse_query("since:3d", now=now), "alice")
    # >= 2008-02-17T12:00: not 08BELGRADE101 (10:00 on the 17th)
    assert sorted(_ids(got)) == sorted(
        ["08BELGRADE102", "08GENEVA42", "08BELGRADE103", "08USUNNEWYORK173", "09STATE15113",
         "09ATHENS7", "09PRETORIA939"]
    )  # fmt: skip
    got = filter_rows(ROWS, parse_query("since:12h until:today", now=now), "alice")
    assert got == []


def test_query_error_is_a_value_error_with_position() -> None:
    with pytest.raises(ValueError) as info:
        parse_query("kosovo OR")
    assert isinstance(info.value, QueryError)
    assert info.value.message == "OR needs a term on each side"


def test_haystacks_of_a_changed_list_are_rebuilt() -> None:
    rows = [QueueRow(**r.to_json()) for r in ROWS]
    query = parse_query("aftermath")
    assert _ids(filter_rows(rows, query, "alice")) == ["06TOKYO555"]
    i = next(k for k, r in enumerate(rows) if r.id == "07PARIS1791")
    rows[i] = QueueRow(**{**rows[i].to_json(), "subject": "ELECTION AFTERMATH"})
    assert _ids(filter_rows(rows, query, "alice")) == ["07PARIS1791", "06TOKYO555"]
    rows.pop(0)
    assert _ids(filter_rows(rows, "kosovo", "alice")) == ["08USUNNEWYORK173", "09ATHENS7"]
    assert _ids(filter_rows(tuple(rows), "kosovo", "alice")) == ["08USUNNEWYORK173", "09ATHENS7"]
    queue.clear_cache()
    assert _ids(filter_rows(rows, "kosovo", "alice")) == ["08USUNNEWYORK173", "09ATHENS7"]


@given(rows_strategy)
@settings(max_examples=40, deadline=None)
def test_prec_comparisons_agree_with_rank(rows: list[QueueRow]) -> None:
    compare = {
        ">=": lambda rank, k: rank <= k,
        ">": lambda rank, k: rank < k,
        "<=": lambda rank, k: rank >= k,
        "<": lambda rank, k: rank > k,
    }
    for op, test in compare.items():
        for k, name in enumerate(queue.PREC_NAMES):
            want = [r for r in rows if test(queue.rank_of(r), k)]
            assert filter_rows(rows, f"prec:{op}{name}", "u") == want, (op, name)


# --- QueueIndex -------------------------------------------------------------------------


def test_index_upsert_and_remove_keep_triage_order() -> None:
    index = QueueIndex(ROWS[:6])
    index.upsert(ROWS[6:])
    assert _ids(list(index)) == list(TABLE.order)
    # A re-parsed cable whose precedence and DTG changed moves; its old place is gone.
    moved = QueueRow(id="07PARIS1791", precedence="FLASH", dtg="2030-01-01T00:00:00Z")
    index.upsert([moved])
    assert index.rows[0] is moved and len(index) == len(ROWS)
    assert index.get("07PARIS1791") is moved
    assert index.position("07PARIS1791") == 0
    assert _ids(index.filter("french", "alice")) == []  # the old subject is gone
    index.remove(["07PARIS1791", "nope"])
    assert "07PARIS1791" not in _ids(list(index)) and len(index) == len(ROWS) - 1
    assert index.get("07PARIS1791") is None
    # Replacing with the same key keeps the place and refreshes the haystack.
    renamed = QueueRow(**{**BY_ID["09ATHENS7"].to_json(), "subject": "NEW SUBJECT"})
    index.upsert([renamed])
    assert _ids(index.filter("new subject", "alice")) == ["09ATHENS7"]
    assert _ids(list(index)) == _ids(order(list(index)))


def test_index_bulk_upsert_rebuilds() -> None:
    rng = random.Random(3)
    rows = [
        QueueRow(id=f"R{i}", precedence=rng.choice(PRECEDENCES), dtg=f"2008-01-{i % 28 + 1:02d}")
        for i in range(300)
    ]
    index = QueueIndex(rows[:10])
    index.upsert(rows[5:])
    assert _ids(list(index)) == _ids(order(rows))


state_rows = st.builds(
    QueueRow,
    id=st.text("0123456789ABXY", min_size=1, max_size=6),
    precedence=st.sampled_from((*PRECEDENCES, None)),
    niact=st.booleans(),
    classification=st.sampled_from((*CLASSIFICATIONS, None)),
    caveats=st.lists(st.sampled_from(("NOFORN", "EXDIS")), max_size=2, unique=True),
    dtg=dtgs,
    origin=st.sampled_from((None, "AMEMBASSY X", "USMISSION Y")),
    subject=st.sampled_from((None, "Kosovo talks", "NUCLEAR", "a-b")),
    cable_tags=st.lists(st.sampled_from(("PGOV", "KV")), max_size=2, unique=True),
    tags=st.lists(st.sampled_from(("urgent", "Urgent", "done")), max_size=2),
    assignee=st.sampled_from((None, "u", "U", "bob")),
    action=st.sampled_from(("none", "open", "done")),
    read=st.booleans(),
    acked=st.sampled_from((None, {"user": "bob", "at": "2026-01-01T00:00:00Z"})),
    sections=st.sampled_from((None, {"received": [1], "of": 2}, {"received": [1, 2], "of": 2})),
    conflict=st.booleans(),
    flagged=st.sampled_from((None, "why")),
)
INDEX_QUERIES = [
    "prec:flash", "-prec:>=priority", "1 OR 2", "is:niact -x", "prec:unknown", "a-b",
    "kosovo OR tag:urgent", "assignee:me -is:read", "assignee:none class:c+", "from:x,y",
    "caveat:noforn ctag:kv", "is:unacked OR is:flagged", "sections:incomplete action:open",
    "since:2000 -until:2010", "id:1 OR is:conflict", "is:assigned is:acked",
]  # fmt: skip


@given(
    st.lists(state_rows, max_size=30, unique_by=lambda r: r.id),
    st.lists(state_rows, max_size=10),
    st.sampled_from(INDEX_QUERIES),
)
@settings(max_examples=80, deadline=None)
def test_index_filter_equals_filter_rows(
    rows: list[QueueRow], changes: list[QueueRow], text: str
) -> None:
    query = parse_query(text)
    index = QueueIndex(rows)
    assert index.filter(query, "u") == order(filter_rows(rows, query, "u"))
    # Columns built by that filter stay right through upserts and removals.
    index.upsert(changes)
    index.remove([r.id for r in rows[:2]])
    current = list(index)
    assert current == order(current)
    assert index.filter(query, "u") == filter_rows(current, query, "u")
    assert [r for r in current if query.matches(r, "u")] == filter_rows(current, query, "u")


def test_classification_names_cover_the_model() -> None:
    for name in CLASSIFICATIONS:
        parse_query(f'class:"{name}"')


# --- since: / until: --------------------------------------------------------------------

_NOW = datetime(2026, 11, 28, 12, 0, 30, 123456, tzinfo=UTC)

DATE_FORMS = [
    # (value, first DTG inside the period, last DTG inside it) - every documented form
    ("2008", "2008-01-01T00:00:00Z", "2008-12-31T23:59:59Z"),
    ("2008-02", "2008-02-01T00:00:00Z", "2008-02-29T23:59:59Z"),
    ("2008-12", "2008-12-01T00:00:00Z", "2008-12-31T23:59:59Z"),
    ("2008-02-29", "2008-02-29T00:00:00Z", "2008-02-29T23:59:59Z"),
    ("2008-02-18T06:30", "2008-02-18T06:30:00Z", "2008-02-18T06:30:59Z"),
    ("2008-02-18t06:30z", "2008-02-18T06:30:00Z", "2008-02-18T06:30:59Z"),
    ('"2008-02-18 06:30"', "2008-02-18T06:30:00Z", "2008-02-18T06:30:59Z"),
    ("2008-02-18T06:30:15", "2008-02-18T06:30:15Z", "2008-02-18T06:30:15Z"),
    ("2008-02-18T06:30:15Z", "2008-02-18T06:30:15Z", "2008-02-18T06:30:15Z"),
    ("1900", "1900-01-01T00:00:00Z", "1900-12-31T23:59:59Z"),
    ("9999", "9999-01-01T00:00:00Z", "9999-12-31T23:59:59Z"),
    ("9999-12", "9999-12-01T00:00:00Z", "9999-12-31T23:59:59Z"),
    ("9999-12-31", "9999-12-31T00:00:00Z", "9999-12-31T23:59:59Z"),
    ("9999-12-31T23:59", "9999-12-31T23:59:00Z", "9999-12-31T23:59:59Z"),
    ("TODAY", "2026-11-28T00:00:00Z", "2026-11-28T23:59:59Z"),
    ("today", "2026-11-28T00:00:00Z", "2026-11-28T23:59:59Z"),
    ("yesterday", "2026-11-27T00:00:00Z", "2026-11-27T23:59:59Z"),
    ("12h", "2026-11-28T00:00:30Z", "2026-11-28T00:00:30Z"),  # an age is a moment
    ("7d", "2026-11-21T12:00:30Z", "2026-11-21T12:00:30Z"),
    ("2W", "2026-11-14T12:00:30Z", "2026-11-14T12:00:30Z"),
    ("0h", "2026-11-28T12:00:30Z", "2026-11-28T12:00:30Z"),
]


def _moved(dtg: str, seconds: int) -> str:
    moment = datetime.fromisoformat(dtg.replace("Z", "+00:00")) + timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize(("value", "first", "last"), DATE_FORMS, ids=lambda v: str(v))
def test_since_until_bounds_of_every_form(value: str, first: str, last: str) -> None:
    """since: keeps DTGs from the period's start, until: up to its end, both inclusive."""
    before = _moved(first, -1)
    after = _moved(last, 1) if not last.startswith("9999-12-31T23:59:59") else None
    dtgs = [before, first, last, *([after] if after else [])]
    rows = [QueueRow(id=f"R{i}", dtg=dtg) for i, dtg in enumerate(dtgs)]
    rows.append(QueueRow(id="NODTG"))
    since = parse_query(f"since:{value}", now=_NOW)
    until = parse_query(f"until:{value}", now=_NOW)
    assert [r.dtg for r in since.filter(rows, "u")] == dtgs[1:], since.source
    assert [r.dtg for r in until.filter(rows, "u")] == [before, first, last], until.source
    index = QueueIndex(rows)  # the column form agrees
    assert {r.id for r in index.filter(since, "u")} == {r.id for r in since.filter(rows, "u")}
    assert {r.id for r in index.filter(until, "u")} == {r.id for r in until.filter(rows, "u")}


@pytest.mark.parametrize(
    "value",
    [
        "garbage",
        "yesterdayish",
        "last-week",
        "2008-13",
        "2008-00",
        "2008-02-30",
        "2007-02-29",
        "2008-02-00",
        "2008-02-18T24:00",
        "2008-02-18T06:60",
        "2008-02-18T06:30:60",
        "2008-02-18T06",
        "2008-02-18T0630",
        "20080218",
        "2008-2-18",
        "08-02-18",
        "18FEB08",
        "221500ZFEB08",
        "2008/02/18",
        "2008-02-18Z",
        "2008-02-18T06:30+01:00",
        "2008-02-18T06:30:00.5Z",
        "1d12h",
        "5m",
        "5y",
        "1.5d",
        "123456d",
        "0999",
        "0208-02-18",
        "1899-12-31",
        "0000",
        "10000",
        "+5d",
    ],
)
def test_since_until_reject_what_does_not_parse(value: str) -> None:
    for name in ("since", "until"):
        with pytest.raises(QueryError) as info:
            parse_query(f"kosovo {name}:{value}", now=_NOW)
        message = info.value.message
        assert message.startswith(f"{name}: expects a date"), message
        for form in ("YYYY-MM-DD", "YYYY-MM-DDTHH:MM", "today", "yesterday", "7d"):
            assert form in message
        assert info.value.position == 7


def test_cli_bad_date_is_a_usage_error(table_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for value in ("0208-02-18", "2008-02-30", "garbage"):
        code = cli.main(["--db", str(table_db), "list", f"since:{value}"])
        out, err = capsys.readouterr()
        assert (code, out) == (2, ""), value
        assert "since: expects a date" in err and "today, yesterday" in err
