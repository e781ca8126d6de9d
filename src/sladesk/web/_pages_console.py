"""The agent console's ticket page: the conversation (public replies, internal notes and call
records told apart; remote images held back until asked), attachments (listed, downloaded
through the services' access check), the composer (reply, note or call record, with files
and canned replies), status with a reason, priority with the reason the customer sees,
assign, type, accept, solve, reopen, close, and the SLA panel with each target's explain
timeline. Agents only: a contact who opens these URLs gets a 404. The queue is
``_pages_queue.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

import nh3
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response
from markupsafe import Markup

from sladesk import services
from sladesk.policy import Policy, Status
from sladesk.services import InvalidRequest, MessageView, NotFound, TicketView
from sladesk.services.console import fill_canned_reply, ticket_page
from sladesk.sla import TargetResult
from sladesk.web._context import Page, page
from sladesk.web._forms import answer
from sladesk.web._i18n import zone
from sladesk.web._policy_words import priorities, text, types
from sladesk.web._timeline import WIDTH, Layout, layout

router = APIRouter()

STATUSES = tuple(s.value for s in Status)
#: an image whose source is elsewhere: a mail client's tracking pixel, a remote logo
_REMOTE = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)
_REMOTE_IMG = re.compile(r"<img\b[^>]*\bsrc\s*=\s*[\"']?\s*(https?:)?//", re.IGNORECASE)
#: the page's CSP when the agent asked for remote images: only ``img-src`` is wider
CSP_WITH_IMAGES = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: https: http:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)

__all__ = ["message_html", "router", "text"]


@dataclass(frozen=True)
class TargetPanel:
    target: TargetResult
    calendar_zone: str
    layout: Layout | None


def _hold_remote(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src" and _REMOTE.match(value):
        return None
    return value


def message_html(m: MessageView, *, remote_images: bool = False) -> Markup:
    """A message's body as safe HTML: its stored HTML cleaned again (nh3) or its text.
    Remote images lose their source unless ``remote_images`` (as mail clients do: a remote
    image tells the sender when and where the message was read)."""
    if m.body_html:
        cleaned = nh3.clean(m.body_html, attribute_filter=None if remote_images else _hold_remote)
        return Markup(cleaned)  # noqa: S704 -- nh3 output is safe HTML
    return Markup("<p>") + m.body + Markup("</p>")


def has_remote_images(view: TicketView) -> bool:
    return any(m.body_html and _REMOTE_IMG.search(m.body_html) for m in view.messages)


def sla_panels(view: TicketView, policy: Policy | None, now: datetime) -> list[TargetPanel]:
    """Each SLA target with its calendar's zone and its timeline laid out."""
    if view.sla is None:
        return []
    panels = []
    for t in view.sla.targets:
        cal = policy.calendars.get(t.calendar) if policy else None
        tz = cal.timezone.key if cal is not None else "UTC"
        panels.append(TargetPanel(t, tz, layout(t, now)))
    return panels


@router.get("/tickets/{ticket_id}", response_class=HTMLResponse)
def ticket(request: Request, ticket_id: int, images: bool = False, canned: int = 0) -> Response:
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]
    # one read for the whole page (services/_ticket_page.py)
    data = ticket_page(p.uow(), p.clock, actor, ticket_id)
    p.keep_saved_views(data.saved_views)
    view, policy, now, staff = data.ticket, data.policy, data.now, data.agents
    panels = sla_panels(view, policy, now)
    agents = {a.id: a.name for a in staff}
    teams = sorted({a.team for a in staff if a.team} | ({view.team} if view.team else set()))
    accepted = any(e.kind == "accepted" for e in view.history)
    by_message: dict[int | None, list[services.AttachmentView]] = {}
    for a in data.attachments:
        by_message.setdefault(a.message_id, []).append(a)
    draft = ""
    if canned:
        try:
            draft = fill_canned_reply(p.uow(), p.clock, actor, canned, ticket_id)
        except NotFound:
            p.session.flash(p._("That canned reply no longer exists."))
    remote = has_remote_images(view)
    causes = sorted(policy.closing.evidence_for) if policy and policy.closing else []
    response = p.render(
        "ticket.html", ticket=view, panels=panels, now=now, width=WIDTH,
        incidents=data.incidents, whatsapp=data.whatsapp, templates=data.templates,
        message_html=lambda m: message_html(m, remote_images=images), statuses=STATUSES,
        priorities=priorities(policy, p.language), agents=agents, requester=data.requester,
        active_agents=[(a.id, a.name) for a in staff if a.active], teams=teams,
        types=types(policy, p.language), accepted=accepted,
        calendar_zone=lambda name: zone(name), attachments=by_message,
        remote_images=remote, images_shown=images and remote, draft=draft,
        canned_replies=data.canned_replies,
        max_bytes=p.web.container.settings.attachment_max_bytes,
        download=lambda a: f"/tickets/{a.ticket_id}/attachments/{a.id}",
        pages=data.pages, files=data.attachments, causes=causes,
        proposal_id=data.proposal_id,
        on_call=policy is not None and policy.on_call is not None,
        back=f"/tickets/{ticket_id}",
        attributes_text="\n".join(f"{k}={v}" for k, v in sorted(view.attributes.items())),
        calls=data.calls,
    )  # fmt: skip
    if images and remote:
        response.headers["content-security-policy"] = CSP_WITH_IMAGES
    return response


@router.get("/tickets/{ticket_id}/canned/{reply_id}")
def canned_text(request: Request, ticket_id: int, reply_id: int) -> Response:
    """``{"text": …}``: the canned reply filled for the ticket, for ``static/console.js`` to
    insert at the composer's cursor (without it, the form reloads the page with the draft)."""
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]
    return JSONResponse({"text": fill_canned_reply(p.uow(), p.clock, actor, reply_id, ticket_id)})


@router.get("/tickets/{ticket_id}/attachments/{attachment_id}")
def download(request: Request, ticket_id: int, attachment_id: int) -> Response:
    """The file, if the caller may see it (the services' rule), always as a download."""
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]
    found = services.get_attachment(p.uow(), p.clock, actor, ticket_id, attachment_id)
    a = found.attachment
    ascii_name = a.filename.encode("ascii", "replace").decode().replace('"', "_")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(a.filename)}"
    return Response(found.content, media_type=a.content_type,
                    headers={"content-disposition": disposition})  # fmt: skip


def _act(p: Page, csrf_token: str, ticket_id: int, action: Callable[[], object]) -> Response:
    """Run one state-changing service call for a form, then go back to the ticket."""
    p.check_csrf(csrf_token)
    return answer(p, action, back=f"/tickets/{ticket_id}")


def _read_files(p: Page, files: list[UploadFile]) -> list[tuple[str, str | None, bytes]]:
    """The uploaded files (empty file inputs dropped); InvalidRequest naming a file larger
    than ``attachment_max_bytes``."""
    limit = p.web.container.settings.attachment_max_bytes
    out = []
    for f in files:
        if not f.filename:
            continue
        content = f.file.read(limit + 1)
        if len(content) > limit:
            raise InvalidRequest(
                f"{f.filename} is larger than {limit // (1024 * 1024)} MiB", field="files"
            )
        if content:
            out.append((f.filename, f.content_type, content))
    return out


@router.post("/tickets/{ticket_id}/reply")
def reply(
    request: Request,
    ticket_id: int,
    body: str = Form(""),
    kind: str = Form("reply"),
    csrf_token: str = Form(""),
    files: list[UploadFile] = File(default=[]),  # noqa: B008 -- FastAPI's parameter form
) -> Response:
    """A public reply, an internal note or a call record (``body`` is what was agreed), with
    any attached files on that message. A file refused for its size writes nothing."""
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]

    def write() -> None:
        uploads = _read_files(p, files)
        if kind == "note":
            view = services.add_internal_note(p.uow(), p.clock, actor, ticket_id, body)
        elif kind == "call":
            view = services.log_call(p.uow(), p.clock, actor, ticket_id, body)
        else:
            view = services.reply_publicly(p.uow(), p.clock, actor, ticket_id, body)
        message_id = view.messages[-1].id if view.messages else None
        for name, content_type, content in uploads:
            services.add_attachment(p.uow(), p.clock, actor, ticket_id, filename=name,
                                    content_type=content_type, content=content,
                                    message_id=message_id)  # fmt: skip

    return _act(p, csrf_token, ticket_id, write)


@router.post("/tickets/{ticket_id}/whatsapp-template")
def whatsapp_template(
    request: Request,
    ticket_id: int,
    name: str = Form(""),
    language: str = Form(""),
    keys: list[str] = Form(default=[]),  # noqa: B008 -- FastAPI's parameter form
    values: list[str] = Form(default=[]),  # noqa: B008
    csrf_token: str = Form(""),
) -> Response:
    """An approved WhatsApp template, its parameters filled in (outside the 24-hour window
    the only message WhatsApp takes)."""
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]
    pairs = list(zip(keys, values, strict=False))
    return _act(p, csrf_token, ticket_id,
                lambda: services.send_whatsapp_template(p.uow(), p.clock, actor, ticket_id, name,
                                                        language, pairs))  # fmt: skip


@router.post("/tickets/{ticket_id}/status")
def status(
    request: Request,
    ticket_id: int,
    status: str = Form(""),
    reason: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]
    return _act(p, csrf_token, ticket_id,
                lambda: services.change_status(p.uow(), p.clock, actor, ticket_id, status,
                                               reason or None))  # fmt: skip


@router.post("/tickets/{ticket_id}/priority")
def priority(
    request: Request,
    ticket_id: int,
    priority: str = Form(""),
    reason: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]
    return _act(p, csrf_token, ticket_id,
                lambda: services.change_priority(p.uow(), p.clock, actor, ticket_id, priority,
                                                 reason))  # fmt: skip


@router.post("/tickets/{ticket_id}/assign")
def assign(
    request: Request,
    ticket_id: int,
    assignee_id: str = Form(""),
    team: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]
    agent = int(assignee_id) if assignee_id.isdigit() else None
    return _act(p, csrf_token, ticket_id,
                lambda: services.assign_ticket(p.uow(), p.clock, actor, ticket_id,
                                               assignee_id=agent,
                                               team=team.strip() or None))  # fmt: skip


@router.post("/tickets/{ticket_id}/type")
def change_type(
    request: Request,
    ticket_id: int,
    type: str = Form(""),
    reason: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]
    return _act(p, csrf_token, ticket_id,
                lambda: services.change_type(p.uow(), p.clock, actor, ticket_id, type,
                                             reason.strip() or None))  # fmt: skip


@router.post("/tickets/{ticket_id}/accept")
def accept(request: Request, ticket_id: int, csrf_token: str = Form("")) -> Response:
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]
    return _act(p, csrf_token, ticket_id,
                lambda: services.accept_ticket(p.uow(), p.clock, actor, ticket_id))  # fmt: skip


@router.post("/tickets/{ticket_id}/attributes")
def attributes(
    request: Request,
    ticket_id: int,
    tags: str = Form(""),
    attributes: str = Form(""),
    reason: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    """Tags (comma-separated, the whole set) and attributes (``key=value`` lines, merged)."""
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]
    tag_list = [t.strip() for t in tags.split(",") if t.strip()]
    pairs: dict[str, str] = {}
    for n, line in enumerate(attributes.splitlines(), 1):
        if line.strip():
            key, sep, value = line.partition("=")
            if not sep:
                p.check_csrf(csrf_token)
                return p.redirect(
                    f"/tickets/{ticket_id}",
                    p._("Write each attribute as name=value (line %(n)s).") % {"n": n},
                )
            pairs[key.strip()] = value.strip()
    return _act(
        p,
        csrf_token,
        ticket_id,
        lambda: services.change_attributes(
            p.uow(),
            p.clock,
            actor,
            ticket_id,
            tags=tag_list,
            attributes=pairs,
            reason=reason.strip() or None,
        ),
    )


@router.post("/tickets/{ticket_id}/call")
def call(
    request: Request,
    ticket_id: int,
    summary: str = Form(""),
    page_on_call: str = Form(""),
    caller: str = Form(""),
    csrf_token: str = Form(""),
) -> Response:
    """Record a call; a call to the on-call number also pages whoever is on call."""
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]
    return _act(
        p,
        csrf_token,
        ticket_id,
        lambda: services.log_call(
            p.uow(),
            p.clock,
            actor,
            ticket_id,
            summary,
            page_on_call=page_on_call == "1",
            caller=caller.strip() or None,
        ),
    )


@router.post("/tickets/{ticket_id}/close")
def close(
    request: Request,
    ticket_id: int,
    cause: str = Form(""),
    reason: str = Form(""),
    evidence_attachment_ids: list[int] = Form([]),  # noqa: B008
    evidence_message_ids: list[int] = Form([]),  # noqa: B008
    csrf_token: str = Form(""),
) -> Response:
    """Close, with the cause and the evidence when the cause is one the policy closes with
    evidence (the service says what is missing)."""
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]
    return _act(
        p,
        csrf_token,
        ticket_id,
        lambda: services.close_ticket(
            p.uow(),
            p.clock,
            actor,
            ticket_id,
            reason.strip() or None,
            cause=cause or None,
            evidence_attachment_ids=evidence_attachment_ids,
            evidence_message_ids=evidence_message_ids,
        ),
    )


# Closing is ``close`` above (a reason, and the cause and evidence when the policy asks).
# Named routes, not ``/tickets/{id}/{action}``: that would catch every later ticket route.
_LIFECYCLE = {"solve": services.solve_ticket, "reopen": services.reopen_ticket}


def _lifecycle(request: Request, ticket_id: int, action: str, reason: str,
               csrf_token: str) -> Response:  # fmt: skip
    """Solve or reopen, with an optional reason."""
    p = page(request, need="agent")
    actor = p.person.actor  # type: ignore[union-attr]
    use_case = _LIFECYCLE[action]
    return _act(p, csrf_token, ticket_id,
                lambda: use_case(p.uow(), p.clock, actor, ticket_id,
                                 reason.strip() or None))  # fmt: skip


@router.post("/tickets/{ticket_id}/solve")
def solve(request: Request, ticket_id: int, reason: str = Form(""),
          csrf_token: str = Form("")) -> Response:  # fmt: skip
    return _lifecycle(request, ticket_id, "solve", reason, csrf_token)


@router.post("/tickets/{ticket_id}/reopen")
def reopen(request: Request, ticket_id: int, reason: str = Form(""),
           csrf_token: str = Form("")) -> Response:  # fmt: skip
    return _lifecycle(request, ticket_id, "reopen", reason, csrf_token)
