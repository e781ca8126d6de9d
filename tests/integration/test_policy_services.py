"""The policy in force, as the services apply it to customers (issue 11, items 9 and 10):
its own texts reach customers in their language, and organisations can only be given the
plans and add-ons it defines."""

from __future__ import annotations

from pathlib import Path

import pytest

from sladesk import services as s
from sladesk.policy import load_policy_file
from sladesk.services import Actor, FixedClock, NewAgent, NewContact, NewOrganization, NewTicket
from sladesk.store import UnitOfWork

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "policies"


def _admin(uow: UnitOfWork, clock: FixedClock) -> Actor:
    a = s.create_agent(uow, clock, Actor.system("test"), NewAgent("ada@desk.test", "Ada", "admin"))
    return Actor.agent(a.id, "admin", name=a.name)


@pytest.mark.parametrize(
    ("org_locale", "contact_locale", "text_locale"),
    [("es", None, "es"), ("es", "pt", "pt"), ("es", "pt-BR", "pt"), ("pt", None, "pt")],
)
def test_a_blip_question_is_answered_with_the_policys_text_in_the_customers_language(
    uow: UnitOfWork,
    clock: FixedClock,
    org_locale: str,
    contact_locale: str | None,
    text_locale: str,
) -> None:
    path = EXAMPLES / "blip-go.yaml"
    expected = load_policy_file(path).messages["community_answer"][text_locale]
    admin = _admin(uow, clock)
    s.publish_policy(uow, clock, admin, path.read_text(encoding="utf-8"), source=path.name)
    org = s.create_organization(
        uow, clock, admin, NewOrganization("Loja", "loja", plan="free", locale=org_locale)
    )
    c = s.create_contact(
        uow, clock, admin, NewContact(org.id, "ana@loja.test", "Ana", locale=contact_locale)
    )
    ana = Actor.contact(c.id, org.id, name=c.name)
    q = s.create_ticket(
        uow, clock, ana, NewTicket(subject="¿Cómo?", body="¿Cómo exporto?", type="question")
    )
    assert q.community_answered and q.status == "solved"
    assert q.messages[-1].author_kind == "system"
    assert q.messages[-1].body == expected
    assert "comunidad" in expected or "comunidade" in expected
