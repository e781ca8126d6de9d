"""Retention: ``retention_purges`` (the audit record of each purged ticket: counts, never
content) and ``legal_holds`` (a ticket or an organisation the purge must leave alone). See
``store/_tables_retention.py``.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSONData = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def UTCDateTime() -> sa.DateTime:  # noqa: N802 - reads like the column type it stands for
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "retention_purges",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("ticket_id", _ID, nullable=False),
        sa.Column("ticket_number", sa.BigInteger(), nullable=False),
        sa.Column("organization_id", _ID, nullable=True),
        sa.Column("purged_at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("policy", sa.String(300), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=False),
        sa.Column("expired_at", UTCDateTime(), nullable=False),
        sa.Column("counts", JSONData, nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name="fk_retention_purges_ticket_id_tickets"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_retention_purges"),
        sa.UniqueConstraint("ticket_id", name="uq_retention_purges_ticket_id"),
    )
    op.create_index("ix_retention_purges_purged_at", "retention_purges", ["purged_at"])
    op.create_table(
        "legal_holds",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("ticket_id", _ID, nullable=True),
        sa.Column("organization_id", _ID, nullable=True),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("set_by", sa.String(64), nullable=False),
        sa.Column("set_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "(ticket_id IS NULL) <> (organization_id IS NULL)",
            name="ck_legal_holds_one_subject",
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name="fk_legal_holds_ticket_id_tickets"
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name="fk_legal_holds_organization_id_organizations",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_legal_holds"),
    )
    op.create_index("ix_legal_holds_ticket_id", "legal_holds", ["ticket_id"])
    op.create_index("ix_legal_holds_organization_id", "legal_holds", ["organization_id"])


def downgrade() -> None:
    op.drop_index("ix_legal_holds_organization_id", table_name="legal_holds")
    op.drop_index("ix_legal_holds_ticket_id", table_name="legal_holds")
    op.drop_table("legal_holds")
    op.drop_index("ix_retention_purges_purged_at", table_name="retention_purges")
    op.drop_table("retention_purges")
