"""A real ``sladesk serve`` killed with SIGKILL around a WhatsApp conversation: a message
Meta delivered (signed, by the stand-in's webhook) and was answered 200 for survives the
crash; the agent's reply queued before the crash, and the file attached to it, are delivered
to the Cloud API stand-in exactly once by the serve started after it (the file uploaded once,
sent as a document), and not again by the next one."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import sqlalchemy as sa
from serve_process import Serve

from sladesk.bootstrap import bootstrap
from sladesk.config import Settings
from sladesk.services import (
    Actor,
    NewAgent,
    NewOrganization,
    create_agent,
    create_api_token,
    create_organization,
    publish_policy,
)
from whatsapp_standin import deliver, message_body, whatsapp_standin

SECRET = "meta-app-secret-for-the-crash"
TOKEN = "EAAG-crash-token"
POLICY = Path(__file__).resolve().parents[2] / "examples" / "policies" / "infraspeak.yaml"


def _setup(url: str) -> str:
    container = bootstrap(Settings(database_url=url, pool_size=1), migrate=False)
    try:
        system, uow, clock = Actor.system("test"), container.uow(), container.clock
        publish_policy(uow, clock, system, POLICY.read_text(), source="infraspeak.yaml")
        create_organization(uow, clock, system, NewOrganization("Acme", "acme"))
        agent = create_agent(uow, clock, system, NewAgent("al@desk.test", "Al Agent"))
        return create_api_token(uow, clock, system, agent_id=agent.id).secret
    finally:
        container.dispose()


def test_a_reply_queued_before_a_crash_is_delivered_once_after_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sladesk.db'}"
    with whatsapp_standin(TOKEN) as standin:
        env = {
            "SLADESK_WHATSAPP_APP_SECRET": SECRET, "SLADESK_WHATSAPP_TOKEN": TOKEN,
            "SLADESK_WHATSAPP_PHONE_NUMBER_ID": standin.phone_number_id,
            "SLADESK_WHATSAPP_API_BASE": standin.url, "SLADESK_WHATSAPP_ORGANIZATION": "acme",
            "SLADESK_SWEEP_INTERVAL_SECONDS": "0.2",
        }  # fmt: skip
        with Serve(url, SLADESK_JOBS_IN_PROCESS="false", **env) as serve:
            token = _setup(url)
            hook = f"{serve.base}/channels/whatsapp/webhook"
            doc = message_body("wamid.CRASH1", "351911111111", _now(), "The boiler is off")
            assert deliver(hook, doc, SECRET).status_code == 200
            with sa.create_engine(url).connect() as conn:
                (ticket_id,) = conn.execute(
                    sa.text("SELECT id FROM tickets WHERE channel = 'whatsapp'")
                ).one()
            replied = httpx.post(
                f"{serve.base}/api/v1/tickets/{ticket_id}/replies",
                json={"body": "Restarting it remotely now."},
                headers={"Authorization": f"Bearer {token}"}, timeout=30,
            )  # fmt: skip
            assert replied.status_code == 200, replied.text
            attached = httpx.post(
                f"{serve.base}/api/v1/tickets/{ticket_id}/attachments",
                files={"file": ("manual.pdf", b"%PDF-1.4 boiler manual", "application/pdf")},
                data={"message_id": str(replied.json()["messages"][-1]["id"])},
                headers={"Authorization": f"Bearer {token}"}, timeout=30,
            )  # fmt: skip
            assert attached.status_code == 201, attached.text
            serve.kill()  # SIGKILL: no delivery job ran in this one
        assert standin.sent == []
        for _ in range(2):  # started again, with its jobs: the reply goes out once
            with Serve(url, **env) as serve:
                deadline = time.monotonic() + 30
                while len(standin.sent) < 2 and time.monotonic() < deadline:
                    time.sleep(0.1)
                time.sleep(1.0)  # time enough for a second send, if there were one
                # the message Meta got 200 for is still there; a redelivery is a duplicate
                again = deliver(f"{serve.base}/channels/whatsapp/webhook", doc, SECRET)
                assert again.json() == {"stored": 0, "duplicates": 1, "statuses": 0}
                serve.kill()
        assert [(m["to"], m["text"]["body"]) for m in standin.sent[:1]] == [
            ("351911111111", "Restarting it remotely now.")
        ]
        assert [(m["type"], m["document"]["filename"]) for m in standin.sent[1:]] == [
            ("document", "manual.pdf")
        ]
        assert list(standin.uploads.values()) == [
            ("manual.pdf", "application/pdf", b"%PDF-1.4 boiler manual")
        ]


def _now() -> datetime:
    return datetime.now(UTC)
