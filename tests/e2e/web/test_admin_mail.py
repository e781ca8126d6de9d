"""The admin console's mail page over real HTTP (a cookie-keeping client, like a browser
without JavaScript), on mail made the way it happens (``mail_stage.py``): who may reach it
(admins; another agent 403, a contact 404, nobody the sign-in), CSRF on every form, the
bouncing addresses with their DSN reason, the dead letters with their error (retry, then
delivered once; discard), and the mail records of one ticket or one address."""

from __future__ import annotations

import re

import httpx
import pytest
from mail_stage import MailStage, mail_inbox, stage
from web_world import PASSWORD, World, csrf_of, sign_in

from mail_fixtures import Inbox
from sladesk import services
from sladesk.bootstrap import Container
from sladesk.services import Actor, Role

__all__ = ["mail_inbox"]

ADMIN = "ada@desk.example"


@pytest.fixture(scope="module")
def staged(container: Container, world: World, mail_inbox: Inbox) -> MailStage:
    return stage(container, world, mail_inbox)


def _posts(staged: MailStage) -> list[str]:
    return [
        "/admin/mail/bounces/clear",
        f"/admin/mail/dead-letters/{staged.dead_alice}/retry",
        f"/admin/mail/dead-letters/{staged.dead_alice}/discard",
    ]


def _admin_actor() -> Actor:
    return Actor.agent(1, Role.ADMIN, name="Ada")


def test_only_admins_reach_the_mail_page_or_its_forms(
    server: object, staged: MailStage, world: World, container: Container
) -> None:
    url = str(server.url)  # type: ignore[attr-defined]
    with httpx.Client(base_url=url, follow_redirects=False, timeout=30) as anonymous:
        r = anonymous.get("/admin/mail")
        assert r.status_code == 303 and r.headers["location"] == "/"
    with httpx.Client(base_url=url, follow_redirects=False, timeout=30) as agent:
        sign_in(agent, world.agent_email, PASSWORD)
        assert "/admin/mail" not in agent.get("/queue").text
        token = csrf_of(agent.get("/queue").text)
        assert agent.get("/admin/mail").status_code == 403
        for post in _posts(staged):
            r = agent.post(post, data={"csrf_token": token, "address": world.contact_a_email})
            assert r.status_code == 403, post
    with httpx.Client(base_url=url, follow_redirects=False, timeout=30) as contact:
        sign_in(contact, world.contact_a_email, PASSWORD)
        token = csrf_of(contact.get("/portal").text)
        r = contact.get("/admin/mail")
        assert r.status_code == 404 and world.contact_b_email not in r.text
        for post in _posts(staged):
            r = contact.post(post, data={"csrf_token": token, "address": world.contact_a_email})
            assert r.status_code == 404, post
    # nothing changed
    admin = _admin_actor()
    assert len(services.list_bouncing(container.uow(), container.clock, admin)) == 2
    assert len(services.list_dead_letters(container.uow(), container.clock, admin)) == 2


def test_a_form_without_its_csrf_token_is_refused(
    browser_client: httpx.Client, staged: MailStage, container: Container
) -> None:
    assert sign_in(browser_client, ADMIN, PASSWORD).status_code == 303
    for post in _posts(staged):
        r = browser_client.post(post, data={"address": "alice@acme.example"})
        assert r.status_code == 403, post
        r = browser_client.post(post, data={"address": "alice@acme.example", "csrf_token": "x"})
        assert r.status_code == 403, post
    admin = _admin_actor()
    assert len(services.list_dead_letters(container.uow(), container.clock, admin)) == 2


def test_the_admin_sees_bounces_and_dead_letters_clears_retries_and_discards(
    browser_client: httpx.Client, staged: MailStage, world: World, container: Container
) -> None:
    assert sign_in(browser_client, ADMIN, PASSWORD).status_code == 303
    page = browser_client.get("/admin/mail")
    assert page.status_code == 200
    assert '<a href="/admin/mail" aria-current="page">Mail</a>' in page.text
    bounce = re.search(rf'<tr data-address="{world.contact_a_email}">.*?</tr>', page.text, re.S)
    assert bounce and "Alice Acme (contact)" in bounce.group(0)
    assert "5.1.1" in bounce.group(0) and "Mailbox does not exist" in bounce.group(0)
    dead = re.search(rf'<tr data-outbox="{staged.dead_alice}">.*?</tr>', page.text, re.S)
    assert dead and f"not sent to bouncing {world.contact_a_email}" in dead.group(0)
    assert f'href="/tickets/{staged.alice_ticket}">#{staged.alice_number}<' in dead.group(0)
    token = csrf_of(page.text)
    # clear Alice's mark, retry her reply: it goes, once
    r = browser_client.post(
        "/admin/mail/bounces/clear", data={"csrf_token": token, "address": world.contact_a_email}
    )
    assert r.status_code == 303 and r.headers["location"] == "/admin/mail"
    after = browser_client.get("/admin/mail").text
    assert f"Mail will go to {world.contact_a_email} again." in after
    assert f'data-address="{world.contact_a_email}"' not in after
    r = browser_client.post(f"/admin/mail/dead-letters/{staged.dead_alice}/retry",
                            data={"csrf_token": token})  # fmt: skip
    assert r.status_code == 303
    after = browser_client.get("/admin/mail").text
    assert f"Message {staged.dead_alice} will be sent again." in after
    assert f'data-outbox="{staged.dead_alice}"' not in after
    before = len(staged.inbox.to(world.contact_a_email))
    assert staged.deliver(container) == (1, 0)
    (answer,) = staged.inbox.to(world.contact_a_email)[before:]
    assert answer["Subject"] == f"Re: [#{staged.alice_number}] Mail stage 1"
    # retrying it again (a second click): it is no dead letter any more
    r = browser_client.post(f"/admin/mail/dead-letters/{staged.dead_alice}/retry",
                            data={"csrf_token": token})  # fmt: skip
    assert r.status_code == 303
    assert "That message is no longer a dead letter." in browser_client.get("/admin/mail").text
    # discard Bruno's: kept, listed no more, never sent
    r = browser_client.post(f"/admin/mail/dead-letters/{staged.dead_bruno}/discard",
                            data={"csrf_token": token})  # fmt: skip
    assert r.status_code == 303
    after = browser_client.get("/admin/mail").text
    assert f"Message {staged.dead_bruno} discarded." in after
    assert "No dead letters." in after
    assert staged.deliver(container) == (0, 0)
    r = browser_client.post(
        "/admin/mail/bounces/clear", data={"csrf_token": token, "address": "nobody@else.example"}
    )
    assert (
        "nobody@else.example is not marked as bouncing." in browser_client.get("/admin/mail").text
    )


def test_the_mail_records_of_a_ticket_or_an_address(
    browser_client: httpx.Client, staged: MailStage, world: World
) -> None:
    assert sign_in(browser_client, ADMIN, PASSWORD).status_code == 303
    page = browser_client.get("/admin/mail", params={"ticket": f"#{staged.alice_number}"})
    assert page.status_code == 200
    rows = re.findall(r'<tr data-record="\d+">(.*?)</tr>', page.text, re.S)
    assert rows and all(f">#{staged.alice_number}</a>" in r for r in rows)
    assert any("stage1@mail.test" in r and ">stored<" in r for r in rows)  # hers, in
    assert any(world.contact_a_email in r and ">sent<" in r for r in rows)  # ours, out
    assert "stage2@mail.test" not in page.text  # Bruno's ticket is not this one
    by_address = browser_client.get(
        "/admin/mail", params={"address": world.contact_b_email.upper(), "direction": "in"}
    )
    rows = re.findall(r'<tr data-record="\d+">(.*?)</tr>', by_address.text, re.S)
    assert len(rows) == 1 and "stage2@mail.test" in rows[0]
    bad = browser_client.get("/admin/mail", params={"ticket": "twelve"})
    assert bad.status_code == 200 and "A ticket is its number, like #12." in bad.text
    bounces = browser_client.get("/admin/mail", params={"status": "bounce"})
    assert "dsn1@mx.example" in bounces.text and "stage1@mail.test" not in bounces.text
