"""Bringing a team's history in from the help desk it leaves (``sladesk import``).

The readers (``sladesk.importers``) turn an export into the records below; these use cases
store each one, **one transaction per record**, so that a bad record never stops the run and
never half-imports a ticket:

- an organisation is found by its slug (made from its name), a person by their e-mail;
  created when missing, updated when the export says otherwise;
- a ticket is created with its whole history at its original instants (status, priority,
  type and assignment changes, public replies and internal notes by their authors), bound to
  the policy in force and evaluated on that history, so that its SLA can be explained,
  reported and back-tested like any other;
- every record is linked to what it became (``store/_tables_imports.py``) with a fingerprint
  of its content. Importing the same export again changes nothing; a newer one updates what
  changed: a ticket whose history grew gets the new entries appended (a history that was
  rewritten rather than extended is refused and said so).

Only admins import. Instants come in aware (the readers refuse naive ones).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from sladesk.errors import SladeskError
from sladesk.policy import Policy, Status
from sladesk.services._dtos import (
    UNSET,
    AgentChanges,
    AgentView,
    ContactChanges,
    ContactView,
    NewAgent,
    NewContact,
    NewOrganization,
    OrganizationChanges,
)
from sladesk.services._message_html import sanitize
from sladesk.services._people import (
    create_agent,
    create_contact,
    create_organization,
    update_agent,
    update_contact,
    update_organization,
)
from sladesk.services._roles import require_role
from sladesk.services.clock import Clock
from sladesk.sla import Author, Event, EventKind, TicketFacts, evaluate
from sladesk.store import (
    HistoryEntry,
    ImportLinkRepository,
    NewMessage,
    NewTicketRecord,
    TicketChange,
    UnitOfWork,
    event_data,
    sla_events,
)
from sladesk.tickets import Actor, InvalidRequest, Role, Scope, TicketState, apply

# -- the records an export is read into ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportedOrganization:
    external_id: str
    name: str
    plan: str | None = None  # a plan of the policy in force, else none
    time_zone: str = "UTC"
    locale: str = "en"


@dataclass(frozen=True, slots=True)
class ImportedPerson:
    external_id: str
    kind: str  # contact | agent
    name: str
    email: str
    organization_id: str | None = None  # external id of their organisation
    role: str = "agent"  # agents: agent | senior | lead | admin
    active: bool = True
    locale: str | None = None


@dataclass(frozen=True, slots=True)
class ImportedChange:
    """One recorded change of a ticket: ``field`` status | priority | type | assignee,
    with the exporter's value (a status, a priority, a type, an agent's external id)."""

    at: datetime
    field: str
    value: str | None
    author_id: str | None = None  # external id of who made it
    reason: str | None = None  # on_hold reason, priority reason


@dataclass(frozen=True, slots=True)
class ImportedAttachment:
    name: str
    content_type: str
    size: int


@dataclass(frozen=True, slots=True)
class ImportedMessage:
    external_id: str
    at: datetime
    author_id: str | None  # external id; None or unknown: a deleted user
    public: bool
    body: str  # text
    body_html: str | None = None  # the exporter's HTML, cleaned before it is stored
    attachments: tuple[ImportedAttachment, ...] = ()


@dataclass(frozen=True, slots=True)
class ImportedTicket:
    external_id: str
    subject: str
    created_at: datetime
    requester_id: str | None  # external id of a person
    organization_id: str | None  # external id of an organisation
    status: str  # its status now, in sladesk's words (the changes lead there; if not, added)
    priority: str | None
    type: str | None
    channel: str = "import"
    tags: tuple[str, ...] = ()
    changes: tuple[ImportedChange, ...] = ()
    messages: tuple[ImportedMessage, ...] = ()
    merged_into: str | None = None  # external id of the ticket it was merged into


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    """What one record became: ``created``, ``updated``, ``unchanged`` or ``skipped`` (with
    why), and notes on what was adapted (an unknown priority mapped to the default...)."""

    kind: str
    external_id: str
    outcome: str
    local_id: int | None = None
    why: str = ""
    notes: tuple[str, ...] = field(default=())


_STATUSES = {s.value for s in Status}


def _fingerprint(record: object) -> str:
    return hashlib.sha256(repr(record).encode()).hexdigest()


def _slug(name: str, external_id: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:50]
    return slug or f"org-{external_id}"


def _actor(actor: Actor) -> None:
    require_role(actor, Role.ADMIN, "import another help desk's history")


# -- organisations and people ---------------------------------------------------------------


def import_organization(
    uow: UnitOfWork, clock: Clock, actor: Actor, source: str, org: ImportedOrganization
) -> ImportOutcome:
    _actor(actor)
    fp = _fingerprint(org)
    with uow.read_only():
        link = ImportLinkRepository(uow.db).find(source, "organization", org.external_id)
        policy = uow.policies.parsed(uow.policies.current_id())
    plan, notes = _plan(policy, org.plan)
    if link is not None and link.fingerprint == fp:
        return ImportOutcome("organization", org.external_id, "unchanged", link.local_id)
    if link is not None:
        view = update_organization(
            uow, clock, actor, link.local_id,
            OrganizationChanges(name=org.name, plan=plan, locale=org.locale,
                                time_zone=org.time_zone),
        )  # fmt: skip
        outcome = "updated"
    else:
        slug = _slug(org.name, org.external_id)
        with uow.read_only():
            existing = uow.people.organization_by_slug(slug)
            existing_id = existing.id if existing is not None else None
        if existing_id is not None:
            view_id, outcome = existing_id, "unchanged"
            notes += (f"an organisation with slug {slug!r} was there already: linked to it",)
            _link(uow, clock, source, "organization", org.external_id, view_id, fp)
            return ImportOutcome("organization", org.external_id, outcome, view_id, notes=notes)
        view = create_organization(
            uow, clock, actor,
            NewOrganization(org.name, slug, plan=plan, locale=org.locale,
                            time_zone=org.time_zone),
        )  # fmt: skip
        outcome = "created"
    _link(uow, clock, source, "organization", org.external_id, view.id, fp)
    return ImportOutcome("organization", org.external_id, outcome, view.id, notes=notes)


def _plan(policy: Policy | None, plan: str | None) -> tuple[str | None, tuple[str, ...]]:
    if plan is None or policy is None or plan in policy.plans:
        return plan if policy is None or plan in (policy.plans if policy else {}) else None, ()
    return None, (f"plan {plan!r} is not in the policy in force: imported without a plan",)


def import_person(
    uow: UnitOfWork, clock: Clock, actor: Actor, source: str, person: ImportedPerson,
    *, organization_id: int | None,
) -> ImportOutcome:  # fmt: skip
    """A contact (in ``organization_id``, the sladesk id of their organisation) or an agent."""
    _actor(actor)
    if person.kind not in ("contact", "agent"):
        raise InvalidRequest(f"a person is a contact or an agent, not {person.kind!r}")
    fp = _fingerprint(person)
    with uow.read_only():
        link = ImportLinkRepository(uow.db).find(source, person.kind, person.external_id)
        found = uow.people.person_by_email(person.email.strip().lower())
        found_id = found.id if found is not None else None
        found_kind = type(found).__name__.lower() if found is not None else None
    if link is not None and link.fingerprint == fp:
        return ImportOutcome(person.kind, person.external_id, "unchanged", link.local_id)
    local = link.local_id if link is not None else None
    if local is None and found_id is not None:
        if found_kind != person.kind:
            return ImportOutcome(person.kind, person.external_id, "skipped",
                                 why=f"{person.email} is already a {found_kind} here")  # fmt: skip
        local = found_id
    if local is None:
        made: AgentView | ContactView
        if person.kind == "agent":
            made = create_agent(uow, clock, actor,
                                NewAgent(person.email, person.name, role=person.role))  # fmt: skip
        else:
            if organization_id is None:
                return ImportOutcome("contact", person.external_id, "skipped",
                                     why="a contact without an organisation")  # fmt: skip
            made = create_contact(
                uow, clock, actor,
                NewContact(organization_id, person.email, person.name, locale=person.locale),
            )  # fmt: skip
        local, outcome = made.id, "created"
        if not person.active:
            _set_active(uow, clock, actor, person, local, False)
    else:
        _set_active(uow, clock, actor, person, local, person.active, rename=True)
        outcome = "updated"
    _link(uow, clock, source, person.kind, person.external_id, local, fp)
    return ImportOutcome(person.kind, person.external_id, outcome, local)


def _set_active(
    uow: UnitOfWork, clock: Clock, actor: Actor, person: ImportedPerson, local: int,
    active: bool, *, rename: bool = False,
) -> None:  # fmt: skip
    name = person.name if rename else UNSET
    if person.kind == "agent":
        update_agent(uow, clock, actor, local, AgentChanges(name=name, active=active))
    else:
        update_contact(uow, clock, actor, local, ContactChanges(name=name, active=active))


def _link(
    uow: UnitOfWork, clock: Clock, source: str, kind: str, external_id: str, local_id: int,
    fingerprint: str, data: dict[str, Any] | None = None,
) -> None:  # fmt: skip
    with uow:
        ImportLinkRepository(uow.db).put(source, kind, external_id, local_id, fingerprint,
                                         clock.now(), data)  # fmt: skip
        uow.commit()


# -- tickets -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _People:
    """External person ids -> (kind, sladesk id, name), as the import resolved them."""

    known: dict[str, tuple[str, int, str]]

    def author(self, external_id: str | None) -> tuple[str, int | None, str]:
        if external_id is None or external_id not in self.known:
            return "contact", None, "(deleted user)"
        kind, local, name = self.known[external_id]
        return kind, local, name


def import_ticket(
    uow: UnitOfWork, clock: Clock, actor: Actor, source: str, ticket: ImportedTicket,
    *, people: dict[str, tuple[str, int, str]], organizations: dict[str, int],
) -> ImportOutcome:  # fmt: skip
    """One ticket with its history (see the module docstring). ``people``: external person
    id -> (``contact``/``agent``, sladesk id, name); ``organizations``: external id ->
    sladesk id — what the import of the people and organisations gave."""
    _actor(actor)
    now = clock.now()
    fp = _fingerprint(ticket)
    who = _People(people)
    with uow:
        links = ImportLinkRepository(uow.db)
        link = links.find(source, "ticket", ticket.external_id)
        if link is not None and link.fingerprint == fp:
            return ImportOutcome("ticket", ticket.external_id, "unchanged", link.local_id)
        policy_id = uow.policies.current_id()
        policy = uow.policies.parsed(policy_id)
        notes: list[str] = []
        entries, messages = _history(ticket, who, policy, notes)
        prefix = [_entry_key(e) for e in entries]
        if link is None:
            local = _create(uow, ticket, who, organizations, policy, policy_id, entries,
                            messages, now, notes)  # fmt: skip
            outcome = "created"
        else:
            done = int(link.data.get("entries", 0)), int(link.data.get("messages", 0))
            if link.data.get("prefix") != _digest(prefix[: done[0]]):
                why = ("its history in this export is not the one imported before plus new "
                       "entries (rewritten or reordered)")  # fmt: skip
                return ImportOutcome("ticket", ticket.external_id, "skipped", link.local_id,
                                     why=why)  # fmt: skip
            local = link.local_id
            _append(uow, local, entries[done[0] :], messages[done[1] :], policy, now)
            outcome = (
                "updated" if len(entries) > done[0] or len(messages) > done[1] else "unchanged"
            )
        data = {"entries": len(entries), "messages": len(messages), "prefix": _digest(prefix)}
        links.put(source, "ticket", ticket.external_id, local, fp, now, data)
        uow.commit()
    return ImportOutcome("ticket", ticket.external_id, outcome, local, notes=tuple(notes))


def _entry_key(e: HistoryEntry) -> str:
    return f"{e.kind}|{e.at.isoformat()}|{sorted(e.data.items())}"


def _digest(keys: list[str]) -> str:
    return hashlib.sha256("\n".join(keys).encode()).hexdigest()


def _map(value: str | None, known: list[str], default: str, what: str, notes: list[str]) -> str:
    if value is not None and value in known:
        return value
    if value is not None:
        note = f"{what} {value!r} is not in the policy in force: {default!r} used"
        if note not in notes:
            notes.append(note)
    return default


def _history(
    ticket: ImportedTicket, who: _People, policy: Policy | None, notes: list[str]
) -> tuple[list[HistoryEntry], list[NewMessage]]:
    """The ticket's history entries (created, changes, messages) in time order, and its
    messages, as sladesk records them."""
    priorities = [p.key for p in policy.priorities] if policy else []
    types = list(policy.types) if policy else []
    default_priority = policy.default_priority if policy else "normal"
    default_type = (types[0] if "question" not in types else "question") if types else "question"
    timed: list[tuple[datetime, int, HistoryEntry]] = []
    created = Event(ticket.created_at, EventKind.CREATED)
    timed.append((ticket.created_at, 0, HistoryEntry("created", ticket.created_at, "import",
                                                     event_data(created))))  # fmt: skip
    for n, change in enumerate(ticket.changes, 1):
        event = _change_event(change, who, priorities, types, default_priority, default_type,
                              notes)  # fmt: skip
        if event is not None:
            actor = _actor_key(who, change.author_id)
            timed.append((change.at, n, HistoryEntry(event.kind.value, event.at, actor,
                                                     event_data(event))))  # fmt: skip
    messages: list[NewMessage] = []
    for n, m in enumerate(sorted(ticket.messages, key=lambda m: (m.at, m.external_id)), 1):
        kind, local, name = who.author(m.author_id)
        author = Author.AGENT if kind == "agent" else Author.CUSTOMER
        event = Event(m.at, EventKind.MESSAGE, author=author, public=m.public)
        timed.append((m.at, 10_000 + n, HistoryEntry("message", m.at, _actor_key(who, m.author_id),
                                                     event_data(event))))  # fmt: skip
        body = m.body.strip() or "(empty)"
        names = ", ".join(f"{a.name} ({a.content_type}, {a.size} bytes)" for a in m.attachments)
        if names:
            body += f"\n\n[attachments in the original help desk: {names}]"
        messages.append(
            NewMessage(
                author_kind=kind,
                author_id=local,
                author_name=name,
                public=m.public,
                kind="reply" if m.public else "note",
                body=body,
                body_html=sanitize(body, m.body_html),
                created_at=m.at,
                channel=f"import:{ticket.channel}",
                external_id=m.external_id,
            )  # fmt: skip
        )
    timed.sort(key=lambda t: (t[0], t[1]))
    statuses = [t[2].data.get("status") for t in timed if t[2].kind == "status"]
    last = statuses[-1] if statuses else Status.NEW.value
    if ticket.status in _STATUSES and ticket.status != last:
        at = timed[-1][0]
        event = Event(at, EventKind.STATUS, status=ticket.status)
        timed.append((at, 99_999, HistoryEntry("status", at, "import", event_data(event))))
        notes.append(f"its history does not end {ticket.status}: a status change added at the end")
    return [t[2] for t in timed], messages


def _actor_key(who: _People, external_id: str | None) -> str:
    kind, local, _name = who.author(external_id)
    return "import" if local is None else f"{kind}:{local}"


def _change_event(
    change: ImportedChange, who: _People, priorities: list[str], types: list[str],
    default_priority: str, default_type: str, notes: list[str],
) -> Event | None:  # fmt: skip
    if change.field == "status":
        status = change.value or ""
        if status not in _STATUSES:
            notes.append(f"status {status!r} at {change.at.isoformat()} is not sladesk's: left out")
            return None
        reason = change.reason if status == Status.ON_HOLD.value else None
        return Event(change.at, EventKind.STATUS, status=status, reason=reason)
    if change.field == "priority":
        value = _map(change.value, priorities, default_priority, "priority", notes)
        return Event(change.at, EventKind.PRIORITY, priority=value,
                     reason=change.reason or "imported")  # fmt: skip
    if change.field == "type":
        return Event(change.at, EventKind.TYPE,
                     type=_map(change.value, types, default_type, "type", notes))  # fmt: skip
    if change.field == "assignee":
        _kind, local, _name = who.author(change.value)
        return Event(change.at, EventKind.ASSIGNED,
                     assignee=str(local) if local is not None else None)  # fmt: skip
    notes.append(f"a change of {change.field!r} is not one sladesk records: left out")
    return None


def _create(
    uow: UnitOfWork, ticket: ImportedTicket, who: _People, organizations: dict[str, int],
    policy: Policy | None, policy_id: int | None, entries: list[HistoryEntry],
    messages: list[NewMessage], now: datetime, notes: list[str],
) -> int:  # fmt: skip
    requester = who.known.get(ticket.requester_id or "")
    contact_id = requester[1] if requester and requester[0] == "contact" else None
    org_id = organizations.get(ticket.organization_id or "")
    everything = Scope.all_organizations()
    if contact_id is not None:
        intake = uow.intake.for_contact(everything, contact_id)
    elif org_id is not None:
        intake = uow.intake.for_organization(everything, org_id)
    else:
        intake = uow.intake.without_customer()
    org = intake.organization
    priorities = [p.key for p in policy.priorities] if policy else []
    types = list(policy.types) if policy else []
    default_priority = policy.default_priority if policy else "normal"
    # with priority changes in the history, those say what it was: it starts at the default
    changed = any(e.kind == "priority" for e in entries)
    priority = default_priority
    if not changed:
        priority = _map(ticket.priority, priorities, default_priority, "priority", notes)
    type_ = _map(ticket.type, types, "question" if "question" in types or not types else types[0],
                 "type", notes)  # fmt: skip
    tags = frozenset(ticket.tags)
    initial = TicketState(
        status=Status.NEW, priority=priority, type=type_,
        organization_id=org.id if org else None,
        requester_id=intake.requester.id if intake.requester else None, tags=tags,
    )  # fmt: skip
    events = sla_events((e.kind, e.at, e.data) for e in entries)
    state = apply(initial, events)
    facts = TicketFacts(
        type=type_, priority=priority, plan=org.plan if org else None,
        addons=frozenset(org.addons) if org else frozenset(), channel=ticket.channel,
        organization=org.slug if org else None, tags=tags,
    )  # fmt: skip
    evaluation = evaluate(policy, facts, events, now) if policy is not None else None
    if ticket.merged_into:
        notes.append(f"merged into {ticket.merged_into} in the original help desk")
    numbered = [HistoryEntry(e.kind, e.at, e.actor, e.data, n) for n, e in enumerate(entries, 1)]
    record = NewTicketRecord(
        subject=ticket.subject.strip()[:500] or "(no subject)", channel=ticket.channel,
        state=state, facts=facts,
        attributes={"imported_from": ticket.channel, "external_id": ticket.external_id},
        policy_version_id=policy_id, over_quota=False, community_answered=False,
        at=ticket.created_at, history=numbered, messages=messages, evaluation=evaluation,
    )  # fmt: skip
    stored, _ = uow.gateway.insert_new(record)
    return stored.id


def _append(
    uow: UnitOfWork, ticket_id: int, entries: list[HistoryEntry], messages: list[NewMessage],
    policy: Policy | None, now: datetime,
) -> None:  # fmt: skip
    if not entries and not messages:
        return
    stored = uow.gateway.load(ticket_id, Scope.all_organizations(), for_update=True)
    if messages:
        uow.gateway.add_messages(ticket_id, messages)
    events = sla_events((e.kind, e.at, e.data) for e in entries)
    history = uow.gateway.sla_history(ticket_id) + events
    state = apply(stored.state, events)
    evaluation = None
    if policy is not None and stored.facts is not None and not stored.community_answered:
        evaluation = evaluate(policy, stored.facts, history, now)
    uow.gateway.apply(stored, TicketChange(now, "import", evaluation, events=events,
                                           state=state))  # fmt: skip


# -- a whole export ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did: per kind, how many records were created, updated, unchanged and
    skipped; every skipped record with why; what was adapted, with how many times."""

    source: str
    counts: dict[str, dict[str, int]]
    skipped: tuple[ImportOutcome, ...]
    notes: dict[str, int]


def import_history(
    uow: UnitOfWork,
    clock: Clock,
    actor: Actor,
    source: str,
    organizations: list[ImportedOrganization],
    people: list[ImportedPerson],
    tickets: list[ImportedTicket],
    *,
    progress: Callable[[str, int, int], None] | None = None,
) -> ImportReport:
    """Import an export's records in order (organisations, people, tickets), one
    transaction each; a record refused (by a rule: an e-mail that is not one, a bad time
    zone...) is reported skipped with the reason, and the run goes on."""
    _actor(actor)
    outcomes: list[ImportOutcome] = []
    total = len(organizations) + len(people) + len(tickets)
    done = 0

    def step(kind: str, outcome: ImportOutcome) -> None:
        nonlocal done
        outcomes.append(outcome)
        done += 1
        if progress is not None:
            progress(kind, done, total)

    orgs: dict[str, int] = {}
    for org in organizations:
        out = _guarded("organization", org.external_id,
                       partial(import_organization, uow, clock, actor, source, org))  # fmt: skip
        if out.local_id is not None and out.outcome != "skipped":
            orgs[org.external_id] = out.local_id
        step("organizations", out)
    known: dict[str, tuple[str, int, str]] = {}
    for person in people:
        org_id = orgs.get(person.organization_id or "")
        if person.kind == "contact" and org_id is None:
            org_id = _no_organization(uow, clock, actor, source, orgs)
        out = _guarded(person.kind, person.external_id,
                       partial(import_person, uow, clock, actor, source, person,
                               organization_id=org_id))  # fmt: skip
        if out.local_id is not None and out.outcome != "skipped":
            known[person.external_id] = (person.kind, out.local_id, person.name)
        step("people", out)
    for ticket in tickets:
        out = _guarded("ticket", ticket.external_id,
                       partial(import_ticket, uow, clock, actor, source, ticket, people=known,
                               organizations=orgs))  # fmt: skip
        step("tickets", out)
    counts: dict[str, dict[str, int]] = {}
    notes: dict[str, int] = {}
    for o in outcomes:
        kind = "person" if o.kind in ("contact", "agent") else o.kind
        row = counts.setdefault(kind, dict.fromkeys(("created", "updated", "unchanged",
                                                      "skipped"), 0))  # fmt: skip
        row[o.outcome] += 1
        for note in o.notes:
            notes[note] = notes.get(note, 0) + 1
    skipped = tuple(o for o in outcomes if o.outcome == "skipped")
    return ImportReport(source, counts, skipped, notes)


_NO_ORGANIZATION = ImportedOrganization("(none)", "Imported customers without organisation")


def _no_organization(
    uow: UnitOfWork, clock: Clock, actor: Actor, source: str, orgs: dict[str, int]
) -> int | None:
    """The organisation contacts without one go to (made once per source)."""
    key = _NO_ORGANIZATION.external_id
    if key not in orgs:
        named = ImportedOrganization(key, f"{_NO_ORGANIZATION.name} ({source})")
        out = _guarded("organization", key,
                       lambda: import_organization(uow, clock, actor, source, named))  # fmt: skip
        if out.local_id is None:
            return None
        orgs[key] = out.local_id
    return orgs[key]


def _guarded(kind: str, external_id: str, run: Callable[[], ImportOutcome]) -> ImportOutcome:
    """The outcome of importing one record; a record a rule refuses is skipped with why."""
    try:
        return run()
    except SladeskError as exc:
        return ImportOutcome(kind, external_id, "skipped", why=str(exc))
