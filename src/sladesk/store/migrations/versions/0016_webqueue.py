"""The agent console: saved queue views, canned replies, agents' own time zone and language,
and the full-text search index over ticket subjects and message bodies.

The search index differs per engine and lives outside the ORM models (``store/_search.py``
queries it):

- SQLite: FTS5 tables ``tickets_fts`` (subject) and ``messages_fts`` (body), external-content
  tables over ``tickets`` and ``messages`` (the text is not stored twice), tokenised by
  ``unicode61`` with diacritics removed; triggers keep them in step with every INSERT,
  UPDATE and DELETE of those rows, whatever writes them (services, bulk loads, the purge).
- PostgreSQL: a stored generated column ``search_vector`` (``to_tsvector('simple', …)``) on
  ``tickets`` and ``messages`` with a GIN index each; the database computes it on every
  write. The ``simple`` configuration: no stemming, so that English, Spanish and Portuguese
  words are all matched as written (by prefix).

Both back-fill what exists: the FTS5 ``rebuild`` command; ``ADD COLUMN … STORED`` computes
every row.

Revision ID: 0016_webqueue
Revises: 0015_oncall
Create Date: 2026-12-07 15:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0016_webqueue"
down_revision = "0015_oncall"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSONData = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

_SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE tickets_fts USING fts5(subject, content='tickets', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE VIRTUAL TABLE messages_fts USING fts5(body, content='messages', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER tickets_fts_ai AFTER INSERT ON tickets BEGIN "
    "INSERT INTO tickets_fts(rowid, subject) VALUES (new.id, new.subject); END",
    "CREATE TRIGGER tickets_fts_ad AFTER DELETE ON tickets BEGIN "
    "INSERT INTO tickets_fts(tickets_fts, rowid, subject) VALUES ('delete', old.id, old.subject);"
    " END",
    "CREATE TRIGGER tickets_fts_au AFTER UPDATE OF subject ON tickets BEGIN "
    "INSERT INTO tickets_fts(tickets_fts, rowid, subject) VALUES ('delete', old.id, old.subject);"
    " INSERT INTO tickets_fts(rowid, subject) VALUES (new.id, new.subject); END",
    "CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages BEGIN "
    "INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body); END",
    "CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages BEGIN "
    "INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.id, old.body); END",
    "CREATE TRIGGER messages_fts_au AFTER UPDATE OF body ON messages BEGIN "
    "INSERT INTO messages_fts(messages_fts, rowid, body) VALUES ('delete', old.id, old.body);"
    " INSERT INTO messages_fts(rowid, body) VALUES (new.id, new.body); END",
    "INSERT INTO tickets_fts(tickets_fts) VALUES ('rebuild')",
    "INSERT INTO messages_fts(messages_fts) VALUES ('rebuild')",
]
_POSTGRES_SEARCH = [
    "ALTER TABLE tickets ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple', coalesce(subject, ''))) STORED",
    "ALTER TABLE messages ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple', coalesce(body, ''))) STORED",
    "CREATE INDEX ix_tickets_search ON tickets USING gin (search_vector)",
    "CREATE INDEX ix_messages_search ON messages USING gin (search_vector)",
]


def UTCDateTime() -> sa.DateTime:  # noqa: N802 - reads like the column type it stands for
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "saved_views",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("agent_id", _ID, nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("filters", JSONData, nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name="fk_saved_views_agent_id_agents", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_saved_views"),
        sa.UniqueConstraint("agent_id", "name", name="uq_saved_views_agent_id_name"),
    )
    op.create_table(
        "canned_replies",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_canned_replies"),
        sa.UniqueConstraint("title", name="uq_canned_replies_title"),
    )
    op.add_column("agents", sa.Column("time_zone", sa.String(64), nullable=True))
    op.add_column("agents", sa.Column("locale", sa.String(16), nullable=True))
    statements = _POSTGRES_SEARCH if op.get_bind().dialect.name == "postgresql" else _SQLITE_SEARCH
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_messages_search")
        op.execute("DROP INDEX ix_tickets_search")
        op.execute("ALTER TABLE messages DROP COLUMN search_vector")
        op.execute("ALTER TABLE tickets DROP COLUMN search_vector")
    else:
        for name in ("tickets_fts_ai", "tickets_fts_ad", "tickets_fts_au", "messages_fts_ai",
                     "messages_fts_ad", "messages_fts_au"):  # fmt: skip
            op.execute(f"DROP TRIGGER {name}")
        op.execute("DROP TABLE messages_fts")
        op.execute("DROP TABLE tickets_fts")
    with op.batch_alter_table("agents") as batch:
        batch.drop_column("locale")
        batch.drop_column("time_zone")
    op.drop_table("canned_replies")
    op.drop_table("saved_views")
