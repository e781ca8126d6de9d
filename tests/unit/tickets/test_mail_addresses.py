"""Which contact addresses mail can reach: a chat contact's reserved ``.invalid`` address
(RFC 2606) never, whatever its case or a trailing root dot; a real address always."""

from __future__ import annotations

import pytest

from sladesk.services import reserved_whatsapp_address
from sladesk.tickets import mail_reachable


@pytest.mark.parametrize(
    "address",
    ["alice@acme.example", "Bob@Globex.TEST", "x@invalid.example", "invalid@desk.test",
     "a@mail.invalidity.com"],
)  # fmt: skip
def test_a_real_address_is_reachable(address: str) -> None:
    assert mail_reachable(address)


@pytest.mark.parametrize(
    "address",
    ["whatsapp-351910000000@whatsapp.invalid", "someone@PHONE.INVALID", "x@y.invalid.",
     "x@invalid", "no-at-sign", "@acme.example", "x@"],
)  # fmt: skip
def test_a_placeholder_or_a_non_address_is_not(address: str) -> None:
    assert not mail_reachable(address)


def test_the_whatsapp_placeholder_is_one_of_them() -> None:
    assert not mail_reachable(reserved_whatsapp_address("351910000000"))
