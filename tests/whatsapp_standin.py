"""A stand-in for the WhatsApp Business Cloud API on loopback, for tests over real HTTP.

It implements what sladesk calls, as Meta documents it:

- ``POST /{phone_number_id}/messages`` (bearer token): records the message and answers
  ``{"messaging_product": "whatsapp", "contacts": [...], "messages": [{"id": "wamid..."}]}``;
  ``fail_first`` requests are answered 500 (a retry test), and a free-form text to a number
  in ``closed_windows`` is refused with error 131047 as the real service does;
- ``GET /{media_id}`` (bearer token): the medium's ``url``; ``GET /media/{media_id}``: its bytes;

and sends webhooks as Meta does: the body of :func:`message_body` / :func:`status_body`,
``POST``-ed as JSON with ``X-Hub-Signature-256`` (HMAC-SHA256 of the raw body under the
app secret) by :func:`deliver`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

PHONE_NUMBER_ID = "106540352242922"
BUSINESS_NUMBER = "15550001234"


@dataclass
class StandIn:
    token: str
    phone_number_id: str = PHONE_NUMBER_ID
    url: str = ""
    fail_first: int = 0
    media: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # id -> (type, bytes)
    closed_windows: set[str] = field(default_factory=set)
    sent: list[dict[str, Any]] = field(default_factory=list)  # accepted message requests
    requests: int = 0
    unauthorised: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _reply(
    handler: BaseHTTPRequestHandler,
    status: int,
    doc: Any = None,
    raw: bytes | None = None,
    content_type: str = "application/json",
) -> None:
    body = raw if raw is not None else json.dumps(doc or {}).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


@contextmanager
def whatsapp_standin(token: str, **kw: Any) -> Iterator[StandIn]:
    stand = StandIn(token=token, **kw)

    class Handler(BaseHTTPRequestHandler):
        def _authorised(self) -> bool:
            if self.headers.get("Authorization") == f"Bearer {stand.token}":
                return True
            with stand.lock:
                stand.unauthorised += 1
            _reply(self, 401, {"error": {"code": 190, "message": "Invalid OAuth access token"}})
            return False

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.path != f"/{stand.phone_number_id}/messages":
                _reply(self, 404, {"error": {"code": 100, "message": "Unknown path"}})
                return
            if not self._authorised():
                return
            doc = json.loads(body)
            with stand.lock:
                stand.requests += 1
                if stand.requests <= stand.fail_first:
                    _reply(self, 500, {"error": {"code": 1, "message": "An unknown error"}})
                    return
                if doc.get("type") == "text" and doc.get("to") in stand.closed_windows:
                    _reply(
                        self,
                        400,
                        {
                            "error": {
                                "code": 131047,
                                "message": "Re-engagement message: more than 24 "
                                "hours have passed since the recipient last replied",
                            }
                        },
                    )
                    return
                stand.sent.append(doc)
                wamid = f"wamid.OUT{len(stand.sent)}"
            _reply(
                self,
                200,
                {
                    "messaging_product": "whatsapp",
                    "contacts": [{"input": doc.get("to"), "wa_id": doc.get("to")}],
                    "messages": [{"id": wamid}],
                },
            )

        def do_GET(self) -> None:  # noqa: N802
            if not self._authorised():
                return
            name = self.path.strip("/")
            if name.startswith("media/") and name[6:] in stand.media:
                mime, content = stand.media[name[6:]]
                _reply(self, 200, raw=content, content_type=mime)
            elif name in stand.media:
                mime, content = stand.media[name]
                _reply(
                    self,
                    200,
                    {
                        "url": f"{stand.url}/media/{name}",
                        "mime_type": mime,
                        "sha256": hashlib.sha256(content).hexdigest(),
                        "file_size": len(content),
                        "id": name,
                    },
                )
            else:
                _reply(self, 404, {"error": {"code": 100, "message": "Unknown media"}})

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stand.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stand
    finally:
        server.shutdown()
        server.server_close()


def _envelope(value: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "WABA_ID",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": BUSINESS_NUMBER,
                                "phone_number_id": PHONE_NUMBER_ID,
                            },
                            **value,
                        },
                    }
                ],
            }
        ],
    }


def message_body(
    wamid: str,
    sender: str,
    at: datetime,
    text: str | None = None,
    *,
    name: str = "Zé Cliente",
    image: tuple[str, str, str] | None = None,
) -> dict[str, Any]:
    """A webhook carrying one customer message: text, or an image ``(media id, mime type,
    caption)``."""
    message: dict[str, Any] = {"from": sender, "id": wamid, "timestamp": str(int(at.timestamp()))}
    if image is not None:
        message.update(
            type="image",
            image={"id": image[0], "mime_type": image[1], "caption": image[2], "sha256": "x"},
        )
    else:
        message.update(type="text", text={"body": text or ""})
    return _envelope(
        {"contacts": [{"profile": {"name": name}, "wa_id": sender}], "messages": [message]}
    )


def status_body(
    wamid: str, recipient: str, status: str, at: datetime, error: tuple[int, str] | None = None
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": wamid,
        "status": status,
        "recipient_id": recipient,
        "timestamp": str(int(at.timestamp())),
    }
    if error is not None:
        entry["errors"] = [{"code": error[0], "title": error[1]}]
    return _envelope({"statuses": [entry]})


def sign(body: bytes, app_secret: str) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def deliver(
    webhook_url: str, doc: dict[str, Any], app_secret: str | None, *, signature: str | None = None
) -> httpx.Response:
    """POST a webhook as Meta does: the raw JSON, signed (``app_secret`` None: unsigned;
    ``signature``: that header instead)."""
    raw = json.dumps(doc).encode()
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    elif app_secret is not None:
        headers["X-Hub-Signature-256"] = sign(raw, app_secret)
    return httpx.post(webhook_url, content=raw, headers=headers, timeout=30)
