"""The routes that give the API the CLI's capabilities do what the commands do: PM visits
with checklist results and a repair ticket, reports as downloads, configurations redacted
unless an admin asks, long operations as jobs, sites and people changed and removed (over
the API and the CLI), and a departure's hand-over."""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from muniops.collector.core.service import Collector
from muniops.collector.core.settings import Settings
from muniops.inventory import assets, configs, pm, sites, tokens
from muniops.inventory.db import Database
from muniops.inventory.models import Role
from muniops.inventory.pm_policy import PmSettings
from muniops.inventory.schemas import AssetCreate, PersonCreate, SiteCreate

SECRET_LINE = "snmp-server community s3cr3t-community RO"


@pytest.fixture
def api(sqlite_db: Database) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    with sqlite_db.write() as s:
        sites.add_site(s, SiteCreate(name="City Hall", district="Center"), actor="t")
        sites.add_person(s, PersonCreate(name="Sara", employee_id="E1", site="City Hall"),
                         actor="t")
        sites.add_person(s, PersonCreate(name="Omid", employee_id="E2", site="City Hall"),
                         actor="t")
        pc = assets.add_asset(s, AssetCreate(kind="pc", asset_tag="C-1", site="City Hall"),
                              actor="t")
        assets.assign(s, pc, "E1", actor="t")
        configs.record_backup(s, "core-sw", f"hostname core-sw\n{SECRET_LINE}\n",
                              playbook="backup-config", actor="t", site="City Hall")
        configs.record_backup(s, "core-sw", f"hostname core-sw\n{SECRET_LINE}\nntp server 1.1\n",
                              playbook="backup-config", actor="t", site="City Hall")
        pm.sync_plan(s, PmSettings(), actor="t")
        headers = {}
        for role in (Role.ADMIN, Role.TECHNICIAN, Role.VIEWER):
            _, plain = tokens.create_token(s, role.value, role, actor="t")
            headers[role.value] = {"Authorization": f"Bearer {plain}"}
    collector = Collector(Settings(database_url=sqlite_db.url), sqlite_db)
    with TestClient(collector.app) as client:
        yield client, headers
    collector.close()


def _task(client: TestClient, h: dict[str, str]) -> dict[str, Any]:
    tasks = client.get("/api/v1/pm/due", params={"days": 400}, headers=h)
    assert tasks.status_code == 200, tasks.text
    return next(t for t in tasks.json() if t["asset"] == "C-1")


def test_a_pm_visit_with_a_failed_item_opens_a_repair_ticket(api) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    task = _task(client, h["technician"])
    done = client.post(f"/api/v1/pm/tasks/{task['id']}/done", headers=h["technician"],
                       json={"by": "Reza", "fail": {"2": "loose VGA cable"}, "repair": True})
    assert done.status_code == 200, done.text
    ticket = done.json()["repair_ticket"]
    assert ticket is not None
    shown = client.get(f"/api/v1/pm/tasks/{task['id']}", headers=h["viewer"]).json()
    assert shown["state"] == "done"
    results = {i["item"]: i for i in shown["record"]["items"]}
    assert results["check cables and connectors"] == {
        "item": "check cables and connectors", "result": "not_ok", "note": "loose VGA cable"}
    assert results["clean dust from fans and vents"]["result"] == "ok"
    repairs = client.get("/api/v1/repairs", headers=h["viewer"]).json()
    assert [r["id"] for r in repairs] == [ticket]
    again = client.post(f"/api/v1/pm/tasks/{task['id']}/done", headers=h["technician"],
                        json={"by": "Reza"})
    assert again.status_code == 409
    assert client.post(f"/api/v1/pm/tasks/{task['id']}/done", headers=h["viewer"],
                       json={"by": "x"}).status_code == 403


def test_a_pm_task_is_skipped_with_its_reason_and_the_plan_is_staffs(api) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    task = _task(client, h["admin"])
    bad = client.post(f"/api/v1/pm/tasks/{task['id']}/skip", headers=h["admin"],
                      json={"reason": " "})
    assert bad.status_code == 422 and bad.json()["field"] == "reason"
    skipped = client.post(f"/api/v1/pm/tasks/{task['id']}/skip", headers=h["admin"],
                          json={"reason": "office closed"})
    assert skipped.json()["state"] == "skipped"
    assert skipped.json()["skip_reason"] == "office closed"
    plan = client.post("/api/v1/pm/plan", headers=h["technician"], json={"weeks": 60})
    assert plan.status_code == 200 and plan.json()["load"], plan.text
    week = client.get("/api/v1/pm/due", params={"week": "2026-49"}, headers=h["viewer"])
    assert week.status_code == 422 and week.json()["field"] == "week"


def test_a_report_is_a_download_in_the_format_asked(api) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    got = client.get("/api/v1/reports/assets", params={"format": "csv"}, headers=h["viewer"])
    assert got.status_code == 200, got.text
    assert got.headers["content-type"].startswith("text/csv")
    assert 'filename="assets.csv"' in got.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert any("C-1" in row for row in rows)
    xlsx = client.get("/api/v1/reports/assets", params={"format": "xlsx"}, headers=h["viewer"])
    assert xlsx.content[:2] == b"PK"  # a zip: the XLSX container
    only_laptops = client.get("/api/v1/reports/assets", params={"kind": "laptop"},
                              headers=h["viewer"])
    assert "C-1" not in only_laptops.content.decode("utf-8-sig")
    assert client.get("/api/v1/reports/nonsense", headers=h["viewer"]).status_code == 404
    section = client.get("/api/v1/reports/assets", params={"section": "nope"},
                         headers=h["viewer"])
    assert section.status_code == 422 and section.json()["field"] == "section"


def test_configurations_are_redacted_unless_an_admin_asks(api) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    history = client.get("/api/v1/configs/core-sw/history", headers=h["viewer"]).json()
    assert [v["version"] for v in history] == [1, 2]
    text = client.get("/api/v1/configs/core-sw", headers=h["viewer"]).json()["text"]
    assert "hostname core-sw" in text and "s3cr3t-community" not in text
    diff = client.get("/api/v1/configs/core-sw/diff", headers=h["viewer"]).json()
    assert (diff["from"], diff["to"]) == (1, 2) and "+ntp server 1.1" in diff["diff"]
    assert "s3cr3t-community" not in diff["diff"]
    assert client.get("/api/v1/configs/core-sw", params={"show_secrets": True},
                      headers=h["technician"]).status_code == 403
    admin = client.get("/api/v1/configs/core-sw", params={"show_secrets": True, "version": 1},
                       headers=h["admin"]).json()
    assert SECRET_LINE in admin["text"] and admin["version"] == 1
    assert client.get("/api/v1/configs/nobody", headers=h["viewer"]).status_code == 404


def test_a_long_operation_is_a_job_whose_state_can_be_read(api) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    started = client.post("/api/v1/discovery/tables", json={}, headers=h["technician"])
    assert started.status_code == 202
    job = started.json()
    assert job["kind"] == "discovery.tables" and job["state"] in ("queued", "running", "done")
    deadline = time.monotonic() + 30
    while job["state"] != "done" and time.monotonic() < deadline:
        time.sleep(0.05)
        job = client.get(f"/api/v1/jobs/{job['id']}", headers=h["viewer"]).json()
    assert job["state"] == "done" and job["result"] == [] and job["started_by"] == "api:technician"
    assert job["id"] in [j["id"] for j in client.get("/api/v1/jobs", headers=h["viewer"]).json()]
    assert client.get("/api/v1/jobs/not-a-job", headers=h["viewer"]).status_code == 404
    unknown = client.post("/api/v1/poll", json={"devices": ["nope"]}, headers=h["technician"])
    assert unknown.status_code == 404  # said at once, not inside a job


def test_sites_and_people_are_updated_and_removed(api) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    site = client.patch("/api/v1/sites/City Hall", headers=h["admin"],
                        json={"building": "Main", "timezone": "Asia/Tehran"})
    assert site.status_code == 200 and site.json()["building"] == "Main"
    assert client.patch("/api/v1/sites/City Hall", headers=h["admin"],
                        json={"timezone": "Mars/Base"}).status_code == 422
    assert client.patch("/api/v1/sites/City Hall", headers=h["technician"],
                        json={"building": "x"}).status_code == 403
    held = client.delete("/api/v1/sites/City Hall", headers=h["admin"])
    assert held.status_code == 409 and "person" in held.json()["detail"]
    client.post("/api/v1/sites", headers=h["admin"], json={"name": "Depot"})
    assert client.delete("/api/v1/sites/Depot", headers=h["admin"]).status_code == 200
    assert "Depot" not in [s["name"] for s in client.get("/api/v1/sites",
                                                         headers=h["viewer"]).json()]
    person = client.patch("/api/v1/people/E2", headers=h["technician"],
                          json={"department": "IT", "email": "omid@example.org"})
    assert person.json()["department"] == "IT" and person.json()["email"] == "omid@example.org"
    assert client.delete("/api/v1/people/E1", headers=h["technician"]).status_code == 409
    assert client.delete("/api/v1/people/E2", headers=h["technician"]).status_code == 200
    assert "Omid" not in [p["name"] for p in client.get("/api/v1/people",
                                                        headers=h["viewer"]).json()]


def test_a_departure_hands_everything_over(api) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    left = client.post("/api/v1/people/E1/leave", headers=h["technician"],
                       json={"hand_to": "E2"})
    assert left.status_code == 200, left.text
    assert left.json()["assets"] == ["C-1"] and left.json()["successor"] == "Omid"
    holding = {p["name"]: p["holding"] for p in client.get("/api/v1/people",
                                                           headers=h["viewer"]).json()}
    assert holding == {"Sara": [], "Omid": ["C-1"]}


def test_sites_and_people_change_from_the_cli_too(cli) -> None:  # type: ignore[no-untyped-def]
    cli.ok("sites", "add", "Depot", "--district", "North")
    cli.ok("sites", "update", "Depot", "--building", "Warehouse 2")
    assert [s["building"] for s in cli.ok("sites", "list", "--json").json()] == ["Warehouse 2"]
    cli.ok("people", "add", "Leyla", "--employee-id", "E9", "--site", "Depot")
    updated = cli.ok("people", "update", "E9", "--department", "Parks", "--json").json()
    assert updated["department"] == "Parks" and updated["site"] == "Depot"
    refused = cli("sites", "remove", "Depot")
    assert refused.code != 0 and "person" in refused.err
    cli.ok("people", "remove", "E9")
    cli.ok("sites", "remove", "Depot")
    assert cli.ok("sites", "list", "--json").json() == []
