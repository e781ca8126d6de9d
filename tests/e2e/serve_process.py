"""A real ``sladesk serve`` in a process group of its own, for tests that load it, kill it
(every process of it at once, as a crash or an OOM kill would) and start it again."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import time
from types import TracebackType

import httpx
from test_cli_serve import SLADESK, clean_env, free_port

from sladesk.bootstrap import bootstrap
from sladesk.config import Settings
from sladesk.services import (
    Actor,
    NewContact,
    NewOrganization,
    create_api_token,
    create_contact,
    create_organization,
)


class Serve:
    """``with Serve(url, workers=2) as s: httpx.post(s.base + ...)``; ``s.kill()`` sends
    SIGKILL to the whole process group."""

    def __init__(self, url: str, *, workers: int = 1, **env: str) -> None:
        self.url, self.workers, self.env = url, workers, env
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in __exit__
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Serve:
        more = ["--workers", str(self.workers)] if self.workers > 1 else []
        self.proc = subprocess.Popen(
            [str(SLADESK), "serve", "--port", str(self.port), "--database-url", self.url, *more],
            env=clean_env(SLADESK_LOG_LEVEL="WARNING", **self.env),
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill() reaches every process
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{self.base}/api/v1/health", timeout=2).raise_for_status()
                return self
            except httpx.HTTPError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.kill()
                    why = f"sladesk serve did not start:\n{self.output()}"
                    raise AssertionError(why) from None
                time.sleep(0.1)

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-4000:]

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
        if self.proc is not None:  # API processes of --workers die with the group; make sure
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=30)
        self.kill()
        self.log.close()


def contact_token(url: str) -> str:
    """An organisation, a contact and the contact's API token in the (migrated) database."""
    container = bootstrap(Settings(database_url=url, pool_size=1), migrate=False)
    try:
        system, uow, clock = Actor.system("test"), container.uow(), container.clock
        org = create_organization(uow, clock, system, NewOrganization("Org", "org"))
        contact = create_contact(uow, clock, system, NewContact(org.id, "c@org.example", "C"))
        return create_api_token(uow, clock, system, contact_id=contact.id).secret
    finally:
        container.dispose()
