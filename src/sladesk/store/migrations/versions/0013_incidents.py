"""Maintenance windows and major incidents: ``maintenance_windows``, ``maintenance_notices``
(each notice sent once: unique window key and kind), ``incidents``, ``incident_tickets``,
``incident_updates``. See ``store/_tables_incidents.py``.

Revision ID: 0013_incidents
Revises: 0012_mailrest
Create Date: 2026-12-07 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_incidents"
down_revision = "0012_mailrest"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def UTCDateTime() -> sa.DateTime:  # noqa: N802 - reads like the column type it stands for
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "maintenance_windows",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("cancelled_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_maintenance_windows"),
    )
    op.create_index("ix_maintenance_windows_starts_at", "maintenance_windows", ["starts_at"])
    op.create_table(
        "maintenance_notices",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("window_key", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_maintenance_notices"),
        sa.UniqueConstraint("window_key", "kind", name="uq_maintenance_notices_window_key_kind"),
    )
    op.create_table(
        "incidents",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_incidents"),
    )
    op.create_index("ix_incidents_status", "incidents", ["status"])
    op.create_table(
        "incident_tickets",
        sa.Column("incident_id", _ID, nullable=False),
        sa.Column("ticket_id", _ID, nullable=False),
        sa.Column("linked_by", sa.String(64), nullable=False),
        sa.Column("linked_at", UTCDateTime(), nullable=False),
        sa.Column("paused_status", sa.String(32), nullable=True),
        sa.Column("paused_reason", sa.String(200), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            ondelete="CASCADE",
            name="fk_incident_tickets_incident_id_incidents",
        ),  # fmt: skip
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            ondelete="CASCADE",
            name="fk_incident_tickets_ticket_id_tickets",
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("incident_id", "ticket_id", name="pk_incident_tickets"),
    )
    op.create_index("ix_incident_tickets_ticket_id", "incident_tickets", ["ticket_id"])
    op.create_table(
        "incident_updates",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("incident_id", _ID, nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("author_name", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("tickets", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            ondelete="CASCADE",
            name="fk_incident_updates_incident_id_incidents",
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("id", name="pk_incident_updates"),
    )
    op.create_index("ix_incident_updates_incident_id", "incident_updates", ["incident_id"])


def downgrade() -> None:
    op.drop_index("ix_incident_updates_incident_id", table_name="incident_updates")
    op.drop_table("incident_updates")
    op.drop_index("ix_incident_tickets_ticket_id", table_name="incident_tickets")
    op.drop_table("incident_tickets")
    op.drop_index("ix_incidents_status", table_name="incidents")
    op.drop_table("incidents")
    op.drop_table("maintenance_notices")
    op.drop_index("ix_maintenance_windows_starts_at", table_name="maintenance_windows")
    op.drop_table("maintenance_windows")
