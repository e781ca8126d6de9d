"""The default ticket list (open tickets, newest first) as a top-N index scan.

``GET /api/v1/tickets?open=true`` without ``order=time_left`` orders open tickets by
``created_at DESC, id DESC``. Without an index for it both engines read every open ticket and
sort them (SQLite in a temporary B-tree: 16 ms among 10,000 open tickets, growing with the
backlog). ``ix_tickets_open_created`` is a partial index over open tickets on
``(created_at, id)``, read backwards, so the first page costs ``limit`` index entries. Like
``ix_tickets_open_due`` (migration 0002) its predicate is spelled with literal statuses, as
the query spells it (``sladesk.store._repo_tickets.OPEN``), or neither planner matches it.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_OPEN = sa.text("status NOT IN ('solved', 'closed')")


def upgrade() -> None:
    op.create_index(
        "ix_tickets_open_created",
        "tickets",
        ["created_at", "id"],
        postgresql_where=_OPEN,
        sqlite_where=_OPEN,
    )


def downgrade() -> None:
    op.drop_index("ix_tickets_open_created", table_name="tickets")
