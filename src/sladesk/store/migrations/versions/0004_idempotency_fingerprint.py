"""An idempotency key remembers the request it was first used with (a SHA-256 fingerprint),
so that a reuse with a different request is refused instead of answering the first ticket
and dropping the new content. Keys stored before have none, and match any request.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 13:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.add_column(sa.Column("fingerprint", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.drop_column("fingerprint")
