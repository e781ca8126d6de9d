"""Full-text search over ticket subjects and message bodies: one question, two engines.

:func:`search_terms` turns what a person typed into words (letters and digits; at most
:data:`MAX_TERMS`); :func:`matching_tickets` is the WHERE clause "this ticket's subject, or
one of its messages the caller may see, has every word (as a prefix)", on:

- SQLite: the FTS5 tables ``tickets_fts`` and ``messages_fts`` (``"word"*`` prefix queries);
- PostgreSQL: the ``search_vector`` columns (``to_tsquery('simple', 'word:*' & …)``) over
  their GIN indexes.

Both made and kept in step with every write by migration ``0016_webqueue``. The clause goes
into the ticket query with the caller's scope and the other filters, scoped and ordered like
any queue.

Which form of the clause is fast depends on how many tickets match, and neither planner
knows: a word in a few tickets wants "fetch the matches, then sort them"; a word in most
tickets wants "walk the queue's index in order and keep the matching rows" (50 rows come
quickly). So :func:`search_clause` first asks each index for at most :data:`FEW` matches
(two small reads that stop early): when there are no more, the clause is the list of those
ticket ids (primary-key lookups); otherwise the match clause above, walked along the
queue's index.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import ColumnElement, TextClause, bindparam, text

from sladesk.store._db import Db
from sladesk.store._tables import Ticket

__all__ = ["FEW", "MAX_TERMS", "matching_tickets", "search_clause", "search_terms"]

#: up to this many matches (per index) a search is answered from the list of their ids
FEW = 1000

#: words kept from one search (the rest are ignored)
MAX_TERMS = 8
_WORD = re.compile(r"\w+", re.UNICODE)

_SQLITE = (
    "tickets.id IN (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH :search_q "
    "UNION SELECT m.ticket_id FROM messages_fts JOIN messages AS m ON m.id = messages_fts.rowid "
    "WHERE messages_fts MATCH :search_q{public})"
)
_POSTGRES = (
    "(tickets.search_vector @@ to_tsquery('simple', :search_q) OR tickets.id IN "
    "(SELECT m.ticket_id FROM messages AS m WHERE m.search_vector @@ "
    "to_tsquery('simple', :search_q){public}))"
)
_FEW_SQLITE = (
    "SELECT * FROM (SELECT rowid FROM tickets_fts WHERE tickets_fts MATCH :q LIMIT :n) "
    "UNION ALL SELECT * FROM (SELECT m.ticket_id FROM messages_fts JOIN messages AS m "
    "ON m.id = messages_fts.rowid WHERE messages_fts MATCH :q{public} LIMIT :n)"
)
_FEW_POSTGRES = (
    "(SELECT id FROM tickets WHERE search_vector @@ to_tsquery('simple', :q) LIMIT :n) "
    "UNION ALL (SELECT m.ticket_id FROM messages AS m WHERE m.search_vector @@ "
    "to_tsquery('simple', :q){public} LIMIT :n)"
)


def search_terms(query: str) -> list[str]:
    """The words of ``query``, lower-cased, in order, without repeats (underscores split
    words, as both engines' tokenisers do)."""
    words = [w for part in _WORD.findall(query.lower()) for w in part.split("_") if w]
    return list(dict.fromkeys(words))[:MAX_TERMS]


def _query(dialect: str, terms: Sequence[str]) -> str:
    if dialect == "postgresql":
        return " & ".join(f"{t}:*" for t in terms)
    return " ".join(f'"{t}"*' for t in terms)


def search_clause(
    db: Db, terms: Sequence[str], *, include_internal: bool
) -> TextClause | ColumnElement[bool]:
    """The WHERE clause for a search of ``terms``, in the form that is fast for how many
    tickets match (the module's docstring)."""
    if not terms:
        raise ValueError("a search needs at least one word")
    public = "" if include_internal else " AND m.public"
    sql = (_FEW_POSTGRES if db.dialect == "postgresql" else _FEW_SQLITE).format(public=public)
    found = [int(i) for i in db.execute(text(sql), {"q": _query(db.dialect, terms), "n": FEW})
             .scalars()]  # fmt: skip
    if len(found) < FEW:  # neither index had more (each returns at most FEW)
        return Ticket.id.in_(sorted(set(found)))
    return matching_tickets(db.dialect, terms, include_internal=include_internal)


def matching_tickets(dialect: str, terms: Sequence[str], *, include_internal: bool) -> TextClause:
    """The tickets whose subject, or one message's body, holds every term as a word
    prefix; internal notes count only with ``include_internal`` (support staff)."""
    if not terms:
        raise ValueError("a search needs at least one word")
    public = "" if include_internal else " AND m.public"
    template = _POSTGRES if dialect == "postgresql" else _SQLITE
    sql = template.format(public=public)
    return text(sql).bindparams(bindparam("search_q", value=_query(dialect, terms)))
