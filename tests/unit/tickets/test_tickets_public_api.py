"""The public face of ``sladesk.tickets`` is exactly its ``__all__``: what other packages
need is named here, and nothing imports ``sladesk.tickets._*`` from outside
(``pyproject.toml``'s import-linter contracts)."""

from __future__ import annotations

import sladesk.tickets


def test_all_is_pinned() -> None:
    assert sorted(sladesk.tickets.__all__) == [
        "Actor",
        "ActorKind",
        "AgentAvailability",
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
        "Route",
        "RoutingPeople",
        "Scope",
        "Slot",
        "TRANSITIONS",
        "TicketRuleError",
        "TicketState",
        "absence_span",
        "add_months",
        "apply",
        "can_see_event",
        "can_see_message",
        "check_attach",
        "check_entitlement",
        "check_id",
        "check_slot",
        "check_storable_text",
        "check_transition",
        "clean_content_type",
        "clean_filename",
        "contact_sees_event",
        "decide_accept",
        "decide_assign",
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
        "free_slots",
        "parse_status",
        "pick_team_member",
        "purgeable",
        "quota_month",
        "retention_months",
        "review_period",
        "route_ticket",
        "subscription_problems",
        "unstorable_reason",
    ]
    for name in sladesk.tickets.__all__:
        assert hasattr(sladesk.tickets, name)
