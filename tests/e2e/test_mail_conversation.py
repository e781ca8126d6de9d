"""A conversation by mail, end to end, against a real ``sladesk serve --smtp-port``: the
customer writes by SMTP, gets the acknowledgement with the promise, an agent answers over
the API, the customer gets the answer in their thread, and their reply by mail lands on
the same ticket — with the SLA clocks following (first response met by the agent's
answer)."""

from __future__ import annotations

import re
import smtplib
import subprocess
import time
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

import httpx
from test_cli_serve import SLADESK, clean_env, free_port, wait_for

from mail_fixtures import Inbox, inbox
from sladesk.bootstrap import bootstrap
from sladesk.config import Settings
from sladesk.services import (
    Actor,
    NewAgent,
    NewContact,
    NewOrganization,
    create_agent,
    create_api_token,
    create_contact,
    create_organization,
    publish_policy,
)

__all__ = ["inbox"]

POLICY = """\
policy: mail-e2e
version: "1"
locales: [en]
calendars:
  always: {timezone: Europe/Lisbon, hours: 24x7}
priorities:
  normal: {label: {en: Normal}, definition: {en: "Everything"}}
default_priority: normal
types:
  question: {label: {en: Question}, definition: {en: "How do I..."}}
channels: [portal, email]
rules:
  - name: all
    targets:
      - metric: first_response
        calendar: always
        durations: {normal: 8h}
"""


def until(found: Callable[[], list[EmailMessage]], what: str, timeout: float = 40) -> EmailMessage:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = found()
        if got:
            return got[-1]
        time.sleep(0.1)
    raise AssertionError(f"no {what} within {timeout}s")


def smtp_send(port: int, raw: bytes) -> int:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
        smtp.ehlo()
        smtp.mail("alice@acme.test")
        smtp.rcpt("support@desk.test")
        return smtp.data(raw)[0]


def text_of(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def test_a_conversation_by_mail(tmp_path: Path, inbox: Inbox) -> None:
    db = tmp_path / "sladesk.db"
    url = f"sqlite:///{db}"
    subprocess.run([str(SLADESK), "db", "upgrade", "--database-url", url], check=True,
                   capture_output=True, timeout=60)  # fmt: skip
    container = bootstrap(Settings(database_url=url), migrate=False)
    try:
        uow, clock, system = container.uow(), container.clock, Actor.system("test")
        agent = create_agent(uow, clock, system, NewAgent("al@desk.test", "Al Agent",
                                                          role="admin"))  # fmt: skip
        publish_policy(uow, clock, Actor.agent(agent.id, "admin"), POLICY, source="e2e.yaml")
        org = create_organization(uow, clock, system, NewOrganization(
            "Acme", "acme", time_zone="Europe/Lisbon"))  # fmt: skip
        create_contact(uow, clock, system, NewContact(org.id, "alice@acme.test", "Alice"))
        token = create_api_token(uow, clock, system, agent_id=agent.id).secret
    finally:
        container.dispose()

    port, smtp_port = free_port(), free_port()
    env = clean_env(
        SLADESK_LOG_LEVEL="WARNING", SLADESK_SMTP_HOST="127.0.0.1",
        SLADESK_SMTP_PORT=str(inbox.port), SLADESK_MAIL_FROM="support@desk.test",
        SLADESK_MAIL_FROM_NAME="Desk Support", SLADESK_SWEEP_INTERVAL_SECONDS="0.2",
    )  # fmt: skip
    api = httpx.Client(
        base_url=f"http://127.0.0.1:{port}/api/v1",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    with subprocess.Popen(
        [str(SLADESK), "serve", "--port", str(port), "--smtp-port", str(smtp_port),
         "--database-url", url],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    ) as proc:  # fmt: skip
        try:
            wait_for(f"http://127.0.0.1:{port}/api/v1/health", proc)

            # 1. the customer writes
            first = (
                b"From: Alice <alice@acme.test>\r\nTo: support@desk.test\r\n"
                b"Subject: Printer on fire\r\nMessage-ID: <c1@acme.test>\r\n\r\n"
                b"It is burning.\r\n"
            )
            assert smtp_send(smtp_port, first) == 250

            # 2. ... and gets the acknowledgement with the promise, in their zone
            ack = until(lambda: inbox.to("alice@acme.test"), "acknowledgement")
            assert ack["Subject"] == "[#1] Printer on fire"
            assert ack["In-Reply-To"] == "<c1@acme.test>"
            assert re.search(r"We will answer by \S+( \d+ \w+)? \d\d:\d\d WES?T\.", text_of(ack))
            ticket = api.get("/tickets/1").json()
            assert ticket["channel"] == "email" and len(ticket["messages"]) == 1

            # 3. an agent answers over the API; the customer gets it in their thread
            answered = api.post("/tickets/1/replies", json={"body": "Unplug it, please."})
            assert answered.status_code == 200, answered.text
            reply = until(lambda: [m for m in inbox.to("alice@acme.test")
                                   if m["Subject"].startswith("Re:")], "agent reply")  # fmt: skip
            assert reply["Subject"] == "Re: [#1] Printer on fire"
            assert text_of(reply).startswith("Unplug it, please.")
            assert "<c1@acme.test>" in reply["References"]

            # 4. the customer's answer by mail lands on the same ticket
            answer = (
                b"From: Alice <alice@acme.test>\r\nTo: support@desk.test\r\n"
                b"Subject: Re: [#1] Printer on fire\r\nMessage-ID: <c2@acme.test>\r\n"
                b"In-Reply-To: " + reply["Message-ID"].encode() + b"\r\n\r\n"
                b"Done, thanks!\r\n\r\nOn Monday, Desk Support wrote:\r\n> Unplug it, please.\r\n"
            )
            assert smtp_send(smtp_port, answer) == 250
            ticket = api.get("/tickets/1").json()
            bodies = [(m["author_kind"], m["body"]) for m in ticket["messages"]]
            assert bodies == [("contact", "It is burning."), ("agent", "Unplug it, please."),
                              ("contact", "Done, thanks!")]  # fmt: skip
            listed = api.get("/tickets").json()
            assert len(listed["items"] if isinstance(listed, dict) else listed) == 1

            # the clocks followed: the first response was met by the agent's answer
            targets = {t["metric"]: t for t in ticket["sla"]["targets"]}
            assert targets["first_response"]["state"] == "met"
        finally:
            api.close()
            proc.terminate()
            output, _ = proc.communicate(timeout=30)
    assert "Traceback" not in output, output
