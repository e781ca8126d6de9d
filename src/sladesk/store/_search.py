"""Full-text search over ticket subjects and message bodies: one question, two engines.

:func:`search_terms` turns what a person typed into words (letters and digits; at most
:data:`MAX_TERMS`); :func:`matching_tickets` is the WHERE clause "this ticket's subject, or
one of its messages the caller may see, has every word (as a prefix)", on:

- SQLite: the FTS5 tables ``tickets_fts`` and ``messages_fts`` (``"word"*`` prefix queries);
- PostgreSQL: the ``search_vector`` columns (``to_tsquery('simple', 'word:*' & …)``) over
  their GIN indexes.

Both made and kept in step with every write by migration ``0010_webqueue``. The clause goes
into the ticket query with the caller's scope and the other filters, so that a search is
still one statement, scoped and ordered like any queue.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sqlalchemy import TextClause, bindparam, text

__all__ = ["MAX_TERMS", "matching_tickets", "search_terms"]

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


def search_terms(query: str) -> list[str]:
    """The words of ``query``, lower-cased, in order, without repeats (underscores split
    words, as both engines' tokenisers do)."""
    words = [w for part in _WORD.findall(query.lower()) for w in part.split("_") if w]
    return list(dict.fromkeys(words))[:MAX_TERMS]


def matching_tickets(dialect: str, terms: Sequence[str], *, include_internal: bool) -> TextClause:
    """The tickets whose subject, or one message's body, holds every term as a word
    prefix; internal notes count only with ``include_internal`` (support staff)."""
    if not terms:
        raise ValueError("a search needs at least one word")
    public = "" if include_internal else " AND m.public"
    if dialect == "postgresql":
        query = " & ".join(f"{t}:*" for t in terms)
        sql = _POSTGRES.format(public=public)
    else:
        query = " ".join(f'"{t}"*' for t in terms)
        sql = _SQLITE.format(public=public)
    return text(sql).bindparams(bindparam("search_q", value=query))
