"""The demo's cast: agents (an admin, a lead, agents, a tier-2 senior), customer organisations
on the policy's plans and add-ons, and their contacts. Created through the services, as the
system actor, at the start of the demo's history."""

from __future__ import annotations

from dataclasses import dataclass, field
from random import Random

from sladesk.policy import Policy
from sladesk.services import (
    Actor,
    AgentView,
    Clock,
    ContactView,
    NewAgent,
    NewContact,
    NewOrganization,
    OrganizationView,
    create_agent,
    create_contact,
    create_organization,
)
from sladesk.store import UnitOfWork

SYSTEM = Actor.system("demo")

_AGENTS = [
    ("admin@demo.sladesk.test", "Ada Admin", "admin", None),
    ("lead@demo.sladesk.test", "Lena Lead", "lead", "tier1"),
    ("rui@demo.sladesk.test", "Rui Santos", "agent", "tier1"),
    ("marta@demo.sladesk.test", "Marta López", "agent", "tier1"),
    ("joe@demo.sladesk.test", "Joe Park", "agent", "tier1"),
    ("sofia@demo.sladesk.test", "Sofia Senior", "senior", "tier2"),
]
_ORGS = [
    ("Acme Logistics", "acme"),
    ("Borealis Health", "borealis"),
    ("Cobalt Retail", "cobalt"),
    ("Dunas Energia", "dunas"),
    ("Estrela Foods", "estrela"),
]
_PEOPLE = ["Alex", "Bea", "Caio", "Dora", "Enzo", "Flor", "Gil", "Hana", "Ivo", "Júlia"]


@dataclass
class Cast:
    admin: AgentView
    agents: list[AgentView]  # every agent, the admin included
    organizations: list[OrganizationView]
    contacts: dict[int, list[ContactView]] = field(default_factory=dict)  # by organisation id

    @property
    def responders(self) -> list[AgentView]:
        return [a for a in self.agents if a.role in ("agent", "lead", "senior")]


def create_cast(uow: UnitOfWork, clock: Clock, policy: Policy, rng: Random) -> Cast:
    agents = [
        create_agent(uow, clock, SYSTEM, NewAgent(email=e, name=n, role=r, team=t))
        for e, n, r, t in _AGENTS
    ]
    plans: list[str | None] = [k for k, plan in policy.plans.items() if plan.support] or [None]
    orgs: list[OrganizationView] = []
    for i, (name, slug) in enumerate(_ORGS):
        plan = plans[i % len(plans)]
        addons = tuple(
            key
            for key, addon in policy.addons.items()
            if plan is not None and (addon.plans is None or plan in addon.plans) and i % 2 == 0
        )
        orgs.append(
            create_organization(
                uow,
                clock,
                SYSTEM,
                NewOrganization(
                    name=name,
                    slug=slug,
                    plan=plan,
                    addons=addons,
                    locale=policy.locales[i % len(policy.locales)],
                ),
            )
        )
    cast = Cast(admin=agents[0], agents=agents, organizations=orgs)
    people = list(_PEOPLE)
    rng.shuffle(people)
    for i, org in enumerate(orgs):
        cast.contacts[org.id] = [
            create_contact(
                uow,
                clock,
                SYSTEM,
                NewContact(
                    organization_id=org.id,
                    email=f"{person.lower().replace('ú', 'u')}@{org.slug}.example",
                    name=f"{person} ({org.name})",
                    locale=org.locale,
                    phone=f"+549115550{i:02d}{j:02d}",  # what the phone channel knows them by
                ),
            )
            for j, person in enumerate(people[2 * i % len(people) : 2 * i % len(people) + 2])
        ]
    return cast
