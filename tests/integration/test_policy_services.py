"""The policy in force, as the services apply it to customers (issue 11, items 9 and 10):
its own texts reach customers in their language, and organisations can only be given the
plans and add-ons it defines."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sladesk import services as s
from sladesk.policy import load_policy_file
from sladesk.services import (
    Actor,
    FixedClock,
    NewAgent,
    NewContact,
    NewOrganization,
    NewTicket,
    OrganizationChanges,
)
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


@pytest.fixture
def liveagent(uow: UnitOfWork, clock: FixedClock) -> Actor:
    """An admin, with LiveAgent's VIP policy in force."""
    admin = _admin(uow, clock)
    path = EXAMPLES / "liveagent-vip.yaml"
    s.publish_policy(uow, clock, admin, path.read_text(encoding="utf-8"), source=path.name)
    return admin


def _refused(call: Callable[[], object], field: str) -> str:
    with pytest.raises(s.InvalidRequest) as info:
        call()
    assert info.value.field == field
    return info.value.message


def test_an_organisation_gets_only_the_plans_and_addons_the_policy_defines(
    uow: UnitOfWork, clock: FixedClock, liveagent: Actor
) -> None:
    def new(plan: str | None, addons: tuple[str, ...] = ()) -> Callable[[], object]:
        org = NewOrganization("Acme", "acme", plan=plan, addons=addons)
        return lambda: s.create_organization(uow, clock, liveagent, org)

    assert _refused(new("gold"), "plan") == "unknown plan 'gold' (one of all_inclusive, standard)"
    assert _refused(new("all_inclusive", ("vip", "pager")), "addons[1]") == (
        "unknown add-on 'pager' (one of vip)"
    )
    assert _refused(new("standard", ("vip",)), "addons[0]") == (
        "add-on 'vip' is only for the all_inclusive plan (the organisation has plan 'standard')"
    )
    assert _refused(new(None, ("vip",)), "addons[0]").endswith("(the organisation has no plan)")
    assert s.list_organizations(uow, clock, liveagent) == []
    org = s.create_organization(
        uow,
        clock,
        liveagent,
        NewOrganization("Acme", "acme", plan="all_inclusive", addons=("vip",)),
    )
    assert (org.plan, org.addons) == ("all_inclusive", ("vip",))

    # a change is checked as the organisation would be after it
    def change(**fields: object) -> Callable[[], object]:
        return lambda: s.update_organization(
            uow,
            clock,
            liveagent,
            org.id,
            OrganizationChanges(**fields),  # type: ignore[arg-type]
        )

    assert "only for the all_inclusive plan" in _refused(change(plan="standard"), "plan")
    assert "unknown plan" in _refused(change(plan="gold"), "plan")
    assert "unknown add-on" in _refused(change(addons=("vip", "pager")), "addons[1]")
    assert s.get_organization(uow, clock, liveagent, org.id) == org
    moved = s.update_organization(
        uow, clock, liveagent, org.id, OrganizationChanges(plan="standard", addons=())
    )
    assert (moved.plan, moved.addons) == ("standard", ())


def test_without_a_policy_no_plan_can_be_given(uow: UnitOfWork, clock: FixedClock) -> None:
    admin = _admin(uow, clock)
    message = _refused(
        lambda: s.create_organization(uow, clock, admin, NewOrganization("A", "a", plan="pro")),
        "plan",
    )
    assert message == "no policy is in force to define plan 'pro': publish one"
    assert s.create_organization(uow, clock, admin, NewOrganization("A", "a")).plan is None


def test_a_version_that_drops_a_plan_in_use_is_refused_until_no_one_holds_it(
    uow: UnitOfWork, clock: FixedClock, liveagent: Actor
) -> None:
    text = (EXAMPLES / "liveagent-vip.yaml").read_text(encoding="utf-8")
    org = s.create_organization(
        uow,
        clock,
        liveagent,
        NewOrganization("Acme", "acme", plan="all_inclusive", addons=("vip",)),
    )
    dropped = text.replace("    plans: [all_inclusive]\n", "    plans: [standard]\n")
    assert dropped != text
    before = [v.id for v in s.list_policy_versions(uow, clock, liveagent)]
    with pytest.raises(s.Conflict) as info:
        s.publish_policy(uow, clock, liveagent, dropped)
    assert info.value.field == "plans"
    assert "acme: add-on 'vip' is only for the standard plan" in info.value.message
    assert [v.id for v in s.list_policy_versions(uow, clock, liveagent)] == before
    s.update_organization(uow, clock, liveagent, org.id, OrganizationChanges(addons=()))
    assert s.publish_policy(uow, clock, liveagent, dropped).current

    # a version without the plan at all
    standard = (
        "  standard:\n"
        "    # CHOSEN: stands for every lower LiveAgent plan (the document names none); "
        "it cannot buy\n    # the VIP add-on.\n"
        "    label: {pt: Outros planos, en: Other plans}\n"
    )
    assert standard in dropped
    without = dropped.replace(standard, "").replace("plans: [standard]", "plans: [all_inclusive]")
    s.create_organization(uow, clock, liveagent, NewOrganization("Beta", "beta", plan="standard"))
    with pytest.raises(s.Conflict) as info:
        s.publish_policy(uow, clock, liveagent, without)
    assert "beta: unknown plan 'standard' (one of all_inclusive)" in info.value.message
