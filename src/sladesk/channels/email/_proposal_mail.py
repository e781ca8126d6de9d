"""A proposal's news to one subscriber: the outbox ``proposal`` row (queued by
``services.change_proposal_status`` when a proposal is planned or released) read and
rendered from ``templates/<language>/proposal_subject.txt`` and ``proposal_body.txt``, in the
subscriber's language (their own, else their organisation's, else English), with a link to
the proposal in the portal. Not about a ticket: no ``[#N]`` and no thread headers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from sladesk.channels.email._outgoing import templated_mail
from sladesk.channels.email._when import language
from sladesk.services import Recipient

__all__ = ["ProposalNotice", "compose_proposal", "read_proposal_notice"]


@dataclass(frozen=True, slots=True)
class ProposalNotice:
    contact_id: int
    proposal_id: int
    title: str
    status: str  # planned | released
    comment: str | None
    author: str


def read_proposal_notice(payload: Mapping[str, Any]) -> ProposalNotice | str:
    """The notice in a ``proposal`` outbox row, or why there is none."""
    who = payload.get("recipient")
    if not isinstance(who, Mapping) or who.get("kind") != "contact":
        return f"no contact recipient in the payload ({who!r})"
    contact_id = who.get("id")
    proposal = payload.get("proposal")
    if not isinstance(contact_id, int) or isinstance(contact_id, bool):
        return f"no contact id in the payload ({contact_id!r})"
    if not isinstance(proposal, Mapping) or not isinstance(proposal.get("id"), int):
        return "no proposal in the payload"
    title, status = proposal.get("title"), proposal.get("status")
    if not isinstance(title, str) or status not in ("planned", "released"):
        return f"not a proposal's news: status {status!r}"
    comment, author = payload.get("comment"), payload.get("author")
    return ProposalNotice(
        contact_id, int(proposal["id"]), title, str(status),
        comment if isinstance(comment, str) and comment else None,
        author if isinstance(author, str) and author else "Support",
    )  # fmt: skip


def compose_proposal(
    notice: ProposalNotice,
    recipient: Recipient,
    *,
    outbox_key: str,
    sender: str,
    sender_name: str,
    public_url: str,
    now: datetime,
) -> EmailMessage:
    lang = language(recipient.locale)
    values = {
        "name": recipient.name, "title": notice.title, "status": notice.status,
        "comment": notice.comment, "author": notice.author, "team": sender_name,
        "link": f"{public_url.rstrip('/')}/portal/proposals/{notice.proposal_id}",
    }  # fmt: skip
    headers = {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All",
               "X-Sladesk-Proposal": str(notice.proposal_id)}  # fmt: skip
    return templated_mail(values, ("proposal_subject.txt", "proposal_body.txt"), lang=lang,
                          sender=sender, sender_name=sender_name,
                          to=(recipient.name, recipient.address), outbox_key=outbox_key, now=now,
                          headers=headers)  # fmt: skip
