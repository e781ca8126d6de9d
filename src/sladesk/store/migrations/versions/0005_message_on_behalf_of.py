"""Messages say on whose behalf they were written: ``messages.on_behalf_of_id`` and
``on_behalf_of_name`` (the contact an agent filed a ticket for).

Until now the first message of a ticket an agent filed for a contact was stored with
``author_kind`` agent but the contact's id and name, so ``author_id`` pointed at whichever
agent had the contact's number. Those rows are recognisable (the ticket's ``created`` event
was by ``agent:N``, it has a requester, and its first message is an agent's with the
requester's id): they are rewritten to author = that agent, on behalf of = the contact.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 13:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

#: the first messages written by an agent in the requester's name (see the docstring)
_MISFILED = """
    author_kind = 'agent'
    AND id = (SELECT min(m.id) FROM messages m WHERE m.ticket_id = messages.ticket_id)
    AND EXISTS (
        SELECT 1 FROM tickets t JOIN ticket_events e ON e.ticket_id = t.id
        WHERE t.id = messages.ticket_id AND t.requester_id = messages.author_id
          AND e.seq = 1 AND e.kind = 'created' AND e.actor LIKE 'agent:%'
    )
"""
_FILER = (
    "(SELECT CAST(substr(e.actor, 7) AS BIGINT) FROM ticket_events e"
    " WHERE e.ticket_id = messages.ticket_id AND e.seq = 1)"
)


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(
            sa.Column(
                "on_behalf_of_id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                nullable=True,
            )
        )
        batch.add_column(sa.Column("on_behalf_of_name", sa.String(200), nullable=True))
    # every right-hand side reads the row as it was before this UPDATE (both engines)
    op.execute(
        f"""
        UPDATE messages SET
            on_behalf_of_id = author_id,
            on_behalf_of_name = author_name,
            author_id = {_FILER},
            author_name = COALESCE(
                (SELECT a.name FROM agents a WHERE a.id = {_FILER}), author_name
            )
        WHERE {_MISFILED}
        """
    )


def downgrade() -> None:
    op.execute(
        """
        UPDATE messages SET author_id = on_behalf_of_id, author_name = on_behalf_of_name
        WHERE on_behalf_of_id IS NOT NULL AND author_kind = 'agent'
        """
    )
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("on_behalf_of_name")
        batch.drop_column("on_behalf_of_id")
