"""The admin console over real HTTP (a cookie-keeping client, like a browser without
JavaScript): who may reach it, the policy editor (each problem at its line, the diff,
publishing with the count of re-evaluated tickets, the versions), organisations with a plan
and add-ons from the policy, agents' roles and teams, deactivation, API tokens, and
invitations from the admin's link to the invitee signed in."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from web_world import PASSWORD, POLICY_FILE, World, csrf_of, sign_in

from sladesk.services import FixedClock

ADMIN = "ada@desk.example"
ADMIN_GETS = ["/admin", "/admin/policy", "/admin/organizations", "/admin/agents",
              "/admin/tokens", "/admin/mail"]  # fmt: skip


def _admin_posts(world: World) -> list[str]:
    return [
        "/admin/policy", "/admin/organizations", f"/admin/organizations/{world.org_a}",
        f"/admin/organizations/{world.org_a}/invite", f"/admin/contacts/{world.contact_a}",
        f"/admin/contacts/{world.contact_a}/invite", "/admin/agents/invite",
        f"/admin/agents/{world.agent_id}", f"/admin/agents/{world.agent_id}/invite",
        "/admin/tokens", "/admin/tokens/1/revoke", f"/admin/organizations/{world.org_a}",
        "/admin/mail/bounces/clear", "/admin/mail/dead-letters/1/retry",
        "/admin/mail/dead-letters/1/discard",
    ]  # fmt: skip


def _admin(client: httpx.Client) -> httpx.Client:
    assert sign_in(client, ADMIN, PASSWORD).status_code == 303
    return client


def _post(client: httpx.Client, url: str, page: str, **data: object) -> httpx.Response:
    return client.post(url, data={**data, "csrf_token": csrf_of(client.get(page).text)})


def test_an_agent_who_is_not_an_admin_is_refused_everywhere(
    browser_client: httpx.Client, world: World
) -> None:
    sign_in(browser_client, world.agent_email, PASSWORD)
    token = csrf_of(browser_client.get("/queue").text)
    assert "/admin/policy" not in browser_client.get("/queue").text  # no link either
    for url in ADMIN_GETS:
        assert browser_client.get(url).status_code == 403, url
    for url in _admin_posts(world):
        r = browser_client.post(url, data={"csrf_token": token, "text": "x", "name": "x"})
        assert r.status_code == 403, url


def test_a_customer_or_a_stranger_cannot_reach_any_admin_url(
    browser_client: httpx.Client, world: World
) -> None:
    for url in ADMIN_GETS:  # not signed in: to the sign-in page
        r = browser_client.get(url)
        assert r.status_code == 303 and r.headers["location"] == "/", url
    sign_in(browser_client, world.contact_a_email, PASSWORD)
    token = csrf_of(browser_client.get("/portal").text)
    for url in ADMIN_GETS:
        assert browser_client.get(url).status_code == 404, url
    for url in _admin_posts(world):
        r = browser_client.post(url, data={"csrf_token": token, "name": "x"})
        assert r.status_code == 404, url


def test_the_policy_editor_shows_each_problem_at_its_line_then_publishes(
    browser_client: httpx.Client, world: World
) -> None:
    _admin(browser_client)
    page = browser_client.get("/admin/policy")
    assert page.status_code == 200 and "infraspeak-support" in page.text
    good = POLICY_FILE.read_text().replace('version: "2026-01"', 'version: "2026-02"')
    bad = good.replace("timezone: Europe/Lisbon", "timezone: Europe/Lisbonx")
    line = next(i for i, t in enumerate(bad.splitlines(), 1) if "Lisbonx" in t)
    r = _post(browser_client, "/admin/policy", "/admin/policy", text=bad, action="publish")
    assert r.status_code == 422
    problem = re.search(rf'<li id="L{line}" class="has-problem".*?</li>', r.text, re.S)
    assert problem and "Lisbonx" in problem.group(0) and "line-problem" in problem.group(0)
    assert f'href="#L{line}"' in r.text and f"line {line}" in r.text
    # the diff against the version in force: the two changed lines, removed and added
    assert re.search(r'<tr class="del">.*?version: &#34;2026-01&#34;', r.text, re.S)
    assert re.search(r'<tr class="add">.*?timezone: Europe/Lisbonx', r.text, re.S)
    versions = browser_client.get("/admin/policy").text
    assert "2026-02" not in versions  # nothing was published
    r = _post(browser_client, "/admin/policy", "/admin/policy", text=good, action="check")
    assert r.status_code == 200 and "No problems found" in r.text and "has-problem" not in r.text
    r = _post(browser_client, "/admin/policy", "/admin/policy", text=good, action="publish")
    assert r.status_code == 303
    after = browser_client.get("/admin/policy").text
    # every open ticket of the world (three of Acme's, one of Bolt's) was re-evaluated
    assert "Published infraspeak-support 2026-02: 4 open tickets re-evaluated." in after
    rows = re.findall(r"<tr><td>\d+</td><td>infraspeak-support</td><td>([^<]+)</td>"
                      r"<td>([^<]+)</td>", after)  # fmt: skip
    assert [v for v, _ in rows] == ["2026-02", "2026-01"]  # newest first
    assert all(who.startswith(("agent:", "system")) for _, who in rows)


def test_an_uploaded_file_is_checked_like_the_textarea(
    browser_client: httpx.Client, world: World
) -> None:
    _admin(browser_client)
    token = csrf_of(browser_client.get("/admin/policy").text)
    r = browser_client.post(
        "/admin/policy",
        data={"csrf_token": token, "action": "check", "text": ""},
        files={"upload": ("mine.yaml", b"policy: x\nbogus: [\n  - a\n", "text/yaml")},
    )
    assert r.status_code == 422 and "not valid YAML" in r.text
    # the file's text, not the (empty) textarea's, is what was checked and is shown back
    assert re.search(r'<li id="L3"[^>]*><code>  - a</code>', r.text)
    assert ">\npolicy: x\nbogus: [\n  - a\n</textarea>" in r.text


def test_organisations_take_plans_and_addons_from_the_policy(
    browser_client: httpx.Client, world: World
) -> None:
    _admin(browser_client)
    page = browser_client.get("/admin/organizations").text
    assert '<option value="premium"' in page  # the policy's own plans
    r = _post(browser_client, "/admin/organizations", "/admin/organizations",
              name="Cobalt", slug="cobalt", plan="nonesuch", locale="pt",
              time_zone="America/Sao_Paulo")  # fmt: skip
    assert r.status_code == 422 and "nonesuch" in r.text and 'value="Cobalt"' in r.text
    r = _post(browser_client, "/admin/organizations", "/admin/organizations",
              name="Cobalt", slug="cobalt", plan="premium", locale="pt",
              time_zone="America/Sao_Paulo")  # fmt: skip
    assert r.status_code == 303
    org_page = browser_client.get(r.headers["location"])
    assert "Cobalt" in org_page.text and "Organisation Cobalt created." in org_page.text
    r = _post(browser_client, "/admin/organizations", "/admin/organizations",
              name="Again", slug="cobalt", plan="premium")  # fmt: skip
    assert r.status_code == 422 and "taken" in r.text


def test_an_invited_contact_sets_a_password_and_is_signed_in(
    server: object, world: World, clock: FixedClock
) -> None:
    base = server.url  # type: ignore[attr-defined]
    with httpx.Client(base_url=base) as admin, httpx.Client(base_url=base) as invitee:
        _admin(admin)
        page = f"/admin/organizations/{world.org_a}"
        r = _post(admin, f"{page}/invite", page, name="Carla Acme", email="carla@acme.example",
                  locale="pt")  # fmt: skip
        assert r.status_code == 200
        assert "Mail is not configured" in r.text  # no SMTP host in these settings
        link = re.search(r'id="invitation-link" href="([^"]+)"', r.text)
        assert link and link.group(1).startswith(base + "/invitations/")
        path = link.group(1)[len(base) :]
        assert link.group(1) not in admin.get(page).text  # shown once
        form = invitee.get(path)
        assert form.status_code == 200 and "carla@acme.example" in form.text
        r = invitee.post(path, data={"password": "short", "password_again": "short",
                                     "csrf_token": csrf_of(form.text)})  # fmt: skip
        assert r.status_code == 422 and "8" in r.text
        chosen = "a new secret 1"
        r = invitee.post(path, data={"password": chosen, "password_again": chosen,
                                     "csrf_token": csrf_of(form.text)})  # fmt: skip
        assert r.status_code == 303 and r.headers["location"] == "/portal"
        assert "Carla Acme" in invitee.get("/portal").text
        again = invitee.get(path)
        # in her language (she is signed in now): "already used"
        assert again.status_code == 410 and "convite já foi usado" in again.text
    with httpx.Client(base_url=base) as other:
        assert sign_in(other, "carla@acme.example", "a new secret 1").status_code == 303


def test_an_expired_invitation_says_so(server: object, world: World, clock: FixedClock) -> None:
    base = server.url  # type: ignore[attr-defined]
    with httpx.Client(base_url=base) as admin:
        _admin(admin)
        r = _post(admin, "/admin/agents/invite", "/admin/agents", name="Eve Late",
                  email="eve@desk.example", role="lead", team="level2")  # fmt: skip
        link = re.search(r'id="invitation-link" href="([^"]+)"', r.text)
        assert link
        path = link.group(1)[len(base) :]
        assert admin.get(path).status_code == 200
        clock.advance(timedelta(hours=72))
        try:
            gone = admin.get(path)
            assert gone.status_code == 410 and "expired" in gone.text
        finally:
            clock.advance(timedelta(hours=-72))
        assert admin.get("/invitations/not-a-real-one").status_code == 410
        _admin(admin)  # 72 hours outlived the admin's session too
        listed = re.search(
            r"<tr><td>eve@desk\.example</td><td>agent</td><td>agent:\d+</td>"
            r"<td>[^<]+</td>\s*<td>waiting</td></tr>",
            admin.get("/admin/agents").text,
        )
        assert listed, admin.get("/admin/agents").text[-1500:]  # who, by whom, until, state


def test_a_contact_deactivated_by_an_admin_is_signed_out_on_the_next_request(
    server: object, world: World
) -> None:
    base = server.url  # type: ignore[attr-defined]
    with httpx.Client(base_url=base) as admin, httpx.Client(base_url=base) as bruno:
        _admin(admin)
        assert sign_in(bruno, world.contact_b_email, PASSWORD).status_code == 303
        assert bruno.get("/portal").status_code == 200
        page = f"/admin/organizations/{world.org_b}"
        r = _post(admin, f"/admin/contacts/{world.contact_b}", page, active="0")
        assert r.status_code == 303 and r.headers["location"] == page
        assert "Bruno Bolt deactivated." in admin.get(page).text
        r = bruno.get("/portal")
        assert r.status_code == 303 and r.headers["location"] == "/"
        assert sign_in(bruno, world.contact_b_email, PASSWORD).status_code == 401
        assert (
            _post(admin, f"/admin/contacts/{world.contact_b}", page, active="1").status_code == 303
        )
        assert sign_in(bruno, world.contact_b_email, PASSWORD).status_code == 303


def test_agents_roles_teams_and_deactivation(server: object, world: World) -> None:
    base = server.url  # type: ignore[attr-defined]
    with httpx.Client(base_url=base) as admin, httpx.Client(base_url=base) as agent:
        _admin(admin)
        assert sign_in(agent, world.agent_email, PASSWORD).status_code == 303
        assert agent.get("/queue").status_code == 200
        url = f"/admin/agents/{world.agent_id}"
        r = _post(admin, url, "/admin/agents", role="senior", team="level2")
        assert r.status_code == 303
        agents = admin.get("/admin/agents").text
        row = re.search(rf'<tr data-agent="{world.agent_id}">.*?</tr>', agents, re.S)
        assert row and '<option value="senior" selected' in row.group(0)
        assert 'value="level2"' in row.group(0)
        assert _post(admin, url, "/admin/agents", active="0").status_code == 303
        # the deactivated agent is signed out on their next request
        r = agent.get("/queue")
        assert r.status_code == 303 and r.headers["location"] == "/"
        assert _post(admin, url, "/admin/agents", active="1").status_code == 303
        # the last admin cannot deactivate themselves: refused, said why
        me = re.search(r'<tr data-agent="(\d+)"><td>Ada</td>', admin.get("/admin/agents").text)
        assert me
        r = _post(admin, f"/admin/agents/{me.group(1)}", "/admin/agents", active="0")
        assert r.status_code == 422 and "last active admin" in r.text


def test_a_token_is_shown_once_and_revoked(server: object, world: World) -> None:
    base = server.url  # type: ignore[attr-defined]
    with httpx.Client(base_url=base) as admin:
        _admin(admin)
        r = _post(admin, "/admin/tokens", "/admin/tokens", owner=f"contact:{world.contact_a}",
                  name="ci")  # fmt: skip
        found = re.search(r'id="token-secret">(sld_[^<]+)<', r.text)
        assert r.status_code == 200 and found
        secret = found.group(1)
        assert secret not in admin.get("/admin/tokens").text
        api = httpx.get(f"{base}/api/v1/tickets", headers={"Authorization": f"Bearer {secret}"})
        assert api.status_code == 200
        token_id = re.search(r'<tr data-token="(\d+)"><td><code>([0-9a-f]+)</code></td><td>ci<',
                             admin.get("/admin/tokens").text)  # fmt: skip
        assert token_id and secret.startswith(f"sld_{token_id.group(2)}_")
        r = _post(admin, f"/admin/tokens/{token_id.group(1)}/revoke", "/admin/tokens")
        assert r.status_code == 303
        api = httpx.get(f"{base}/api/v1/tickets", headers={"Authorization": f"Bearer {secret}"})
        assert api.status_code == 401
        assert _post(admin, "/admin/tokens", "/admin/tokens", owner="nobody").status_code == 422


@pytest.mark.parametrize("url", ["/admin/policy", "/admin/organizations", "/admin/agents",
                                 "/admin/tokens"])  # fmt: skip
def test_admin_pages_render_in_spanish_and_portuguese(
    browser_client: httpx.Client, world: World, url: str
) -> None:
    _admin(browser_client)
    for lang, word in (("es", "Administración"), ("pt", "Administração")):
        r = browser_client.get(url, headers={"Accept-Language": lang})
        assert r.status_code == 200 and word in r.text


def test_the_editor_back_tests_a_draft_on_the_last_90_days(
    browser_client: httpx.Client, world: World
) -> None:
    _admin(browser_client)
    same = POLICY_FILE.read_text()
    r = _post(browser_client, "/admin/policy", "/admin/policy", text=same, action="backtest")
    assert r.status_code == 200, r.text
    assert "What would this have changed? The last 90 days" in r.text
    assert "4 tickets replayed under this text" in r.text  # Acme's three and Bolt's one
    assert "0 outcomes flip; 0 deadlines move by more than an hour." in r.text
    assert re.search(r"<td>first_response</td><td>\d+ / \d+</td>", r.text)
    bad = same.replace("timezone: Europe/Lisbon", "timezone: Europe/Lisbonx")
    r = _post(browser_client, "/admin/policy", "/admin/policy", text=bad, action="backtest")
    assert r.status_code == 422 and "has-problem" in r.text and "tickets replayed" not in r.text
