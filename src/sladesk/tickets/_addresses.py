"""Which contact addresses mail can reach.

A contact known only by a chat number (WhatsApp: ``whatsapp-<wa_id>@whatsapp.invalid``) has
a reserved address under the ``.invalid`` top-level domain (RFC 2606 §2: it never
resolves), so that every contact has a unique address. Nothing may be mailed to one: a
relay would refuse it, or accept it and bounce it later, which marks the address bouncing
and leaves a dead letter for nothing. Every kind of mail asks :func:`mail_reachable`.
"""

from __future__ import annotations

__all__ = ["RESERVED_MAIL_DOMAIN", "mail_reachable"]

#: the top-level domain of the placeholder addresses of contacts without a mailbox
RESERVED_MAIL_DOMAIN = ".invalid"


def mail_reachable(address: str) -> bool:
    """Whether ``address`` can be mailed: it has a domain, and not a reserved one."""
    local, at, domain = address.strip().rpartition("@")
    domain = domain.rstrip(".").lower()
    if not at or not local or not domain:
        return False
    return not (domain == RESERVED_MAIL_DOMAIN[1:] or domain.endswith(RESERVED_MAIL_DOMAIN))
