"""WhatsApp templates: ``channel_templates``, the approved message templates of the business
account as the Cloud API last listed them (``GET /{waba_id}/message_templates``), kept so
that the console offers them without calling the API on a page view. See
``store/_tables_channels.py``.

Revision ID: 0021_whatsapp_templates
Revises: 0020_chat
Create Date: 2026-12-07 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0021_whatsapp_templates"
down_revision = "0020_chat"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "channel_templates",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("name", sa.String(512), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("parameters", _JSON, nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_channel_templates"),
        sa.UniqueConstraint(
            "channel", "name", "language", name="uq_channel_templates_channel_name_language"
        ),
    )


def downgrade() -> None:
    op.drop_table("channel_templates")
