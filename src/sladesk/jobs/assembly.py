"""Building the job runner from a container: which jobs, which senders, which settings.

Entry points (``sladesk serve``, ``sladesk worker``, the demo) call :func:`runner_for` once;
each job gets its own unit of work (a unit of work belongs to one thread) sharing the
container's engine, clock and caches.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from sladesk.bootstrap import Container
from sladesk.jobs.actions import TICKET_ACTION_KINDS, TicketActionSender
from sladesk.jobs.backoff import Backoff
from sladesk.jobs.delivery import DeliveryJob
from sladesk.jobs.maintenance import MaintenanceNoticeJob
from sladesk.jobs.paging import FanOutSender, PagerSender, RepageJob
from sladesk.jobs.report_chunks import ReportChunksJob
from sladesk.jobs.retention import RetentionJob
from sladesk.jobs.review_calls import ReviewCallsJob
from sladesk.jobs.runner import Job, Runner
from sladesk.jobs.senders import Sender, WebhookSender
from sladesk.jobs.sweep import SweepJob
from sladesk.services import WhatsAppTemplate

if TYPE_CHECKING:
    from sladesk.channels.email import SmtpSettings

__all__ = [
    "default_senders",
    "maintenance_mail_sender",
    "mail_sender",
    "runner_for",
    "voicemail_audio_sender",
    "whatsapp_media_sender",
    "whatsapp_sender",
    "whatsapp_templates_job",
]


def default_senders(container: Container) -> dict[str, Sender]:
    """Senders configured by the settings: the ticket escalations (move to a team, set a
    priority) always; signed webhooks when a secret and at least one endpoint are set
    (``SLADESK_WEBHOOK_SECRET``, ``SLADESK_WEBHOOKS``); ``notify``, ``tell_customer`` and
    ``page`` (and admins' ``invitation`` links, and ``proposal``: a followed proposal planned
    or released) by mail when an SMTP host is set (``SLADESK_SMTP_HOST``), and ``page`` also
    to the pager endpoint ``SLADESK_PAGER_ENDPOINT`` names among the webhooks; agents' replies
    on WhatsApp tickets when a WhatsApp token and number are set, and customers' WhatsApp
    media fetched when the token is; voicemail recordings copied
    from the telephony provider when its auth token is set. Kinds without a sender
    (chat) stay queued in the outbox, neither sent nor dead."""
    settings = container.settings
    endpoints: Mapping[str, str] = settings.webhooks
    actions = TicketActionSender(container.uow, container.clock)
    senders: dict[str, Sender] = dict.fromkeys(TICKET_ACTION_KINDS, actions)
    if settings.smtp_host:
        mail = mail_sender(container)
        senders.update(notify=mail, tell_customer=mail, page=mail, invitation=mail,
                       proposal=mail)  # fmt: skip
        senders["maintenance"] = maintenance_mail_sender(container)
    if settings.whatsapp_token is not None and settings.whatsapp_phone_number_id:
        senders["whatsapp"] = whatsapp_sender(container)
    if settings.whatsapp_token is not None:
        senders["whatsapp_media"] = whatsapp_media_sender(container)
    if settings.phone_auth_token is not None:
        senders["voicemail_audio"] = voicemail_audio_sender(container)
    if settings.webhook_secret is not None and endpoints:
        webhooks = WebhookSender(
            endpoints, settings.webhook_secret.get_secret_value(), clock=container.clock.now
        )
        senders["webhook"] = webhooks
        if settings.pager_endpoint:  # pages to the pager too (and by mail when it is set)
            pager = PagerSender(webhooks, settings.pager_endpoint, settings.public_url)
            senders["page"] = FanOutSender([s for s in (senders.get("page"), pager) if s])
    return senders


def mail_sender(container: Container) -> Sender:
    """The ``notify``, ``tell_customer`` and ``page`` rows by mail (``SLADESK_SMTP_HOST``
    and friends; docs/email.md)."""
    from sladesk.channels.email import MailSender

    return MailSender(_smtp(container), container.uow, container.clock)


def _smtp(container: Container) -> SmtpSettings:
    from sladesk.channels.email import SmtpSettings

    s = container.settings
    return SmtpSettings(
        host=s.smtp_host or "localhost", port=s.smtp_port, starttls=s.smtp_starttls,
        username=s.smtp_username,
        password=s.smtp_password.get_secret_value() if s.smtp_password else None,
        timeout=s.smtp_timeout_seconds, sender=s.mail_from, sender_name=s.mail_from_name,
        public_url=s.public_url, auto_per_hour=s.mail_auto_per_hour,
        dkim_key=Path(s.dkim_key_file).read_bytes() if s.dkim_key_file else None,
        dkim_selector=s.dkim_selector, dkim_domain=s.dkim_domain,
    )  # fmt: skip


def maintenance_mail_sender(container: Container) -> Sender:
    """The ``maintenance`` rows (notices of maintenance windows) by mail."""
    from sladesk.channels.email import MaintenanceMailSender

    return MaintenanceMailSender(_smtp(container), container.uow, container.clock)


def whatsapp_sender(container: Container) -> Sender:
    """Agents' replies on WhatsApp tickets (``SLADESK_WHATSAPP_TOKEN``,
    ``SLADESK_WHATSAPP_PHONE_NUMBER_ID``, ``SLADESK_WHATSAPP_API_BASE``; docs/channels.md)."""
    from sladesk.channels.whatsapp.sending import WhatsAppApi, WhatsAppSender

    s = container.settings
    assert s.whatsapp_token is not None and s.whatsapp_phone_number_id is not None
    api = WhatsAppApi(s.whatsapp_api_base, s.whatsapp_token.get_secret_value(),
                      s.whatsapp_phone_number_id, s.whatsapp_timeout_seconds)  # fmt: skip
    return WhatsAppSender(api, container.uow, container.clock)


def whatsapp_media_sender(container: Container) -> Sender:
    """Customers' WhatsApp media fetched from the Cloud API after their message is stored
    (``SLADESK_WHATSAPP_TOKEN``; at most ``SLADESK_ATTACHMENT_MAX_BYTES``; docs/channels.md)."""
    from sladesk.channels.whatsapp.media import WhatsAppMediaSender

    s = container.settings
    assert s.whatsapp_token is not None
    return WhatsAppMediaSender(container.uow, container.clock, s.whatsapp_api_base,
                               s.whatsapp_token.get_secret_value(),
                               max_bytes=s.attachment_max_bytes,
                               timeout=s.whatsapp_timeout_seconds)  # fmt: skip


def voicemail_audio_sender(container: Container) -> Sender:
    """Voicemail recordings copied from the telephony provider (``SLADESK_PHONE_AUTH_TOKEN``;
    at most ``SLADESK_ATTACHMENT_MAX_BYTES``; docs/channels.md)."""
    from sladesk.channels.phone.recordings import VoicemailAudioSender

    s = container.settings
    assert s.phone_auth_token is not None
    return VoicemailAudioSender(container.uow, container.clock,
                                s.phone_auth_token.get_secret_value(),
                                max_bytes=s.attachment_max_bytes)  # fmt: skip


def whatsapp_templates_job(container: Container) -> Job | None:
    """The refresh of the cached WhatsApp templates, when a token and the business account
    are set (``SLADESK_WHATSAPP_BUSINESS_ACCOUNT_ID``; docs/channels.md)."""
    from sladesk.channels.whatsapp.templates import TemplatesRefreshJob, fetch_templates

    s = container.settings
    if s.whatsapp_token is None or not s.whatsapp_business_account_id:
        return None
    token, waba = s.whatsapp_token.get_secret_value(), s.whatsapp_business_account_id
    client = httpx.Client(timeout=s.whatsapp_timeout_seconds)

    def fetch() -> list[WhatsAppTemplate]:
        return fetch_templates(s.whatsapp_api_base, token, waba, client)

    interval = timedelta(seconds=s.whatsapp_templates_refresh_seconds)
    return TemplatesRefreshJob(container.uow(), container.clock, fetch, interval=interval)


def runner_for(container: Container, senders: Mapping[str, Sender] | None = None) -> Runner:
    """The sweep and the outbox delivery, on ``container``'s database and clock."""
    settings = container.settings
    chosen = default_senders(container) if senders is None else dict(senders)
    # SQLite has one write lock for the API and the jobs: shorter sweep batches hold it less
    batch = min(settings.sweep_batch_size, 100) if settings.is_sqlite else settings.sweep_batch_size
    jobs: list[Job] = [
        SweepJob(container.uow(), container.clock, batch=batch),
        RepageJob(container.uow(), container.clock),
        DeliveryJob(
            container.uow(),
            container.clock,
            chosen,
            batch=settings.outbox_batch_size,
            lease=timedelta(seconds=settings.outbox_lease_seconds),
            backoff=Backoff(base=timedelta(seconds=settings.outbox_retry_base_seconds)),
        ),  # fmt: skip
    ]
    interval = timedelta(seconds=settings.maintenance_notice_interval_seconds)
    jobs.append(MaintenanceNoticeJob(container.uow(), container.clock, interval=interval))
    if settings.retention_purge_interval_seconds is not None:
        interval = timedelta(seconds=settings.retention_purge_interval_seconds)
        jobs.append(RetentionJob(container.uow(), container.clock, interval=interval))
    if settings.report_chunks_interval_seconds is not None:
        interval = timedelta(seconds=settings.report_chunks_interval_seconds)
        jobs.append(ReportChunksJob(container.uow(), container.clock, interval=interval))
    templates = whatsapp_templates_job(container)
    if templates is not None:
        jobs.append(templates)
    if settings.review_calls_interval_seconds is not None:
        interval = timedelta(seconds=settings.review_calls_interval_seconds)
        jobs.append(ReviewCallsJob(container.uow(), container.clock, interval=interval))
    return Runner(jobs, idle=settings.sweep_interval_seconds)
