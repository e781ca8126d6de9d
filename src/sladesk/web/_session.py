"""The browser session: a signed cookie, read and written by :class:`SessionMiddleware`.

The cookie holds who signed in (kind, id, the credential stamp of ``services.sign_in``),
the CSRF token of the session's forms, when it began and when it was last used, and the
viewer's chosen time zone and language. It is signed with HMAC-SHA256 under the settings'
``secret_key``; a cookie whose signature does not match, or that outlived its idle or
absolute lifetime, is dropped and a fresh anonymous session begins. Nothing is stored on the
server: sign-out clears the cookie, and a password change or deactivation ends the session
on its next request (``services.sign_in.session_person``).

Every visitor gets a session (anonymous until sign-in) so that the sign-in form itself
carries a CSRF token; signing in starts a new session (new token), so a session id planted
before sign-in is worth nothing after it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.cookies import SimpleCookie
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sladesk.services import Clock

COOKIE = "sladesk_session"
#: the cookie is re-sent (its idle clock moved on) at most this often
_TOUCH_EVERY = timedelta(seconds=60)


@dataclass
class Session:
    """One browser's session. ``person`` is None until sign-in: (kind, id, credential stamp)."""

    csrf: str
    started: datetime
    seen: datetime
    person: tuple[str, int, str] | None = None
    time_zone: str | None = None
    locale: str | None = None
    #: a one-time notice for the next page (after a redirect)
    notice: str | None = None
    dirty: bool = field(default=False, compare=False)

    @classmethod
    def fresh(cls, now: datetime) -> Session:
        return cls(csrf=secrets.token_urlsafe(24), started=now, seen=now, dirty=True)

    def sign_in(self, now: datetime, person: tuple[str, int, str], time_zone: str | None) -> None:
        """Begin a new signed-in session in place of this one (new CSRF token)."""
        self.csrf = secrets.token_urlsafe(24)
        self.started = self.seen = now
        self.person = person
        self.time_zone = time_zone or self.time_zone
        self.dirty = True

    def sign_out(self, now: datetime) -> None:
        self.person = None
        self.csrf = secrets.token_urlsafe(24)
        self.started = self.seen = now
        self.dirty = True

    def flash(self, notice: str) -> None:
        self.notice = notice
        self.dirty = True

    def take_notice(self) -> str | None:
        notice, self.notice = self.notice, None
        if notice is not None:
            self.dirty = True
        return notice


class SessionCodec:
    """Encodes and verifies cookie values under one key."""

    def __init__(self, key: bytes, *, idle: timedelta, lifetime: timedelta) -> None:
        self._key = hashlib.sha256(b"sladesk web session\0" + key).digest()
        self.idle = idle
        self.lifetime = lifetime

    def _sign(self, payload: bytes) -> str:
        return _b64(hmac.new(self._key, payload, hashlib.sha256).digest())

    def encode(self, s: Session) -> str:
        data: dict[str, Any] = {
            "c": s.csrf, "t0": s.started.timestamp(), "t": s.seen.timestamp(),
            "p": list(s.person) if s.person else None, "z": s.time_zone, "l": s.locale,
            "n": s.notice,
        }  # fmt: skip
        payload = json.dumps(data, separators=(",", ":")).encode()
        return f"{_b64(payload)}.{self._sign(payload)}"

    def decode(self, value: str, now: datetime) -> Session | None:
        """The session, or None when the value is forged, malformed or expired."""
        try:
            body, sig = value.split(".", 1)
            payload = _unb64(body)
        except ValueError:
            return None
        if not hmac.compare_digest(sig, self._sign(payload)):
            return None
        try:
            data = json.loads(payload)
            started = datetime.fromtimestamp(float(data["t0"]), now.tzinfo)
            seen = datetime.fromtimestamp(float(data["t"]), now.tzinfo)
            person = data["p"]
            s = Session(
                csrf=str(data["c"]), started=started, seen=seen,
                person=(str(person[0]), int(person[1]), str(person[2])) if person else None,
                time_zone=data.get("z"), locale=data.get("l"), notice=data.get("n"),
            )  # fmt: skip
        except (ValueError, KeyError, TypeError, IndexError):
            return None
        if now - s.seen > self.idle or now - s.started > self.lifetime:
            return None
        return s


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise ValueError("not base64") from exc


class SessionMiddleware:
    """Puts ``request.state.session`` (a :class:`Session`) on every HTTP request and sends
    the cookie back when the session changed or its idle clock should move on. The cookie is
    HttpOnly, SameSite=Lax, and Secure when the request came over HTTPS (or ``secure``: the
    public URL is https, behind a proxy that terminates TLS)."""

    def __init__(self, app: ASGIApp, codec: SessionCodec, clock: Clock, *, secure: bool) -> None:
        self.app = app
        self.codec = codec
        self.clock = clock
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":  # the console's live chat: read, never re-sent
            now = self.clock.now()
            raw = _cookie(scope, COOKIE)
            found = self.codec.decode(raw, now) if raw else None
            scope.setdefault("state", {})["session"] = found or Session.fresh(now)
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        now = self.clock.now()
        raw = _cookie(scope, COOKIE)
        session = self.codec.decode(raw, now) if raw else None
        if session is None:
            session = Session.fresh(now)
        elif now - session.seen >= _TOUCH_EVERY:
            session.seen = now
            session.dirty = True
        scope.setdefault("state", {})["session"] = session
        secure = self.secure or scope.get("scheme") == "https"

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and session.dirty:
                headers = list(message.get("headers", []))
                headers.append((b"set-cookie", self._cookie(session, secure, now).encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _cookie(self, session: Session, secure: bool, now: datetime) -> str:
        left = self.codec.lifetime - (now - session.started)
        attrs = [
            f"{COOKIE}={self.codec.encode(session)}", "Path=/", "HttpOnly", "SameSite=Lax",
            f"Max-Age={max(int(left.total_seconds()), 0)}",
        ]  # fmt: skip
        if secure:
            attrs.append("Secure")
        return "; ".join(attrs)


def _cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed Cookie header: as if there were none
                continue
            if name in jar:
                return jar[name].value
    return None
