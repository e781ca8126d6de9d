"""Report pages over HTTP: an agent's report with its SVG chart and links to the tickets
behind each figure, the review summary of one organisation, and the portal's report of a
contact's own organisation only (by URL too)."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Iterator

import httpx
import pytest
from web_world import PASSWORD, LiveServer, World, sign_in


def _client(server: LiveServer, email: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as c:
        assert sign_in(c, email, PASSWORD).status_code == 303
        yield c


@pytest.fixture
def agent(server: LiveServer, world: World) -> Iterator[httpx.Client]:
    yield from _client(server, world.agent_email)


@pytest.fixture
def alice(server: LiveServer, world: World) -> Iterator[httpx.Client]:
    yield from _client(server, world.contact_a_email)


def _links(page: str, prefix: str) -> list[str]:
    return [html_lib.unescape(h) for h in re.findall(rf'href="({re.escape(prefix)}[^"]*)"', page)]


def test_an_agent_reads_the_report_and_follows_a_figure(agent: httpx.Client) -> None:
    r = agent.get("/reports", params={"by": "organisation,priority"})
    assert r.status_code == 200, r.text
    assert "Acme" in r.text and "Bolt" in r.text
    assert "<svg" in r.text and "<script" not in r.text.split("</head>")[1]
    links = _links(r.text, "/reports/tickets?")
    assert links, "every figure links to its tickets"
    # the chart's bars link too
    svg = r.text[r.text.index("<svg") : r.text.index("</svg>")]
    assert "/reports/tickets?" in svg
    acme_urgent = next(u for u in links if "priority=urgent" in u and "outcome=with_target" in u)
    listed = agent.get(acme_urgent)
    assert listed.status_code == 200 and "Site down" in listed.text
    assert "Printer offline" not in listed.text  # low priority: another figure
    review = _links(r.text, "/reports/review?")
    assert review


def test_the_review_summary_is_one_printable_page(agent: httpx.Client, world: World) -> None:
    r = agent.get("/reports/review", params={"organisation": world.org_a})
    assert r.status_code == 200, r.text
    assert "Service review" in r.text and "Acme" in r.text and "Bolt" not in r.text
    assert "<svg" in r.text  # the weekly trend


def test_a_contact_sees_only_their_organisations_report(alice: httpx.Client, world: World) -> None:
    r = alice.get("/portal/report", params={"by": "organisation"})
    assert r.status_code == 200, r.text
    assert "Acme" in r.text and "Bolt" not in r.text
    for link in _links(r.text, "/portal/report/tickets?"):
        assert "BOLT-SECRET" not in alice.get(link).text
    other = alice.get("/portal/report/tickets", params={
        "from": "2026-01-01", "to": "2026-12-31", "organisation": world.org_b,
        "outcome": "with_target"})  # fmt: skip
    assert other.status_code == 200 and "BOLT-SECRET" not in other.text
    assert "No tickets." in other.text
    assert alice.get("/reports").status_code == 404  # the console's pages are agents'


def test_a_bad_grouping_is_said(agent: httpx.Client) -> None:
    r = agent.get("/reports", params={"by": "colour"})
    assert r.status_code == 400 and "unknown dimension" in r.text


def test_the_portal_report_speaks_the_contacts_language(server: LiveServer, world: World) -> None:
    for bruno in _client(server, world.contact_b_email):  # Bolt's locale is es
        r = bruno.get("/portal/report")
        assert r.status_code == 200
        assert "Nuestro cumplimiento del SLA" in r.text and "Agrupar por" in r.text
        assert "Acme" not in r.text
