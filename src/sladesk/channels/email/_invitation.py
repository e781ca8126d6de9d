"""The invitation mail: an ``invitation`` outbox row (``services._invitations``) -> a plain
text and HTML message in the invitee's language with their one-time link and when it
expires. Pure: the payload in, an :class:`~email.message.EmailMessage` out."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime as babel_datetime
from jinja2 import Environment, select_autoescape

__all__ = ["compose_invitation"]

_WORDS = {
    "en": {
        "subject": "You are invited to {team}",
        "hello": "Hello {name},",
        "body": "{team} has invited you. Choose your password here to sign in:",
        "expires": "The link works once, until {when}.",
        "ignore": "If you did not expect this message, you can ignore it.",
    },
    "es": {
        "subject": "Tiene una invitación de {team}",
        "hello": "Hola, {name}:",
        "body": "{team} le ha invitado. Elija su contraseña aquí para entrar:",
        "expires": "El enlace funciona una vez, hasta {when}.",
        "ignore": "Si no esperaba este mensaje, puede ignorarlo.",
    },
    "pt": {
        "subject": "Você recebeu um convite de {team}",
        "hello": "Olá, {name},",
        "body": "{team} convidou você. Escolha sua senha aqui para entrar:",
        "expires": "O link funciona uma vez, até {when}.",
        "ignore": "Se não esperava esta mensagem, pode ignorá-la.",
    },
}
_HTML = Environment(autoescape=select_autoescape(default=True)).from_string(
    '<!doctype html><html lang="{{ lang }}"><body>'
    '<p>{{ hello }}</p><p>{{ body }}</p><p><a href="{{ url }}">{{ url }}</a></p>'
    "<p>{{ expires }}</p><p>{{ ignore }}</p></body></html>"
)


def compose_invitation(
    payload: Mapping[str, Any], *, outbox_key: str, sender: str, sender_name: str, now: datetime
) -> EmailMessage:
    """The message for one ``invitation`` row; :class:`KeyError` for a payload without its
    address or link."""
    lang = str(payload.get("locale") or "en").split("-")[0].split("_")[0].lower()
    words = _WORDS.get(lang, _WORDS["en"])
    lang = lang if lang in _WORDS else "en"
    expires = datetime.fromisoformat(str(payload["expires_at"])).astimezone(ZoneInfo("UTC"))
    when = babel_datetime(expires, "EEEE d MMMM y, HH:mm", locale=lang) + " (UTC)"
    name = str(payload.get("name") or payload["to"])
    said = {
        "hello": words["hello"].format(name=name),
        "body": words["body"].format(team=sender_name),
        "expires": words["expires"].format(when=when),
        "ignore": words["ignore"],
    }
    url = str(payload["url"])
    mail = EmailMessage()
    mail["From"] = formataddr((sender_name, sender))
    mail["To"] = formataddr((name, str(payload["to"])))
    mail["Subject"] = words["subject"].format(team=sender_name)
    mail["Date"] = format_datetime(now)
    domain = sender.rpartition("@")[2] or "localhost"
    mail["Message-ID"] = f"<{outbox_key.replace(':', '.')}@{domain}>"
    mail["Auto-Submitted"] = "auto-generated"
    text = "\n\n".join([said["hello"], f"{said['body']}\n{url}", said["expires"], said["ignore"]])
    mail.set_content(text + "\n")
    mail.add_alternative(_HTML.render(lang=lang, url=url, **said), subtype="html")
    return mail
