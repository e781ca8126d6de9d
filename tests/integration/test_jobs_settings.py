"""The settings wire the senders: `SLADESK_WEBHOOKS` and `SLADESK_WEBHOOK_SECRET` in the
environment are all it takes for `sladesk serve`/`worker` to deliver signed ticket webhooks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jobs_http import webhook_receiver
from pydantic import ValidationError

from sladesk.bootstrap import bootstrap
from sladesk.config import Settings
from sladesk.jobs.assembly import default_senders, runner_for

SECRET = "a-long-enough-webhook-secret"


def test_webhook_endpoints_from_the_environment_deliver_signed_events(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with webhook_receiver(SECRET) as rx:
        monkeypatch.setenv("SLADESK_DATABASE_URL", f"sqlite:///{tmp_path / 'desk.db'}")
        monkeypatch.setenv("SLADESK_WEBHOOK_SECRET", SECRET)
        monkeypatch.setenv("SLADESK_WEBHOOKS", json.dumps({"default": rx.url}))
        container = bootstrap(Settings())
        try:
            assert "webhook" in default_senders(container)
            # the row a ticket use case queues (tests/integration/test_ticket_services.py
            # checks the services write them); here only the wiring is under test
            uow = container.uow()
            with uow:
                uow.outbox.add(
                    "webhook", "webhook:test:1", {"event": "ticket.created"}, container.clock.now()
                )
                uow.commit()
            runner_for(container).drain()
        finally:
            container.dispose()
    assert rx.bad_signatures == 0
    assert list(rx.accepted) == ["webhook:test:1"]
    assert json.loads(rx.accepted["webhook:test:1"])["event"] == "ticket.created"


def test_a_webhook_that_is_not_a_url_is_refused_with_its_name() -> None:
    with pytest.raises(ValidationError, match=r"webhooks.ops: 'ftp://x' is not an http\(s\) URL"):
        Settings(webhooks={"ops": "ftp://x"})
