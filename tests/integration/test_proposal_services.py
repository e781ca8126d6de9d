"""The feature-request space on SQLite and PostgreSQL: customers propose and subscribe (one
vote each), see every organisation's proposals without the others' names, support moves the
status with public comments under the transition rules, planned and released tell every
subscriber (one outbox mail each, in their language, and a portal notice), tickets become
or join proposals, and the list sorts by subscribers and by recent activity."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from desk_fixtures import Desk
from sqlalchemy import Engine, select

from sladesk import services as s
from sladesk.services import (
    Conflict,
    Forbidden,
    InvalidRequest,
    NewContact,
    NewTicket,
    NotFound,
    TicketRuleError,
)
from sladesk.store import OutboxMessage, UnitOfWork


def _outbox(desk: Desk) -> list[tuple[str, str, dict]]:
    with desk.uow.read_only():
        rows = desk.uow.db.execute(
            select(OutboxMessage.kind, OutboxMessage.key, OutboxMessage.payload)
            .where(OutboxMessage.kind == "proposal")
            .order_by(OutboxMessage.id)
        )
        return [(r.kind, r.key, r.payload) for r in rows]


def test_a_customer_proposes_and_others_see_it_without_names(desk: Desk) -> None:
    u, c = desk.uow, desk.clock
    p = s.create_proposal(u, c, desk.alice, "  Export to CSV ", "Reports as CSV files")
    assert (p.title, p.status, p.subscribers, p.subscribed) == (
        "Export to CSV",
        "proposed",
        1,
        True,
    )
    assert p.proposed_by == "Alice" and p.own_organization
    seen_by_bob = s.get_proposal(u, c, desk.bob, p.id)
    assert seen_by_bob.proposed_by is None and not seen_by_bob.own_organization
    assert seen_by_bob.organization_name is None and seen_by_bob.subscriber_names == ()
    assert not seen_by_bob.subscribed
    listed = s.list_proposals(u, c, desk.bob)
    assert [x.id for x in listed] == [p.id] and listed[0].proposed_by is None
    staff = s.get_proposal(u, c, desk.agent, p.id)
    assert (staff.proposed_by, staff.organization_name, staff.subscriber_names) == (
        "Alice",
        "Acme",
        ("Alice",),
    )


def test_one_subscription_per_contact(desk: Desk) -> None:
    u, c = desk.uow, desk.clock
    p = s.create_proposal(u, c, desk.alice, "Dark mode", "Easier on the eyes")
    assert s.subscribe_to_proposal(u, c, desk.bob, p.id).subscribers == 2
    again = s.subscribe_to_proposal(u, c, desk.bob, p.id)
    assert (again.subscribers, again.subscribed) == (2, True)
    out = s.unsubscribe_from_proposal(u, c, desk.bob, p.id)
    assert (out.subscribers, out.subscribed) == (1, False)
    assert s.unsubscribe_from_proposal(u, c, desk.bob, p.id).subscribers == 1
    with pytest.raises(Forbidden):
        s.subscribe_to_proposal(u, c, desk.agent, p.id)
    with pytest.raises(NotFound):
        s.subscribe_to_proposal(u, c, desk.bob, p.id + 999)


def test_only_support_moves_the_status_along_the_rules(desk: Desk) -> None:
    u, c = desk.uow, desk.clock
    p = s.create_proposal(u, c, desk.alice, "SSO", "Sign in with our IdP")
    with pytest.raises(Forbidden):
        s.change_proposal_status(u, c, desk.alice, p.id, "planned", "please")
    with pytest.raises(TicketRuleError):
        s.change_proposal_status(u, c, desk.agent, p.id, "released", None)
    with pytest.raises(InvalidRequest) as declined:
        s.change_proposal_status(u, c, desk.agent, p.id, "declined", "  ")
    assert declined.value.field == "comment"
    with pytest.raises(InvalidRequest):
        s.change_proposal_status(u, c, desk.agent, p.id, "shipped", None)
    reviewed = s.change_proposal_status(u, c, desk.agent, p.id, "under_review", "Looking at it")
    assert reviewed.status == "under_review"
    commented = s.change_proposal_status(u, c, desk.agent, p.id, None, "Still looking")
    assert commented.status == "under_review"
    assert [(x.status_from, x.status_to, x.body) for x in commented.comments] == [
        ("proposed", "under_review", "Looking at it"),
        ("under_review", "under_review", "Still looking"),
    ]
    assert s.get_proposal(u, c, desk.bob, p.id).comments[0].author_name == "Al Agent"
    assert _outbox(desk) == []  # under review and comments tell nobody


def test_planned_and_released_tell_every_subscriber(desk: Desk) -> None:
    u, c = desk.uow, desk.clock
    new = NewContact(desk.globex, "dora@globex.test", "Dora", locale="es")
    dora = s.create_contact(u, c, desk.admin, new)
    dora_actor = s.Actor.contact(dora.id, desk.globex, name="Dora")
    p = s.create_proposal(u, c, desk.alice, "Webhooks", "Tell our systems")
    s.subscribe_to_proposal(u, c, desk.bob, p.id)
    s.subscribe_to_proposal(u, c, dora_actor, p.id)
    s.unsubscribe_from_proposal(u, c, desk.bob, p.id)
    c.advance(timedelta(hours=1))
    s.change_proposal_status(u, c, desk.lead, p.id, "planned", "Approved for Q3")
    mails = _outbox(desk)
    assert sorted(m[2]["recipient"]["id"] for m in mails) == sorted([desk.alice.id, dora.id])
    by_id = {m[2]["recipient"]["id"]: m[2] for m in mails}
    assert by_id[dora.id]["locale"] == "es" and by_id[desk.alice.id]["locale"] == "en"
    assert by_id[dora.id]["template"] == "proposal.planned"
    assert by_id[dora.id]["comment"] == "Approved for Q3"
    assert by_id[dora.id]["proposal"] == {"id": p.id, "title": "Webhooks", "status": "planned"}
    notices = s.list_proposal_notices(u, c, dora_actor)
    assert [(n.proposal_id, n.status, n.comment) for n in notices] == [
        (p.id, "planned", "Approved for Q3")
    ]
    assert s.list_proposal_notices(u, c, desk.bob) == []
    assert s.mark_proposal_notices_seen(u, c, dora_actor, p.id) == 1
    assert s.list_proposal_notices(u, c, dora_actor) == []
    assert len(s.list_proposal_notices(u, c, dora_actor, unseen_only=False)) == 1
    s.change_proposal_status(u, c, desk.lead, p.id, "released", "Out now")
    released = [m for m in _outbox(desk) if m[2]["template"] == "proposal.released"]
    assert len(released) == 2 and len({m[1] for m in _outbox(desk)}) == 4
    with pytest.raises(TicketRuleError):  # released is final
        s.change_proposal_status(u, c, desk.lead, p.id, "under_review", "Oops")


def test_tickets_become_or_join_proposals(desk: Desk) -> None:
    u, c = desk.uow, desk.clock
    t = s.create_ticket(u, c, desk.bob, NewTicket(subject="Bulk edit", body="Edit many rows",
                                                   type="feature_request"))  # fmt: skip
    with pytest.raises(Forbidden):
        s.proposal_from_ticket(u, c, desk.bob, t.id)
    p = s.proposal_from_ticket(u, c, desk.agent, t.id)
    assert (p.title, p.description, p.proposed_by, p.subscriber_names) == (
        "Bulk edit",
        "Edit many rows",
        "Bob",
        ("Bob",),
    )
    assert [x.ticket_id for x in p.tickets] == [t.id]
    assert s.get_proposal(u, c, desk.alice, p.id).proposed_by is None  # another organisation
    assert s.get_proposal(u, c, desk.bob, p.id).subscribed
    assert s.proposal_for_ticket(u, c, desk.agent, t.id) == p.id
    with pytest.raises(Conflict):
        s.proposal_from_ticket(u, c, desk.agent, t.id)
    t2 = s.create_ticket(u, c, desk.alice, NewTicket(subject="Edit in bulk please", body="x"))
    joined = s.link_ticket_to_proposal(u, c, desk.agent, t2.id, p.id)
    assert joined.subscribers == 2 and {x.ticket_id for x in joined.tickets} == {t.id, t2.id}
    with pytest.raises(Conflict):
        s.link_ticket_to_proposal(u, c, desk.agent, t2.id, p.id)
    with pytest.raises(NotFound):
        s.link_ticket_to_proposal(u, c, desk.agent, t2.id + 999, p.id)
    assert s.get_proposal(u, c, desk.alice, p.id).tickets == ()  # tickets are staff-only


def test_the_list_sorts_by_subscribers_and_by_activity_and_filters(desk: Desk) -> None:
    u, c = desk.uow, desk.clock
    a = s.create_proposal(u, c, desk.alice, "A", "first")
    c.advance(timedelta(minutes=1))
    b = s.create_proposal(u, c, desk.bob, "B", "second")
    c.advance(timedelta(minutes=1))
    z = s.create_proposal(u, c, desk.agent, "C", "third, by support")
    assert z.by_support and z.proposed_by is None and z.subscribers == 0
    c.advance(timedelta(minutes=1))
    s.subscribe_to_proposal(u, c, desk.carol, b.id)  # b: 2 subscribers, touched last
    assert [x.id for x in s.list_proposals(u, c, desk.alice)] == [b.id, a.id, z.id]
    c.advance(timedelta(minutes=1))
    s.change_proposal_status(u, c, desk.agent, a.id, None, "Noted")
    assert [x.id for x in s.list_proposals(u, c, desk.alice, order="activity")] == [
        a.id, b.id, z.id
    ]  # fmt: skip
    s.change_proposal_status(u, c, desk.agent, z.id, "under_review", None)
    assert [x.id for x in s.list_proposals(u, c, desk.alice, status=["under_review"])] == [z.id]
    with pytest.raises(InvalidRequest):
        s.list_proposals(u, c, desk.alice, status=["nope"])
    with pytest.raises(InvalidRequest):
        s.list_proposals(u, c, desk.alice, order="votes")


def test_proposal_text_is_checked(desk: Desk) -> None:
    u, c = desk.uow, desk.clock
    with pytest.raises(InvalidRequest) as e:
        s.create_proposal(u, c, desk.alice, "  ", "something")
    assert e.value.field == "title"
    with pytest.raises(InvalidRequest) as e:
        s.create_proposal(u, c, desk.alice, "T" * 201, "something")
    assert e.value.field == "title"
    with pytest.raises(InvalidRequest) as e:
        s.create_proposal(u, c, desk.alice, "Title", "")
    assert e.value.field == "description"


def test_concurrent_votes_and_approvals_count_once(desk: Desk, engine: Engine) -> None:
    """Eight threads, each with its own unit of work: the same contact subscribing eight
    times is one subscription; eight agents approving at once is one status change and one
    mail per follower (the others find it planned already and are refused)."""
    u, c = desk.uow, desk.clock
    p = s.create_proposal(u, c, desk.alice, "Audit log", "Who changed what")
    barrier = threading.Barrier(8)

    def vote(_: int) -> int:
        barrier.wait()
        return s.subscribe_to_proposal(UnitOfWork(engine), c, desk.bob, p.id).subscribers

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(vote, range(8))) == {2}

    def approve(_: int) -> str:
        barrier.wait()
        try:
            s.change_proposal_status(UnitOfWork(engine), c, desk.agent, p.id, "planned", None)
        except InvalidRequest:  # planned already: a comment alone needs words
            return "refused"
        return "planned"

    with ThreadPoolExecutor(8) as pool:
        assert sorted(pool.map(approve, range(8))) == ["planned"] + ["refused"] * 7
    assert len(_outbox(desk)) == 2
