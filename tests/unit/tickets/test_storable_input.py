"""What every way in refuses before a service sees it: text that neither engine can store (a
NUL, a lone surrogate) and ids outside 1 to 2**63 - 1. Everything else, RTL marks and emoji
included, goes through unchanged."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sladesk.tickets import (
    MAX_ID,
    InvalidRequest,
    check_id,
    check_storable_text,
    unstorable_reason,
)


@pytest.mark.parametrize(
    "text",
    ["", "plain", "שלום עולם", "\u202eevil", "👩🏽‍💻 works", "tab\tand\nnewline", "\x1b[31m"],
)
def test_storable_text_goes_through_unchanged(text: str) -> None:
    assert unstorable_reason(text) is None
    assert check_storable_text(text, field="body") is text


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("a\x00b", "NUL character (U+0000) at position 1"),
        ("\x00", "NUL character (U+0000) at position 0"),
        ("olá\ud800", "lone surrogate (U+D800) at position 3"),
        ("\udfff tail", "lone surrogate (U+DFFF) at position 0"),
    ],
)
def test_unstorable_text_is_refused_on_its_field(text: str, says: str) -> None:
    reason = unstorable_reason(text)
    assert reason is not None and says in reason
    with pytest.raises(InvalidRequest) as caught:
        check_storable_text(text, field="subject")
    assert caught.value.field == "subject"
    assert caught.value.code == "text.unstorable"
    assert says in caught.value.message


@given(st.text())
def test_a_text_is_storable_exactly_when_it_encodes_to_utf8_without_nul(text: str) -> None:
    try:
        storable = b"\x00" not in text.encode("utf-8")
    except UnicodeEncodeError:
        storable = False
    assert (unstorable_reason(text) is None) is storable


@pytest.mark.parametrize("ident", [1, 42, MAX_ID])
def test_ids_in_range(ident: int) -> None:
    assert check_id(ident, field="ticket_id") == ident


@pytest.mark.parametrize("ident", [0, -1, MAX_ID + 1, 10**20])
def test_ids_out_of_range(ident: int) -> None:
    with pytest.raises(InvalidRequest) as caught:
        check_id(ident, field="ticket_id")
    assert caught.value.field == "ticket_id"
    assert MAX_ID == 2**63 - 1
