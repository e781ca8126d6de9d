"""A packed history (``EventLog``, read by ``unpack_history``) evaluates exactly as the list
of the same events: on random histories (out of order, sharing instants, after ``now``,
re-typed out of the SLA...) under the seed policies and the mixed one of the differential
tests, with and without the explain timeline."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sla_histories import random_ticket
from test_evaluate_differential import POLICIES

from sladesk.sla import Author, Event, EventKind, EventLog, evaluate, unpack_history

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _log(events: list[Event]) -> EventLog:
    return EventLog(
        [(e.at - EPOCH) // timedelta(microseconds=1) for e in events],
        [replace(e, at=EPOCH) for e in events],
    )


@pytest.mark.parametrize("name", sorted(POLICIES))
@settings(max_examples=100, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_a_packed_log_evaluates_as_its_events(name: str, seed: int) -> None:
    pol = POLICIES[name]
    facts, events, now = random_ticket(random.Random(seed), pol)
    log = _log(events)
    assert log.events() == events
    assert evaluate(pol, facts, log, now) == evaluate(pol, facts, events, now)
    assert evaluate(pol, facts, log, now, explain=True) == evaluate(
        pol, facts, events, now, explain=True
    )


def test_unpack_reads_lines_and_decodes_each_shape_once() -> None:
    decoded: list[str] = []

    def decode(shape: str) -> Event | None:
        decoded.append(shape)
        kind, _, author = shape.partition("\t")
        if kind == "sla.breached":
            return None  # a kind evaluation does not read
        return Event(EPOCH, EventKind(kind), Author(author) if author else None)

    text = (
        "1741003200000000\tcreated\t\n"
        "1741003260000001\tmessage\tagent\n"
        "1741003300000000\tsla.breached\t\n"
        "1741003320000000\tmessage\tagent\n"
    )
    shapes: dict[str, Event] = {}
    log = unpack_history(text, shapes, decode)
    at = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
    assert log.events() == [
        Event(at, EventKind.CREATED),
        Event(at + timedelta(seconds=60, microseconds=1), EventKind.MESSAGE, Author.AGENT),
        Event(at + timedelta(seconds=120), EventKind.MESSAGE, Author.AGENT),
    ]
    assert decoded == ["created\t", "message\tagent", "sla.breached\t"]
    assert len(unpack_history("", shapes, decode)) == 0
    unpack_history(text, shapes, decode)  # the cache is the caller's: known shapes stay known
    assert decoded.count("message\tagent") == 1
