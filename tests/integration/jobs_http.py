"""A real webhook receiver on loopback for the jobs tests: verifies signatures, drops
duplicate deliveries by key, and answers 500 for the first ``fail_first`` requests."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sladesk.jobs.senders import DELIVERY_HEADER
from sladesk.jobs.signing import SIGNATURE_HEADER, verify_signature


@dataclass
class Receiver:
    secret: str
    fail_first: int = 0
    url: str = ""
    requests: list[tuple[str, bytes]] = field(default_factory=list)  # (delivery key, body)
    accepted: dict[str, bytes] = field(default_factory=dict)  # first body per delivery key
    bad_signatures: int = 0
    duplicates: int = 0
    times: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def webhook_receiver(secret: str, fail_first: int = 0) -> Iterator[Receiver]:
    receiver = Receiver(secret=secret, fail_first=fail_first)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            key = self.headers.get(DELIVERY_HEADER, "")
            now = datetime.now(UTC)
            with receiver.lock:
                receiver.requests.append((key, body))
                receiver.times.append(now.timestamp())
                if len(receiver.requests) <= receiver.fail_first:
                    status = 500
                elif not verify_signature(
                    receiver.secret, self.headers.get(SIGNATURE_HEADER), body, now
                ):
                    receiver.bad_signatures += 1
                    status = 401
                elif key in receiver.accepted:
                    receiver.duplicates += 1
                    status = 200
                else:
                    receiver.accepted[key] = body
                    status = 204
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
