"""The e-mail channel's tables: ``mail_messages`` (every message in and out by Message-ID,
unique, with its raw bytes, ticket and CC list) and ``mail_addresses`` (bouncing
addresses). See ``store/_tables_mail.py``.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 13:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSONData = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def UTCDateTime() -> sa.DateTime:  # noqa: N802 - reads like the column type it stands for
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "mail_messages",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("message_id", sa.String(900), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("mailbox", sa.String(100), nullable=True),
        sa.Column("sender", sa.String(320), nullable=False),
        sa.Column("recipients", JSONData, nullable=False),
        sa.Column("cc", JSONData, nullable=False),
        sa.Column("subject", sa.String(500), nullable=False),
        sa.Column("ticket_id", _ID, nullable=True),
        sa.Column("ticket_message_id", _ID, nullable=True),
        sa.Column("author", sa.String(64), nullable=True),
        sa.Column("outbox_key", sa.String(300), nullable=True),
        sa.Column("raw", sa.LargeBinary(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("details", JSONData, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("processed_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name="fk_mail_messages_ticket_id_tickets",
            ondelete="SET NULL",
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("id", name="pk_mail_messages"),
        sa.UniqueConstraint("message_id", name="uq_mail_messages_message_id"),
    )
    op.create_index("ix_mail_messages_ticket_id", "mail_messages", ["ticket_id"])
    # how many messages one address sent lately (the acknowledgements' rate limit)
    op.create_index("ix_mail_messages_sender_created_at", "mail_messages", ["sender", "created_at"])
    op.create_table(
        "mail_addresses",
        sa.Column("address", sa.String(320), nullable=False),
        sa.Column("bouncing_since", UTCDateTime(), nullable=True),
        sa.Column("bounces", sa.Integer(), nullable=False),
        sa.Column("last_bounce", sa.Text(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("address", name="pk_mail_addresses"),
    )


def downgrade() -> None:
    op.drop_table("mail_addresses")
    op.drop_index("ix_mail_messages_sender_created_at", table_name="mail_messages")
    op.drop_index("ix_mail_messages_ticket_id", table_name="mail_messages")
    op.drop_table("mail_messages")
