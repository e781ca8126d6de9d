"""A message keeps its identity on the channel it came by or went out on: ``channel`` and
``external_id`` (an e-mail's Message-ID, a WhatsApp message id), unique per channel, so
every channel can thread replies and drop a message delivered twice. Both are empty for
messages written in sladesk itself (NULLs never collide on either engine).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN and a unique index: no table rebuild on SQLite
    op.add_column("messages", sa.Column("channel", sa.String(32), nullable=True))
    op.add_column("messages", sa.Column("external_id", sa.String(500), nullable=True))
    op.create_index(
        "ix_messages_channel_external_id", "messages", ["channel", "external_id"], unique=True
    )


def downgrade() -> None:
    op.drop_index("ix_messages_channel_external_id", "messages")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("external_id")
        batch.drop_column("channel")
