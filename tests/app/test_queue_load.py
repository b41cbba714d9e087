"""The load worker's bulk steps agree with their one-row-at-a-time definitions."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from triage.app.screens.queue_sync import new_urgent
from triage.model import PRECEDENCES, QueueRow

_rows = st.lists(
    st.builds(
        QueueRow,
        id=st.text("0123456789AB", min_size=1, max_size=6),
        precedence=st.sampled_from((*PRECEDENCES, None, "BOGUS")),
        niact=st.booleans(),
        acked=st.one_of(st.none(), st.just({"by": "x", "at": "y"})),
        arrived=st.sampled_from([None, "", "2026-01-01T00:00:00", "2026-02-01T00:00:00"]),
    ),
    max_size=40,
)


@given(_rows, st.sampled_from([None, "", "2026-01-15T00:00:00"]))
@settings(max_examples=200, deadline=None)
def test_new_urgent_is_needs_ack_after_the_marker(rows: list[QueueRow], marker: str | None) -> None:
    want = [r for r in rows if r.needs_ack and r.arrived and (not marker or r.arrived > marker)]
    assert new_urgent(rows, marker) == want
