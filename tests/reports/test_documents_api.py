"""The documents over the API: who may ask, what comes back, and the audit of the export."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from muniops.collector.core.service import Collector
from muniops.collector.core.settings import Settings
from muniops.inventory import assets, sites, tokens
from muniops.inventory.db import Database
from muniops.inventory.models import AuditEntry, Role
from muniops.inventory.schemas import AssetCreate, PersonCreate, SiteCreate

Client = tuple[TestClient, dict[str, dict[str, str]]]


@pytest.fixture
def api(sqlite_db: Database) -> Iterator[Client]:
    with sqlite_db.write() as s:
        sites.add_site(s, SiteCreate(name="City Hall", district="Center",
                                     timezone="Europe/Istanbul"), actor="t")
        for name, eid in (("Sara Ahmadi", "E1"), ("Reza Karimi", "E2")):
            sites.add_person(s, PersonCreate(name=name, employee_id=eid), actor="t")
        for tag in ("C-1", "C-2"):
            assets.add_asset(s, AssetCreate(kind="pc", asset_tag=tag, serial=f"S{tag}",
                                            site="City Hall"), actor="t")
        headers = {}
        for role in (Role.TECHNICIAN, Role.VIEWER):
            _, plain = tokens.create_token(s, role.value, role, actor="t")
            headers[role.value] = {"Authorization": f"Bearer {plain}"}
    collector = Collector(Settings(database_url=sqlite_db.url), sqlite_db)
    with TestClient(collector.app) as client:
        yield client, headers


def test_receipt_handover_and_their_audit(api: Client, sqlite_db: Database) -> None:
    client, h = api
    tech = h["technician"]
    for tag in ("C-1", "C-2"):
        assigned = client.post(f"/api/v1/assets/{tag}/assign", headers=tech,
                               json={"person": "E1", "condition": "good"})
        assert assigned.status_code == 200, assigned.text
    bad = client.post("/api/v1/assets/C-1/assign", headers=tech,
                      json={"person": "E2", "condition": "shiny", "transfer": True})
    assert bad.status_code == 422 and "condition" in bad.text
    url = "/api/v1/documents/receipt?asset=C-1&asset=C-2&fmt=html&lang=tr"
    assert client.get(url, headers=h["viewer"]).status_code == 403
    page = client.get(url, headers=tech)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    body = page.text
    assert "Zimmet tutanağı" in body and "Sara Ahmadi" in body and "SC-2" in body
    assert "iyi" in body and "İstanbul saati" in body
    left = client.post("/api/v1/people/E1/leave", headers=tech, json={"hand_to": "E2"})
    assert left.status_code == 200
    assert left.json()["assets"] == ["C-1", "C-2"] and left.json()["successor"] == "Reza Karimi"
    pdf = client.get("/api/v1/documents/handover/E1", headers=tech)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    again = client.post("/api/v1/people/E1/leave", headers=tech, json={})
    assert again.status_code == 409
    with sqlite_db.read() as s:
        exports = list(s.exec(select(AuditEntry).where(
            AuditEntry.action == "export.personal_data")))
    assert sorted((e.after or {})["document"] for e in exports) == ["assignment-receipt",
                                                                    "handover"]
    assert {e.actor for e in exports} == {"api:technician"}
