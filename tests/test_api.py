"""The REST API: every route checks who is asking; a liaison sees only their district."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from muniops.collector.core.service import Collector
from muniops.collector.core.settings import Settings
from muniops.inventory import assets, sites, tokens
from muniops.inventory.db import Database
from muniops.inventory.models import Role
from muniops.inventory.schemas import AssetCreate, PersonCreate, SiteCreate


@pytest.fixture
def api(db: Database) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    with db.write() as s:
        sites.add_site(s, SiteCreate(name="City Hall", district="Center"), actor="t")
        sites.add_site(s, SiteCreate(name="D2 Office", district="D2"), actor="t")
        sites.add_person(s, PersonCreate(name="Sara", employee_id="E1"), actor="t")
        sites.add_person(s, PersonCreate(name="Reza", employee_id="E2", site="D2 Office"),
                         actor="t")
        for tag, site in (("C-1", "City Hall"), ("C-2", "City Hall"), ("D-1", "D2 Office")):
            assets.add_asset(s, AssetCreate(kind="pc", asset_tag=tag, site=site), actor="t")
        headers = {}
        for role, district in ((Role.ADMIN, None), (Role.TECHNICIAN, None),
                               (Role.VIEWER, None), (Role.LIAISON, "D2")):
            _, plain = tokens.create_token(s, role.value, role, actor="t", district=district)
            headers[role.value] = {"Authorization": f"Bearer {plain}"}
    collector = Collector(Settings(database_url=db.url), db)
    with TestClient(collector.app) as client:
        client.muniops_app = collector.app  # type: ignore[attr-defined]
        yield client, headers


# routes whose caller proves who it is inside the body (an agent enrolling with its site's
# enrollment secret): an empty body is refused as malformed before it can be checked
BODY_AUTHENTICATED = {"/api/v1/agents/enroll": (401, 422), "/api/v1/district/enroll": (401, 422)}


def test_every_api_route_refuses_an_anonymous_caller(api) -> None:  # type: ignore[no-untyped-def]
    client, _ = api
    schema = client.muniops_app.openapi()  # type: ignore[attr-defined]
    routes = {p: m for p, m in schema["paths"].items() if p.startswith("/api/v1")}
    assert len(routes) >= 10
    for template, methods in routes.items():
        path = template.replace("{ref}", "C-1").replace("{ticket_id}", "1")
        path = path.replace("{", "").replace("}", "")
        for method in methods:
            for headers in ({}, {"Authorization": "Bearer mo_not-a-real-token"}):
                response = client.request(method, path, headers=headers, json={})
                expected = BODY_AUTHENTICATED.get(template, (401,))
                assert response.status_code in expected, f"{method} {path}: {response.status_code}"


def test_roles(api) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    assert client.get("/api/v1/assets", headers=h["viewer"]).status_code == 200
    body = {"kind": "pc", "asset_tag": "V-1"}
    assert client.post("/api/v1/assets", json=body, headers=h["viewer"]).status_code == 403
    assert client.post("/api/v1/assets", json=body, headers=h["technician"]).status_code == 201
    site = {"name": "New Site"}
    assert client.post("/api/v1/sites", json=site, headers=h["technician"]).status_code == 403
    assert client.post("/api/v1/sites", json=site, headers=h["admin"]).status_code == 201
    assert client.get("/api/v1/audit", headers=h["technician"]).status_code == 403
    audit = client.get("/api/v1/audit", headers=h["admin"]).json()
    assert audit[0]["action"] == "site.create" and audit[0]["actor"] == "api:admin"
    assert all("token_hash" not in str(e["after"]) or "<secret>" in str(e["after"])
               for e in audit)


def test_revoked_token_stops_working(api, db: Database) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    assert client.get("/api/v1/me", headers=h["viewer"]).json()["role"] == "viewer"
    with db.write() as s:
        tokens.revoke_token(s, "viewer", actor="t")
    assert client.get("/api/v1/me", headers=h["viewer"]).status_code == 401


def test_validation_errors_name_the_field(api) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    r = client.post("/api/v1/assets", json={"kind": "pc", "asset_tag": "X", "macs": ["nope"]},
                    headers=h["admin"])
    assert r.status_code == 422 and "macs" in str(r.json()["detail"][0]["loc"])
    r = client.post("/api/v1/assets", json={"kind": "pc", "asset_tag": "C-1"}, headers=h["admin"])
    assert r.status_code == 409 and "C-1" in r.json()["detail"]


def test_liaison_is_confined_to_their_district_on_every_asset_route(api) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    li = h["liaison"]
    # reads: only D2's assets, sites and tickets exist for the liaison
    assert [a["asset_tag"] for a in client.get("/api/v1/assets", headers=li).json()] == ["D-1"]
    assert [a["asset_tag"] for a in
            client.get("/api/v1/assets?site=City Hall", headers=li).json()] == []
    assert [s["name"] for s in client.get("/api/v1/sites", headers=li).json()] == ["D2 Office"]
    assert client.get("/api/v1/assets/C-1", headers=li).status_code == 404
    assert client.get("/api/v1/assets/D-1", headers=li).status_code == 200
    # changes to another district's asset: as if it did not exist
    other = [
        ("PATCH", "/api/v1/assets/C-1", {"vendor": "x"}),
        ("POST", "/api/v1/assets/C-1/assign", {"person": "E1"}),
        ("POST", "/api/v1/assets/C-1/return", {}),
        ("POST", "/api/v1/assets/C-1/retire", {}),
        ("POST", "/api/v1/assets/C-1/move", {"site": "D2 Office"}),
        ("POST", "/api/v1/assets/C-1/repairs", {"part": "disk", "vendor": "HP"}),
    ]
    for method, path, body in other:
        r = client.request(method, path, json=body, headers=li)
        assert r.status_code == 404, f"{method} {path}: {r.status_code} {r.text}"
    # creating in, or moving to, another district is refused
    r = client.post("/api/v1/assets", json={"kind": "pc", "asset_tag": "L-1", "site": "City Hall"},
                    headers=li)
    assert r.status_code == 403
    r = client.post("/api/v1/assets/D-1/move", json={"site": "City Hall"}, headers=li)
    assert r.status_code == 403
    # within the district everything works
    assert client.post("/api/v1/assets", json={"kind": "pc", "asset_tag": "L-2",
                                               "site": "D2 Office"}, headers=li).status_code == 201
    assert client.post("/api/v1/assets/D-1/assign", json={"person": "E2"},
                       headers=li).json()["assigned_to"] == "Reza"
    ticket = client.post("/api/v1/assets/D-1/repairs", json={"part": "psu", "vendor": "Dell",
                                                             "keep_in_service": True},
                         headers=li).json()
    # tickets of other districts are invisible and cannot be closed
    admin_ticket = client.post("/api/v1/assets/C-2/repairs", json={"part": "disk",
                                                                   "vendor": "HP"},
                               headers=h["admin"]).json()
    assert [t["id"] for t in client.get("/api/v1/repairs", headers=li).json()] == [ticket["id"]]
    r = client.post(f"/api/v1/repairs/{admin_ticket['id']}/close", json={"outcome": "repaired"},
                    headers=li)
    assert r.status_code == 404
    # nothing the liaison did touched the other district
    c1 = client.get("/api/v1/assets/C-1", headers=h["admin"]).json()
    assert c1["vendor"] == "" and c1["status"] == "in_stock" and c1["site"] == "City Hall"


def test_liaison_sees_and_adds_people_only_in_their_district(api) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    li, admin = h["liaison"], h["admin"]
    for tag, person in (("C-1", "E2"), ("D-1", "E2"), ("C-2", "E1")):
        assert client.post(f"/api/v1/assets/{tag}/assign", json={"person": person},
                           headers=admin).status_code == 200
    people = {p["employee_id"]: p for p in client.get("/api/v1/people", headers=admin).json()}
    assert people["E2"]["holding"] == ["C-1", "D-1"] and people["E1"]["holding"] == ["C-2"]
    # the liaison: only D2's people, holding only D2's assets
    listed = client.get("/api/v1/people", headers=li).json()
    assert [(p["employee_id"], p["holding"]) for p in listed] == [("E2", ["D-1"])]
    # a person elsewhere does not exist for the liaison
    r = client.post("/api/v1/assets/D-1/assign", json={"person": "E1", "transfer": True},
                    headers=li)
    assert r.status_code == 404 and "Sara" not in r.text
    assert client.get("/api/v1/assets?assigned_to=E1", headers=li).status_code == 404
    # people are created only at a site of the district
    for body in ({"name": "Out", "site": "City Hall"}, {"name": "Nowhere"}):
        r = client.post("/api/v1/people", json=body, headers=li)
        assert r.status_code == 403, (body, r.text)
    r = client.post("/api/v1/people", json={"name": "New D2", "site": "D2 Office"}, headers=li)
    assert r.status_code == 201
    assert {p["name"] for p in client.get("/api/v1/people", headers=li).json()} == \
        {"Reza", "New D2"}


def test_conflicts_name_no_tag_or_mac_of_another_district(api) -> None:  # type: ignore[no-untyped-def]
    client, h = api
    li, admin = h["liaison"], h["admin"]
    assert client.patch("/api/v1/assets/C-2", json={"macs": ["00:11:22:33:44:55"],
                                                    "serial": "SN-C2"},
                        headers=admin).status_code == 200
    tries = [
        ({"kind": "pc", "asset_tag": "L-9", "site": "D2 Office", "macs": ["00:11:22:33:44:55"]},
         "MAC 00:11:22:33:44:55 already belongs to another asset"),
        ({"kind": "pc", "asset_tag": "L-9", "serial": "SN-C2", "site": "D2 Office"},
         "serial 'SN-C2' already belongs to another asset"),
    ]
    for body, message in tries:
        r = client.post("/api/v1/assets", json=body, headers=li)
        assert r.status_code == 409 and r.json()["detail"] == message, r.text
        assert "C-2" not in r.text
    r = client.patch("/api/v1/assets/D-1", json={"macs": ["00:11:22:33:44:55"]}, headers=li)
    assert r.status_code == 409 and "C-2" not in r.text and "another asset" in r.text
    # the whole city's callers still learn which asset it is
    r = client.post("/api/v1/assets", json=tries[0][0], headers=admin)
    assert r.status_code == 409 and "asset C-2" in r.json()["detail"]


def test_health_and_metrics_mirror_the_register(api) -> None:  # type: ignore[no-untyped-def]
    client, _ = api
    assert client.get("/healthz").json()["status"] == "ok"
    text = client.get("/metrics").text
    assert 'muniops_assets{kind="pc",site="City Hall",status="in_stock"} 2.0' in text
    assert "muniops_store_up 1.0" in text


def test_oversized_bodies_are_refused(db: Database) -> None:
    collector = Collector(Settings(database_url=db.url, api={"max_body_bytes": 1000}), db)
    with TestClient(collector.app) as client:
        r = client.post("/api/v1/assets", content=b"x" * 5000,
                        headers={"content-type": "application/json"})
        assert r.status_code == 413 and "1000 bytes" in r.json()["detail"]

        def chunks():  # type: ignore[no-untyped-def]
            for _ in range(10):
                yield b"y" * 500

        r = client.post("/api/v1/assets", content=chunks(),
                        headers={"content-type": "application/json"})
        assert r.status_code == 413


def test_api_docs_need_no_internet(api) -> None:  # type: ignore[no-untyped-def]
    """Swagger UI's script and style come from the collector itself, not a CDN."""
    client, _ = api
    page = client.get("/api/docs")
    assert page.status_code == 200
    import re

    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    scripts = [a for a in assets if a.endswith((".js", ".css"))]
    assert len(scripts) >= 2 and all(a.startswith("/api/docs/static/") for a in scripts), assets
    for url in scripts:
        got = client.get(url)
        assert got.status_code == 200 and len(got.content) > 10_000, url
    assert client.get("/api/openapi.json").json()["info"]["title"] == "muniops"
