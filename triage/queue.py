"""Triage order and the QUERY language: pure functions on QueueRow.

INTERFACE STUB: the CLI helper implements it. Contract:
- ``order(rows) -> list[QueueRow]``: FLASH, NIACT IMMEDIATE, IMMEDIATE, PRIORITY, ROUTINE,
  unknown; then newest DTG first (no DTG last); then id.
- ``parse_query(text) -> Query``: raises ``QueryError`` (message lists the known fields for an
  unknown one). ``Query.matches(row, user) -> bool``. ``filter_rows(rows, query, user)``.
"""
