"""Invitations: ``invitations`` (one-time sign-up links for agents and contacts; the digest
of the secret only). See ``store/_tables_invitations.py``.

Revision ID: 0011_invitations
Revises: 0010_import
Create Date: 2026-12-07 15:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_invitations"
down_revision = "0010_import"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def UTCDateTime() -> sa.DateTime:  # noqa: N802 - reads like the column type it stands for
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "invitations",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("agent_id", _ID, nullable=True),
        sa.Column("contact_id", _ID, nullable=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "(agent_id IS NULL) <> (contact_id IS NULL)", name="ck_invitations_one_person"
        ),
        sa.ForeignKeyConstraint(["agent_id"], ["agents.id"], name="fk_invitations_agent_id_agents"),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name="fk_invitations_contact_id_contacts"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_invitations"),
        sa.UniqueConstraint("digest", name="uq_invitations_digest"),
    )
    op.create_index("ix_invitations_agent_id", "invitations", ["agent_id"])
    op.create_index("ix_invitations_contact_id", "invitations", ["contact_id"])


def downgrade() -> None:
    op.drop_index("ix_invitations_contact_id", table_name="invitations")
    op.drop_index("ix_invitations_agent_id", table_name="invitations")
    op.drop_table("invitations")
