"""Settings: one typed object, built once by an entry point (``sladesk serve``, ``worker``,
a test) from the environment (``SLADESK_*``) and passed down. Nothing reads the environment
anywhere else, and nothing here runs at import."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./sladesk.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SLADESK_", env_file=None, extra="ignore")

    #: ``sqlite:///path.db`` (default ``./sladesk.db``) or ``postgresql+psycopg://...``
    database_url: str = DEFAULT_DATABASE_URL
    #: apply migrations when the process starts (``sladesk serve`` does)
    migrate_on_start: bool = True
    host: str = "127.0.0.1"
    port: int = 8000
    #: API processes of ``sladesk serve`` (PostgreSQL only: SQLite is served by one process)
    workers: int = Field(default=1, ge=1)
    #: the address customers and webhooks see; links in notifications point here
    public_url: str = "http://127.0.0.1:8000"
    #: HMAC key for webhook signatures; when unset webhooks are refused rather than unsigned
    webhook_secret: SecretStr | None = None
    #: webhook endpoints by name (``SLADESK_WEBHOOKS='{"default": "https://…", "ops": "…"}'``):
    #: ticket-event webhooks go to ``default``, policy actions ``webhook: <name>`` to ``name``
    webhooks: dict[str, str] = Field(default_factory=dict)
    #: the endpoint (a name in ``webhooks``) on-call pages are also POSTed to: a pager
    #: service's incoming webhook (docs/deployment.md); unset: pages go by mail only
    pager_endpoint: str | None = None
    #: run the job runners (sweep, outbox delivery) inside the web process (SQLite default)
    jobs_in_process: bool = True
    sweep_interval_seconds: float = Field(default=5.0, gt=0)
    sweep_batch_size: int = Field(default=500, gt=0)
    outbox_batch_size: int = Field(default=100, gt=0)
    #: how long a worker holds the outbox rows it claimed; a worker that dies holding them
    #: leaves them to another worker after this long
    outbox_lease_seconds: float = Field(default=300.0, gt=0)
    #: the first retry of a failed delivery waits about this long, each next one twice
    #: as long (with jitter, at most 6 hours)
    outbox_retry_base_seconds: float = Field(default=30.0, gt=0)
    #: run the retention purge (docs/policies.md "Retention") in the job runner, looking for
    #: expired tickets this often; unset: only `sladesk retention purge` purges
    retention_purge_interval_seconds: float | None = Field(default=None, gt=0)
    #: how often the job runner looks for maintenance notices due (docs/policies.md
    #: "Maintenance windows"); each notice is sent once whatever the interval
    maintenance_notice_interval_seconds: float = Field(default=60, gt=0)
    #: propose review calls with the dedicated agent (a policy's ``calls.review_every_months``)
    #: this often in the job runner; unset (empty): never
    review_calls_interval_seconds: float | None = Field(default=3600.0, gt=0)
    #: how often the job runner refreshes the compliance report's packed columns
    #: (docs/reports.md "How it is computed"); unset (empty): never (reports read live)
    report_chunks_interval_seconds: float | None = Field(default=300.0, gt=0)
    #: SQLite only: how long a writer waits for the lock before failing
    sqlite_busy_timeout_ms: int = Field(default=5000, ge=0)
    #: database connections a process may keep open (PostgreSQL; SQLite's readers): a fixed
    #: number, never more under load (a request waits for a free one instead of opening and
    #: closing connections)
    pool_size: int = Field(default=10, gt=0)
    #: threads an API process runs routes on (at most ``pool_size``: each has its connection)
    api_threads: int = Field(default=4, gt=0)
    #: requests one API process works on or queues at once; one more is answered ``503`` with
    #: ``Retry-After`` at once instead of waiting behind them (``docs/deployment.md``)
    max_in_flight: int = Field(default=32, gt=0)
    log_level: str = "INFO"
    #: the largest file one attachment may be, in bytes (10 MiB); the API answers a larger
    #: upload 413 before anything is written
    attachment_max_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    #: signs the web console's session cookies (at least 32 characters); unset, each process
    #: draws a random one, so sessions end when it restarts: set it when serving with several
    #: workers (docs/web.md)
    secret_key: SecretStr | None = None
    # live chat: the policy calendar chat follows (None: 24/7), and the secret a vendor's
    # app signs its logged-in customers' e-mails with (HMAC-SHA256; None: anonymous only)
    chat_calendar: str | None = None
    chat_identity_secret: SecretStr | None = None
    #: the hours of a VIP's direct chat line to their dedicated agent, a policy calendar
    #: (LiveAgent: ``business``, 9-17 CET); None: whenever the agent is available
    chat_dedicated_calendar: str | None = None
    #: how often a signed-in visitor's widget asks again whether the direct line is open (the
    #: dedicated agent steps away or back, an absence or the line's hours start or end), so
    #: the button follows availability without a reload; one small read per widget per ask
    chat_direct_recheck_seconds: int = Field(default=30, gt=0)
    #: a web session ends after this long without a request, and this long after sign-in
    session_idle_minutes: int = Field(default=60, gt=0)
    session_max_hours: int = Field(default=12, gt=0)

    # --- the e-mail channel (docs/email.md) ---
    #: the address our mail comes from (and that mail to us is sent to); mail arriving *from*
    #: it is our own come back, and is never answered
    mail_from: str = "support@localhost"
    mail_from_name: str = "Support"
    #: a message larger than this is refused whole (``sladesk mail ingest``, SMTP ``552``)
    mail_max_message_bytes: int = Field(default=25 * 1024 * 1024, gt=0)
    #: mailboxes that refuse strangers: mail from an address that is no active contact or
    #: agent opens no ticket and is kept ``refused`` for the admins. A mailbox is the
    #: ``--mailbox`` of ``mail ingest``/``mail poll`` (``poll``: the login by default), or
    #: the envelope recipient at the built-in SMTP server (``SLADESK_MAIL_CLOSED_MAILBOXES=
    #: '["vip@desk.example", "vip"]'``)
    mail_closed_mailboxes: list[str] = Field(default_factory=list)
    #: the SMTP server ``sladesk serve`` runs for mail in (off when unset)
    smtp_server_port: int | None = Field(default=None, ge=0, le=65535)
    #: where our mail goes out (the outbox's mail sender; off when unset)
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, gt=0, le=65535)
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_seconds: float = Field(default=30.0, gt=0)
    #: automatic mail (acknowledgements, status notices; not agents' replies) one customer
    #: address may be sent per hour; more is recorded ``limited`` and not sent (no loops)
    mail_auto_per_hour: int = Field(default=10, ge=0)
    #: DKIM: sign what we send with this private key (PEM file), as ``<selector>._domainkey``
    #: of the domain (default: ``mail_from``'s); unsigned when unset
    dkim_key_file: str | None = None
    dkim_selector: str = "sladesk"
    dkim_domain: str | None = None

    # --- the WhatsApp channel (Business Cloud API; docs/channels.md) ---
    #: the token Meta's verification handshake must present (``hub.verify_token``)
    whatsapp_verify_token: SecretStr | None = None
    #: the Meta app's secret: every webhook delivery's ``X-Hub-Signature-256`` is checked
    #: with it; unset, every delivery is refused
    whatsapp_app_secret: SecretStr | None = None
    #: the access token replies are sent with (the outbox's ``whatsapp`` sender; off unset)
    whatsapp_token: SecretStr | None = None
    #: our business number's id (``POST {api_base}/{phone_number_id}/messages``)
    whatsapp_phone_number_id: str | None = None
    whatsapp_api_base: str = "https://graph.facebook.com/v21.0"
    #: the slug of the organisation an unknown number's contact is made in; unset, a
    #: stranger's message files a ticket without requester (docs/channels.md)
    whatsapp_organization: str | None = None
    whatsapp_timeout_seconds: float = Field(default=10.0, gt=0)
    #: the WhatsApp Business Account's id: its approved templates are listed from
    #: ``GET {api_base}/{id}/message_templates`` (with the token) and cached; unset, none are
    whatsapp_business_account_id: str | None = None
    #: how often the cached templates are listed again (the jobs' runner)
    whatsapp_templates_refresh_seconds: float = Field(default=3600.0, gt=0)
    # --- the phone channel (Twilio's voice webhooks; docs/channels.md) ---
    #: the Twilio account's auth token: every webhook's ``X-Twilio-Signature`` is checked
    #: with it; unset, every request is refused
    phone_auth_token: SecretStr | None = None
    #: the public base URL Twilio is configured with (``https://desk.example.com``): the
    #: signature covers the full URL Twilio requested, which a proxy in front may rewrite;
    #: unset, the URL the request arrived on
    phone_public_url: str | None = None
    #: our number that pages on-call (E.164); unset, the policy's ``on_call.phone`` when
    #: it is a number
    phone_oncall_number: str | None = None
    #: the number (or SIP address) calls in business hours are put through to; unset,
    #: the caller is told the call is logged and an agent will call back
    phone_agents_number: str | None = None
    #: the policy's calendar that says when calls are answered (default ``business``)
    phone_calendar: str | None = None
    #: how a call to the on-call number is filed when the caller has no covered open
    #: ticket: type, priority and attributes (``integration=vendor_built,...``)
    phone_oncall_type: str = "incident"
    phone_oncall_priority: str = "blocker"
    phone_oncall_attributes: str = ""

    @field_validator("webhook_secret")
    @classmethod
    def _refuse_weak_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            raw = value.get_secret_value()
            if len(raw) < 16 or raw.lower() in {"changeme", "changethis", "secret"}:
                raise ValueError("webhook_secret must be at least 16 characters, not a default")
        return value

    @field_validator("secret_key")
    @classmethod
    def _refuse_short_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("secret_key must be at least 32 characters")
        return value

    @field_validator("webhooks")
    @classmethod
    def _check_webhook_urls(cls, value: dict[str, str]) -> dict[str, str]:
        for name, url in value.items():
            if not url.startswith(("https://", "http://")):
                raise ValueError(f"webhooks.{name}: {url!r} is not an http(s) URL")
        return value

    @model_validator(mode="after")
    def _pager_is_a_webhook(self) -> Settings:
        if self.pager_endpoint is not None and self.pager_endpoint not in self.webhooks:
            known = ", ".join(sorted(self.webhooks)) or "none"
            raise ValueError(
                f"pager_endpoint {self.pager_endpoint!r} is not one of the webhooks ({known})"
            )
        return self

    @property
    def route_threads(self) -> int:
        """The threads an API process runs routes on: ``api_threads``, but no more than it
        has database connections."""
        return min(self.api_threads, self.pool_size)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
