"""The outbox's discarded dead letters: ``outbox.discarded_at``, set when an admin discards
a message delivery gave up on (the row stays, with its error, so that nothing queued is
forgotten; it is no longer listed as a dead letter, and never delivered).

Revision ID: 0023_mailops
Revises: 0022_packed_history
Create Date: 2026-12-07 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023_mailops"
down_revision = "0022_packed_history"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("discarded_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("discarded_at")
