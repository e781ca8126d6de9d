"""The public face of ``sladesk.tickets`` is exactly its ``__all__``: what other packages
need is named here, and nothing imports ``sladesk.tickets._*`` from outside
(``pyproject.toml``'s import-linter contracts)."""

from __future__ import annotations

import sladesk.tickets


def test_all_is_pinned() -> None:
    assert sorted(sladesk.tickets.__all__) == [
        "Actor",
        "ActorKind",
        "AuthenticationFailed",
        "Authorship",
        "CONTACT_HISTORY_KINDS",
        "Conflict",
        "Entitlement",
        "Forbidden",
        "InvalidRequest",
        "MAX_ID",
        "NotFound",
        "RetentionCandidate",
        "RetentionDecision",
        "Role",
        "Scope",
        "TRANSITIONS",
        "TicketRuleError",
        "TicketState",
        "add_months",
        "apply",
        "can_see_event",
        "can_see_message",
        "check_attach",
        "check_entitlement",
        "check_id",
        "check_storable_text",
        "check_transition",
        "clean_content_type",
        "clean_filename",
        "contact_sees_event",
        "decide_accept",
        "decide_assign",
        "decide_attributes_change",
        "decide_call",
        "decide_close",
        "decide_create",
        "decide_internal_note",
        "decide_priority_change",
        "decide_reopen",
        "decide_reply",
        "decide_retention",
        "decide_solve",
        "decide_status_change",
        "decide_type_change",
        "first_message_authorship",
        "parse_status",
        "purgeable",
        "quota_month",
        "retention_months",
        "subscription_problems",
        "unstorable_reason",
    ]
    for name in sladesk.tickets.__all__:
        assert hasattr(sladesk.tickets, name)
