"""Import links: which sladesk row each record of another help desk's export became
(``store/_tables_imports.py``), so that importing again changes only what changed.

Revision ID: 0010_import
Revises: 0009
Create Date: 2026-12-07 16:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010_import"
down_revision = "0009"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSONData = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "import_links",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=False),
        sa.Column("local_id", _ID, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", JSONData, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_import_links"),
        sa.UniqueConstraint(
            "source", "kind", "external_id", name="uq_import_links_source_kind_external_id"
        ),
    )


def downgrade() -> None:
    op.drop_table("import_links")
