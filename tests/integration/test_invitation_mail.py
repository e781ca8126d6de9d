"""An invitation queued by an admin goes out by mail through the outbox's delivery, over
real SMTP on loopback (aiosmtpd), in the invitee's language, with the one-time link that
then works; a second delivery of the same row is not a second invitation to follow."""

from __future__ import annotations

import re
from email.message import EmailMessage

from desk_fixtures import Desk
from sqlalchemy import Engine

from mail_fixtures import Inbox, inbox
from sladesk.channels.email import MailSender, SmtpSettings
from sladesk.jobs.delivery import deliver_due
from sladesk.services import NewContact, accept_invitation, invitation_state, invite_contact
from sladesk.store import Caches, UnitOfWork

__all__ = ["inbox"]


def _text(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def test_the_invitation_is_mailed_in_the_invitees_language(
    desk: Desk, engine: Engine, inbox: Inbox
) -> None:
    u, clock = desk.uow, desk.clock
    issued = invite_contact(u, clock, desk.admin,
                            NewContact(desk.acme, "ines@acme.test", "Inês", locale="pt-BR"),
                            mail=True, public_url="https://desk.test")  # fmt: skip
    settings = SmtpSettings(host="127.0.0.1", port=inbox.port, sender="support@desk.test",
                            sender_name="Desk Support")  # fmt: skip
    sender = MailSender(settings, lambda: UnitOfWork(engine, Caches()), clock)
    report = deliver_due(u, clock, {"invitation": sender}, limit=10)
    assert (report.delivered, report.retried, report.dead) == (1, 0, 0)
    (mail,) = inbox.to("ines@acme.test")
    assert mail["Subject"] == "Você recebeu um convite de Desk Support"
    text = _text(mail)
    assert text.startswith("Olá, Inês,")
    link = re.search(r"https://desk\.test(/invitations/\S+)", text)
    assert link and link.group(1) == issued.path
    html = mail.get_body(("html",))
    assert html is not None and f'href="https://desk.test{issued.path}"' in str(html.get_content())
    secret = issued.path.removeprefix("/invitations/")
    assert invitation_state(u, clock, secret).state == "valid"
    accept_invitation(u, clock, secret, "a fine password")
    assert invitation_state(u, clock, secret).state == "used"
    assert deliver_due(u, clock, {"invitation": sender}, limit=10).delivered == 0  # sent once
