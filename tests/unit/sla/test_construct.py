"""``_construct.maker`` builds the very objects the classes build: equal, same type and repr,
still frozen, and every slot set."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from sladesk.sla import (
    Author,
    Cycle,
    Evaluation,
    Event,
    EventKind,
    TargetResult,
    TargetState,
    TicketFacts,
    Warning,
)
from sladesk.sla._construct import (
    make_cycle,
    make_evaluation,
    make_event,
    make_target_result,
    make_ticket_facts,
    make_warning,
    maker,
)

T0 = datetime(2026, 3, 9, 12, tzinfo=UTC)
W = Warning("75%", T0, True)
C = Cycle(T0, T0 + timedelta(hours=1), None, None, TargetState.RUNNING)
ARGS: list[tuple[type, object, tuple[object, ...]]] = [
    (Warning, make_warning, ("75%", None, False)),
    (Cycle, make_cycle, (T0, None, T0, T0, TargetState.BREACHED)),
    (
        TargetResult,
        make_target_result,
        (
            "next_response",
            "ba",
            timedelta(hours=4),
            "4h",
            TargetState.RUNNING,
            T0,
            T0 + timedelta(hours=4),
            None,
            None,
            timedelta(hours=1),
            timedelta(hours=3),
            (W,),
            (C,),
            (),
            "high",
            T0 + timedelta(hours=4),
        ),
    ),  # fmt: skip
    (Evaluation, make_evaluation, ("p", "1", "r", (), T0, "")),
]


@pytest.mark.parametrize(("cls", "make", "args"), ARGS, ids=lambda x: getattr(x, "__name__", ""))
def test_maker_builds_what_the_class_builds(
    cls: type, make: object, args: tuple[object, ...]
) -> None:
    assert make is not cls  # the fast constructor is in use
    assert callable(make)
    built = make(*args)
    expected = cls(*args)
    assert type(built) is cls
    assert built == expected
    assert repr(built) == repr(expected)
    assert hash(built) == hash(expected)
    for f in dataclasses.fields(cls):
        assert getattr(built, f.name) is getattr(expected, f.name)
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.__setattr__(dataclasses.fields(cls)[0].name, None)


def test_make_ticket_facts_builds_what_replace_builds() -> None:
    facts = TicketFacts("incident", "high", "gold", frozenset({"x"}), "email", "acme")
    facts = dataclasses.replace(facts, attributes={"region": "ar"}, tags=frozenset({"vip"}))
    args = [getattr(facts, f.name) for f in dataclasses.fields(TicketFacts)]
    assert make_ticket_facts is not TicketFacts
    args[1] = "urgent"
    built = make_ticket_facts(*args)
    expected = dataclasses.replace(facts, priority="urgent")
    assert type(built) is TicketFacts
    assert built == expected
    assert repr(built) == repr(expected)
    for f in dataclasses.fields(TicketFacts):
        assert getattr(built, f.name) is getattr(expected, f.name)
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.__setattr__("priority", "low")


def test_maker_falls_back_to_the_class_when_it_cannot_match_it() -> None:
    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked:
        x: int

        def __post_init__(self) -> None:
            assert self.x >= 0

    @dataclasses.dataclass(frozen=True)
    class NoSlots:
        x: int

    assert maker(Checked) is Checked
    assert maker(NoSlots) is NoSlots


def test_make_event_builds_what_the_class_builds() -> None:
    args = (
        T0, EventKind.ATTRIBUTES, Author.AGENT, False, "on_hold", "partner_outage", "high",
        "incident", "a@x.test", "tier1", {"integration": "yes"}, frozenset({"vip"}),
    )  # fmt: skip
    assert make_event is not Event
    built, expected = make_event(*args), Event(*args)
    assert type(built) is Event and built == expected and repr(built) == repr(expected)
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.__setattr__("at", T0)
