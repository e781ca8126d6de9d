"""The demo help desk: a fresh database with a seed policy published, agents, customer
organisations and contacts, and a few weeks of ticket history ending at ``now`` — replayed
through the services with a time-machine clock and swept hourly — so that the queue shows
running, paused, warned and breached tickets. ``sladesk demo`` builds it and serves it.

The seed policies are read from ``examples/policies/<name>.yaml`` of a source checkout
(:func:`find_policy_file` looks in the current directory and its parents, then beside the
package); an installed package without the repository takes ``--policy-file``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from random import Random

from sladesk.bootstrap import Container
from sladesk.demo._chat import stage_chats
from sladesk.demo._console import add_console_tools
from sladesk.demo._history import History, sweeper
from sladesk.demo._incidents import DemoIncident, stage_incident
from sladesk.demo._mail import stage_bounce
from sladesk.demo._oncall import stage_on_call
from sladesk.demo._people import SYSTEM, create_cast
from sladesk.demo._phone import stage_phone
from sladesk.demo._proposals import seed_proposals
from sladesk.demo._vip import book_demo_calls, name_dedicated_agents
from sladesk.demo._web_accounts import DEMO_PASSWORD, WebAccounts, set_demo_passwords
from sladesk.demo._whatsapp import whatsapp_conversation
from sladesk.errors import SladeskError
from sladesk.policy import load_policy
from sladesk.services import Actor, FixedClock, create_api_token, get_ticket, publish_policy
from sladesk.sla import rollup

__all__ = [
    "DEMO_PASSWORD",
    "SEED_POLICIES",
    "DemoResult",
    "WebAccounts",
    "build_demo",
    "find_policy_file",
    "set_demo_passwords",
]

SEED_POLICIES = ("infraspeak", "aivo", "blip-go", "liveagent-vip")


class DemoError(SladeskError):
    """The demo cannot be built (no policy file found...)."""


@dataclass(frozen=True, slots=True)
class DemoResult:
    policy: str
    admin_email: str
    admin_token: str
    agent_email: str
    agent_token: str
    tickets: int
    steps: int
    queue: Counter[str]  # open tickets by queue state at ``now``
    #: the scheduled maintenance window and the partner outage (policies with maintenance)
    incident: DemoIncident | None = None
    #: proposals in the feature-request space (policies with a ``feature_request`` type)
    proposals: int = 0
    #: the dedicated agent's part (LiveAgent VIP), in a line; None for other policies
    dedicated: str | None = None
    #: the address a delivery report marked bouncing, in a line (policies taking mail)
    bounce: str | None = None
    #: the WhatsApp, phone and chat conversations staged, in a line
    channels: str | None = None


def find_policy_file(name: str, start: Path | None = None) -> Path:
    """``examples/policies/<name>.yaml`` in ``start`` (default: the current directory) or a
    parent of it, else beside the package (an editable install of a checkout)."""
    relative = Path("examples") / "policies" / f"{name}.yaml"
    here = (start or Path.cwd()).resolve()
    places = [here, *here.parents, *Path(__file__).resolve().parents]
    for place in places:
        candidate = place / relative
        if candidate.is_file():
            return candidate
    raise DemoError(
        f"no {relative} in {here} or its parents: run from a sladesk checkout, "
        "or pass --policy-file"
    )


def build_demo(
    container: Container,
    clock: FixedClock,
    policy_file: Path,
    *,
    now: datetime,
    weeks: int = 3,
    seed: int = 7,
) -> DemoResult:
    """Fill ``container``'s (fresh, migrated) database; ``clock`` is the container's clock,
    moved through the history and left at ``now``."""
    text = policy_file.read_text(encoding="utf-8")
    policy = load_policy(text, str(policy_file))
    rng = Random(seed)
    start = (now - timedelta(weeks=weeks)).replace(hour=0, minute=0, second=0, microsecond=0)
    clock.set(start - timedelta(days=1))
    uow = container.uow()
    publish_policy(uow, clock, SYSTEM, text, source=str(policy_file))
    cast = create_cast(uow, clock, policy, rng)
    name_dedicated_agents(uow, clock, policy, cast)  # before the history: tickets route to them
    admin_token = create_api_token(uow, clock, SYSTEM, agent_id=cast.admin.id, name="demo")
    agent = cast.responders[0]
    agent_token = create_api_token(uow, clock, SYSTEM, agent_id=agent.id, name="demo")

    history = History(uow, clock, policy, cast, rng)
    history.plan_history(start, now - timedelta(days=2))
    history.plan_queue(now)
    steps = history.replay(now, sweeper(container.uow(), clock))
    admin = Actor.agent(cast.admin.id, cast.admin.role, name=cast.admin.name)
    responder = Actor.agent(agent.id, agent.role, name=agent.name)
    ids = [t.id for t in history.tickets if t.id is not None]
    incident = stage_incident(uow, clock, policy, admin, responder, ids)
    proposals = (
        seed_proposals(uow, clock, cast, rng, now) if "feature_request" in policy.types else 0
    )
    stage_on_call(uow, clock, policy, cast, now)
    calls = stage_phone(uow, clock, policy, cast, responder, now)
    add_console_tools(uow, clock, agent)  # the demo agent is the lead: canned replies, views
    chats = stage_chats(uow, clock, now)  # visitors waiting in the console's Live chat
    dedicated = book_demo_calls(uow, clock, policy, cast, now)
    whatsapp = whatsapp_conversation(uow, clock, policy, cast.organizations, agent, now)
    bounce = stage_bounce(uow, clock, policy, cast, now)

    queue: Counter[str] = Counter()
    for t in history.tickets:
        if t.id is not None:
            view = get_ticket(uow, clock, SYSTEM, t.id)
            if view.status not in ("solved", "closed"):
                queue[rollup(view.sla).label] += 1
    return DemoResult(
        policy=f"{policy.name} {policy.version}",
        admin_email=cast.admin.email,
        admin_token=admin_token.secret,
        agent_email=agent.email,
        agent_token=agent_token.secret,
        tickets=sum(1 for t in history.tickets if t.id is not None),
        steps=steps,
        queue=queue,
        incident=incident,
        proposals=proposals,
        dedicated=dedicated,
        bounce=bounce,
        channels=_channels_line(whatsapp, calls, chats),
    )


def _channels_line(whatsapp: int | None, calls: int, chats: int) -> str | None:
    """What the demo staged on the other channels, in a line (docs/channels.md)."""
    parts = []
    if whatsapp is not None:
        parts.append(
            f"WhatsApp on ticket #{whatsapp} (and a conversation past its 24-hour window,"
            " where the console offers the approved templates)"
        )
    if calls:
        parts.append(f"{calls} phone ticket(s) (a call in hours, a voicemail with its audio)")
    if chats:
        parts.append(
            f"{chats} visitors waiting in the console's Live chat (/chats; the widget is"
            ' <script src="/chat/widget.js">)'
        )
    return "channels: " + "; ".join(parts) if parts else None
