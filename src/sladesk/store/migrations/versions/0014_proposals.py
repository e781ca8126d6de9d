"""The feature-request space: ``proposals``, ``proposal_subscriptions``,
``proposal_comments``, ``proposal_tickets`` and ``proposal_notices`` (see
``store/_tables_proposals.py``).

Revision ID: 0014_proposals
Revises: 0013_incidents
Create Date: 2026-12-07 15:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_proposals"
down_revision = "0013_incidents"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def UTCDateTime() -> sa.DateTime:  # noqa: N802 - reads like the column type it stands for
    return sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str, *, cascade: bool = False) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=f"fk_{table}_{column}_{target}",
        ondelete="CASCADE" if cascade else None,
    )  # fmt: skip


def upgrade() -> None:
    op.create_table(
        "proposals",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("organization_id", _ID, nullable=True),
        sa.Column("contact_id", _ID, nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("activity_at", UTCDateTime(), nullable=False),
        _fk("proposals", "organization_id", "organizations"),
        _fk("proposals", "contact_id", "contacts"),
        sa.PrimaryKeyConstraint("id", name="pk_proposals"),
    )
    op.create_index("ix_proposals_activity_at", "proposals", ["activity_at"])
    op.create_index("ix_proposals_status_activity_at", "proposals", ["status", "activity_at"])
    op.create_table(
        "proposal_subscriptions",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("proposal_id", _ID, nullable=False),
        sa.Column("contact_id", _ID, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        _fk("proposal_subscriptions", "proposal_id", "proposals", cascade=True),
        _fk("proposal_subscriptions", "contact_id", "contacts"),
        sa.PrimaryKeyConstraint("id", name="pk_proposal_subscriptions"),
        sa.UniqueConstraint(
            "proposal_id", "contact_id", name="uq_proposal_subscriptions_proposal_id_contact_id"
        ),
    )
    op.create_index(
        "ix_proposal_subscriptions_proposal_id", "proposal_subscriptions", ["proposal_id"]
    )
    op.create_index(
        "ix_proposal_subscriptions_contact_id", "proposal_subscriptions", ["contact_id"]
    )
    op.create_table(
        "proposal_comments",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("proposal_id", _ID, nullable=False),
        sa.Column("agent_id", _ID, nullable=True),
        sa.Column("author_name", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("status_from", sa.String(32), nullable=False),
        sa.Column("status_to", sa.String(32), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        _fk("proposal_comments", "proposal_id", "proposals", cascade=True),
        _fk("proposal_comments", "agent_id", "agents"),
        sa.PrimaryKeyConstraint("id", name="pk_proposal_comments"),
    )
    op.create_index("ix_proposal_comments_proposal_id", "proposal_comments", ["proposal_id"])
    op.create_table(
        "proposal_tickets",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("proposal_id", _ID, nullable=False),
        sa.Column("ticket_id", _ID, nullable=False),
        sa.Column("linked_by", sa.String(64), nullable=False),
        sa.Column("linked_at", UTCDateTime(), nullable=False),
        _fk("proposal_tickets", "proposal_id", "proposals", cascade=True),
        _fk("proposal_tickets", "ticket_id", "tickets"),
        sa.PrimaryKeyConstraint("id", name="pk_proposal_tickets"),
        sa.UniqueConstraint("ticket_id", name="uq_proposal_tickets_ticket_id"),
    )
    op.create_index("ix_proposal_tickets_proposal_id", "proposal_tickets", ["proposal_id"])
    op.create_table(
        "proposal_notices",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("contact_id", _ID, nullable=False),
        sa.Column("proposal_id", _ID, nullable=False),
        sa.Column("comment_id", _ID, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("seen_at", UTCDateTime(), nullable=True),
        _fk("proposal_notices", "contact_id", "contacts"),
        _fk("proposal_notices", "proposal_id", "proposals", cascade=True),
        _fk("proposal_notices", "comment_id", "proposal_comments"),
        sa.PrimaryKeyConstraint("id", name="pk_proposal_notices"),
    )
    op.create_index("ix_proposal_notices_proposal_id", "proposal_notices", ["proposal_id"])
    op.create_index(
        "ix_proposal_notices_contact_id_seen_at", "proposal_notices", ["contact_id", "seen_at"]
    )


def downgrade() -> None:
    for table in ("proposal_notices", "proposal_tickets", "proposal_comments",
                  "proposal_subscriptions", "proposals"):  # fmt: skip
        op.drop_table(table)
