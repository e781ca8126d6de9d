"""Creating a ticket, from any channel: who files it for which organisation, the policy's
defaults, entitlements (channel, quota, community-only plans), the ticket number, the first
message, and the same answer for a repeated ``Idempotency-Key``.

This is the hottest write, so it is written for it. Everything about the new ticket is
decided in Python first (the pure rules, the SLA evaluation, its history and messages) and
handed to the ticket gateway as one :class:`~sladesk.store.NewTicketRecord`
(``TicketGateway.insert_new``: the ticket row complete, its messages, then its history and
projections held with the audit entries and outbox messages, one statement on PostgreSQL at
the commit). Nothing is read back. On SQLite, where the transaction holds the process's write
lock, the work that needs no database (checking the input, cleaning the HTML) is done before
it begins.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sladesk.policy import Policy, Status
from sladesk.services._dtos import NewTicket, TicketView
from sladesk.services._effects import Effects, ticket_change
from sladesk.services._idempotency import check_same_request, request_fingerprint
from sladesk.services._message_html import sanitize
from sladesk.services._outbox import KnownAudience
from sladesk.services._ticket_sla import evaluate_ticket
from sladesk.services._ticket_view import ticket_view
from sladesk.services._vip import route_events
from sladesk.services.clock import Clock
from sladesk.sla import Evaluation, Event, TicketFacts, evaluate
from sladesk.store import (
    CustomerOrganization,
    HistoryEntry,
    Intake,
    NewMessage,
    NewTicketRecord,
    UnitOfWork,
    WriteConflict,
    event_data,
    sla_events,
)
from sladesk.tickets import (
    Actor,
    Entitlement,
    Forbidden,
    InvalidRequest,
    NotFound,
    Scope,
    TicketState,
    apply,
    check_entitlement,
    decide_create,
    first_message_authorship,
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
    """File a ticket. The same ``idempotency_key`` from the same caller with the same ticket
    returns the ticket the first call created (also when two such calls race); with another
    ticket it is an :class:`InvalidRequest` on ``Idempotency-Key``."""
    now = clock.now()
    _check_input(new)
    body_html = sanitize(new.body, new.body_html)
    fingerprint = request_fingerprint("create_ticket", new) if idempotency_key else ""
    try:
        with uow:
            view = _create_or_find(uow, actor, new, body_html, now, idempotency_key, fingerprint)
            uow.commit()
            return view
    except WriteConflict:
        if not idempotency_key:
            raise
        with uow.read_only():  # lost the race to a twin request: answer with its ticket
            first = uow.idempotency.find(idempotency_key, actor.key)
            if first is None:
                raise
            check_same_request(first[1], fingerprint)
            return _existing(uow, actor, first[0], now)


def file_ticket(
    uow: UnitOfWork,
    actor: Actor,
    new: NewTicket,
    now: datetime,
    *,
    idempotency_key: str | None = None,
    key_is_new: bool = False,
) -> TicketView:
    """:func:`create_ticket` inside the caller's open unit of work, which commits (the mail
    intake files a message and its ticket in one transaction). A refusal raises before
    anything is written. ``key_is_new``: the caller knows ``idempotency_key`` was never
    used (the mail intake, for a Message-ID it has just stored for the first time), so it
    is not looked up (it is still recorded)."""
    _check_input(new)
    body_html = sanitize(new.body, new.body_html)
    fingerprint = request_fingerprint("create_ticket", new) if idempotency_key else ""
    if key_is_new:
        return _create(uow, actor, new, body_html, now, idempotency_key, fingerprint)
    return _create_or_find(uow, actor, new, body_html, now, idempotency_key, fingerprint)


def _create_or_find(
    uow: UnitOfWork, actor: Actor, new: NewTicket, body_html: str, now: datetime,
    idempotency_key: str | None, fingerprint: str,
) -> TicketView:  # fmt: skip
    if idempotency_key:
        first = uow.idempotency.find(idempotency_key, actor.key)
        if first is not None:
            check_same_request(first[1], fingerprint)
            return _existing(uow, actor, first[0], now)
    return _create(uow, actor, new, body_html, now, idempotency_key, fingerprint)


def _existing(uow: UnitOfWork, actor: Actor, ticket_id: int, now: datetime) -> TicketView:
    ticket = uow.gateway.load(ticket_id, actor.scope)
    history = uow.gateway.history(ticket.id)
    events = sla_events((e.kind, e.at, e.data) for e in history)
    evaluation = evaluate_ticket(uow, ticket, events, now, explain=True)
    return ticket_view(uow, actor, ticket, evaluation, history=history)


def _check_input(new: NewTicket) -> None:
    if not new.subject.strip():
        raise InvalidRequest("a ticket needs a subject", field="subject")
    if len(new.subject) > 500:
        raise InvalidRequest("at most 500 characters", field="subject")
    if not new.body.strip():
        raise InvalidRequest("a ticket needs a description", field="body")


def _intake(uow: UnitOfWork, actor: Actor, new: NewTicket) -> Intake:
    """Who files the ticket for which organisation, under which policy version."""
    everything = Scope.all_organizations()
    if actor.is_contact:
        if actor.organization_id is None or actor.id is None:
            raise Forbidden("a contact without an organisation cannot file tickets")
        if new.requester_id not in (None, actor.id):
            raise Forbidden("contacts file tickets for themselves")
        return uow.intake.for_contact(everything, actor.id)
    if new.requester_id is not None:
        try:
            intake = uow.intake.for_contact(everything, new.requester_id)
        except NotFound:
            raise InvalidRequest(f"no contact {new.requester_id}", field="requester_id") from None
        if intake.requester is not None and not intake.requester.active:
            raise InvalidRequest(
                f"contact {new.requester_id} is deactivated: reactivate them first, or file "
                "for their organisation",
                field="requester_id",
            )
        return intake
    if new.organization_id is not None:
        try:
            return uow.intake.for_organization(everything, new.organization_id)
        except NotFound:
            raise InvalidRequest(
                f"no organization {new.organization_id}", field="organization_id"
            ) from None
    return uow.intake.without_customer()


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
    """The policy's text for ``locale`` (``pt-BR`` falls back to ``pt``), else its English
    one, else sladesk's own."""
    texts = policy.messages.get(key, {}) if policy else {}
    language = locale.replace("_", "-").split("-")[0]
    template = texts.get(locale) or texts.get(language) or texts.get("en") or _DEFAULT_TEXTS[key]
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template


def _answer(policy: Policy | None, type_: str, locale: str) -> str | None:
    """The text a ticket type's ``answer`` names (Infraspeak's personalised-quote reply), in
    the customer's locale (else the policy's first), or None."""
    declared = policy.types.get(type_) if policy else None
    if policy is None or declared is None or declared.answer is None:
        return None
    texts = policy.messages.get(declared.answer, {})
    return texts.get(locale) or texts.get(policy.locales[0])


def _entitlement(
    uow: UnitOfWork, policy: Policy | None, org: CustomerOrganization | None, type_: str,
    channel: str, now: datetime,
) -> Entitlement:  # fmt: skip
    if org is None:
        return check_entitlement(policy, None, type_, channel, 0)
    plan = policy.plans.get(org.plan) if policy and org.plan else None
    used = 0
    if plan is not None and plan.ticket_quota is not None:
        # serialises this organisation's creates, so that the quota count holds
        uow.people.lock_organization(org.id)
        outside = [
            t.key for t in (policy.types.values() if policy else ()) if not t.counts_toward_quota
        ]
        used = uow.gateway.count_created(
            org.id, *quota_month(now, org.time_zone), except_types=outside
        )
    return check_entitlement(policy, org.plan, type_, channel, used)


def _create(
    uow: UnitOfWork,
    actor: Actor,
    new: NewTicket,
    body_html: str,
    now: datetime,
    idempotency_key: str | None,
    fingerprint: str,
) -> TicketView:
    intake = _intake(uow, actor, new)
    contact, org = intake.requester, intake.organization
    policy = uow.policies.parsed(intake.policy_version_id)
    type_, priority = _defaults(policy, new)
    channel = new.channel
    ent = _entitlement(uow, policy, org, type_, channel, now)
    locale = (contact.locale if contact else None) or (org.locale if org else "en")
    tags = sorted(set(new.tags))

    events = decide_create(actor, now=now, community_reply=ent.community)
    history: list[HistoryEntry] = [_entry(events[0], actor.key)]
    quota_seq = community_seq = 0
    if ent.over_quota:
        history.append(
            HistoryEntry("quota_exceeded", now, "system", {"quota": ent.quota, "used": ent.used})
        )
        quota_seq = len(history)
    if ent.community:
        community_seq = len(history)
        history.extend(_entry(e, "system") for e in events[1:])
    history = [replace(e, seq=n) for n, e in enumerate(history, start=1)]

    initial = TicketState(
        status=Status.NEW, priority=priority, type=type_,
        organization_id=org.id if org else None, requester_id=contact.id if contact else None,
        tags=frozenset(tags),
    )  # fmt: skip
    facts = TicketFacts(
        type=type_, priority=priority, plan=org.plan if org else None,
        addons=frozenset(org.addons) if org else frozenset(), channel=channel,
        organization=org.slug if org else None, tags=frozenset(tags),
        attributes=dict(new.attributes),
    )  # fmt: skip
    # the policy's routing: the dedicated agent, their backup while away, level-2 seniors
    routed, _route = route_events(uow, policy, facts, apply(initial, events),
                                  org.id if org else None, now, trigger="created")  # fmt: skip
    routed_seq = 0
    if routed:
        events = [*events, *routed]
        history.extend(replace(_entry(e, "system"), seq=len(history) + 1 + i)
                       for i, e in enumerate(routed))  # fmt: skip
        routed_seq = len(history)
    state = apply(initial, events)
    evaluation: Evaluation | None = None
    if policy is not None and not ent.community:
        # the SLA history exactly as it will read back from the rows (same codec)
        stored = sla_events((e.kind, e.at, e.data) for e in history)
        evaluation = evaluate(policy, facts, stored, now, explain=True)

    by = first_message_authorship(actor, contact.id if contact else None,
                                  contact.name if contact else None)  # fmt: skip
    messages = [
        _message(by.kind, by.id, by.name, new.body.strip(), body_html, now, by.on_behalf_of_id,
                 by.on_behalf_of_name),
    ]  # fmt: skip
    if ent.over_quota:
        text = _text(policy, "quota_exceeded", locale, quota=ent.quota, used=ent.used)
        messages.append(_message("system", None, "sladesk", text, None, now))
    if ent.community:
        text = _text(policy, "community_answer", locale, url=ent.community_url or "")
        messages.append(_message("system", None, "sladesk", text, None, now))
    answer = _answer(policy, type_, locale)
    if answer is not None:
        messages.append(_message("system", None, "sladesk", answer, None, now))
    record = NewTicketRecord(
        subject=new.subject.strip(), channel=channel, state=state, facts=facts,
        attributes=dict(new.attributes), policy_version_id=intake.policy_version_id,
        over_quota=ent.over_quota, community_answered=ent.community, at=now, history=history,
        messages=messages, evaluation=evaluation,
        idempotency=(idempotency_key, actor.key, fingerprint) if idempotency_key else None,
    )  # fmt: skip
    ticket, stored_messages = uow.gateway.insert_new(record)
    # every message and history entry of a new ticket is public: nothing to read back
    view = ticket_view(uow, actor, ticket, evaluation, messages=stored_messages, history=history)
    system = Actor.system()
    reach = KnownAudience(locale, org.time_zone if org else "UTC")
    changes: list[Effects] = []
    if ent.over_quota:
        changes.append(ticket_change(system, view, "quota.exceeded", now,
                                     {"quota": ent.quota, "used": ent.used}, audience=reach,
                                     seq=quota_seq))  # fmt: skip
    if ent.community:
        changes.append(ticket_change(system, view, "community.answered", now,
                                     {"url": ent.community_url or ""}, audience=reach,
                                     seq=community_seq))  # fmt: skip
    changes.append(ticket_change(actor, view, "created", now, {"channel": channel},
                                 audience=reach, seq=len(history)))  # fmt: skip
    if routed_seq:  # the routed agent is told, like any assignee
        changes.append(ticket_change(system, view, "assigned", now,
                                     {"assignee_id": state.assignee_id, "team": state.team,
                                      "reason": routed[0].reason},
                                     audience=reach, seq=routed_seq))  # fmt: skip
    uow.gateway.record_effects(
        [c.audit for c in changes], [m for c in changes for m in c.outbox], now
    )
    return view


def _entry(event: Event, actor: str) -> HistoryEntry:
    return HistoryEntry(event.kind.value, event.at, actor, event_data(event))


def _message(
    author_kind: str, author_id: int | None, author_name: str, body: str,
    body_html: str | None, now: datetime, on_behalf_of_id: int | None = None,
    on_behalf_of_name: str | None = None,
) -> NewMessage:  # fmt: skip
    """A public reply (``body_html``: cleaned already, or None to render ``body`` as
    paragraphs); ``on_behalf_of_*``: the contact an agent wrote it for."""
    return NewMessage(
        author_kind=author_kind, author_id=author_id, author_name=author_name, public=True,
        kind="reply", body=body,
        body_html=sanitize(body, None) if body_html is None else body_html,
        created_at=now, on_behalf_of_id=on_behalf_of_id, on_behalf_of_name=on_behalf_of_name,
    )  # fmt: skip
