"""Live chat from the website/in-app widget: one use case = one function = one transaction.

A visitor starts a chat (anonymous, with a token only they hold, or as a logged-in customer
of the vendor's app whose e-mail the app signed: ``HMAC-SHA256(secret, email)`` in hex), and
waits; agents see the waiting chats with their wait time and one accepts (the first wins);
both sides post messages and mark typing/delivered/read; on close the transcript becomes the
conversation of a ticket on channel ``chat`` (filed as the contact when the e-mail is a
contact's, otherwise by the system for the e-mail given). An anonymous visitor must give an
e-mail before the chat can become a ticket, so the ticket can continue by mail.

The visitor is identified by the token :func:`start_chat` returned, never by the session id.

A chat's SLA is its ticket's, under the policy's rules like any ticket (a rule ``when:
{channel: chat}`` gives chat targets, in seconds or minutes): the ticket is filed as of the
chat's opening (the customer's first communication, where the clocks start) and the agent's
first chat message is its first public response, at that message's instant (where a
first-response clock stops). The transcript stays the ticket's one message.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sladesk.calendar import Calendar
from sladesk.services._dtos import NewTicket
from sladesk.services._ticket_create import file_ticket
from sladesk.services._tickets_write import _change
from sladesk.services.clock import Clock
from sladesk.sla import Event
from sladesk.store import (
    ChatMessageRecord,
    ChatRepository,
    ChatSessionRecord,
    Contact,
    StoredTicket,
    UnitOfWork,
    VipRepository,
)
from sladesk.tickets import (
    Actor,
    AgentAvailability,
    Conflict,
    Forbidden,
    InvalidRequest,
    NotFound,
    Role,
    decide_reply,
)

__all__ = [
    "CHAT_ACTOR",
    "ChatAvailability",
    "ChatMessageRecord",
    "ChatSessionRecord",
    "ChatView",
    "DirectLine",
    "WaitingChat",
    "accept_chat",
    "active_chats",
    "chat_availability",
    "chat_as_agent",
    "chat_as_visitor",
    "chat_direct_line",
    "close_chat",
    "close_chat_as_visitor",
    "give_chat_email",
    "mark_chat",
    "mark_chat_as_visitor",
    "post_agent_message",
    "post_visitor_message",
    "sign_chat_identity",
    "start_chat",
    "validate_chat_calendars",
    "waiting_chats",
]

CHAT_ACTOR = "chat"
MAX_MESSAGE = 4000
#: a typing mark older than this is stale (the other side stopped without saying so)
TYPING_FRESH = timedelta(seconds=6)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_MARKS = ("typing", "delivered", "read")


@dataclass(frozen=True, slots=True)
class ChatView:
    session: ChatSessionRecord
    messages: tuple[ChatMessageRecord, ...]
    #: the other side is typing (a mark fresher than TYPING_FRESH)
    visitor_typing: bool = False
    agent_typing: bool = False


@dataclass(frozen=True, slots=True)
class WaitingChat:
    session: ChatSessionRecord
    wait: timedelta
    first_message: str


@dataclass(frozen=True, slots=True)
class ChatAvailability:
    """Whether agents answer chats now. ``calendar``: the policy calendar chat follows
    (None: around the clock). Closed: ``back_at`` is the next opening (UTC; the widget
    shows it in the visitor's zone and language) and the widget offers to leave a message."""

    open: bool
    calendar: str | None
    back_at: datetime | None


@dataclass(frozen=True, slots=True)
class DirectLine:
    """A VIP customer's direct chat to their dedicated agent (LiveAgent: "um botão de chat
    único que permitirá que você alcance seu agente dedicado diretamente"): who the agent is
    and whether the line is open now (the agent is available: their own switch and absences,
    and inside ``calendar``, the dedicated chat's hours, when one is set)."""

    agent_id: int
    agent_name: str
    open: bool


def chat_availability(uow: UnitOfWork, clock: Clock, calendar: str | None) -> ChatAvailability:
    """Chat follows the published policy's calendar ``calendar`` (the ``chat_calendar``
    setting: a business-hours chat) or, with None, is open 24/7."""
    now = clock.now()
    if calendar is None:
        return ChatAvailability(True, None, None)
    with uow.read_only():
        cal = _policy_calendar(uow, calendar, "chat_calendar")
    if cal.is_open(now):
        return ChatAvailability(True, calendar, None)
    return ChatAvailability(False, calendar, cal.next_open(now))


def _policy_calendar(uow: UnitOfWork, calendar: str, setting: str) -> Calendar:
    """The published policy's calendar ``calendar`` (named by the setting ``setting``); a
    name the policy does not have is an error naming it, not a silently open chat."""
    policy = uow.policies.parsed(uow.policies.current_id())
    if policy is None:
        raise Conflict("no policy is published: chat hours follow a policy calendar")
    cal = policy.calendars.get(calendar)
    if cal is None:
        known = ", ".join(sorted(policy.calendars)) or "none"
        raise InvalidRequest(f"the policy has no calendar {calendar!r} (it has: {known})",
                             field=setting)  # fmt: skip
    return cal


def validate_chat_calendars(uow: UnitOfWork, **calendars: str | None) -> list[tuple[str, str]]:
    """(setting, problem) for each setting among ``calendars`` (``chat_calendar=...``,
    ``chat_dedicated_calendar=...``) naming a calendar the published policy lacks; checked
    when the server starts, so a misnamed calendar is not found by the first visitor. With
    no policy published yet there is nothing to check against (a new desk must start to
    publish one); the widget then says no policy is published."""
    named = {k: v for k, v in calendars.items() if v is not None}
    if not named:
        return []
    with uow.read_only():
        policy = uow.policies.parsed(uow.policies.current_id())
    if policy is None:
        return []
    known = ", ".join(sorted(policy.calendars)) or "none"
    return [(setting, f"the policy in force ({policy.name} {policy.version}) has no calendar "
                      f"{name!r} (it has: {known})")
            for setting, name in named.items() if name not in policy.calendars]  # fmt: skip


def _direct_line(uow: UnitOfWork, email: str, calendar: str | None,
                 now: datetime) -> DirectLine | None:  # fmt: skip
    """The direct line of the contact of ``email`` (verified by the caller), or None: not a
    contact, their organisation has no dedicated agent, or does not hold an add-on the
    policy in force ties to the dedicated agent (``Policy.dedicated_agent_addons``: the
    LiveAgent VIP add-on; a dedicated agent alone is not the paid direct line)."""
    person = uow.people.person_by_email(email)
    if not isinstance(person, Contact) or not person.active:
        return None
    vip = VipRepository(uow.db)
    org = vip.organization(person.organization_id)
    agent_id = org.dedicated_agent_id
    if agent_id is None:
        return None
    policy = uow.policies.parsed(uow.policies.current_id())
    if policy is None or policy.dedicated_agent_addons().isdisjoint(org.addons):
        return None
    agent = vip.agent(agent_id)
    spans = tuple((a.starts_at, a.ends_at) for a in vip.absences([agent_id], ending_after=now))
    who = AgentAvailability(agent.id, agent.email, agent.name, agent.team, agent.active,
                            agent.available, spans)  # fmt: skip
    open_ = not who.away_at(now) and (
        calendar is None or _policy_calendar(uow, calendar, "chat_dedicated_calendar").is_open(now)
    )
    return DirectLine(agent.id, agent.name, open_)


def _signed_email(email: str | None, signature: str | None, secret: str | None) -> str:
    """``email`` when ``signature`` is its signature with ``secret``; refused otherwise."""
    if not secret:
        raise Forbidden("signed chat identities are not enabled (no chat secret is set)")
    if not email or signature is None:
        raise InvalidRequest("a signed identity needs the e-mail it signs", field="email")
    address = _check_email(email)
    if not hmac.compare_digest(sign_chat_identity(secret, address), signature.strip().lower()):
        raise Forbidden("the chat identity's signature does not match its e-mail")
    return address


def chat_direct_line(
    uow: UnitOfWork, clock: Clock, *, email: str, signature: str, secret: str | None,
    calendar: str | None = None,
) -> DirectLine | None:  # fmt: skip
    """The direct line a signed-in visitor's widget offers: None unless the signed e-mail is
    a contact whose organisation has a dedicated agent and the VIP add-on; ``open`` while
    that agent is available (see :class:`DirectLine`). A bad signature is refused."""
    address = _signed_email(email, signature, secret)
    now = clock.now()
    with uow.read_only():
        return _direct_line(uow, address, calendar, now)


def sign_chat_identity(secret: str, email: str) -> str:
    """What the vendor's app puts next to a logged-in customer's e-mail in the widget."""
    return hmac.new(secret.encode(), email.strip().lower().encode(), hashlib.sha256).hexdigest()


def _check_email(email: str, field: str = "email") -> str:
    email = email.strip()
    if not _EMAIL.match(email) or len(email) > 320:
        raise InvalidRequest(f"{email!r} is not an e-mail address", field=field)
    return email


def _check_body(body: str) -> str:
    text = body.strip()
    if not text:
        raise InvalidRequest("a chat message needs text", field="body")
    if len(text) > MAX_MESSAGE:
        raise InvalidRequest(f"a chat message is at most {MAX_MESSAGE} characters", field="body")
    return text


def start_chat(
    uow: UnitOfWork,
    clock: Clock,
    *,
    name: str = "",
    email: str | None = None,
    locale: str = "en",
    signature: str | None = None,
    secret: str | None = None,
    first_message: str | None = None,
    direct: bool = False,
    direct_calendar: str | None = None,
) -> tuple[str, ChatView]:
    """A visitor opens a chat; returns the visitor's token and the chat. With ``signature``
    the e-mail must be signed with ``secret`` (the chat is then ``signed``: a known
    customer); a wrong or unusable signature is refused, never downgraded to anonymous.
    ``direct``: on the VIP's direct line (:func:`chat_direct_line`, ``direct_calendar`` its
    hours): the chat waits for the dedicated agent only; refused while the line is closed."""
    now = clock.now()
    identity = "anonymous"
    if email:
        email = _check_email(email)
    if signature is not None:
        email = _signed_email(email, signature, secret)
        identity = "signed"
    elif direct:
        raise Forbidden("the direct line is for signed-in customers")
    text = _check_body(first_message) if first_message is not None else None
    token = secrets.token_urlsafe(32)
    with uow:
        repo = ChatRepository(uow.db)
        routed_to = None
        if direct:
            assert email is not None
            line = _direct_line(uow, email, direct_calendar, now)
            if line is None:
                raise Forbidden("this customer has no direct line to a dedicated agent")
            if not line.open:
                raise Conflict(f"{line.agent_name} is not available now: "
                               "start a chat with the team instead")  # fmt: skip
            routed_to = line.agent_id
        session = repo.add_session(visitor_token=token, identity=identity, email=email,
                                   name=name.strip()[:200], locale=(locale or "en")[:16],
                                   now=now, agent_id=routed_to)  # fmt: skip
        if text is not None:
            repo.add_message(session.id, "visitor", text, now)
        view = _view(repo, session, now)
        uow.commit()
    return token, view


def _view(repo: ChatRepository, session: ChatSessionRecord, now: datetime) -> ChatView:
    return _fresh_view((session, repo.messages(session.id)), now)


def _by_token(repo: ChatRepository, token: str) -> ChatSessionRecord:
    session = repo.by_token(token) if token else None
    if session is None:
        raise NotFound("chat", "of this token")
    return session


def _as_agent(repo: ChatRepository, actor: Actor, session_id: int) -> ChatSessionRecord:
    if not actor.is_agent:
        raise Forbidden("only support staff answer chats")
    session = repo.get(session_id)
    if session is None:
        raise NotFound("chat", session_id)
    return session


def _fresh_view(found: tuple[ChatSessionRecord, list[ChatMessageRecord]],
                now: datetime) -> ChatView:  # fmt: skip
    session, messages = found

    def fresh(at: datetime | None) -> bool:
        return at is not None and now - at <= TYPING_FRESH

    return ChatView(session, tuple(messages), fresh(session.visitor_typing_at),
                    fresh(session.agent_typing_at))  # fmt: skip


def chat_as_visitor(uow: UnitOfWork, clock: Clock, token: str) -> ChatView:
    """What the visitor of ``token`` sees (one statement: every change redraws it)."""
    now = clock.now()
    with uow.single_read():
        found = ChatRepository(uow.db).chat(token=token) if token else None
    if found is None:
        raise NotFound("chat", "of this token")
    return _fresh_view(found, now)


def chat_as_agent(uow: UnitOfWork, clock: Clock, actor: Actor, session_id: int) -> ChatView:
    """What an agent sees of a chat (one statement: every change redraws it)."""
    if not actor.is_agent:
        raise Forbidden("only support staff answer chats")
    now = clock.now()
    with uow.single_read():
        found = ChatRepository(uow.db).chat(session_id=session_id)
    if found is None:
        raise NotFound("chat", session_id)
    return _fresh_view(found, now)


def post_visitor_message(uow: UnitOfWork, clock: Clock, token: str, body: str) -> ChatView:
    text, now = _check_body(body), clock.now()
    with uow:
        repo = ChatRepository(uow.db)
        session = repo.touch_open_by_token(token, visitor_typing_at=None) if token else None
        if session is None:
            _by_token(repo, token)  # NotFound for a token of no chat
            raise Conflict("this chat is closed")
        repo.add_message(session.id, "visitor", text, now)
        view = _view(repo, session, now)
        uow.commit()
        return view


def post_agent_message(
    uow: UnitOfWork, clock: Clock, actor: Actor, session_id: int, body: str
) -> ChatView:
    text, now = _check_body(body), clock.now()
    with uow:
        repo = ChatRepository(uow.db)
        session = _as_agent(repo, actor, session_id)
        if session.status != "active":
            raise Conflict(f"the chat is {session.status}: accept it first"
                           if session.status == "waiting" else "this chat is closed")  # fmt: skip
        if session.agent_id != actor.id:
            raise Forbidden("another agent has this chat")
        repo.add_message(session.id, "agent", text, now, agent_id=actor.id)
        view = _view(repo, repo.update(session.id, agent_typing_at=None), now)
        uow.commit()
        return view


def waiting_chats(uow: UnitOfWork, clock: Clock, actor: Actor) -> list[WaitingChat]:
    """The chats no agent has accepted yet, longest waiting first, with their wait time:
    the team's, and those on a VIP's direct line to ``actor`` (a direct line to another
    agent is theirs alone)."""
    if not actor.is_agent:
        raise Forbidden("only support staff see waiting chats")
    now = clock.now()
    with uow.read_only():
        waiting = ChatRepository(uow.db).waiting()
    return [WaitingChat(session, now - session.started_at, first)
            for session, first in waiting if session.agent_id in (None, actor.id)]  # fmt: skip


def active_chats(uow: UnitOfWork, clock: Clock, actor: Actor) -> list[ChatSessionRecord]:
    """The chats ``actor`` has accepted and not closed yet."""
    if not actor.is_agent:
        raise Forbidden("only support staff answer chats")
    with uow.read_only():
        return [c for c in ChatRepository(uow.db).by_status("active") if c.agent_id == actor.id]


def accept_chat(uow: UnitOfWork, clock: Clock, actor: Actor, session_id: int) -> ChatView:
    """The agent takes a waiting chat; a second agent gets a :class:`Conflict`."""
    now = clock.now()
    with uow:
        repo = ChatRepository(uow.db)
        found = _as_agent(repo, actor, session_id)
        assert actor.id is not None
        if found.status == "waiting" and found.agent_id not in (None, actor.id):
            raise Forbidden("this chat is on a customer's direct line to their dedicated agent")
        if not repo.claim(session_id, actor.id, now):
            raise Conflict("this chat is not waiting any more (another agent accepted it)")
        who = actor.name or "An agent"
        repo.add_message(session_id, "system", f"{who} joined the chat", now, agent_id=actor.id)
        session = repo.get(session_id)
        assert session is not None
        view = _view(repo, session, now)
        uow.commit()
        return view


def give_chat_email(uow: UnitOfWork, clock: Clock, token: str, email: str) -> ChatView:
    """The e-mail an anonymous visitor gives (asked before the chat becomes a ticket)."""
    address, now = _check_email(email), clock.now()
    with uow:
        repo = ChatRepository(uow.db)
        session = _by_token(repo, token)
        if session.identity == "signed":
            raise Conflict("a signed-in customer's e-mail is the one their app signed")
        view = _view(repo, repo.update(session.id, email=address), now)
        uow.commit()
        return view


def _mark(repo: ChatRepository, session: ChatSessionRecord, side: str, kind: str,
          up_to: int | None, now: datetime) -> None:  # fmt: skip
    if kind not in _MARKS:
        raise InvalidRequest(f"a mark is one of {', '.join(_MARKS)}, not {kind!r}", field="kind")
    if kind == "typing":
        repo.update(session.id, **{f"{side}_typing_at": now})
        return
    others = ("agent", "system") if side == "visitor" else ("visitor",)
    last = up_to if up_to is not None else 2**62
    repo.mark(session.id, others, f"{kind}_at", now, last)


def mark_chat_as_visitor(uow: UnitOfWork, clock: Clock, token: str, kind: str,
                         up_to: int | None = None) -> None:  # fmt: skip
    """The visitor is typing, or has received/read the agent's messages up to ``up_to``."""
    now = clock.now()
    with uow:
        repo = ChatRepository(uow.db)
        _mark(repo, _by_token(repo, token), "visitor", kind, up_to, now)
        uow.commit()


def mark_chat(uow: UnitOfWork, clock: Clock, actor: Actor, session_id: int, kind: str,
              up_to: int | None = None) -> None:  # fmt: skip
    """The agent is typing, or has received/read the visitor's messages up to ``up_to``."""
    now = clock.now()
    with uow:
        repo = ChatRepository(uow.db)
        _mark(repo, _as_agent(repo, actor, session_id), "agent", kind, up_to, now)
        uow.commit()


def close_chat(uow: UnitOfWork, clock: Clock, actor: Actor, session_id: int) -> ChatView:
    """The agent ends the chat: its transcript becomes a ticket (channel ``chat``)."""
    now = clock.now()
    with uow:
        repo = ChatRepository(uow.db)
        session = _as_agent(repo, actor, session_id)
        if session.agent_id not in (None, actor.id) and actor.role not in (Role.LEAD, Role.ADMIN):
            raise Forbidden("another agent has this chat")
        view = _close(uow, repo, session, now)
        uow.commit()
        return view


def close_chat_as_visitor(
    uow: UnitOfWork, clock: Clock, token: str, *, email: str | None = None
) -> ChatView:
    """The visitor ends the chat (or leaves a message while nobody answers): its transcript
    becomes a ticket; an anonymous visitor must have given an e-mail."""
    address = _check_email(email) if email else None
    now = clock.now()
    with uow:
        repo = ChatRepository(uow.db)
        session = _by_token(repo, token)
        if address is not None and session.identity != "signed":
            session = repo.update(session.id, email=address)
        view = _close(uow, repo, session, now)
        uow.commit()
        return view


def _close(uow: UnitOfWork, repo: ChatRepository, session: ChatSessionRecord,
           now: datetime) -> ChatView:  # fmt: skip
    if session.status == "closed":
        raise Conflict("this chat is already closed")
    if not session.email:
        raise InvalidRequest("ask the visitor's e-mail before the chat becomes a ticket",
                             field="email")  # fmt: skip
    messages = repo.messages(session.id)
    if not any(m.author == "visitor" for m in messages):
        closed = repo.update(session.id, status="closed", closed_at=now)  # nothing to file
        return _view(repo, closed, now)
    ticket_id = _file(uow, session, messages, now)
    closed = repo.update(session.id, status="closed", closed_at=now, ticket_id=ticket_id)
    return _view(repo, closed, now)


def _transcript(session: ChatSessionRecord, messages: list[ChatMessageRecord],
                agents: dict[int, str]) -> str:  # fmt: skip
    visitor = session.name or session.email or "Visitor"
    lines = []
    for m in messages:
        who = {"visitor": visitor, "system": "—"}.get(m.author) or agents.get(
            m.agent_id or 0, "Agent"
        )
        lines.append(f"[{m.created_at:%H:%M:%S}] {who}: {m.body}")
    return "\n".join(lines)


def _file(uow: UnitOfWork, session: ChatSessionRecord, messages: list[ChatMessageRecord],
          now: datetime) -> int:  # fmt: skip
    assert session.email is not None
    agents: dict[int, str] = {}
    for agent_id in {m.agent_id for m in messages if m.agent_id is not None}:
        agents[agent_id] = uow.people.agent(agent_id).name or "Agent"
    first = next(m.body for m in messages if m.author == "visitor")
    subject = f"Chat: {first[:80]}" if len(first) <= 80 else f"Chat: {first[:77]}..."
    body = _transcript(session, messages, agents)
    person = uow.people.person_by_email(session.email)
    if isinstance(person, Contact):
        actor = Actor.contact(person.id, person.organization_id, name=person.name,
                              email=session.email)  # fmt: skip
        new = NewTicket(subject=subject, body=body, channel="chat")
    else:
        actor = Actor.system(CHAT_ACTOR)
        who = f"{session.name} <{session.email}>" if session.name else session.email
        new = NewTicket(subject=subject, body=f"Chat with {who}:\n\n{body}", channel="chat")
    # the chat is the customer's first communication: the ticket is filed as of the chat's
    # opening, so a first-response clock starts there (docs/channels.md, "SLA of a chat")
    view = file_ticket(uow, actor, new, session.started_at,
                       idempotency_key=f"chat:{session.visitor_token}")  # fmt: skip
    answer = next((m for m in messages if m.author == "agent" and m.agent_id is not None), None)
    if answer is not None:  # the agent's first chat message is the first public response
        assert answer.agent_id is not None
        person = uow.people.agent(answer.agent_id)
        agent = Actor.agent(person.id, person.role, name=person.name or "")

        def decide(_u: UnitOfWork, t: StoredTicket, _now: datetime) -> list[Event]:
            return decide_reply(t.state, agent, answer.body, now=answer.created_at)

        _change(uow, now, agent, view.id, decide, "replied.agent", data={"channel": "chat"})
    return view.id
