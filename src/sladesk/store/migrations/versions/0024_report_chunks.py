"""The compliance report's packed columns: ``report_chunks``, one row per range of ticket ids
holding that range's report facts as numpy arrays (``store/_report_chunks.py``), so that a
report over a million tickets reads a few blobs instead of scanning and sorting two million
projection rows. Built and refreshed by the worker's ``report-chunks`` job; nothing on the
ticket write path touches it.

Revision ID: 0024_report_chunks
Revises: 0023_mailops
Create Date: 2026-12-07 22:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024_report_chunks"
down_revision = "0023_mailops"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_chunks",
        sa.Column("lo", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("hi", sa.BigInteger(), nullable=False),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("projection_mark", sa.BigInteger(), nullable=False),
        sa.Column("event_mark", sa.BigInteger(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("created_min", sa.BigInteger(), nullable=True),
        sa.Column("created_max", sa.BigInteger(), nullable=True),
        sa.Column("layout", sa.Text(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("report_chunks")
