"""Two costs every inbound message paid on the database, found with ``pg_stat_statements``
while measuring the mail intake (``bench/mail_bench.py``):

- **Who wrote it.** The sender is found by ``lower(email)`` (addresses are
  case-insensitive), but the unique constraints index ``email`` as written, so every
  message scanned all of ``contacts`` and ``agents``: ~0.2 ms at 250 contacts, linear in
  the customer base. Now an expression index on ``lower(email)`` for each.
- **Storing the raw message and its attachments** (PostgreSQL): TOAST compressed them with
  ``pglz``, which spends ~1 ms on a 60 KB base64 attachment that barely compresses. ``lz4``
  (PostgreSQL 14 and later, when the server is built with it) is several times faster at
  a similar ratio on text. Only new values are written with it; old ones stay readable.

Revision ID: 0025_mail_lookups
Revises: 0024_report_chunks
Create Date: 2026-12-08 01:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025_mail_lookups"
down_revision = "0024_report_chunks"
branch_labels = None
depends_on = None

#: (table, column) of the large values written on the mail path
_LARGE = (("mail_messages", "raw"), ("attachments", "content"))


def _lz4_available() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    values = bind.execute(
        sa.text("SELECT enumvals FROM pg_settings WHERE name = 'default_toast_compression'")
    ).scalar()
    return values is not None and "lz4" in values


def upgrade() -> None:
    op.create_index("ix_contacts_email_lower", "contacts", [sa.text("lower(email)")])
    op.create_index("ix_agents_email_lower", "agents", [sa.text("lower(email)")])
    if _lz4_available():
        for table, column in _LARGE:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION lz4")


def downgrade() -> None:
    if _lz4_available():
        for table, column in _LARGE:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION pglz")
    op.drop_index("ix_agents_email_lower", table_name="agents")
    op.drop_index("ix_contacts_email_lower", table_name="contacts")
