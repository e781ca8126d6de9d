"""Importing another help desk's export (``sladesk.importers`` + ``services.import_history``)
on a real SQLite file and a real PostgreSQL, from the fixture exports in tests/data/import/
(written from Zendesk's and Freshdesk's public API documentation; no real customer data).

The desk's policy (desk_fixtures.POLICY): Lisbon hours Mon-Fri 09-18; first response urgent
1h, high 4h, normal 8h. Zendesk ticket 100 (high, filed Monday 2025-03-03 09:30Z) was first
answered at 10:15Z: its first response is met at 10:15, 45 business minutes used.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from desk_fixtures import Desk

from sladesk import services
from sladesk.importers import read_export
from sladesk.services import ImportReport
from sladesk.tickets import Forbidden

DATA = Path(__file__).resolve().parents[1] / "data" / "import"


LATER = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)  # the import runs a week after the history


def _run(desk: Desk, source: str, path: Path) -> ImportReport:
    desk.clock.set(LATER)
    export = read_export(source, path)
    return services.import_history(desk.uow, desk.clock, desk.admin, source,
                                   export.organizations, export.people, export.tickets)  # fmt: skip


def _ticket(desk: Desk, subject: str) -> services.TicketView:
    found = [t for t in services.list_tickets(desk.uow, desk.clock, desk.admin,
                                              services.TicketFilters(text=subject))
             if t.subject == subject]  # fmt: skip
    assert len(found) == 1, subject
    return services.get_ticket(desk.uow, desk.clock, desk.admin, found[0].id)


def test_zendesk_export_is_imported_with_its_history(desk: Desk) -> None:
    export = read_export("zendesk", DATA / "zendesk")
    assert [str(p).split("/")[-1] for p in export.problems] == [
        "organizations.json:3: organization name: missing",
        "users.json:7: user email: missing",
        "users.json:8: not JSON: Expecting value",
        "tickets.json:4: ticket 103: created_at: missing",
    ]
    report = _run(desk, "zendesk", DATA / "zendesk")
    # the desk has a Globex already (slug globex): the export's Globex is linked to it
    assert report.counts["organization"] == {"created": 1, "updated": 0, "unchanged": 1,
                                             "skipped": 0}  # fmt: skip
    assert "an organisation with slug 'globex' was there already: linked to it" in report.notes
    assert report.counts["ticket"]["created"] == 4 and report.counts["ticket"]["skipped"] == 0
    assert report.counts["person"]["created"] == 6
    assert (
        "plan 'enterprise' is not in the policy in force: imported without a plan" in report.notes
    )
    assert "priority 'low' is not in the policy in force: 'normal' used" in report.notes
    assert "type 'problem' is not in the policy in force: 'question' used" in report.notes

    view = _ticket(desk, "Checkout fails with error 500")
    assert view.status == "solved" and view.priority == "high" and view.type == "incident"
    assert view.channel == "email" and view.created_at == datetime(2025, 3, 3, 9, 30, tzinfo=UTC)
    bodies = [(m.author_kind, m.public, m.body.split("\n")[0]) for m in view.messages]
    assert bodies == [
        ("contact", True, "Checkout fails with error 500 since this morning."),
        ("agent", True, "We are looking into it."),
        ("agent", False, "Payment provider timeout in the logs."),
    ]
    assert "screenshot.png (image/png, 48213 bytes)" in view.messages[0].body
    assert "<b>looking</b>" in view.messages[1].body_html
    first = next(t for t in view.sla.targets if t.metric == "first_response")
    assert first.state == "met" and first.fulfilled_at == datetime(2025, 3, 3, 10, 15, tzinfo=UTC)
    assert first.used == timedelta(minutes=45)
    resolution = next(t for t in view.sla.targets if t.metric == "resolution")
    assert resolution.state == "met"
    assert resolution.fulfilled_at == datetime(2025, 3, 3, 11, 0, tzinfo=UTC)

    deleted = _ticket(desk, "Reports page is slow")
    assert deleted.messages[0].author_name == "(deleted user)"
    assert "<script>" not in deleted.messages[0].body_html
    assert deleted.created_at == datetime(2025, 3, 4, 13, 0, tzinfo=UTC)  # +01:00 kept exact
    merged = _ticket(desk, "Checkout broken")
    assert merged.status == "closed" and merged.channel == "phone"


def test_importing_again_changes_only_what_changed(desk: Desk, tmp_path: Path) -> None:
    _run(desk, "zendesk", DATA / "zendesk")
    again = _run(desk, "zendesk", DATA / "zendesk")
    for kind, row in again.counts.items():
        assert row["created"] == row["updated"] == 0, (kind, row)
    newer = tmp_path / "zendesk"
    shutil.copytree(DATA / "zendesk", newer)
    lines = (newer / "tickets.json").read_text().splitlines()
    first = json.loads(lines[0])
    first["status"] = "open"
    first["comments"].append({"id": 1004, "author_id": 10, "body": "It fails again.",
                              "public": True, "created_at": "2025-03-04T08:00:00Z"})  # fmt: skip
    first["audits"].append({"id": 5004, "created_at": "2025-03-04T08:00:00Z", "author_id": 10,
                            "events": [{"type": "Change", "field_name": "status",
                                        "value": "open", "previous_value": "solved"}]})  # fmt: skip
    second = json.loads(lines[1])
    second["audits"][0]["created_at"] = "2025-03-04T12:59:00Z"  # its history rewritten
    lines[0], lines[1] = json.dumps(first), json.dumps(second)
    (newer / "tickets.json").write_text("\n".join(lines) + "\n")
    report = _run(desk, "zendesk", newer)
    assert report.counts["ticket"] == {"created": 0, "updated": 1, "unchanged": 2, "skipped": 1}
    assert [(o.external_id, o.why.split(" (")[0]) for o in report.skipped] == [
        ("101", "its history in this export is not the one imported before plus new entries")
    ]
    view = _ticket(desk, "Checkout fails with error 500")
    assert view.status == "open" and view.messages[-1].body == "It fails again."
    assert len(view.messages) == 4


def test_freshdesk_and_csv_exports(desk: Desk) -> None:
    fresh = read_export("freshdesk", DATA / "freshdesk")
    assert [str(p).split("/")[-1] for p in fresh.problems] == [
        "tickets.json[3]: ticket 3003: status: unknown status 42"
    ]
    report = _run(desk, "freshdesk", DATA / "freshdesk")
    assert report.counts["ticket"]["created"] == 2
    tps = _ticket(desk, "TPS report export broken")
    assert (tps.status, tps.priority, tps.type, tps.channel) == ("solved", "high", "incident",
                                                                 "email")  # fmt: skip
    assert [m.body.split("\n")[0] for m in tps.messages] == [
        "Export gives an empty file.",
        "Fixed, please check.",
        "Works now, thanks!",
    ]
    stapler = _ticket(desk, "Stapler missing")
    assert stapler.created_at == datetime(2025, 3, 4, 14, 0, tzinfo=UTC)
    assert stapler.status == "pending_customer" and stapler.messages[-1].public is False
    assert "priority 'low' is not in the policy in force: 'normal' used" in report.notes

    plain = read_export("csv", DATA / "csv")
    assert [str(p).split("/")[-1] for p in plain.problems] == [
        "people.csv:4: person kind: contact or agent, not 'robot'",
        "changes.csv:5: change of ticket t3: at: not an ISO 8601 instant: 'yesterday'",
        "tickets.csv:4: ticket id: left out: one of its changes or messages cannot be read",
    ]
    report = _run(desk, "csv", DATA / "csv")
    assert report.counts["ticket"] == {"created": 2, "updated": 0, "unchanged": 0, "skipped": 0}
    door = _ticket(desk, "Lab door stuck")
    assert door.status == "solved" and door.priority == "urgent" and door.assignee_id is not None
    first = next(t for t in door.sla.targets if t.metric == "first_response")
    # filed 08:00Z, before Lisbon opens at 09:00: answered 09:30 = 30 business minutes
    assert first.state == "met" and first.used == timedelta(minutes=30)


def test_only_admins_import(desk: Desk) -> None:
    with pytest.raises(Forbidden):
        services.import_history(desk.uow, desk.clock, desk.agent, "csv", [], [], [])


def test_imported_tickets_are_back_tested(desk: Desk) -> None:
    _run(desk, "zendesk", DATA / "zendesk")
    report = services.backtest_policy(desk.uow, desk.clock, desk.lead,
                                      desk_policy_with("high: 4h", "high: 30m"))  # fmt: skip
    flips = [(c.metric, c.current_state, c.draft_state) for c in report.flipped]
    assert ("first_response", "met", "breached") in flips


def desk_policy_with(old: str, new: str) -> str:
    from desk_fixtures import POLICY

    assert old in POLICY
    return POLICY.replace(old, new, 1)
