"""The store's one error of its own, for what only the database can tell."""

from __future__ import annotations

from sladesk.tickets import Conflict

__all__ = ["WriteConflict"]


class WriteConflict(Conflict):
    """The database refused a write: a row collides on a unique key with one already there
    or committed first by another transaction (two requests with one idempotency key, a
    channel message stored twice). Nothing of the transaction is written."""
