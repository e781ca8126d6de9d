"""The outbox's ``voicemail_audio`` sender: a voicemail's recording fetched from the
telephony provider and stored as an attachment of the voicemail's message (imported by the
jobs only; the webhook queued the row and answered at once).

As Twilio documents it (twilio.com/docs/voice/api/recording#fetch-a-recording-media-file):
``GET <RecordingUrl>`` answers the audio (WAV by default), with HTTP basic auth — the
account SID and the auth token — when the account protects its media (we always send it).
The URL is the one of a signed webhook, https only (checked when it came in). A redirect
is followed (Twilio may answer with a pre-signed storage URL): only to https, and httpx
drops the credentials when it leaves the provider's origin.

- 200 with at most ``max_bytes`` (read in chunks; ``Content-Length`` checked first):
  stored (``services.store_voicemail_audio``; a second delivery of the row stores nothing).
- 404 (a recording not yet available right after the callback), 408, 429, 5xx, connection
  failures: retried with the delivery job's backoff, up to ``attempts`` attempts.
- Anything else (401/403: wrong credentials; too large; not audio), or the last attempt:
  given up; an internal note says why and that the audio stays at the provider's URL
  (``services.voicemail_audio_failed``), which the voicemail's message keeps.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from sladesk.jobs.senders import DeliveryFailed, OutboxMessage
from sladesk.services import Clock, store_voicemail_audio, voicemail_audio_failed

__all__ = ["VoicemailAudioSender"]

_RETRY = frozenset({404, 408, 429})


class _GiveUp(Exception):
    pass


class _Later(Exception):
    pass


class VoicemailAudioSender:
    def __init__(
        self, uow: Callable[[], Any], clock: Clock, auth_token: str, *, max_bytes: int,
        attempts: int = 8, timeout: float = 30.0, client: httpx.Client | None = None,
    ) -> None:  # fmt: skip
        self.uow = uow
        self.clock = clock
        self.auth_token = auth_token
        self.max_bytes = max_bytes
        self.attempts = attempts
        self.client = client or httpx.Client(timeout=timeout)

    def close(self) -> None:
        self.client.close()

    def send(self, message: OutboxMessage) -> None:
        p = message.payload
        sid, url = str(p.get("recording_sid") or ""), str(p.get("url") or "")
        account = str(p.get("account_sid") or "")
        message_id = p.get("message_id") if isinstance(p.get("message_id"), int) else None
        try:
            if not sid or not url.startswith("https://"):
                raise _GiveUp("the row names no https recording")
            content, content_type = self._fetch(url, account)
        except _GiveUp as exc:
            voicemail_audio_failed(self.uow(), self.clock, sid, url, str(exc))
            raise DeliveryFailed(f"voicemail {sid}: {exc}", retryable=False) from exc
        except _Later as exc:
            if message.attempts + 1 >= self.attempts:
                reason = f"{exc}, {message.attempts + 1} attempts"
                voicemail_audio_failed(self.uow(), self.clock, sid, url, reason)
                raise DeliveryFailed(f"voicemail {sid}: {reason}", retryable=False) from exc
            raise DeliveryFailed(f"voicemail {sid}: {exc}") from exc
        store_voicemail_audio(self.uow(), self.clock, sid, content, content_type,
                              message_id=message_id)  # fmt: skip

    def _fetch(self, url: str, account: str) -> tuple[bytes, str]:
        auth = (account, self.auth_token) if account else None
        try:
            with self.client.stream("GET", url, auth=auth, follow_redirects=True) as response:
                status = response.status_code
                if response.url.scheme != "https":
                    raise _GiveUp("the recording was redirected off https")
                if status in _RETRY or status >= 500:
                    raise _Later(f"the provider answered HTTP {status}")
                if status != 200:
                    raise _GiveUp(f"the provider answered HTTP {status}")
                content_type = response.headers.get("content-type", "")
                if not content_type.lower().startswith("audio/"):
                    raise _GiveUp(f"the provider sent {content_type or 'no type'}, not audio")
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > self.max_bytes:
                    raise _GiveUp(f"larger than {self.max_bytes} bytes")
                chunks, size = [], 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise _GiveUp(f"larger than {self.max_bytes} bytes")
                    chunks.append(chunk)
        except httpx.HTTPError as exc:
            raise _Later(f"{type(exc).__name__}: {exc}") from exc
        if not size:
            raise _Later("the provider sent no audio")
        return b"".join(chunks), content_type
