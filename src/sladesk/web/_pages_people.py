"""The admin console's people: organisations (their plan and add-ons chosen from the policy
in force's own definitions), their contacts, agents (role, team), deactivation and
reactivation, invitations by one-time link, and API tokens (the secret shown once; revoke).

Admins only (``admin_page``: another agent gets 403, a contact 404). Every change is one
service call; a refusal (a taken slug, a plan the policy does not allow together with an
add-on, the last admin demoted) is shown at the top of the page and writes nothing.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from sladesk import services
from sladesk.policy import Policy
from sladesk.services import (
    UNSET,
    AgentChanges,
    ContactChanges,
    IssuedInvitation,
    IssuedToken,
    NewAgent,
    NewContact,
    NewOrganization,
    OrganizationChanges,
    Role,
)
from sladesk.services.console import current_policy
from sladesk.web._context import Page, admin_page
from sladesk.web._forms import answer
from sladesk.web._policy_words import text as _text

router = APIRouter()

ROLES = tuple(r.value for r in Role)
#: zones offered in the organisation forms' suggestions (any IANA name is accepted)
COMMON_ZONES = (
    "UTC", "Europe/Lisbon", "Europe/Madrid", "Europe/London", "Europe/Paris", "Europe/Berlin",
    "America/Sao_Paulo", "America/Argentina/Buenos_Aires", "America/Mexico_City",
    "America/Bogota", "America/New_York", "America/Los_Angeles", "Asia/Tokyo",
)  # fmt: skip


def _subscriptions(policy: Policy | None, language: str) -> dict[str, list[tuple[str, str]]]:
    """The plans and add-ons the policy in force defines, as (key, label in ``language``)."""
    if policy is None:
        return {"plans": [], "addons": []}
    return {
        "plans": [(k, _text(v.label, language, k)) for k, v in policy.plans.items()],
        "addons": [(k, _text(v.label, language, k)) for k, v in policy.addons.items()],
    }


def _invite_link(p: Page, issued: IssuedInvitation) -> str:
    return str(p.request.base_url).rstrip("/") + issued.path


def _mail_configured(p: Page) -> bool:
    return bool(p.web.container.settings.smtp_host)


def _mailing(p: Page) -> dict[str, Any]:
    """How an invitation goes: by mail when SMTP is set up, its link from ``public_url``."""
    return {"mail": _mail_configured(p), "public_url": p.web.container.settings.public_url}


# -- organisations ---------------------------------------------------------------------------


def _organizations_page(p: Page, *, status: int = 200, error: str | None = None,
                        form: dict[str, Any] | None = None) -> Response:  # fmt: skip
    actor = p.actor
    orgs = services.list_organizations(p.uow(), p.clock, actor)
    policy = current_policy(p.uow(), p.clock, actor)
    return p.render(
        "admin_organizations.html", status=status, organizations=orgs, error=error,
        form=form or {}, zones=COMMON_ZONES,
        **_subscriptions(policy, p.language),
    )  # fmt: skip


@router.get("/admin/organizations", response_class=HTMLResponse)
def organizations(request: Request) -> Response:
    return _organizations_page(admin_page(request))


@router.post("/admin/organizations", response_class=HTMLResponse)
def create_organization(
    request: Request,
    name: str = Form(""),
    slug: str = Form(""),
    plan: str = Form(""),
    addons: list[str] = Form([]),
    locale: str = Form("en"),
    time_zone: str = Form("UTC"),
    csrf_token: str = Form(""),
) -> Response:
    p = admin_page(request)
    p.check_csrf(csrf_token)
    new = NewOrganization(name=name, slug=slug.strip(), plan=plan or None, addons=tuple(addons),
                          locale=locale or "en", time_zone=time_zone.strip() or "UTC")  # fmt: skip
    form = {"name": name, "slug": slug, "plan": plan, "addons": addons, "locale": locale,
            "time_zone": time_zone}  # fmt: skip
    return answer(
        p,
        lambda: services.create_organization(p.uow(), p.clock, p.actor, new),
        back=lambda error: _organizations_page(p, status=422, error=error, form=form),
        done=lambda org: p.redirect(
            f"/admin/organizations/{org.id}",
            p._("Organisation %(name)s created.") % {"name": org.name},
        ),
    )


def _organization_page(p: Page, organization_id: int, *, status: int = 200,
                       error: str | None = None, issued: IssuedInvitation | None = None,
                       form: dict[str, Any] | None = None) -> Response:  # fmt: skip
    actor = p.actor
    org = services.get_organization(p.uow(), p.clock, actor, organization_id)
    contacts = services.list_contacts(p.uow(), p.clock, actor, organization_id)
    policy = current_policy(p.uow(), p.clock, actor)
    return p.render(
        "admin_organization.html", status=status, org=org, contacts=contacts, error=error,
        issued=issued, link=_invite_link(p, issued) if issued else None, form=form or {},
        zones=COMMON_ZONES, mail=_mail_configured(p),
        **_subscriptions(policy, p.language),
    )  # fmt: skip


@router.get("/admin/organizations/{organization_id}", response_class=HTMLResponse)
def organization(request: Request, organization_id: int) -> Response:
    return _organization_page(admin_page(request), organization_id)


@router.post("/admin/organizations/{organization_id}", response_class=HTMLResponse)
def update_organization(
    request: Request,
    organization_id: int,
    name: str = Form(""),
    plan: str = Form(""),
    addons: list[str] = Form([]),
    locale: str = Form("en"),
    time_zone: str = Form("UTC"),
    csrf_token: str = Form(""),
) -> Response:
    p = admin_page(request)
    p.check_csrf(csrf_token)
    changes = OrganizationChanges(name=name, plan=plan or None, addons=tuple(addons),
                                  locale=locale, time_zone=time_zone.strip())  # fmt: skip
    return answer(
        p,
        lambda: services.update_organization(p.uow(), p.clock, p.actor, organization_id, changes),
        back=lambda error: _organization_page(p, organization_id, status=422, error=error),
        done=f"/admin/organizations/{organization_id}",
        notice=p._("Saved."),
    )


@router.post("/admin/organizations/{organization_id}/invite", response_class=HTMLResponse)
def invite_contact(
    request: Request,
    organization_id: int,
    name: str = Form(""),
    email: str = Form(""),
    locale: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    """Create a contact of the organisation and invite them; the link is shown once."""
    p = admin_page(request)
    p.check_csrf(csrf_token)
    new = NewContact(organization_id=organization_id, email=email, name=name,
                     locale=locale or None)  # fmt: skip
    form = {"name": name, "email": email, "locale": locale}
    return answer(
        p,
        lambda: services.invite_contact(p.uow(), p.clock, p.actor, new, **_mailing(p)),
        back=lambda error: _organization_page(
            p, organization_id, status=422, error=error, form=form
        ),
        done=lambda issued: _organization_page(p, organization_id, issued=issued),
    )


@router.post("/admin/contacts/{contact_id}", response_class=HTMLResponse)
def change_contact(
    request: Request,
    contact_id: int,
    active: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    """Deactivate (``active=0``) or reactivate (``active=1``) a contact."""
    p = admin_page(request)
    p.check_csrf(csrf_token)
    contact = services.get_contact(p.uow(), p.clock, p.actor, contact_id)
    done = p._("%(name)s reactivated.") if active == "1" else p._("%(name)s deactivated.")
    return answer(
        p,
        lambda: services.update_contact(
            p.uow(), p.clock, p.actor, contact_id, ContactChanges(active=active == "1")
        ),
        back=f"/admin/organizations/{contact.organization_id}",
        notice=done % {"name": contact.name},
    )


@router.post("/admin/contacts/{contact_id}/invite", response_class=HTMLResponse)
def reinvite_contact(request: Request, contact_id: int, csrf_token: str = Form("")) -> Response:
    p = admin_page(request)
    p.check_csrf(csrf_token)
    org = services.get_contact(p.uow(), p.clock, p.actor, contact_id).organization_id
    return answer(
        p,
        lambda: services.invite_person(
            p.uow(), p.clock, p.actor, "contact", contact_id, **_mailing(p)
        ),
        back=lambda error: _organization_page(p, org, status=422, error=error),
        done=lambda issued: _organization_page(p, org, issued=issued),
    )


# -- agents ----------------------------------------------------------------------------------


def _agents_page(p: Page, *, status: int = 200, error: str | None = None,
                 issued: IssuedInvitation | None = None,
                 form: dict[str, Any] | None = None) -> Response:  # fmt: skip
    actor = p.actor
    agents = services.list_agents(p.uow(), p.clock, actor)
    teams = sorted({a.team for a in agents if a.team})
    invitations = services.list_invitations(p.uow(), p.clock, actor)
    return p.render(
        "admin_agents.html", status=status, agents=agents, roles=ROLES, teams=teams, error=error,
        invitations=invitations,
        issued=issued, link=_invite_link(p, issued) if issued else None, form=form or {},
        mail=_mail_configured(p),
    )  # fmt: skip


@router.get("/admin/agents", response_class=HTMLResponse)
def agents(request: Request) -> Response:
    return _agents_page(admin_page(request))


@router.post("/admin/agents/invite", response_class=HTMLResponse)
def invite_agent(
    request: Request,
    name: str = Form(""),
    email: str = Form(""),
    role: str = Form("agent"),
    team: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    p = admin_page(request)
    p.check_csrf(csrf_token)
    new = NewAgent(email=email, name=name, role=role, team=team.strip() or None)
    form = {"name": name, "email": email, "role": role, "team": team}
    return answer(
        p,
        lambda: services.invite_agent(p.uow(), p.clock, p.actor, new, **_mailing(p)),
        back=lambda error: _agents_page(p, status=422, error=error, form=form),
        done=lambda issued: _agents_page(p, issued=issued),
    )


@router.post("/admin/agents/{agent_id}", response_class=HTMLResponse)
def change_agent(
    request: Request,
    agent_id: int,
    role: str = Form(""),
    team: str = Form(""),
    active: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    """Change an agent's role and team, or (``active`` sent) deactivate or reactivate."""
    p = admin_page(request)
    p.check_csrf(csrf_token)
    if active in ("0", "1"):
        changes = AgentChanges(active=active == "1")
    else:
        changes = AgentChanges(role=role or UNSET, team=team.strip() or None)
    return answer(
        p,
        lambda: services.update_agent(p.uow(), p.clock, p.actor, agent_id, changes),
        back=lambda error: _agents_page(p, status=422, error=error),
        done=lambda agent: p.redirect(
            "/admin/agents", p._("%(name)s saved.") % {"name": agent.name}
        ),
    )


@router.post("/admin/agents/{agent_id}/invite", response_class=HTMLResponse)
def reinvite_agent(request: Request, agent_id: int, csrf_token: str = Form("")) -> Response:
    p = admin_page(request)
    p.check_csrf(csrf_token)
    return answer(
        p,
        lambda: services.invite_person(p.uow(), p.clock, p.actor, "agent", agent_id, **_mailing(p)),
        back=lambda error: _agents_page(p, status=422, error=error),
        done=lambda issued: _agents_page(p, issued=issued),
    )


# -- API tokens ------------------------------------------------------------------------------


def _tokens_page(p: Page, *, status: int = 200, error: str | None = None,
                 issued: IssuedToken | None = None) -> Response:  # fmt: skip
    actor = p.actor
    tokens = services.list_api_tokens(p.uow(), p.clock, actor, everyone=True)
    agents = services.list_agents(p.uow(), p.clock, actor)
    contacts = services.list_contacts(p.uow(), p.clock, actor)
    owners = {("agent", a.id): a.email for a in agents}
    owners.update({("contact", c.id): c.email for c in contacts})
    return p.render(
        "admin_tokens.html", status=status, tokens=tokens, agents=agents, contacts=contacts,
        owners=owners, error=error, issued=issued,
    )  # fmt: skip


@router.get("/admin/tokens", response_class=HTMLResponse)
def tokens(request: Request) -> Response:
    return _tokens_page(admin_page(request))


@router.post("/admin/tokens", response_class=HTMLResponse)
def create_token(
    request: Request, owner: str = Form(""), name: str = Form(""), csrf_token: str = Form("")
) -> Response:
    """Issue a token for ``owner`` (``agent:3`` or ``contact:7``); its secret is shown on
    this answer only."""
    p = admin_page(request)
    p.check_csrf(csrf_token)
    kind, _, raw_id = owner.partition(":")
    if kind not in ("agent", "contact") or not raw_id.isdigit():
        return _tokens_page(p, status=422, error=p._("Choose whose token this is."))
    person = {f"{kind}_id": int(raw_id)}
    return answer(
        p,
        lambda: services.create_api_token(p.uow(), p.clock, p.actor, name=name.strip(), **person),
        back=lambda error: _tokens_page(p, status=422, error=error),
        done=lambda issued: _tokens_page(p, issued=issued),
    )


@router.post("/admin/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke_token(request: Request, token_id: int, csrf_token: str = Form("")) -> Response:
    p = admin_page(request)
    p.check_csrf(csrf_token)
    view = services.revoke_api_token(p.uow(), p.clock, p.actor, token_id)
    return p.redirect("/admin/tokens", p._("Token %(prefix)s revoked.") % {"prefix": view.prefix})
