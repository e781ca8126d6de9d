"""The phone channel: ``contacts.phone``, the number a contact calls from (E.164), indexed
so that a call finds its caller. Calls, voicemails and transcriptions themselves are
messages keyed by ``(channel, external_id)`` (0008): ``phone`` and the CallSid/RecordingSid.

Revision ID: 0019_phone
Revises: 0018_whatsapp
Create Date: 2026-12-07 17:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_phone"
down_revision = "0018_whatsapp"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ADD COLUMN and an index: no table rebuild on SQLite
    op.add_column("contacts", sa.Column("phone", sa.String(40), nullable=True))
    op.create_index("ix_contacts_phone", "contacts", ["phone"])


def downgrade() -> None:
    op.drop_index("ix_contacts_phone", "contacts")
    with op.batch_alter_table("contacts") as batch:
        batch.drop_column("phone")
