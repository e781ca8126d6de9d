"""The dedicated agent (LiveAgent VIP): an organisation's backup agent, an agent's
availability switch and absences, and calls booked on tickets. See
``store/_tables_vip.py``.

Revision ID: 0017_vip
Revises: 0016_webqueue
Create Date: 2026-12-07 15:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_vip"
down_revision = "0016_webqueue"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def UTCDateTime() -> sa.DateTime:  # noqa: N802 - reads like the column type it stands for
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # not a batch (copy, drop, rename): dropping a table other rows refer to fails with
        # foreign keys on; SQLite adds a nullable column with its reference in place. A
        # downgrade on SQLite leaves the column (see below): then it is there already.
        columns = {c["name"] for c in sa.inspect(bind).get_columns("organizations")}
        if "backup_agent_id" not in columns:
            op.execute(
                "ALTER TABLE organizations ADD COLUMN backup_agent_id INTEGER "
                "REFERENCES agents (id) "
                "ON DELETE SET NULL"
            )
    else:
        op.add_column("organizations", sa.Column("backup_agent_id", _ID, nullable=True))
        op.create_foreign_key(
            "fk_organizations_backup_agent_id_agents", "organizations", "agents",
            ["backup_agent_id"], ["id"], ondelete="SET NULL",
        )  # fmt: skip
    op.add_column(
        "agents", sa.Column("available", sa.Boolean(), nullable=False, server_default=sa.true())
    )
    op.create_table(
        "agent_absences",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("agent_id", _ID, nullable=False),
        sa.Column("starts_on", sa.String(10), nullable=False),
        sa.Column("ends_on", sa.String(10), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"],
            ["agents.id"],
            name="fk_agent_absences_agent_id_agents",
            ondelete="CASCADE",
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("id", name="pk_agent_absences"),
    )
    op.create_index("ix_agent_absences_agent_id_ends_at", "agent_absences", ["agent_id", "ends_at"])
    op.create_table(
        "call_bookings",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("ticket_id", _ID, nullable=False),
        sa.Column("organization_id", _ID, nullable=False),
        sa.Column("agent_id", _ID, nullable=False),
        sa.Column("contact_id", _ID, nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("period", sa.String(7), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("uid", sa.String(200), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("message_id", _ID, nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name="fk_call_bookings_ticket_id_tickets",
            ondelete="CASCADE",
        ),  # fmt: skip
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name="fk_call_bookings_organization_id_organizations",
        ),  # fmt: skip
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name="fk_call_bookings_agent_id_agents"
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contacts.id"], name="fk_call_bookings_contact_id_contacts"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_call_bookings"),
        sa.UniqueConstraint("uid", name="uq_call_bookings_uid"),
        sa.UniqueConstraint(
            "organization_id", "kind", "period", name="uq_call_bookings_organization_id_kind_period"
        ),
    )
    op.create_index("ix_call_bookings_ticket_id", "call_bookings", ["ticket_id"])
    op.create_index(
        "ix_call_bookings_agent_id_starts_at", "call_bookings", ["agent_id", "starts_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_call_bookings_agent_id_starts_at", table_name="call_bookings")
    op.drop_index("ix_call_bookings_ticket_id", table_name="call_bookings")
    op.drop_table("call_bookings")
    op.drop_index("ix_agent_absences_agent_id_ends_at", table_name="agent_absences")
    op.drop_table("agent_absences")
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("available")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite cannot drop a column a foreign key uses without copying the table, and the
        # copy's DROP TABLE fails while other rows refer to organizations: the column stays,
        # NULL, unused by the models before this revision (upgrade() finds it there)
        return
    with op.batch_alter_table("organizations") as batch:
        batch.drop_constraint("fk_organizations_backup_agent_id_agents", type_="foreignkey")
        batch.drop_column("backup_agent_id")
