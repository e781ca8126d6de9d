"""Full-text search over ticket subjects and message bodies: one question, two engines.

:func:`search_terms` turns what a person typed into words (letters and digits; at most
:data:`MAX_TERMS`); :func:`search_matches` finds the tickets whose subject, or one of whose
messages the caller may see, has every word (as a prefix), on:

- SQLite: the FTS5 tables ``tickets_fts`` and ``messages_fts`` (``"word"*`` prefix queries);
- PostgreSQL: the ``search_vector`` columns (``to_tsquery('simple', 'word:*' & …)``) over
  their GIN indexes.

Both made and kept in step with every write by migration ``0016_webqueue``. The matching
ticket ids then go into the ticket query with the caller's scope and the other filters,
scoped and ordered like any queue (primary-key lookups).

**Bounded.** Each index is asked for at most :data:`FEW` matches, the newest first (FTS5
and a primary key both read backwards and stop at the limit). A search that matches more
subjects or messages than that is answered among the newest ``FEW`` of each, and says so
(:attr:`SearchMatches.capped`: the console shows "1,000+"). A word in every ticket costs
what a word in a thousand does: before, such a search was answered exactly by taking every
match (100,000 row ids out of FTS5, a temporary B-tree to drop duplicates, every ticket
looked up and sorted: ~85 ms on SQLite at 100,000 tickets); a per-row check along the
queue's index instead costs FTS5 a prefix query per row (~10 ms each), slower still.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import BigInteger, ColumnElement, any_, bindparam, column, text
from sqlalchemy.dialects.postgresql import ARRAY

from sladesk.store._db import Db
from sladesk.store._tables import Ticket

__all__ = ["FEW", "MAX_TERMS", "SearchMatches", "among", "search_matches", "search_terms"]

#: at most this many matches are taken from each index (the newest)
FEW = 1000

#: words kept from one search (the rest are ignored)
MAX_TERMS = 8
_WORD = re.compile(r"\w+", re.UNICODE)

# each part: (ticket id, which index, the matching row's id); the newest, at most :n of each
_SQLITE = (
    "SELECT * FROM (SELECT rowid, 0, rowid FROM tickets_fts WHERE tickets_fts MATCH :q "
    "ORDER BY rowid DESC LIMIT :n) "
    "UNION ALL SELECT * FROM (SELECT m.ticket_id, 1, m.id FROM messages_fts JOIN messages AS m "
    "ON m.id = messages_fts.rowid WHERE messages_fts MATCH :q{public} "
    "ORDER BY messages_fts.rowid DESC LIMIT :n)"
)
_POSTGRES = (
    "(SELECT id, 0, id FROM tickets WHERE search_vector @@ to_tsquery('simple', :q) "
    "ORDER BY id DESC LIMIT :n) "
    "UNION ALL (SELECT m.ticket_id, 1, m.id FROM messages AS m WHERE m.search_vector @@ "
    "to_tsquery('simple', :q){public} ORDER BY m.id DESC LIMIT :n)"
)


@dataclass(frozen=True, slots=True)
class SearchMatches:
    """The tickets a search found, by id (in no order, each once)."""

    ticket_ids: tuple[int, ...]
    #: when an index had more matches than :data:`FEW`, that number: these are among the
    #: newest ``FEW`` of each index; None when every match is here
    capped_at: int | None


def search_terms(query: str) -> list[str]:
    """The words of ``query``, lower-cased, in order, without repeats (underscores split
    words, as both engines' tokenisers do)."""
    words = [w for part in _WORD.findall(query.lower()) for w in part.split("_") if w]
    return list(dict.fromkeys(words))[:MAX_TERMS]


def _query(dialect: str, terms: Sequence[str]) -> str:
    if dialect == "postgresql":
        return " & ".join(f"{t}:*" for t in terms)
    return " ".join(f'"{t}"*' for t in terms)


def search_matches(db: Db, terms: Sequence[str], *, include_internal: bool) -> SearchMatches:
    """The tickets whose subject, or one message's body, holds every term as a word prefix
    (internal notes count only with ``include_internal``: support staff), at most
    :data:`FEW` from each index, the newest (the module's docstring). One statement."""
    if not terms:
        raise ValueError("a search needs at least one word")
    public = "" if include_internal else " AND m.public"
    sql = (_POSTGRES if db.dialect == "postgresql" else _SQLITE).format(public=public)
    # one more than FEW: whether there were more is then known, not guessed
    rows = db.execute(text(sql), {"q": _query(db.dialect, terms), "n": FEW + 1}).all()
    kept: set[int] = set()
    capped = False
    for part in (0, 1):
        newest = sorted((r for r in rows if r[1] == part), key=lambda r: -int(r[2]))
        capped = capped or len(newest) > FEW
        kept.update(int(r[0]) for r in newest[:FEW])
    return SearchMatches(tuple(sorted(kept)), FEW if capped else None)


def among(dialect: str, ticket_ids: Sequence[int]) -> ColumnElement[bool]:
    """ "The ticket is one of ``ticket_ids``" (a search's matches, up to two thousand) with
    the ids as **one** parameter: an array on PostgreSQL, a JSON list read by ``json_each``
    on SQLite. As ``IN (?, ?, …)`` each id was its own parameter, bound and sent one by one:
    ~4 ms of the server's CPU (and PostgreSQL's 3 ms parsing them) for a thousand."""
    ids = [int(i) for i in ticket_ids]
    if dialect == "postgresql":
        return Ticket.id == any_(bindparam("search_ids", ids, type_=ARRAY(BigInteger)))
    listed = text("SELECT value FROM json_each(:search_ids)").bindparams(search_ids=json.dumps(ids))
    return Ticket.id.in_(listed.columns(column("value", BigInteger)))
