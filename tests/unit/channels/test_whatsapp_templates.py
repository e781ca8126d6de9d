"""WhatsApp templates, read: the Cloud API's template listing (a page of it) and the reply
command that sends one. Pure: no I/O."""

from __future__ import annotations

from typing import Any

import pytest

from sladesk.channels.whatsapp.templates import TemplatesUnavailable, read_templates
from sladesk.services import read_template_command, template_command, template_parameters

PAGE: dict[str, Any] = {
    "data": [
        {"name": "order_update", "language": "en_US", "status": "APPROVED",
         "category": "UTILITY", "parameter_format": "POSITIONAL",
         "components": [{"type": "HEADER", "format": "TEXT", "text": "Order {{1}}"},
                        {"type": "BODY", "text": "Hi {{1}}, order {{2}} ships {{3}}. {{1}}!",
                         "example": {"body_text": [["Ana", "#9", "today"]]}}]},
        {"name": "welcome", "language": "pt_BR", "status": "APPROVED", "category": "MARKETING",
         "parameter_format": "NAMED",
         "components": [{"type": "BODY", "text": "Olá {{first_name}}!",
                         "example": {"body_text_named_params": [
                             {"param_name": "first_name", "example": "Zé"}]}}]},
        {"name": "promo", "language": "en_US", "status": "REJECTED", "category": "MARKETING",
         "components": [{"type": "BODY", "text": "Buy now"}]},
        {"name": "paused", "language": "en_US", "status": "PAUSED", "components": []},
        {"language": "en_US", "status": "APPROVED"},  # no name: skipped
        "not a template",
    ],
    "paging": {"cursors": {"before": "QVFI", "after": "QVFIUk"},
               "next": "https://graph.facebook.com/v21.0/1/message_templates?after=QVFIUk"},
}  # fmt: skip


def test_a_page_lists_its_approved_templates_with_their_parameters_and_the_next_cursor() -> None:
    templates, after = read_templates(PAGE)
    assert [(t.name, t.language, t.category) for t in templates] == [
        ("order_update", "en_US", "UTILITY"),
        ("welcome", "pt_BR", "MARKETING"),
    ]
    assert templates[0].parameters == ("1", "2", "3") and templates[0].examples == (
        "Ana", "#9", "today",
    )  # fmt: skip
    assert templates[1].parameters == ("first_name",) and templates[1].examples == ("Zé",)
    assert after == "QVFIUk"


def test_the_last_page_has_no_next_cursor_and_a_non_listing_is_refused() -> None:
    last = {"data": [], "paging": {"cursors": {"before": "a", "after": "b"}}}
    assert read_templates(last) == ([], None)
    for bad in ({"error": {"code": 190}}, [], "x", {"data": "x"}):
        with pytest.raises(TemplatesUnavailable):
            read_templates(bad)


def test_positional_parameters_are_in_numeric_order_named_in_first_appearance() -> None:
    assert template_parameters("{{2}} then {{10}} then {{1}} and {{2}}") == ("1", "2", "10")
    assert template_parameters("{{b}} {{ a }} {{b}}") == ("b", "a")
    assert template_parameters("no placeholders, {single} {{}}") == ()


def test_the_template_command_is_written_and_read_back() -> None:
    text = template_command("order_update", "en_US", [("1", "Ana\n Sá"), ("2", "#9 = x")])
    assert text == "/template order_update en_US\n1=Ana Sá\n2=#9 = x"
    found = read_template_command(text)
    assert found is not None
    assert (found.name, found.language, found.values) == (
        "order_update", "en_US", (("1", "Ana Sá"), ("2", "#9 = x")),
    )  # fmt: skip
    plain = read_template_command("/template follow_up")
    assert plain is not None and (plain.language, plain.values) == ("en", ())


@pytest.mark.parametrize(
    "text",
    [
        "Hello, /template is a word here",
        "/template",
        "/template a b c",
        "/template Bad-Name en",
        "/template ok en_US\nnot a parameter line",
        "/template ok en_US\n=value",
        "/template ok en_US\nbad key=value",
        "/template ok english_language_x",
    ],
)
def test_anything_else_is_not_a_template_command(text: str) -> None:
    assert read_template_command(text) is None
