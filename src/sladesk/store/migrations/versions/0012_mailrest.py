"""Mail out, exactly once as far as we can tell: ``mail_messages.rcpt`` (the one recipient
of a message we send) and ``mail_messages.automatic`` (an automatic notice, not an agent's
words), indexed by recipient and time for the rate limit on automatic mail to one address.
Outgoing rows gain the statuses ``sending`` (committed before SMTP), ``unsent`` (the peer
refused it: nothing went out) and ``limited`` (not sent: the address had its share).

Revision ID: 0012_mailrest
Revises: 0011_invitations
Create Date: 2026-12-07 15:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_mailrest"
down_revision = "0011_invitations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("mail_messages", sa.Column("rcpt", sa.String(320), nullable=True))
    op.add_column(
        "mail_messages",
        sa.Column("automatic", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index("ix_mail_messages_rcpt_created_at", "mail_messages", ["rcpt", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_mail_messages_rcpt_created_at", table_name="mail_messages")
    op.drop_column("mail_messages", "automatic")
    op.drop_column("mail_messages", "rcpt")
