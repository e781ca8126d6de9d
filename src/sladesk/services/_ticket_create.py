"""Creating a ticket, from any channel: who files it for which organisation, the policy's
defaults, entitlements (channel, quota, community-only plans), the ticket number, the first
message, and the same answer for a repeated ``Idempotency-Key``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from sladesk.policy import Policy
from sladesk.services._effects import record_ticket_change
from sladesk.services._tickets_support import (
    evaluate_ticket,
    fold_into_row,
    sanitize,
    ticket_view,
)
from sladesk.services._views import NewTicket, TicketView
from sladesk.services.clock import Clock
from sladesk.sla import Event
from sladesk.store import UnitOfWork, event_data, queue_columns, sla_events
from sladesk.store._tables import Contact, Message, Organization, Ticket
from sladesk.tickets import (
    Actor,
    Entitlement,
    Forbidden,
    InvalidRequest,
    NotFound,
    Scope,
    check_entitlement,
    decide_create,
    quota_month,
)

_DEFAULT_TEXTS = {
    "quota_exceeded": "Your plan includes {quota} tickets a month and this one is over it: we "
    "have recorded it, and it will be answered as capacity allows.",
    "community_answer": "Your plan is answered by our community and help centre: {url}",
}


def create_ticket(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    new: NewTicket,
    *,
    idempotency_key: str | None = None,
) -> TicketView:
    """File a ticket. The same ``idempotency_key`` from the same caller returns the ticket
    the first call created (also when two such calls race)."""
    now = clock.now()
    _check_input(new)
    try:
        with uow:
            if idempotency_key:
                first = uow.idempotency.find(idempotency_key, actor.key)
                if first is not None:
                    return _existing(uow, actor, first, now)
            view = _create(uow, actor, new, now, idempotency_key)
            uow.commit()
            return view
    except IntegrityError:
        if not idempotency_key:
            raise
        with uow.read_only():  # lost the race to a twin request: answer with its ticket
            first = uow.idempotency.find(idempotency_key, actor.key)
            if first is None:
                raise
            return _existing(uow, actor, first, now)


def _existing(uow: UnitOfWork, actor: Actor, ticket_id: int, now: datetime) -> TicketView:
    ticket = uow.tickets.get(actor.scope, ticket_id)
    events = uow.events.sla_events(ticket.id)
    return ticket_view(uow, actor, ticket, evaluate_ticket(uow, ticket, events, now))


def _check_input(new: NewTicket) -> None:
    if not new.subject.strip():
        raise InvalidRequest("a ticket needs a subject", field="subject")
    if len(new.subject) > 500:
        raise InvalidRequest("at most 500 characters", field="subject")
    if not new.body.strip():
        raise InvalidRequest("a ticket needs a description", field="body")


def _who(
    uow: UnitOfWork, actor: Actor, new: NewTicket
) -> tuple[Contact | None, Organization | None]:
    everything = Scope.all_organizations()
    if actor.is_contact:
        if actor.organization_id is None or actor.id is None:
            raise Forbidden("a contact without an organisation cannot file tickets")
        if new.requester_id not in (None, actor.id):
            raise Forbidden("contacts file tickets for themselves")
        return uow.people.contact_and_organization(everything, actor.id)
    if new.requester_id is not None:
        try:
            return uow.people.contact_and_organization(everything, new.requester_id)
        except NotFound:
            raise InvalidRequest(f"no contact {new.requester_id}", field="requester_id") from None
    if new.organization_id is not None:
        try:
            return None, uow.people.organization(everything, new.organization_id)
        except NotFound:
            raise InvalidRequest(
                f"no organization {new.organization_id}", field="organization_id"
            ) from None
    return None, None


def _defaults(policy: Policy | None, new: NewTicket) -> tuple[str, str]:
    if policy is None:
        return new.type or "question", new.priority or "normal"
    type_ = new.type or next(
        (t for t in ("question", "incident") if t in policy.types), next(iter(policy.types))
    )
    if type_ not in policy.types:
        raise InvalidRequest(
            f"unknown type {type_!r} (one of {', '.join(policy.types)})", field="type"
        )
    priority = new.priority or policy.default_priority
    known = [p.key for p in policy.priorities]
    if priority not in known:
        raise InvalidRequest(
            f"unknown priority {priority!r} (one of {', '.join(known)})", field="priority"
        )
    return type_, priority


def _text(policy: Policy | None, key: str, locale: str, **params: object) -> str:
    texts = policy.messages.get(key, {}) if policy else {}
    template = texts.get(locale) or texts.get("en") or _DEFAULT_TEXTS[key]
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template


def _entitlement(
    uow: UnitOfWork, policy: Policy | None, org: Organization | None, type_: str, channel: str,
    now: datetime,
) -> Entitlement:  # fmt: skip
    if org is None:
        return check_entitlement(policy, None, type_, channel, 0)
    plan = policy.plans.get(org.plan) if policy and org.plan else None
    used = 0
    if plan is not None and plan.ticket_quota is not None:
        # serialises this organisation's creates, so that the quota count holds
        uow.people.lock_organization(org.id)
        used = uow.tickets.count_created(org.id, *quota_month(now, org.time_zone))
    return check_entitlement(policy, org.plan, type_, channel, used)


#: a history entry as stored: (kind, at, actor, data)
_Entry = tuple[str, datetime, str, dict[str, Any]]


def _create(
    uow: UnitOfWork, actor: Actor, new: NewTicket, now: datetime, idempotency_key: str | None
) -> TicketView:
    """Everything about the new ticket is decided before its row goes out, so that the row
    is inserted once, complete (status, history length, SLA queue columns), and the rest
    (history, messages, projections, audit, outbox) follows in one flush: no UPDATE of the
    fresh row and no reading back what this transaction wrote."""
    contact, org = _who(uow, actor, new)
    version_id = uow.policies.current_id()
    policy = uow.policies.parsed(version_id)
    type_, priority = _defaults(policy, new)
    channel = new.channel
    ent = _entitlement(uow, policy, org, type_, channel, now)
    locale = (contact.locale if contact else None) or (org.locale if org else "en")
    tags = sorted(set(new.tags))

    events = decide_create(actor, now=now, community_reply=ent.community)
    history: list[_Entry] = [_entry(events[0], actor.key)]
    quota_seq = community_seq = 0
    if ent.over_quota:
        history.append(("quota_exceeded", now, "system", {"quota": ent.quota, "used": ent.used}))
        quota_seq = len(history)
    if ent.community:
        community_seq = len(history)
        history.extend(_entry(e, "system") for e in events[1:])

    ticket = Ticket(
        subject=new.subject.strip(),
        type=type_,
        priority=priority,
        status="new",
        channel=channel,
        requester_id=contact.id if contact else None,
        organization_id=org.id if org else None,
        tags=tags,
        attributes=dict(new.attributes),
        facts={
            "type": type_,
            "priority": priority,
            "plan": org.plan if org else None,
            "addons": list(org.addons) if org else [],
            "channel": channel,
            "organization": org.slug if org else None,
            "tags": tags,
            "attributes": dict(new.attributes),
        },  # fmt: skip
        policy_version_id=version_id,
        over_quota=ent.over_quota,
        community_answered=ent.community,
        created_at=now,
        updated_at=now,
        last_seq=len(history),
    )
    fold_into_row(ticket, events, now)
    # the SLA history exactly as it will read back from the rows (same codec)
    stored = sla_events((kind, at, data) for kind, at, _actor, data in history)
    evaluation = evaluate_ticket(uow, ticket, stored, now)
    for key, value in queue_columns(evaluation).items():
        setattr(ticket, key, value)
    uow.tickets.add(ticket)  # INSERT: the id and the number

    event_rows = uow.events.start(ticket, history)
    author_kind = actor.kind.value
    message_rows = [
        Message(
            ticket_id=ticket.id, author_kind=author_kind,
            author_id=contact.id if contact and actor.is_staff else actor.id,
            author_name=contact.name if contact else actor.name, public=True, kind="reply",
            body=new.body.strip(), body_html=sanitize(new.body, new.body_html), created_at=now,
        )
    ]  # fmt: skip
    system = Actor.system()
    if ent.over_quota:
        text = _text(policy, "quota_exceeded", locale, quota=ent.quota, used=ent.used)
        message_rows.append(_system_message(ticket, text, now))
        record_ticket_change(uow, system, ticket, "quota.exceeded", now,
                             {"quota": ent.quota, "used": ent.used}, locale=locale,
                             seq=quota_seq)  # fmt: skip
    if ent.community:
        url = ent.community_url or ""
        text = _text(policy, "community_answer", locale, url=url)
        message_rows.append(_system_message(ticket, text, now))
        record_ticket_change(uow, system, ticket, "community.answered", now, {"url": url},
                             locale=locale, seq=community_seq)  # fmt: skip
    uow.messages.add_all(message_rows)
    uow.projections.save_new(ticket, evaluation, now)
    if idempotency_key:
        uow.idempotency.add(idempotency_key, actor.key, ticket.id, now)
    record_ticket_change(uow, actor, ticket, "created", now, {"channel": channel}, locale=locale)
    uow.flush()
    return ticket_view(
        uow, actor, ticket, evaluation, message_rows=message_rows, event_rows=event_rows
    )


def _entry(event: Event, actor: str) -> _Entry:
    return (event.kind.value, event.at, actor, event_data(event))


def _system_message(ticket: Ticket, text: str, now: datetime) -> Message:
    return Message(
        ticket_id=ticket.id, author_kind="system", author_id=None, author_name="sladesk",
        public=True, kind="reply", body=text, body_html=sanitize(text, None), created_at=now,
    )  # fmt: skip
