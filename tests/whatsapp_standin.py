"""A stand-in for the WhatsApp Business Cloud API on loopback, for tests over real HTTP.

It implements what sladesk calls, as Meta documents it:

- ``POST /{phone_number_id}/messages`` (bearer token): records the message and answers
  ``{"messaging_product": "whatsapp", "contacts": [...], "messages": [{"id": "wamid..."}]}``;
  ``fail_first`` requests are answered 500 (a retry test), and a free-form text to a number
  in ``closed_windows`` is refused with error 131047 as the real service does;
- ``GET /{media_id}`` (bearer token): the medium's ``url``; ``GET /media/{media_id}``: its bytes;
- ``POST /{phone_number_id}/media`` (bearer token, multipart ``file``, ``type``,
  ``messaging_product``): stores the upload and answers ``{"id": <media id>}``
  (``fail_uploads`` first uploads answered 500); a message of type ``image``/``document``
  must name an uploaded media id (error 131053 otherwise);
- ``GET /{waba_id}/message_templates`` (bearer token; ``limit``, ``after``, ``status``):
  the ``templates`` in pages, ``paging.cursors.after`` and ``paging.next`` as Meta answers;
  a template message to a listed template must carry its body's parameter count (error
  132000 otherwise, as the real service answers);
- ``hang_messages``: that many message POSTs are recorded as sent and then answered only
  after ``hang_seconds`` (a client's read timeout: the message *did* reach WhatsApp);

and sends webhooks as Meta does: the body of :func:`message_body` / :func:`status_body`,
``POST``-ed as JSON with ``X-Hub-Signature-256`` (HMAC-SHA256 of the raw body under the
app secret) by :func:`deliver`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

PHONE_NUMBER_ID = "106540352242922"
BUSINESS_NUMBER = "15550001234"
WABA_ID = "102290129340398"


def _opened() -> threading.Event:
    event = threading.Event()
    event.set()
    return event


@dataclass
class StandIn:
    token: str
    phone_number_id: str = PHONE_NUMBER_ID
    url: str = ""
    fail_first: int = 0
    media: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # id -> (type, bytes)
    closed_windows: set[str] = field(default_factory=set)
    unsized: set[str] = field(default_factory=set)  # media described without ``file_size``
    downloads: list[str] = field(default_factory=list)  # media ids whose bytes were fetched
    media_requests: int = 0  # requests to the media endpoints (description or bytes)
    #: media ids whose description answers 503 this many more times (negative: always)
    failing_media: dict[str, int] = field(default_factory=dict)
    #: while cleared, the media endpoints do not answer (a slow media server)
    media_gate: threading.Event = field(default_factory=lambda: _opened())
    waba_id: str = WABA_ID
    templates: list[dict[str, Any]] = field(default_factory=list)  # as Meta lists them
    template_requests: int = 0
    page_size: int = 100  # the most templates a page holds, whatever ``limit`` asks
    fail_templates: bool = False  # the listing answers 500
    uploads: dict[str, tuple[str, str, bytes]] = field(default_factory=dict)  # id -> file
    upload_requests: int = 0
    fail_uploads: int = 0
    hang_messages: int = 0
    hang_seconds: float = 3.0
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


def _multipart(content_type: str, body: bytes) -> dict[str, tuple[str | None, str, bytes]]:
    """The parts of a ``multipart/form-data`` body: name -> (file name, type, bytes)."""
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    parts: dict[str, tuple[str | None, str, bytes]] = {}
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        parts[str(name)] = (part.get_filename(), part.get_content_type(), payload)
    return parts


def _refusal(stand: StandIn, doc: dict[str, Any]) -> dict[str, Any] | None:
    """The Cloud API's error for a message it would refuse (called under the lock)."""
    kind = doc.get("type")
    if kind in ("image", "document", "audio", "video"):
        media = doc.get(kind) or {}
        if media.get("id") not in stand.uploads:
            return {"code": 131053, "message": "Media upload error: unknown media id"}
    if kind == "template":
        template = doc.get("template") or {}
        name, lang = template.get("name"), (template.get("language") or {}).get("code")
        listed = [t for t in stand.templates if t["name"] == name and t["language"] == lang]
        if listed:
            body = next((c for c in listed[0]["components"] if c["type"] == "BODY"), {})
            wanted = len(set(re.findall(r"\{\{\s*(\w+)\s*\}\}", body.get("text", ""))))
            given = sum(len(c.get("parameters") or []) for c in template.get("components") or []
                        if c.get("type") == "body")  # fmt: skip
            if wanted != given:
                return {"code": 132000, "message": "Number of parameters does not match "
                        "the expected number of params"}  # fmt: skip
    return None


def template(
    name: str,
    language: str,
    body: str,
    *,
    examples: list[str] | None = None,
    status: str = "APPROVED",
    category: str = "UTILITY",
) -> dict[str, Any]:
    """A template as ``GET /{waba_id}/message_templates`` lists it."""
    component: dict[str, Any] = {"type": "BODY", "text": body}
    if examples:
        component["example"] = {"body_text": [examples]}
    return {"name": name, "language": language, "status": status, "category": category,
            "parameter_format": "POSITIONAL", "id": f"tpl-{name}-{language}",
            "components": [{"type": "HEADER", "format": "TEXT", "text": "Sladesk"}, component,
                           {"type": "FOOTER", "text": "Reply STOP to opt out"}]}  # fmt: skip


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
            if self.path == f"/{stand.phone_number_id}/media":
                self._upload(body)
                return
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
                refused = _refusal(stand, doc)
                if refused is not None:
                    _reply(self, 400, {"error": refused})
                    return
                stand.sent.append(doc)
                wamid = f"wamid.OUT{len(stand.sent)}"
                hang = stand.hang_messages > 0
                stand.hang_messages -= 1 if hang else 0
            if hang:
                time.sleep(stand.hang_seconds)
            _reply(
                self,
                200,
                {
                    "messaging_product": "whatsapp",
                    "contacts": [{"input": doc.get("to"), "wa_id": doc.get("to")}],
                    "messages": [{"id": wamid}],
                },
            )

        def _upload(self, body: bytes) -> None:
            if not self._authorised():
                return
            parts = _multipart(self.headers.get("Content-Type", ""), body)
            with stand.lock:
                stand.upload_requests += 1
                if stand.upload_requests <= stand.fail_uploads:
                    _reply(self, 500, {"error": {"code": 1, "message": "An unknown error"}})
                    return
                file = parts.get("file")
                if parts.get("messaging_product", (None, "", b""))[2] != b"whatsapp" or not file:
                    _reply(self, 400, {"error": {"code": 100, "message": "Invalid parameter"}})
                    return
                media_id = f"UP{len(stand.uploads) + 1}"
                stand.uploads[media_id] = (file[0] or "", file[1], file[2])
            _reply(self, 200, {"id": media_id})

        def _templates(self) -> None:
            query = parse_qs(urlsplit(self.path).query)
            limit = min(int(query.get("limit", ["25"])[0]), stand.page_size)
            start = int(query.get("after", ["0"])[0] or 0)
            with stand.lock:
                stand.template_requests += 1
                if stand.fail_templates:
                    _reply(self, 500, {"error": {"code": 2, "message": "Service unavailable"}})
                    return
                listed = [t for t in stand.templates
                          if query.get("status", [t["status"]])[0] == t["status"]]  # fmt: skip
            page = listed[start : start + limit]
            doc: dict[str, Any] = {"data": page}
            if start + limit < len(listed):
                after = str(start + limit)
                doc["paging"] = {
                    "cursors": {"before": str(start), "after": after},
                    "next": f"{stand.url}/{stand.waba_id}/message_templates?limit={limit}"
                    f"&after={after}",
                }
            _reply(self, 200, doc)

        def do_GET(self) -> None:  # noqa: N802
            if not self._authorised():
                return
            if urlsplit(self.path).path == f"/{stand.waba_id}/message_templates":
                self._templates()
                return
            name = self.path.strip("/")
            if name in stand.media or name.startswith("media/"):
                with stand.lock:
                    stand.media_requests += 1
                    left = stand.failing_media.get(name, 0)
                    if left:
                        stand.failing_media[name] = left - 1 if left > 0 else left
                stand.media_gate.wait(60)
                if left:
                    _reply(self, 503, {"error": {"code": 2, "message": "Service unavailable"}})
                    return
            if name.startswith("media/") and name[6:] in stand.media:
                mime, content = stand.media[name[6:]]
                with stand.lock:
                    stand.downloads.append(name[6:])
                _reply(self, 200, raw=content, content_type=mime)
            elif name in stand.media:
                mime, content = stand.media[name]
                described: dict[str, Any] = {
                    "url": f"{stand.url}/media/{name}",
                    "mime_type": mime,
                    "sha256": hashlib.sha256(content).hexdigest(),
                    "file_size": len(content),
                    "id": name,
                }
                if name in stand.unsized:
                    del described["file_size"]
                _reply(self, 200, described)
            else:
                _reply(self, 404, {"error": {"code": 100, "message": "Unknown media"}})

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    class Server(ThreadingHTTPServer):
        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # a client that gave up waiting (``hang_messages``): nothing to report

    server = Server(("127.0.0.1", 0), Handler)
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
    media: tuple[str, str, str, str | None] | None = None,
) -> dict[str, Any]:
    """A webhook carrying one customer message: text, an image ``(media id, mime type,
    caption)``, or a medium ``(kind, media id, mime type, file name)`` (document, audio,
    video: as Meta sends them, a document with its file name)."""
    message: dict[str, Any] = {"from": sender, "id": wamid, "timestamp": str(int(at.timestamp()))}
    if media is not None:
        kind, media_id, mime, filename = media
        described: dict[str, Any] = {"id": media_id, "mime_type": mime, "sha256": "x"}
        if filename is not None:
            described["filename"] = filename
        message.update({"type": kind, kind: described})
    elif image is not None:
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
