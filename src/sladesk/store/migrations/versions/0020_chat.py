"""Live chat: ``chat_sessions`` and ``chat_messages`` (see ``store/_tables_chat.py``).

Revision ID: 0020_chat
Revises: 0019_phone
Create Date: 2026-12-07 17:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020_chat"
down_revision = "0019_phone"
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
        "chat_sessions",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("visitor_token", sa.String(64), nullable=False),
        sa.Column("identity", sa.String(16), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("locale", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("agent_id", _ID, nullable=True),
        sa.Column("ticket_id", _ID, nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("accepted_at", UTCDateTime(), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("visitor_typing_at", UTCDateTime(), nullable=True),
        sa.Column("agent_typing_at", UTCDateTime(), nullable=True),
        _fk("chat_sessions", "agent_id", "agents"),
        _fk("chat_sessions", "ticket_id", "tickets"),
        sa.PrimaryKeyConstraint("id", name="pk_chat_sessions"),
        sa.UniqueConstraint("visitor_token", name="uq_chat_sessions_visitor_token"),
    )
    op.create_index("ix_chat_sessions_status", "chat_sessions", ["status"])
    op.create_table(
        "chat_messages",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("session_id", _ID, nullable=False),
        sa.Column("author", sa.String(16), nullable=False),
        sa.Column("agent_id", _ID, nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("delivered_at", UTCDateTime(), nullable=True),
        sa.Column("read_at", UTCDateTime(), nullable=True),
        _fk("chat_messages", "session_id", "chat_sessions", cascade=True),
        _fk("chat_messages", "agent_id", "agents"),
        sa.PrimaryKeyConstraint("id", name="pk_chat_messages"),
    )
    op.create_index("ix_chat_messages_session_id", "chat_messages", ["session_id"])


def downgrade() -> None:
    op.drop_index("ix_chat_messages_session_id", table_name="chat_messages")
    op.drop_table("chat_messages")
    op.drop_index("ix_chat_sessions_status", table_name="chat_sessions")
    op.drop_table("chat_sessions")
