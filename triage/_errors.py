"""The store's exceptions, in a module of their own so the private store modules can raise them."""

from __future__ import annotations


class StoreError(Exception):
    """Base of every store error; the message says what the user should do."""


class StaleChangeError(StoreError):
    """A compare-and-set change was made on a screen that had not seen a newer change."""


class LockTimeoutError(StoreError):
    """The state lock was not obtained in time."""


class SchemaError(StoreError):
    """The state was written by a newer major version, or is not valid JSON; it is left as is."""


class UnknownCableError(StoreError):
    """No cable with that ID is known."""


class UndoError(StoreError):
    """Nothing to undo, or someone else changed the field since."""
