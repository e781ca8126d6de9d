"""WhatsApp: ``channel_addresses`` (a contact's addresses on a channel, the conversation's
ticket, the 24-hour window's start) and ``channel_deliveries`` (our messages sent on a
channel and their delivery status). See ``store/_tables_channels.py``.

Revision ID: 0018_whatsapp
Revises: 0017_vip
Create Date: 2026-12-07 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_whatsapp"
down_revision = "0017_vip"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def UTCDateTime() -> sa.DateTime:  # noqa: N802 - reads like the column type it stands for
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "channel_addresses",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("address", sa.String(200), nullable=False),
        sa.Column("contact_id", _ID, nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("ticket_id", _ID, nullable=True),
        sa.Column("last_inbound_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name="fk_channel_addresses_contact_id_contacts"
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name="fk_channel_addresses_ticket_id_tickets",
            ondelete="SET NULL",
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("id", name="pk_channel_addresses"),
        sa.UniqueConstraint("channel", "address", name="uq_channel_addresses_channel_address"),
    )
    op.create_index("ix_channel_addresses_contact_id", "channel_addresses", ["contact_id"])
    op.create_table(
        "channel_deliveries",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("outbox_key", sa.String(300), nullable=False),
        sa.Column("ticket_id", _ID, nullable=True),
        sa.Column("message_id", _ID, nullable=True),
        sa.Column("recipient", sa.String(200), nullable=False),
        sa.Column("external_id", sa.String(500), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name="fk_channel_deliveries_ticket_id_tickets",
            ondelete="CASCADE",
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("id", name="pk_channel_deliveries"),
        sa.UniqueConstraint("outbox_key", name="uq_channel_deliveries_outbox_key"),
    )
    op.create_index(
        "ix_channel_deliveries_channel_external_id", "channel_deliveries",
        ["channel", "external_id"],
    )  # fmt: skip
    op.create_index("ix_channel_deliveries_ticket_id", "channel_deliveries", ["ticket_id"])


def downgrade() -> None:
    op.drop_index("ix_channel_deliveries_ticket_id", table_name="channel_deliveries")
    op.drop_index("ix_channel_deliveries_channel_external_id", table_name="channel_deliveries")
    op.drop_table("channel_deliveries")
    op.drop_index("ix_channel_addresses_contact_id", table_name="channel_addresses")
    op.drop_table("channel_addresses")
