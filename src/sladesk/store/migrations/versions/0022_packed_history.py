"""Each ticket's SLA events packed on its row: ``tickets.sla_history_packed``, for bulk reads
(a back-test reads a page of tickets and their histories in one query).

The text holds one line per SLA event of ``ticket_events`` (the kinds ``sladesk.sla``
evaluates), in ``seq`` order: ``<µs since the epoch>\\t<kind>\\t<data JSON>\\n``
(``store/_codec.py``). The ticket gateway appends to it in the same statement that updates
the ticket row whenever it appends history. NULL means "not packed" (a row written around
the gateway): readers then read ``ticket_events``.

The back-fill packs every stored ticket in SQL: ``string_agg … ORDER BY seq`` on
PostgreSQL; on SQLite (3.40 has no ``ORDER BY`` inside ``group_concat``) ``group_concat`` as
a window function ordered by ``seq`` over the whole frame: a window aggregate takes its rows in
the window's order, which a plain aggregate over an ordered subquery is not promised to.
Tests compare the result with the rows (tests/integration/test_packed_history.py).

Revision ID: 0022_packed_history
Revises: 0021_whatsapp_templates
Create Date: 2026-12-07 19:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022_packed_history"
down_revision = "0021_whatsapp_templates"
branch_labels = None
depends_on = None

#: the kinds ``sladesk.sla.EventKind`` names (as of this revision)
_SLA_KINDS = "('created', 'accepted', 'message', 'assigned', 'status', 'priority', 'type', " \
    "'attributes')"  # fmt: skip

_SQLITE_BACKFILL = f"""
UPDATE tickets SET sla_history_packed = coalesce((
    SELECT group_concat(
               (CAST(strftime('%s', e.at) AS INTEGER) * 1000000
                + CAST(substr(e.at, 21, 6) AS INTEGER))
               || char(9) || e.kind || char(9) || coalesce(e.data, '{{}}') || char(10), ''
           ) OVER (ORDER BY e.seq ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
    FROM ticket_events e
    WHERE e.ticket_id = tickets.id AND e.kind IN {_SLA_KINDS}
    LIMIT 1
), '')
"""

_POSTGRES_BACKFILL = [
    f"""
    UPDATE tickets t SET sla_history_packed = h.packed
    FROM (
        SELECT ticket_id,
               string_agg(
                   (extract(epoch FROM at) * 1000000)::bigint::text || E'\\t' || kind
                   || E'\\t' || coalesce(data::text, '{{}}') || E'\\n',
                   '' ORDER BY seq
               ) AS packed
        FROM ticket_events
        WHERE kind IN {_SLA_KINDS}
        GROUP BY ticket_id
    ) h
    WHERE h.ticket_id = t.id
    """,
    "UPDATE tickets SET sla_history_packed = '' WHERE sla_history_packed IS NULL",
]


def upgrade() -> None:
    op.add_column("tickets", sa.Column("sla_history_packed", sa.Text(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        for statement in _POSTGRES_BACKFILL:
            op.execute(statement)
    else:
        op.execute(_SQLITE_BACKFILL)


def downgrade() -> None:
    # a plain DROP COLUMN on both engines (SQLite >= 3.35): no index, key or trigger uses it,
    # and a batch copy of ``tickets`` would fail while other tables refer to it
    op.execute("ALTER TABLE tickets DROP COLUMN sla_history_packed")
