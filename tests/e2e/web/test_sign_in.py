"""Sign-in over HTTP: the session cookie, CSRF, throttling, sign-out, expiry, deactivation,
and the security headers on every page."""

from __future__ import annotations

from datetime import timedelta

import httpx
from web_world import PASSWORD, LiveServer, World, csrf_of, sign_in

from sladesk import services
from sladesk.services import UNSET, Actor, ContactChanges, FixedClock
from sladesk.web import CONTENT_SECURITY_POLICY


def test_the_root_is_the_sign_in_page_with_security_headers(browser_client: httpx.Client) -> None:
    r = browser_client.get("/")
    assert r.status_code == 200
    assert 'action="/sign-in"' in r.text and 'name="password"' in r.text
    assert r.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert "<script>" not in r.text  # no inline script: only <script src=…>
    assert r.headers["x-frame-options"] == "DENY"
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert browser_client.get("/static/sladesk.css").status_code == 200


def test_an_agent_signs_in_sees_the_queue_and_signs_out(
    browser_client: httpx.Client, world: World
) -> None:
    r = sign_in(browser_client, world.agent_email, PASSWORD)
    assert r.status_code == 303 and r.headers["location"] == "/queue"
    assert browser_client.get("/").headers["location"] == "/queue"
    queue = browser_client.get("/queue")
    assert queue.status_code == 200 and "Arno Agent" in queue.text
    out = browser_client.post("/sign-out", data={"csrf_token": csrf_of(queue.text)})
    assert out.status_code == 303
    assert browser_client.get("/queue").headers["location"] == "/"


def test_a_contact_lands_in_the_portal(browser_client: httpx.Client, world: World) -> None:
    r = sign_in(browser_client, world.contact_a_email, PASSWORD)
    assert r.headers["location"] == "/portal"
    assert browser_client.get("/queue").status_code == 404  # not an agent page for them


def test_a_wrong_password_is_refused_and_sets_no_session(
    browser_client: httpx.Client, world: World
) -> None:
    r = sign_in(browser_client, world.agent_email, "not the password")
    assert r.status_code == 401 and "Wrong e-mail address or password." in r.text
    assert browser_client.get("/queue").headers["location"] == "/"
    unknown = sign_in(browser_client, "nobody@nowhere.example", PASSWORD)
    assert unknown.status_code == 401 and "Wrong e-mail address or password." in unknown.text


def test_a_form_without_its_csrf_token_is_refused(
    browser_client: httpx.Client, world: World
) -> None:
    browser_client.get("/")
    r = browser_client.post("/sign-in", data={"email": world.agent_email, "password": PASSWORD})
    assert r.status_code == 403
    r = browser_client.post(
        "/sign-in",
        data={"email": world.agent_email, "password": PASSWORD, "csrf_token": "forged"},
    )
    assert r.status_code == 403
    assert browser_client.get("/queue").headers["location"] == "/"  # not signed in
    queue = sign_in(browser_client, world.agent_email, PASSWORD)
    assert queue.status_code == 303
    r = browser_client.post(
        f"/tickets/{world.tickets_a[0]}/reply", data={"body": "without a token"}
    )
    assert r.status_code == 403 and "did not come from this site" in r.text
    page = browser_client.get(f"/tickets/{world.tickets_a[0]}")
    assert "without a token" not in page.text


def test_a_forged_cookie_is_an_anonymous_session(server: LiveServer, world: World) -> None:
    with httpx.Client(base_url=server.url) as c:
        sign_in(c, world.agent_email, PASSWORD)
        value = c.cookies["sladesk_session"]
        body, sig = value.split(".")
        c.cookies.clear()
        c.cookies.set("sladesk_session", body + "." + sig[::-1])
        assert c.get("/queue").headers["location"] == "/"


def test_failed_sign_ins_are_throttled_per_account_for_a_while(
    server: LiveServer, world: World, clock: FixedClock
) -> None:
    email = world.contact_b_email
    with httpx.Client(base_url=server.url) as c:
        for _ in range(5):
            assert sign_in(c, email, "wrong guess!").status_code == 401
        r = sign_in(c, email, PASSWORD)  # even the right password waits now
        assert r.status_code == 429
        assert "Too many failed sign-ins. Try again in 15 minutes." in r.text
        clock.advance(timedelta(minutes=15))
        assert sign_in(c, email, PASSWORD).status_code == 303


def test_failed_sign_ins_are_throttled_per_client_address(
    server: LiveServer, world: World, clock: FixedClock
) -> None:
    clock.advance(timedelta(minutes=16))
    with httpx.Client(base_url=server.url) as c:
        for i in range(20):  # twenty different accounts from one address
            assert sign_in(c, f"guess{i}@nowhere.example", "wrong").status_code == 401
        r = sign_in(c, world.agent_email, PASSWORD)
        assert r.status_code == 429 and "Too many failed sign-ins" in r.text
    clock.advance(timedelta(minutes=16))


def test_a_session_ends_when_idle_and_after_its_lifetime(
    server: LiveServer, world: World, clock: FixedClock
) -> None:
    with httpx.Client(base_url=server.url) as c:
        sign_in(c, world.agent_email, PASSWORD)
        clock.advance(timedelta(minutes=59))
        assert c.get("/queue").status_code == 200  # used: the idle clock starts again
        clock.advance(timedelta(minutes=59))
        assert c.get("/queue").status_code == 200
        clock.advance(timedelta(minutes=61))
        assert c.get("/queue").headers["location"] == "/"
    with httpx.Client(base_url=server.url) as c:
        sign_in(c, world.agent_email, PASSWORD)
        for _ in range(13):  # busy all day: still ends 12 h after sign-in
            clock.advance(timedelta(minutes=55))
            last = c.get("/queue")
        assert last.status_code == 200
        for _ in range(2):
            clock.advance(timedelta(minutes=55))
            last = c.get("/queue")
        assert last.headers["location"] == "/"


def test_a_deactivated_contact_is_signed_out_on_their_next_request(
    server: LiveServer, world: World
) -> None:
    c_ = world.container
    with httpx.Client(base_url=server.url) as c:
        assert sign_in(c, world.contact_a_email, PASSWORD).status_code == 303
        assert c.get("/portal").status_code == 200
        admin = Actor.system("test")
        services.update_contact(
            c_.uow(), c_.clock, admin, world.contact_a, ContactChanges(active=False)
        )
        try:
            r = c.get("/portal")
            assert r.status_code == 303 and r.headers["location"] == "/"
            assert "You have been signed out." in c.get("/").text
            assert sign_in(c, world.contact_a_email, PASSWORD).status_code == 401
        finally:
            services.update_contact(
                c_.uow(), c_.clock, admin, world.contact_a, ContactChanges(active=True)
            )


def test_a_new_password_ends_the_sessions_opened_with_the_old_one(
    server: LiveServer, world: World
) -> None:
    c_ = world.container
    with httpx.Client(base_url=server.url) as c:
        sign_in(c, world.contact_a_email, PASSWORD)
        assert c.get("/portal").status_code == 200
        services.update_contact(
            c_.uow(), c_.clock, Actor.system("t"), world.contact_a,
            ContactChanges(password=PASSWORD, name=UNSET),
        )  # fmt: skip
        assert c.get("/portal").headers["location"] == "/"
