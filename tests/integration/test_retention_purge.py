"""Retention on SQLite and PostgreSQL: the purge deletes exactly the expired tickets' content
(messages, attachments, requester, subject) and nothing else — every table's row count
before and after —, keeps an audit record of counts, stops at legal holds, and leaves the
compliance report's counts as they were."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from desk_fixtures import POLICY, T0, Desk
from sqlalchemy import func, select

from sladesk import services as s
from sladesk.services import Forbidden, NewTicket, NotFound
from sladesk.store._tables import Base, Message, Ticket

RETAINED = POLICY.replace("rules:\n", "retention_months: 3\nrules:\n", 1)


def _counts(desk: Desk) -> dict[str, int]:
    with desk.uow.read_only():
        conn = desk.uow.db
        return {
            name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
            for name, table in Base.metadata.tables.items()
        }


def _messages(desk: Desk, ticket_id: int) -> list[tuple[int, str, str]]:
    with desk.uow.read_only():
        rows = desk.uow.db.execute(
            select(Message.id, Message.author_name, Message.body)
            .where(Message.ticket_id == ticket_id)
            .order_by(Message.id)
        )
        return [(r.id, r.author_name, r.body) for r in rows]


def _ticket(desk: Desk, ticket_id: int) -> tuple[str, int | None]:
    with desk.uow.read_only():
        row = desk.uow.db.execute(
            select(Ticket.subject, Ticket.requester_id).where(Ticket.id == ticket_id)
        ).one()
        return row.subject, row.requester_id


def _closed(desk: Desk, requester: s.Actor, subject: str, *, attach: bool = False) -> int:
    new = NewTicket(subject=subject, body=f"{subject}: details", type="incident")
    t = s.create_ticket(desk.uow, desk.clock, requester, new)
    s.reply_publicly(desk.uow, desk.clock, desk.agent, t.id, "Looking into it")
    if attach:
        s.add_attachment(desk.uow, desk.clock, requester, t.id, filename="log.txt",
                         content_type="text/plain", content=b"secret log " * 10)  # fmt: skip
    s.solve_ticket(desk.uow, desk.clock, desk.agent, t.id)
    s.close_ticket(desk.uow, desk.clock, desk.agent, t.id)
    return t.id


def _numbers(desk: Desk) -> dict[int, int]:
    with desk.uow.read_only():
        return {r.id: r.number for r in desk.uow.db.execute(select(Ticket.id, Ticket.number))}


@pytest.fixture
def retained(desk: Desk) -> Desk:
    s.publish_policy(desk.uow, desk.clock, desk.admin, RETAINED, source="retained.yaml")
    return desk


def test_a_purge_deletes_exactly_the_expired_content(retained: Desk) -> None:
    desk = retained
    old = _closed(desk, desk.bob, "Old one")
    old_files = _closed(desk, desk.bob, "Old with a file", attach=True)
    held_ticket = _closed(desk, desk.bob, "Held ticket")
    held_org = _closed(desk, desk.alice, "Acme is under a hold")
    desk.clock.advance(timedelta(days=61))
    recent = _closed(desk, desk.bob, "Closed later")
    still_open = s.create_ticket(desk.uow, desk.clock, desk.bob,
                                 NewTicket(subject="Open", body="still going")).id  # fmt: skip
    number = _numbers(desk)
    s.set_legal_hold(desk.uow, desk.clock, desk.admin, reason="litigation 12/26",
                     ticket_number=number[held_ticket])  # fmt: skip
    s.set_legal_hold(desk.uow, desk.clock, desk.admin, reason="audit", organization="acme")

    # closed 2025-03-03 at about 10:00 UTC; 3 calendar months later is 2025-06-03
    desk.clock.set(datetime(2025, 6, 3, 9, 0, tzinfo=T0.tzinfo))
    assert s.preview_retention(desk.uow, desk.clock, desk.admin).due == ()
    desk.clock.set(datetime(2025, 6, 3, 12, 0, tzinfo=T0.tzinfo))
    preview = s.preview_retention(desk.uow, desk.clock, desk.admin)
    assert [i.ticket_id for i in preview.due] == [old, old_files]
    assert sorted(i.ticket_id for i in preview.held) == sorted([held_ticket, held_org])
    assert preview.policy == "test-support 1"

    kept = {t: _messages(desk, t) for t in (held_ticket, held_org, recent, still_open)}
    kept_tickets = {t: _ticket(desk, t) for t in kept}
    gone_messages = len(_messages(desk, old)) + len(_messages(desk, old_files))
    end = T0 + timedelta(days=200)
    report_before = s.compliance_summary(
        desk.uow, desk.clock, desk.admin, T0 - timedelta(days=1), end
    )
    before = _counts(desk)

    run = s.purge_expired(desk.uow, desk.clock, desk.admin)

    after = _counts(desk)
    assert [r.ticket_id for r in run.purged] == [old, old_files]
    assert (run.held, run.remaining) == (2, 0)
    expected = dict(before)
    expected["messages"] -= gone_messages
    expected["attachments"] -= 1
    expected["retention_purges"] += 2
    assert after == expected
    for t, messages in kept.items():
        assert _messages(desk, t) == messages and _ticket(desk, t) == kept_tickets[t]
    for t in (old, old_files):
        assert _messages(desk, t) == [] and _ticket(desk, t) == ("(purged)", None)
    # the audit record: counts, never the content
    record = {r.ticket_id: r for r in s.list_purges(desk.uow, desk.clock, desk.admin)}
    assert record[old_files].counts == {
        "messages": 2, "author_names": 2, "attachments": 1, "attachment_bytes": 110,
        "files": 0, "mail_messages": 0, "requester": 1, "subject": 1,
    }  # fmt: skip
    assert record[old].purged_at == desk.clock.now()
    assert record[old].actor == desk.admin.key
    assert "Old" not in repr(record[old])
    # reports keep their counts
    report_after = s.compliance_summary(
        desk.uow, desk.clock, desk.admin, T0 - timedelta(days=1), end
    )
    assert report_after == report_before
    # a second run finds nothing new; clearing a hold lets the next run purge it
    assert s.purge_expired(desk.uow, desk.clock, desk.admin).purged == ()
    assert (
        s.clear_legal_hold(desk.uow, desk.clock, desk.admin, ticket_number=number[held_ticket]) == 1
    )
    again = s.purge_expired(desk.uow, desk.clock, desk.admin)
    assert [r.ticket_id for r in again.purged] == [held_ticket]
    assert _messages(desk, held_org) == kept[held_org]


def test_a_purge_runs_in_batches(retained: Desk) -> None:
    desk = retained
    ids = [_closed(desk, desk.bob, f"T{i}") for i in range(3)]
    desk.clock.advance(timedelta(days=120))
    first = s.purge_expired(desk.uow, desk.clock, desk.admin, limit=2)
    assert [r.ticket_id for r in first.purged] == ids[:2] and first.remaining == 1
    second = s.purge_expired(desk.uow, desk.clock, desk.admin, limit=2)
    assert [r.ticket_id for r in second.purged] == ids[2:] and second.remaining == 0


def test_only_admins_manage_retention_and_holds_need_a_known_subject(retained: Desk) -> None:
    desk = retained
    with pytest.raises(Forbidden):
        s.purge_expired(desk.uow, desk.clock, desk.agent)
    with pytest.raises(Forbidden):
        s.preview_retention(desk.uow, desk.clock, desk.lead)
    with pytest.raises(Forbidden):
        s.set_legal_hold(desk.uow, desk.clock, desk.bob, reason="x", organization="globex")
    with pytest.raises(NotFound):
        s.set_legal_hold(desk.uow, desk.clock, desk.admin, reason="x", organization="nope")
    with pytest.raises(NotFound):
        s.clear_legal_hold(desk.uow, desk.clock, desk.admin, organization="globex")
    with pytest.raises(s.InvalidRequest):
        s.set_legal_hold(desk.uow, desk.clock, desk.admin, reason="  ", organization="globex")


def test_without_retention_nothing_expires(desk: Desk) -> None:
    _closed(desk, desk.bob, "Kept for ever")
    desk.clock.advance(timedelta(days=3650))
    assert s.preview_retention(desk.uow, desk.clock, desk.admin).due == ()
    assert s.purge_expired(desk.uow, desk.clock, desk.admin).purged == ()


def test_the_job_purges_in_batches_then_waits_for_its_interval(retained: Desk) -> None:
    from sladesk.jobs.retention import RetentionJob

    desk = retained
    ids = [_closed(desk, desk.bob, f"T{i}") for i in range(3)]
    desk.clock.advance(timedelta(days=120))
    job = RetentionJob(desk.uow, desk.clock, interval=timedelta(hours=1), batch=2)
    assert [job.run_once(), job.run_once(), job.run_once()] == [2, 1, 0]
    ran_at = desk.clock.now()
    desk.clock.set(ran_at - timedelta(days=100))
    late = _closed(desk, desk.bob, "Closed long before, filed late")
    desk.clock.set(ran_at + timedelta(minutes=59))
    assert job.run_once() == 0  # expired, but the job waits for its interval
    desk.clock.set(ran_at + timedelta(hours=1))
    assert job.run_once() == 1
    assert _messages(desk, late) == [] and all(_messages(desk, t) == [] for t in ids)
