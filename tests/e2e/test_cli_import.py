"""`sladesk import zendesk|csv PATH` as a real process on a real SQLite file: the closing
report (created, skipped with why, records that could not be read), the same run again
changing nothing, and a folder that is not there."""

from __future__ import annotations

import json
from pathlib import Path

from test_cli_compliance import _desk
from test_cli_tickets import run

DATA = Path(__file__).resolve().parents[1] / "data" / "import"


def test_import_reports_and_is_idempotent(tmp_path: Path) -> None:
    db = tmp_path / "desk.db"
    _desk(db, "blip-go.yaml", "pro")
    url = f"sqlite:///{db}"
    done = run("import", "zendesk", str(DATA / "zendesk"), "--database-url", url, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Imported from zendesk" in done.stdout
    assert "4 records could not be read" in done.stdout
    assert "tickets.json:4: ticket 103: created_at: missing" in done.stdout
    again = run("import", "zendesk", str(DATA / "zendesk"), "--database-url", url, "--json",
                cwd=tmp_path)  # fmt: skip
    assert again.returncode == 0, again.stderr
    body = json.loads(again.stdout)
    assert body["counts"]["ticket"] == {"created": 0, "updated": 0, "unchanged": 4, "skipped": 0}
    assert len(body["unreadable"]) == 4
    listed = run("tickets", "list", "--database-url", url, cwd=tmp_path)
    assert "Reports page is slow" in listed.stdout  # an open imported ticket


def test_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "desk.db"
    _desk(db, "blip-go.yaml", "pro")
    done = run("import", "csv", str(tmp_path / "nowhere"), "--database-url", f"sqlite:///{db}",
               cwd=tmp_path)  # fmt: skip
    assert done.returncode == 1 and "not a folder" in done.stderr
    assert "Traceback" not in done.stderr
    unknown = run("import", "jira", str(tmp_path), "--database-url", f"sqlite:///{db}",
                  cwd=tmp_path)  # fmt: skip
    assert unknown.returncode == 2 and "one of: zendesk, freshdesk, csv" in unknown.stderr
