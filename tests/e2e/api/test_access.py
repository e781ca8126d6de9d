"""The access matrix: every route, as every kind of caller, over real HTTP.

The table below has one row per route: what to send, and the status each caller gets
(anonymous, a contact of another organisation, a contact of the ticket's organisation, an
agent, an admin). Routes are enumerated from the app, so a route added without a row fails
``test_every_route_has_a_row``. Besides the status, every answer is searched for what must not
leak: nothing of organisation A reaches B's contact, no internal note reaches any contact, and
a contact's rendering has no agent-internal fields.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from api_world import POLICY_FILE, ROLES, RoleName, World
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from sladesk import services
from sladesk.bootstrap import Container


@dataclass(frozen=True)
class Call:
    path: str
    json: Any = None
    params: dict[str, Any] = field(default_factory=dict)
    files: dict[str, Any] | None = None  # a multipart upload


Make = Callable[[World, RoleName], Call]


@dataclass(frozen=True)
class Row:
    #: status per caller, in ROLES order: anonymous, other_contact, contact, agent, admin
    expect: tuple[int, int, int, int, int]
    make: Make


def _ticket_body(w: World, role: RoleName) -> dict[str, Any]:
    body: dict[str, Any] = {"subject": f"New via API {w.tag}", "body": "Help", "type": "incident"}
    if role in ("agent", "admin"):
        body["requester_id"] = w.contact_a
    return body


def _fresh(path: str, json_body: Any = None, *, solved: bool = False) -> Make:
    """A call on a fresh org-A ticket (so that commands do not depend on each other)."""

    def make(w: World, role: RoleName) -> Call:
        ticket = w.new_ticket_a(solved=solved)
        return Call(path.format(t=ticket), json_body)

    return make


def _fixed(path: str, json_body: Any = None, **params: Any) -> Make:
    def make(w: World, role: RoleName) -> Call:
        return Call(path.format(t=w.ticket_a, org_a=w.org_a), json_body, dict(params))

    return make


def _policy(w: World, role: RoleName) -> Call:
    # a text of its own: the current text again would be a 200 "unchanged"
    text = f"{w.policy_text}\n# published by {role}\n"
    return Call("/api/v1/policies", {"text": text, "source": "infraspeak.yaml"})


def _validate(w: World, role: RoleName) -> Call:
    return Call("/api/v1/policies/validate", {"text": w.policy_text, "source": "infraspeak.yaml"})


def _new_org(w: World, role: RoleName) -> Call:
    slug = f"new-{role.replace('_', '-')}-{w.tag.lower()}"
    return Call("/api/v1/organizations", {"name": f"New {role}", "slug": slug})


def _new_contact(w: World, role: RoleName) -> Call:
    email = f"{role}.{w.tag.lower()}@org-a.example"
    return Call("/api/v1/contacts", {"organization_id": w.org_a, "email": email, "name": "N"})


def _new_agent(w: World, role: RoleName) -> Call:
    email = f"new.{role}.{w.tag.lower()}@desk.example"
    return Call("/api/v1/agents", {"email": email, "name": "N"})


def _upload(w: World, role: RoleName) -> Call:
    """A file for org A's ticket, named so that a leak of it would show."""
    name = f"{w.org_a_marker}-{role}.txt"
    return Call(f"/api/v1/tickets/{w.ticket_a}/attachments", files={"file": (name, b"hi")})


def _attachments(w: World, role: RoleName) -> Call:
    """The list of org A's ticket, which holds an attachment on its internal note (whose
    name carries the internal marker: a contact's list must not show it)."""
    c, agent = w.container, w.actors["agent"]
    ticket = services.get_ticket(c.uow(), c.clock, agent, w.ticket_a)
    note = next(m for m in ticket.messages if not m.public)
    services.add_attachment(
        c.uow(), c.clock, agent, w.ticket_a, filename=f"{w.internal_marker}.log",
        content_type="text/plain", content=b"internal", message_id=note.id,
    )  # fmt: skip
    return Call(f"/api/v1/tickets/{w.ticket_a}/attachments")


def _hold(w: World, role: RoleName) -> Call:
    body = {"organization": f"bolt-{w.tag.lower()}", "reason": f"case {role}"}
    return Call("/api/v1/retention/holds", body)


def _held(w: World, role: RoleName) -> Call:
    """Clearing the hold just set on organisation B (refused before it is looked up)."""
    c, slug = w.container, f"bolt-{w.tag.lower()}"
    services.set_legal_hold(c.uow(), c.clock, w.actors["admin"], reason="x", organization=slug)
    return Call("/api/v1/retention/holds", params={"organization": slug})


def _download(w: World, role: RoleName) -> Call:
    c = w.container
    added = services.add_attachment(
        c.uow(), c.clock, w.actors["contact"], w.ticket_a, filename="screenshot.png",
        content_type="image/png", content=f"{w.org_a_marker} pixels".encode(),
    )  # fmt: skip
    return Call(f"/api/v1/tickets/{w.ticket_a}/attachments/{added.id}")


def _window_body(w: World, role: RoleName) -> Call:
    start = w.container.clock.now() + timedelta(days=2)
    body = {"title": f"Upgrade by {role}", "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1)).isoformat()}  # fmt: skip
    return Call("/api/v1/maintenance", body)


def _window(w: World, role: RoleName) -> Call:
    c = w.container
    start = c.clock.now() + timedelta(days=2)
    end = start + timedelta(hours=1)
    admin = w.actors["admin"]
    made = services.schedule_maintenance(
        c.uow(), c.clock, admin, title="x", starts_at=start, ends_at=end
    )
    return Call(f"/api/v1/maintenance/{made.scheduled_id}")


def _incident_body(w: World, role: RoleName) -> Call:
    body = {"kind": "partner_outage", "title": f"Outage {role}", "ticket_ids": [w.new_ticket_a()]}
    return Call("/api/v1/incidents", body)


def _on_incident(suffix: str, body: Any = None, *, paused: bool = False) -> Make:
    """A call on a fresh incident linking a fresh org-A ticket (``{t}`` in ``suffix``: it)."""

    def make(w: World, role: RoleName) -> Call:
        c, agent = w.container, w.actors["agent"]
        ticket = w.new_ticket_a()
        made = services.create_incident(c.uow(), c.clock, agent, kind="partner_outage",
                                        title="Outage", ticket_ids=[ticket])  # fmt: skip
        if paused:
            services.pause_incident(c.uow(), c.clock, agent, made.incident.id)
        data = body(ticket) if callable(body) else body
        return Call(f"/api/v1/incidents/{made.incident.id}{suffix.format(t=ticket)}", data)

    return make


def _absence(w: World, role: RoleName) -> Call:
    """Removing an absence of the agent, just added by an admin."""
    c = w.container
    added = services.add_absence(
        c.uow(), c.clock, w.actors["admin"], w.agent_id, starts_on=date(2027, 1, 4),
        ends_on=date(2027, 1, 5), time_zone="Europe/Lisbon",
    )  # fmt: skip
    return Call(f"/api/v1/agents/{w.agent_id}/absences/{added.id}")


def _agent_path(path: str, json_body: Any = None) -> Make:
    def make(w: World, role: RoleName) -> Call:
        return Call(path.format(agent=w.agent_id), json_body)

    return make


def _proposal_a(w: World) -> int:
    """A proposal of org A's contact (created once per world): another organisation sees it,
    never who proposed it."""
    found = getattr(w, "_proposal_a", None)
    if found is None:
        c = w.container
        found = services.create_proposal(
            c.uow(), c.clock, w.actors["contact"], "Export to CSV", "Our reports as CSV files"
        ).id  # fmt: skip
        object.__setattr__(w, "_proposal_a", found)
    return int(found)


def _on_proposal(path: str, json_body: Any = None) -> Make:
    def make(w: World, role: RoleName) -> Call:
        return Call(path.format(p=_proposal_a(w)), json_body)

    return make


def _from_ticket(w: World, role: RoleName) -> Call:
    return Call("/api/v1/proposals/from-ticket", {"ticket_id": w.new_ticket_a()})


def _link_ticket(w: World, role: RoleName) -> Call:
    return Call(f"/api/v1/proposals/{_proposal_a(w)}/tickets", {"ticket_id": w.new_ticket_a()})


OK, NEW, NO, FORBID, GONE, UNFIT = 200, 201, 401, 403, 404, 422
EMPTY, RULE = 204, 422
STAFF_ONLY = (NO, FORBID, FORBID, OK, OK)
WINDOW = {"start": "2026-03-01T00:00:00Z", "end": "2026-04-01T00:00:00Z"}
REPORT_WINDOW = {"from": "2026-03-01", "to": "2026-03-31"}


def _report_tickets_of_a(w: World, role: RoleName) -> Call:
    """The drill-down into organisation A's targets (what a figure of A's links to)."""
    params = {**REPORT_WINDOW, "organisation": str(w.org_a), "outcome": "with_target"}
    return Call("/api/v1/reports/compliance/tickets", params=params)


#: (method, path template) -> Row
TABLE: dict[tuple[str, str], Row] = {
    ("GET", "/api/v1/health"): Row((OK, OK, OK, OK, OK), _fixed("/api/v1/health")),
    ("GET", "/api/openapi.json"): Row((OK, OK, OK, OK, OK), _fixed("/api/openapi.json")),
    ("GET", "/api/docs"): Row((OK, OK, OK, OK, OK), _fixed("/api/docs")),
    # tickets
    ("POST", "/api/v1/tickets"): Row(
        (NO, NEW, NEW, NEW, NEW), lambda w, r: Call("/api/v1/tickets", _ticket_body(w, r))
    ),
    ("GET", "/api/v1/tickets"): Row((NO, OK, OK, OK, OK), _fixed("/api/v1/tickets")),
    ("GET", "/api/v1/tickets/{ticket_id}"): Row(
        (NO, GONE, OK, OK, OK), _fixed("/api/v1/tickets/{t}")
    ),
    ("POST", "/api/v1/tickets/{ticket_id}/accept"): Row(
        (NO, GONE, FORBID, OK, OK), _fresh("/api/v1/tickets/{t}/accept")
    ),
    ("POST", "/api/v1/tickets/{ticket_id}/replies"): Row(
        (NO, GONE, OK, OK, OK), _fresh("/api/v1/tickets/{t}/replies", {"body": "Any news?"})
    ),
    ("POST", "/api/v1/tickets/{ticket_id}/notes"): Row(
        (NO, GONE, FORBID, OK, OK), _fresh("/api/v1/tickets/{t}/notes", {"body": "Note"})
    ),
    ("POST", "/api/v1/tickets/{ticket_id}/calls"): Row(
        (NO, GONE, FORBID, OK, OK),
        _fresh("/api/v1/tickets/{t}/calls", {"summary": "Agreed: reboot tonight."}),
    ),
    ("POST", "/api/v1/tickets/{ticket_id}/assignment"): Row(
        (NO, GONE, FORBID, OK, OK),
        lambda w, r: Call(
            f"/api/v1/tickets/{w.new_ticket_a()}/assignment", {"assignee_id": w.agent_id}
        ),
    ),
    ("POST", "/api/v1/tickets/{ticket_id}/status"): Row(
        (NO, GONE, FORBID, OK, OK),
        _fresh("/api/v1/tickets/{t}/status", {"status": "pending_customer"}),
    ),
    ("POST", "/api/v1/tickets/{ticket_id}/priority"): Row(
        (NO, GONE, FORBID, OK, OK),
        _fresh("/api/v1/tickets/{t}/priority", {"priority": "urgent", "reason": "Line down"}),
    ),
    ("POST", "/api/v1/tickets/{ticket_id}/type"): Row(
        (NO, GONE, FORBID, OK, OK), _fresh("/api/v1/tickets/{t}/type", {"type": "question"})
    ),
    ("POST", "/api/v1/tickets/{ticket_id}/solve"): Row(
        (NO, GONE, OK, OK, OK), _fresh("/api/v1/tickets/{t}/solve", {"reason": "Works now"})
    ),
    ("POST", "/api/v1/tickets/{ticket_id}/reopen"): Row(
        (NO, GONE, OK, OK, OK), _fresh("/api/v1/tickets/{t}/reopen", {}, solved=True)
    ),
    ("POST", "/api/v1/tickets/{ticket_id}/close"): Row(
        (NO, GONE, FORBID, OK, OK), _fresh("/api/v1/tickets/{t}/close", {}, solved=True)
    ),
    # attachments: of the ticket's organisation and staff; one on an internal note is
    # listed for staff only
    ("POST", "/api/v1/tickets/{ticket_id}/attachments"): Row((NO, GONE, NEW, NEW, NEW), _upload),
    ("GET", "/api/v1/tickets/{ticket_id}/attachments"): Row((NO, GONE, OK, OK, OK), _attachments),
    ("GET", "/api/v1/tickets/{ticket_id}/attachments/{attachment_id}"): Row(
        (NO, GONE, OK, OK, OK), _download
    ),
    # people
    ("POST", "/api/v1/organizations"): Row((NO, FORBID, FORBID, FORBID, NEW), _new_org),
    ("GET", "/api/v1/organizations"): Row((NO, OK, OK, OK, OK), _fixed("/api/v1/organizations")),
    ("GET", "/api/v1/organizations/{organization_id}"): Row(
        (NO, GONE, OK, OK, OK), _fixed("/api/v1/organizations/{org_a}")
    ),
    ("POST", "/api/v1/contacts"): Row((NO, FORBID, FORBID, FORBID, NEW), _new_contact),
    ("GET", "/api/v1/contacts"): Row((NO, OK, OK, OK, OK), _fixed("/api/v1/contacts")),
    ("POST", "/api/v1/agents"): Row((NO, FORBID, FORBID, FORBID, NEW), _new_agent),
    ("GET", "/api/v1/agents"): Row((NO, FORBID, FORBID, OK, OK), _fixed("/api/v1/agents")),
    # changes are no-ops (the value it already has), so that rows do not depend on each other
    ("PATCH", "/api/v1/organizations/{organization_id}"): Row(
        (NO, FORBID, FORBID, FORBID, OK),
        _fixed("/api/v1/organizations/{org_a}", {"plan": "premium"}),
    ),
    ("GET", "/api/v1/contacts/{contact_id}"): Row(
        (NO, GONE, OK, OK, OK), lambda w, r: Call(f"/api/v1/contacts/{w.contact_a2}")
    ),
    ("PATCH", "/api/v1/contacts/{contact_id}"): Row(
        (NO, FORBID, FORBID, FORBID, OK),
        lambda w, r: Call(f"/api/v1/contacts/{w.contact_a2}", {"name": "Andre A"}),
    ),
    ("GET", "/api/v1/agents/{agent_id}"): Row(
        (NO, FORBID, FORBID, OK, OK), lambda w, r: Call(f"/api/v1/agents/{w.agent_id}")
    ),
    ("PATCH", "/api/v1/agents/{agent_id}"): Row(
        (NO, FORBID, FORBID, FORBID, OK),
        lambda w, r: Call(f"/api/v1/agents/{w.agent_id}", {"team": None}),
    ),
    # tokens: each caller issues, lists and revokes their own
    ("POST", "/api/v1/tokens"): Row(
        (NO, NEW, NEW, NEW, NEW), lambda w, r: Call("/api/v1/tokens", {"name": f"{r} extra"})
    ),
    ("GET", "/api/v1/tokens"): Row((NO, OK, OK, OK, OK), _fixed("/api/v1/tokens")),
    ("DELETE", "/api/v1/tokens/{token_id}"): Row(  # contact A's spare token
        (NO, GONE, OK, GONE, OK), lambda w, r: Call(f"/api/v1/tokens/{w.spare_token_a}")
    ),
    # policies
    ("POST", "/api/v1/policies/validate"): Row((NO, FORBID, FORBID, OK, OK), _validate),
    ("POST", "/api/v1/policies"): Row((NO, FORBID, FORBID, FORBID, NEW), _policy),
    ("GET", "/api/v1/policies"): Row((NO, FORBID, FORBID, OK, OK), _fixed("/api/v1/policies")),
    ("GET", "/api/v1/policies/current"): Row(
        (NO, OK, OK, OK, OK), _fixed("/api/v1/policies/current")
    ),
    # reports
    ("GET", "/api/v1/compliance"): Row(  # scoped: a contact sees their organisation's
        (NO, OK, OK, OK, OK), _fixed("/api/v1/compliance", **WINDOW)
    ),
    ("GET", "/api/v1/reports/compliance"): Row(  # scoped like /compliance
        (NO, OK, OK, OK, OK),
        _fixed("/api/v1/reports/compliance", **REPORT_WINDOW, by="organisation,priority"),
    ),
    ("GET", "/api/v1/reports/compliance/tickets"): Row(  # B's contact gets none of A's
        (NO, OK, OK, OK, OK), _report_tickets_of_a
    ),
    # retention: admins only
    ("GET", "/api/v1/retention"): Row(
        (NO, FORBID, FORBID, FORBID, OK), _fixed("/api/v1/retention")
    ),
    ("GET", "/api/v1/retention/holds"): Row(
        (NO, FORBID, FORBID, FORBID, OK), _fixed("/api/v1/retention/holds")
    ),
    ("POST", "/api/v1/retention/holds"): Row((NO, FORBID, FORBID, FORBID, NEW), _hold),
    ("DELETE", "/api/v1/retention/holds"): Row((NO, FORBID, FORBID, FORBID, OK), _held),
    # the mail records and the dead letters: admins only
    ("GET", "/api/v1/mail/messages"): Row(
        (NO, FORBID, FORBID, FORBID, OK), _fixed("/api/v1/mail/messages", status="refused")
    ),
    ("GET", "/api/v1/mail/dead-letters"): Row(
        (NO, FORBID, FORBID, FORBID, OK), _fixed("/api/v1/mail/dead-letters")
    ),
    # what admins do about them (a dead letter and a bounce of their own: test_mail_admin_api;
    # here, an admin reaches the service and is told there is no such thing)
    ("POST", "/api/v1/mail/bouncing/clear"): Row(
        (NO, FORBID, FORBID, FORBID, GONE),
        _fixed("/api/v1/mail/bouncing/clear", {"address": "nobody@nowhere.example"}),
    ),
    ("POST", "/api/v1/mail/dead-letters/{outbox_id}/retry"): Row(
        (NO, FORBID, FORBID, FORBID, GONE), _fixed("/api/v1/mail/dead-letters/999999/retry")
    ),
    ("POST", "/api/v1/mail/dead-letters/{outbox_id}/discard"): Row(
        (NO, FORBID, FORBID, FORBID, GONE), _fixed("/api/v1/mail/dead-letters/999999/discard")
    ),
    # maintenance: everyone signed in reads the schedule; admins schedule and cancel
    ("GET", "/api/v1/maintenance"): Row((NO, OK, OK, OK, OK), _fixed("/api/v1/maintenance")),
    ("POST", "/api/v1/maintenance"): Row((NO, FORBID, FORBID, FORBID, NEW), _window_body),
    ("DELETE", "/api/v1/maintenance/{window_id}"): Row((NO, FORBID, FORBID, FORBID, OK), _window),
    # incidents: support staff only
    ("GET", "/api/v1/incidents"): Row(STAFF_ONLY, _fixed("/api/v1/incidents")),
    ("POST", "/api/v1/incidents"): Row((NO, FORBID, FORBID, NEW, NEW), _incident_body),
    ("GET", "/api/v1/incidents/{incident_id}"): Row(STAFF_ONLY, _on_incident("")),
    ("POST", "/api/v1/incidents/{incident_id}/tickets"): Row(
        STAFF_ONLY, _on_incident("/tickets", lambda t: {"ticket_ids": [t]})
    ),
    ("DELETE", "/api/v1/incidents/{incident_id}/tickets/{ticket_id}"): Row(
        STAFF_ONLY, _on_incident("/tickets/{t}")
    ),
    ("POST", "/api/v1/incidents/{incident_id}/updates"): Row(
        STAFF_ONLY, _on_incident("/updates", {"body": "We are on it."})
    ),
    ("POST", "/api/v1/incidents/{incident_id}/pause"): Row(STAFF_ONLY, _on_incident("/pause")),
    ("POST", "/api/v1/incidents/{incident_id}/resume"): Row(
        STAFF_ONLY, _on_incident("/resume", paused=True)
    ),
    ("POST", "/api/v1/incidents/{incident_id}/resolve"): Row(
        STAFF_ONLY, _on_incident("/resolve", {"body": "Fixed."}, paused=True)
    ),
    # proposals: every customer sees every proposal (not who proposed another organisation's);
    # contacts propose and subscribe, support changes status and links tickets
    ("GET", "/api/v1/proposals"): Row((NO, OK, OK, OK, OK), _on_proposal("/api/v1/proposals")),
    ("POST", "/api/v1/proposals"): Row(
        (NO, NEW, NEW, NEW, NEW),
        lambda w, r: Call("/api/v1/proposals", {"title": f"Idea of {r}", "description": "Do"}),
    ),
    ("POST", "/api/v1/proposals/from-ticket"): Row((NO, FORBID, FORBID, NEW, NEW), _from_ticket),
    ("GET", "/api/v1/proposals/{proposal_id}"): Row(
        (NO, OK, OK, OK, OK), _on_proposal("/api/v1/proposals/{p}")
    ),
    ("POST", "/api/v1/proposals/{proposal_id}/subscription"): Row(
        (NO, OK, OK, FORBID, FORBID), _on_proposal("/api/v1/proposals/{p}/subscription")
    ),
    ("DELETE", "/api/v1/proposals/{proposal_id}/subscription"): Row(
        (NO, OK, OK, FORBID, FORBID), _on_proposal("/api/v1/proposals/{p}/subscription")
    ),
    ("POST", "/api/v1/proposals/{proposal_id}/status"): Row(
        (NO, FORBID, FORBID, OK, OK),
        _on_proposal("/api/v1/proposals/{p}/status", {"comment": "Noted, thank you"}),
    ),
    ("POST", "/api/v1/proposals/{proposal_id}/tickets"): Row(
        (NO, FORBID, FORBID, OK, OK), _link_ticket
    ),
    ("POST", "/api/v1/tickets/{ticket_id}/attributes"): Row(
        (NO, GONE, FORBID, OK, OK), _fresh("/api/v1/tickets/{t}/attributes", {"tags": ["vip"]})
    ),
    # on call: staff only, the roster's changes admins only; this world's policy (Infraspeak)
    # declares no on_call rotation, which staff are told with a 422 on the field on_call
    ("GET", "/api/v1/oncall/now"): Row(
        (NO, FORBID, FORBID, UNFIT, UNFIT), _fixed("/api/v1/oncall/now")
    ),
    ("GET", "/api/v1/oncall/roster"): Row(
        (NO, FORBID, FORBID, UNFIT, UNFIT), _fixed("/api/v1/oncall/roster")
    ),
    ("PUT", "/api/v1/oncall/shifts/{shift}/members"): Row(
        (NO, FORBID, FORBID, FORBID, UNFIT),
        _fixed("/api/v1/oncall/shifts/primary/members", {"agent_ids": []}),
    ),
    ("POST", "/api/v1/oncall/overrides"): Row(
        (NO, FORBID, FORBID, FORBID, UNFIT),
        lambda w, r: Call(
            "/api/v1/oncall/overrides",
            {
                "agent_id": w.agent_id,
                "starts_at": "2026-03-01T00:00:00Z",
                "ends_at": "2026-03-02T00:00:00Z",
            },
        ),
    ),
    ("DELETE", "/api/v1/oncall/overrides/{override_id}"): Row(
        (NO, FORBID, FORBID, FORBID, GONE), _fixed("/api/v1/oncall/overrides/999999")
    ),
    ("GET", "/api/v1/oncall/pages"): Row(
        (NO, FORBID, FORBID, OK, OK), _fixed("/api/v1/oncall/pages")
    ),
    ("POST", "/api/v1/oncall/pages"): Row(
        (NO, FORBID, FORBID, UNFIT, UNFIT),
        lambda w, r: Call("/api/v1/oncall/pages", {"ticket_id": w.new_ticket_a()}),
    ),
    ("POST", "/api/v1/oncall/pages/{page_id}/ack"): Row(
        (NO, FORBID, FORBID, GONE, GONE), _fixed("/api/v1/oncall/pages/999999/ack")
    ),
    # the phone webhooks take no API token: a request without Twilio's signature is
    # refused, whoever sends it (docs/channels.md)
    ("POST", "/channels/phone/voice"): Row((FORBID,) * 5, _fixed("/channels/phone/voice", {})),
    ("POST", "/channels/phone/recording"): Row(
        (FORBID,) * 5, _fixed("/channels/phone/recording", {})
    ),
    ("POST", "/channels/phone/transcription"): Row(
        (FORBID,) * 5, _fixed("/channels/phone/transcription", {})
    ),
    # the dedicated agent: availability and absences are the agent's own (or a lead's, an
    # admin's); contacts do not see agents at all
    ("GET", "/api/v1/agents/{agent_id}/availability"): Row(
        (NO, GONE, GONE, OK, OK), _agent_path("/api/v1/agents/{agent}/availability")
    ),
    ("PUT", "/api/v1/agents/{agent_id}/availability"): Row(
        (NO, GONE, GONE, OK, OK),
        _agent_path("/api/v1/agents/{agent}/availability", {"available": True}),
    ),
    ("POST", "/api/v1/agents/{agent_id}/absences"): Row(
        (NO, GONE, GONE, NEW, NEW),
        _agent_path(
            "/api/v1/agents/{agent}/absences",
            {
                "starts_on": "2027-02-01",
                "ends_on": "2027-02-02",
                "time_zone": "Europe/Lisbon",
            },
        ),
    ),  # fmt: skip
    ("DELETE", "/api/v1/agents/{agent_id}/absences/{absence_id}"): Row(
        (NO, GONE, GONE, EMPTY, EMPTY), _absence
    ),
    ("GET", "/api/v1/organizations/{organization_id}/dedicated-agents"): Row(
        (NO, GONE, OK, OK, OK), _fixed("/api/v1/organizations/{org_a}/dedicated-agents")
    ),
    ("PUT", "/api/v1/organizations/{organization_id}/dedicated-agents"): Row(
        (NO, FORBID, FORBID, FORBID, OK),
        _fixed(
            "/api/v1/organizations/{org_a}/dedicated-agents",
            {"dedicated_agent_id": None, "backup_agent_id": None},
        ),
    ),  # fmt: skip
    # calls: of the ticket's organisation and staff; Infraspeak's policy offers none (422)
    ("GET", "/api/v1/tickets/{ticket_id}/call-slots"): Row(
        (NO, GONE, RULE, RULE, RULE), _fixed("/api/v1/tickets/{t}/call-slots")
    ),
    ("GET", "/api/v1/tickets/{ticket_id}/booked-calls"): Row(
        (NO, GONE, OK, OK, OK), _fixed("/api/v1/tickets/{t}/booked-calls")
    ),
    ("POST", "/api/v1/tickets/{ticket_id}/booked-calls"): Row(
        (NO, GONE, RULE, RULE, RULE),
        _fresh("/api/v1/tickets/{t}/booked-calls", {"starts_at": "2027-01-04T09:00:00Z"}),
    ),
    ("POST", "/api/v1/booked-calls/{call_id}/summary"): Row(
        (NO, GONE, GONE, GONE, GONE),
        _fixed("/api/v1/booked-calls/987654/summary", {"summary": "We agreed."}),
    ),
    # a WhatsApp ticket's window and deliveries: agents only (ticket A is not one: 404)
    ("GET", "/api/v1/tickets/{ticket_id}/whatsapp"): Row(
        (NO, FORBID, FORBID, GONE, GONE), _fixed("/api/v1/tickets/{t}/whatsapp")
    ),
    # the WhatsApp webhook takes no API token: a handshake without our verify token is
    # refused, and a delivery without Meta's signature, whoever sends it (docs/channels.md)
    ("GET", "/channels/whatsapp/webhook"): Row(
        (FORBID,) * 5,
        _fixed(
            "/channels/whatsapp/webhook",
            **{"hub.mode": "subscribe", "hub.verify_token": "a guess", "hub.challenge": "42"},
        ),
    ),  # fmt: skip
    ("POST", "/channels/whatsapp/webhook"): Row(
        (NO,) * 5, _fixed("/channels/whatsapp/webhook", {"object": "whatsapp_business_account"})
    ),
}


def _app_routes(app: FastAPI) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for ctx in iter_route_contexts(app.routes):
        for method in ctx.methods or ():
            if method != "HEAD" and ctx.path is not None:
                found.add((method, ctx.path))
    return found


def test_every_route_has_a_row(app: FastAPI) -> None:
    routes = _app_routes(app)
    missing = sorted(routes - TABLE.keys())
    stale = sorted(TABLE.keys() - routes)
    assert not missing, f"routes without a row in the access table: {missing}"
    assert not stale, f"rows for routes that no longer exist: {stale}"


@pytest.fixture(scope="module")
def world(container: Container) -> World:
    return World(container, POLICY_FILE.read_text(encoding="utf-8")).build()


def _walk(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for v in value.values():
            yield from _walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v)


def _assert_no_leak(w: World, role: RoleName, path: str, r: httpx.Response) -> None:
    text = r.text
    if role in ("anonymous", "other_contact", "contact"):
        assert w.internal_marker not in text, "an internal note reached a non-agent"
    if role in ("anonymous", "other_contact"):
        assert w.org_a_marker not in text, "organisation A's data reached someone outside it"
        assert w.contact_a_email not in text, "a contact of A reached someone outside A"
        if path.startswith("/api/v1/proposals"):
            assert "Alice A" not in text, "a proposer's name reached another organisation"
    if not path.startswith("/api/v1/"):
        return  # the OpenAPI document describes fields; it holds no data
    if "json" not in r.headers.get("content-type", ""):
        return  # a download: its bytes were searched above
    doc = json.loads(text)
    for obj in _walk(doc):
        if role in ("anonymous", "other_contact") and "subject" in obj and "number" in obj:
            assert obj["id"] not in w.a_ticket_ids | {w.ticket_a}, "an A ticket leaked"
        if role in ("other_contact", "contact"):
            assert "assignee_id" not in obj, "a contact got an agent-internal field"
            assert obj.get("kind") != "note", "a contact got an internal note"
            assert obj.get("public") is not False, "a contact got something not public"


CASES = [(route, role) for route in TABLE for role in ROLES]


@pytest.mark.parametrize(("route", "role"), CASES, ids=[f"{m} {p} as {r}" for (m, p), r in CASES])
def test_access(route: tuple[str, str], role: RoleName, world: World, http: httpx.Client) -> None:
    method, _ = route
    row = TABLE[route]
    call = row.make(world, role)
    r = http.request(
        method,
        call.path,
        json=call.json,
        params=call.params,
        files=call.files,
        headers=world.headers(role),
    )
    expected = row.expect[ROLES.index(role)]
    assert r.status_code == expected, f"{method} {call.path} as {role}: {r.text[:500]}"
    if r.status_code >= 400:
        assert r.headers["content-type"] == "application/problem+json"
    _assert_no_leak(world, role, call.path, r)
