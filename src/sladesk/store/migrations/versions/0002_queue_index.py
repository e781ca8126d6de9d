"""The agent queue as a top-N index scan, and ticket numbers drawn by the INSERT itself.

- ``ix_tickets_open_due``: a partial index over open tickets (status neither ``solved`` nor
  ``closed``) on ``(sla_due_at IS NULL, sla_due_at, id)``: exactly the queue's ORDER BY
  (deadlines first, earliest first, tickets without one last), so "the 50 open tickets with
  the least time left" reads 50 index entries instead of sorting every open ticket. Both
  engines support partial and expression indexes; the query must spell the predicate with
  literal values (``sladesk.store._repo_tickets.OPEN``) for the planners to use it.
- PostgreSQL: ``tickets.number`` defaults to ``nextval('ticket_number_seq')``, so a create
  gets its number back with its id (RETURNING) instead of a round trip of its own. SQLite
  keeps the ``counters`` row (its write lock already serialises writers).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_OPEN = sa.text("status NOT IN ('solved', 'closed')")


def upgrade() -> None:
    op.create_index(
        "ix_tickets_open_due",
        "tickets",
        [sa.text("(sla_due_at IS NULL)"), "sla_due_at", "id"],
        postgresql_where=_OPEN,
        sqlite_where=_OPEN,
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE tickets ALTER COLUMN number SET DEFAULT nextval('ticket_number_seq')"
        )
        op.execute("ALTER SEQUENCE ticket_number_seq OWNED BY tickets.number")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER SEQUENCE ticket_number_seq OWNED BY NONE")
        op.execute("ALTER TABLE tickets ALTER COLUMN number DROP DEFAULT")
    op.drop_index("ix_tickets_open_due", table_name="tickets")
