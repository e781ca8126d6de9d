"""On call: ``oncall_members`` (each shift's people in turn order), ``oncall_overrides`` and
``oncall_pages`` (each page of a ticket's on-call chain). See ``store/_tables_oncall.py``.

Revision ID: 0015_oncall
Revises: 0014_proposals
Create Date: 2026-12-07 15:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0015_oncall"
down_revision = "0014_proposals"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSONData = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def UTCDateTime() -> sa.DateTime:  # noqa: N802 - reads like the column type it stands for
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "oncall_members",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("shift", sa.String(100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("agent_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name="fk_oncall_members_agent_id_agents"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_oncall_members"),
        sa.UniqueConstraint("shift", "position", name="uq_oncall_members_shift_position"),
    )
    op.create_table(
        "oncall_overrides",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("agent_id", _ID, nullable=False),
        sa.Column("shift", sa.String(100), nullable=True),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name="fk_oncall_overrides_agent_id_agents"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_oncall_overrides"),
    )
    op.create_index("ix_oncall_overrides_ends_at", "oncall_overrides", ["ends_at"])
    op.create_table(
        "oncall_pages",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("ticket_id", _ID, nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("agent_id", _ID, nullable=True),
        sa.Column("shift", sa.String(100), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("paged_at", UTCDateTime(), nullable=False),
        sa.Column("repage_at", UTCDateTime(), nullable=True),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=True),
        sa.Column("acknowledged_by", sa.String(64), nullable=True),
        sa.Column("superseded_at", UTCDateTime(), nullable=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("data", JSONData, nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["tickets.id"], name="fk_oncall_pages_ticket_id_tickets"
        ),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name="fk_oncall_pages_agent_id_agents"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_oncall_pages"),
    )
    op.create_index("ix_oncall_pages_ticket_id", "oncall_pages", ["ticket_id"])
    op.create_index("ix_oncall_pages_repage_at", "oncall_pages", ["repage_at"])


def downgrade() -> None:
    op.drop_index("ix_oncall_pages_repage_at", table_name="oncall_pages")
    op.drop_index("ix_oncall_pages_ticket_id", table_name="oncall_pages")
    op.drop_table("oncall_pages")
    op.drop_index("ix_oncall_overrides_ends_at", table_name="oncall_overrides")
    op.drop_table("oncall_overrides")
    op.drop_table("oncall_members")
