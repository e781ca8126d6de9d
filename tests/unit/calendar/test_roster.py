"""Who is on call at an instant: weekly and follow-the-sun rotations, overrides, DST."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from sladesk.calendar import (
    Calendar,
    Override,
    Rotation,
    Shift,
    next_on_call,
    on_call_at,
    roster_between,
)

MADRID = ZoneInfo("Europe/Madrid")
BA = ZoneInfo("America/Argentina/Buenos_Aires")
UTC = dt.UTC


def weekly(tz: ZoneInfo = MADRID, at: dt.time = dt.time(9, 0), day: int = 0) -> Rotation:
    return Rotation("weekly", tz, day, at, dt.date(2026, 1, 5), (Shift("primary"),),
                    dt.timedelta(minutes=15))  # fmt: skip


def local(tz: ZoneInfo, *args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=tz)


MEMBERS = {"primary": [11, 22, 33]}


def test_weekly_rotation_hands_over_at_the_local_time() -> None:
    r = weekly()
    assert on_call_at(r, MEMBERS, [], local(MADRID, 2026, 1, 5, 9, 0)).person == 11
    assert on_call_at(r, MEMBERS, [], local(MADRID, 2026, 1, 12, 8, 59, 59)).person == 11
    assert on_call_at(r, MEMBERS, [], local(MADRID, 2026, 1, 12, 9, 0)).person == 22
    assert on_call_at(r, MEMBERS, [], local(MADRID, 2026, 1, 19, 9, 0)).person == 33
    assert on_call_at(r, MEMBERS, [], local(MADRID, 2026, 1, 26, 9, 0)).person == 11
    # before the start week, the turns run backwards
    assert on_call_at(r, MEMBERS, [], local(MADRID, 2026, 1, 5, 8, 0)).person == 33


def test_handoff_across_spring_forward_is_local_wall_time() -> None:
    # Europe/Madrid goes from 02:00 CET to 03:00 CEST on Sunday 2026-03-29: the week
    # holding it is 167 hours long, and the handoff is still at 09:00 local on Monday
    r = weekly()
    before = on_call_at(r, MEMBERS, [], local(MADRID, 2026, 3, 30, 8, 59)).person
    after = on_call_at(r, MEMBERS, [], local(MADRID, 2026, 3, 30, 9, 0)).person
    assert before != after
    handoff_utc = local(MADRID, 2026, 3, 30, 9, 0).astimezone(UTC)
    assert handoff_utc == dt.datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    assert on_call_at(r, MEMBERS, [], handoff_utc - dt.timedelta(microseconds=1)).person == before


def test_handoff_at_a_time_that_does_not_exist_is_the_first_that_does() -> None:
    r = weekly(at=dt.time(2, 30), day=6)  # Sunday 02:30; on 2026-03-29 it does not exist
    assert on_call_at(r, MEMBERS, [], dt.datetime(2026, 3, 29, 1, 29, tzinfo=UTC)).person == (
        on_call_at(r, MEMBERS, [], dt.datetime(2026, 3, 28, 12, 0, tzinfo=UTC)).person
    )
    # 03:30 CEST = 01:30 UTC
    assert on_call_at(r, MEMBERS, [], dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC)).person != (
        on_call_at(r, MEMBERS, [], dt.datetime(2026, 3, 28, 12, 0, tzinfo=UTC)).person
    )


def test_handoff_in_the_repeated_hour_is_the_first_of_the_two() -> None:
    r = weekly(at=dt.time(2, 30), day=6)  # 2026-10-25 02:30 happens twice in Madrid
    first = dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    assert on_call_at(r, MEMBERS, [], first - dt.timedelta(seconds=1)).person != (
        on_call_at(r, MEMBERS, [], first).person
    )


def test_overrides_win_and_the_latest_wins() -> None:
    r = weekly()
    t = local(MADRID, 2026, 2, 3, 12, 0)
    o1 = Override(77, local(MADRID, 2026, 2, 3, 0, 0), local(MADRID, 2026, 2, 4, 0, 0), id=1)
    o2 = Override(88, local(MADRID, 2026, 2, 3, 11, 0), local(MADRID, 2026, 2, 3, 13, 0), id=2)
    assert on_call_at(r, MEMBERS, [o1], t).person == 77
    got = on_call_at(r, MEMBERS, [o1, o2], t)
    assert (got.person, got.source, got.override_id) == (88, "override", 2)
    assert on_call_at(r, MEMBERS, [o1, o2], local(MADRID, 2026, 2, 3, 13, 0)).person == 77
    assert on_call_at(r, MEMBERS, [o1, o2], local(MADRID, 2026, 2, 4, 0, 0)).source == "rotation"


def test_nobody_when_the_shift_has_no_members() -> None:
    got = on_call_at(weekly(), {}, [], local(MADRID, 2026, 2, 3, 12, 0))
    assert (got.person, got.source) == (None, "nobody")


def follow_the_sun() -> Rotation:
    day = Calendar.from_spec({"timezone": "America/Argentina/Buenos_Aires",
                              "hours": {"mon-sun": ["08:00-20:00"]}})  # fmt: skip
    night = Calendar.from_spec({"timezone": "Europe/Madrid", "hours": {"mon-sun": ["00:00-12:00"]}})
    return Rotation("follow_the_sun", BA, 0, dt.time(9, 0), dt.date(2026, 1, 5),
                    (Shift("americas", day, "day"), Shift("europe", night, "night")),
                    dt.timedelta(minutes=10))  # fmt: skip


FTS = {"americas": [1, 2], "europe": [5, 6]}


def test_follow_the_sun_shifts_follow_their_calendars_across_dst() -> None:
    r = follow_the_sun()
    # winter: Madrid 00:00 CET = 23:00 UTC = 20:00 BA: the shifts meet exactly
    assert on_call_at(r, FTS, [], local(BA, 2026, 2, 10, 19, 59)).shift == "americas"
    assert on_call_at(r, FTS, [], local(BA, 2026, 2, 10, 20, 0)).shift == "europe"
    assert on_call_at(r, FTS, [], local(BA, 2026, 2, 11, 7, 59)).shift == "europe"
    assert on_call_at(r, FTS, [], local(BA, 2026, 2, 11, 8, 0)).shift == "americas"
    # summer time in Madrid (CEST): its night shift starts at 19:00 BA, but americas comes
    # first until 20:00; Madrid's noon is 07:00 BA, and 07:00-08:00 BA nobody's calendar is
    # open: the first shift covers the gap
    assert on_call_at(r, FTS, [], local(BA, 2026, 6, 10, 19, 30)).shift == "americas"
    assert on_call_at(r, FTS, [], local(BA, 2026, 6, 10, 20, 30)).shift == "europe"
    assert on_call_at(r, FTS, [], local(BA, 2026, 6, 11, 7, 30)).shift == "americas"


def test_roster_between_lists_each_change_once() -> None:
    r = follow_the_sun()
    start = local(BA, 2026, 2, 10, 12, 0)
    segs = roster_between(r, FTS, [], start, start + dt.timedelta(days=1))
    assert [(s.shift, s.start.astimezone(BA).hour) for s in segs] == [
        ("americas", 12), ("europe", 20), ("americas", 8),
    ]  # fmt: skip
    assert segs[0].start == start and segs[-1].end == start + dt.timedelta(days=1)
    for a, b in zip(segs, segs[1:], strict=False):
        assert a.end == b.start


def test_roster_between_weekly_with_override() -> None:
    r = weekly()
    o = Override(99, local(MADRID, 2026, 3, 25, 0, 0), local(MADRID, 2026, 3, 26, 0, 0))
    segs = roster_between(r, MEMBERS, [o], local(MADRID, 2026, 3, 23, 0, 0),
                          local(MADRID, 2026, 4, 6, 0, 0))  # fmt: skip
    assert [(s.person, s.source) for s in segs] == [
        (22, "rotation"), (33, "rotation"), (99, "override"), (33, "rotation"), (11, "rotation"),
    ]  # fmt: skip
    # the handoff on the Monday after the spring-forward Sunday: 09:00 CEST = 07:00 UTC
    assert segs[1].start == dt.datetime(2026, 3, 23, 8, 0, tzinfo=UTC)  # 09:00 CET
    assert segs[4].start == dt.datetime(2026, 3, 30, 7, 0, tzinfo=UTC)


def test_next_on_call_walks_the_rotation() -> None:
    r = weekly()
    t = local(MADRID, 2026, 1, 6, 12, 0)  # 11 is on call
    assert next_on_call(r, MEMBERS, [], t, None) == 11
    assert next_on_call(r, MEMBERS, [], t, 11) == 22
    assert next_on_call(r, MEMBERS, [], t, 33) == 11
    assert next_on_call(r, MEMBERS, [], t, 99) == 11  # an override's person: back to the rota
    assert next_on_call(r, {"primary": [11]}, [], t, 11) is None


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        on_call_at(weekly(), MEMBERS, [], dt.datetime(2026, 1, 1))  # noqa: DTZ001
