"""A stand-in for Twilio's recording media on loopback, over TLS (a recording URL must be
https): ``GET /2010-04-01/Accounts/{AccountSid}/Recordings/{RecordingSid}`` answers the
audio, with HTTP basic auth (the account SID and the auth token) as an account that
protects its media requires. ``fail_first`` requests are answered 503, ``missing_first``
404 (a recording not yet available); ``redirect`` answers 302 to ``/storage/...`` on
another origin (``localhost`` instead of ``127.0.0.1``: the pre-signed storage URL Twilio
may redirect to), which needs no credentials and counts those it is sent. The
certificate is made by ``openssl`` for 127.0.0.1; :attr:`TwilioStandIn.ca` is the file a
client trusts it with.
"""

from __future__ import annotations

import base64
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ACCOUNT_SID = "AC" + "1" * 32


@dataclass
class TwilioStandIn:
    token: str
    ca: Path
    url: str = ""
    recordings: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # sid -> audio
    fail_first: int = 0
    missing_first: int = 0
    redirect: bool = False
    requests: int = 0
    unauthorised: int = 0
    storage_authorised: int = 0  # requests to the storage URL that carried credentials
    lock: threading.Lock = field(default_factory=threading.Lock)

    def recording_url(self, sid: str) -> str:
        return f"{self.url}/2010-04-01/Accounts/{ACCOUNT_SID}/Recordings/{sid}"


def _certificate(directory: Path) -> tuple[Path, Path]:
    key, cert = directory / "key.pem", directory / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return key, cert


def _send(handler: BaseHTTPRequestHandler, status: int, body: bytes, kind: str,
          **headers: str) -> None:  # fmt: skip
    handler.send_response(status)
    handler.send_header("Content-Type", kind)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


@contextmanager
def twilio_standin(token: str, directory: Path, **kw: Any) -> Iterator[TwilioStandIn]:
    key, cert = _certificate(directory)
    stand = TwilioStandIn(token=token, ca=cert, **kw)
    expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{token}".encode()).decode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            sid = self.path.rstrip("/").rpartition("/")[2]
            if self.path.startswith("/storage/"):
                with stand.lock:
                    stand.storage_authorised += "Authorization" in self.headers
                mime, audio = stand.recordings[sid]
                _send(self, 200, audio, mime)
                return
            with stand.lock:
                stand.requests += 1
                n = stand.requests
                if self.headers.get("Authorization") != expected:
                    stand.unauthorised += 1
                    _send(self, 401, b'{"code": 20003, "message": "Authenticate"}',
                          "application/json")  # fmt: skip
                    return
            if n <= stand.fail_first:
                _send(self, 503, b"busy", "text/plain")
            elif n <= stand.missing_first or sid not in stand.recordings:
                _send(self, 404, b'{"code": 20404}', "application/json")
            elif stand.redirect:
                _send(
                    self,
                    302,
                    b"",
                    "text/plain",
                    Location=f"{stand.url.replace('127.0.0.1', 'localhost')}/storage/{sid}",
                )
            else:
                mime, audio = stand.recordings[sid]
                _send(self, 200, audio, mime)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    class Server(ThreadingHTTPServer):
        def handle_error(self, request: Any, client_address: Any) -> None:
            pass

    server = Server(("127.0.0.1", 0), Handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    stand.url = f"https://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stand
    finally:
        server.shutdown()
        server.server_close()
