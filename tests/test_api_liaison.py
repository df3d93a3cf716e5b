"""A liaison sees and changes only its district, through every route of the OpenAPI
schema: the routes are read from the schema, so a new route is covered the day it is
added. The store holds two districts' data; district North's liaison asks every route
about district South's things (their names, numbers and addresses in the path, the body
and the query) and must never see them in an answer, nor change anything."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlmodel import SQLModel

from muniops.collector.core.service import Collector
from muniops.collector.core.settings import Settings
from muniops.inventory import (
    agents,
    assets,
    configs,
    devices,
    discovery,
    events,
    pm,
    repairs,
    sites,
    tokens,
)
from muniops.inventory.db import Database
from muniops.inventory.models import Role
from muniops.inventory.models.configs import Severity
from muniops.inventory.models.discovery import NeighbourProtocol, SeenBy
from muniops.inventory.models.events import EventSource
from muniops.inventory.pm_policy import PmSettings
from muniops.inventory.schemas import AssetCreate, PersonCreate, RepairOpen, SiteCreate

# everything of district South carries "south" (case aside), or is one of these
SOUTH_MAC, SOUTH_UNKNOWN_MAC, SOUTH_IP = "02:00:00:00:02:01", "02:00:00:00:02:99", "10.2.0.7"
NORTH_MAC = "02:00:00:00:01:01"
# what the store may change when a caller only reads: its token's last use, the audit log
# (reads of personal data are recorded as exports)
MAY_CHANGE = {"api_token", "audit_entry"}
METHODS = ("get", "post", "put", "patch", "delete")


def _district(s: Any, d: str, site: str, mac: str, ip: str, unknown_mac: str) -> dict[str, Any]:
    """One district's data through the register's own operations; its identifiers."""
    low = d.lower()
    sites.add_site(s, SiteCreate(name=site, district=d), actor="t")
    sites.add_person(s, PersonCreate(name=f"{d} Holder", employee_id=f"{d}-E1", site=site),
                     actor="t")
    sites.add_person(s, PersonCreate(name=f"{d} Leaver", employee_id=f"{d}-E2", site=site),
                     actor="t")
    pc = assets.add_asset(s, AssetCreate(kind="pc", asset_tag=f"{d}-A1", site=site,
                                         hostname=f"{low}-pc1", macs=[mac]), actor="t")
    assets.assign(s, pc, f"{d}-E1", actor="t")
    laptop = assets.add_asset(s, AssetCreate(kind="laptop", asset_tag=f"{d}-A2", site=site),
                              actor="t")
    assets.assign(s, laptop, f"{d}-E2", actor="t")
    handover = assets.person_leaves(s, f"{d}-E2", actor="t")
    assets.add_asset(s, AssetCreate(kind="switch", asset_tag=f"{d}-SW1", site=site,
                                    hostname=f"{low}-sw1"), actor="t")
    ticket = repairs.open_ticket(s, f"{d}-A1", RepairOpen(part="disk", vendor=f"{d} Vendor"),
                                 actor="t")
    device = f"{low}-sw1"
    devices.add_device(s, devices.DeviceCreate(name=device, address="127.0.0.1",
                                               snmp_credential="lab", site=site), actor="t")
    configs.record_backup(s, device, f"hostname {device}\nsnmp-server community {low}-secret\n",
                          playbook="backup-config", actor="t", site=site)
    configs.record_backup(s, device, f"hostname {device}\nntp server {ip}\n",
                          playbook="backup-config", actor="t", site=site)
    configs.record_compliance(s, device, "compliance-baseline", [configs.CheckOutcome(
        f"{low}-rule", f"{d} rule", Severity.HIGH, False, f"{d} detail")], site=site)
    discovery.record_observations(s, site, [
        discovery.Observation(ip, mac, SeenBy.ARP_SWEEP, hostname=f"{low}-pc1"),
        discovery.Observation(f"{ip}9", unknown_mac, SeenBy.ARP_SWEEP, vendor=f"{d} Phones"),
    ], actor="t")
    discovery.record_neighbours(s, device, site, [discovery.Link(
        "Gi0/1", NeighbourProtocol.LLDP, f"{low}-core", "Gi1/0/1")])
    events.record_events(s, [events.NewEvent(EventSource.SYSLOG, "config-change", device=device,
                                             subject=f"{d} configuration changed")])
    _, secret = agents.create_enrollment_secret(s, site, actor="t")
    agent, _ = agents.enroll(s, secret, f"{low}-pc1")
    return {"site": site, "device": device, "task": None, "ticket": ticket.id,
            "handover": handover.id, "agent": agent.uid, "mac": unknown_mac}


@pytest.fixture
def world(sqlite_db: Database) -> Iterator[tuple[TestClient, dict[str, dict[str, str]],
                                                  dict[str, Any]]]:
    db = sqlite_db
    with db.write() as s:
        _district(s, "North", "North Office", NORTH_MAC, "10.1.0.7", "02:00:00:00:01:99")
        south = _district(s, "South", "South Office", SOUTH_MAC, SOUTH_IP, SOUTH_UNKNOWN_MAC)
        pm.sync_plan(s, PmSettings(), actor="t")
        headers = {}
        for role, district in ((Role.ADMIN, None), (Role.LIAISON, "North")):
            _, plain = tokens.create_token(s, role.value, role, actor="t", district=district)
            headers[role.value] = {"Authorization": f"Bearer {plain}"}
    with db.read() as s:
        south["task"] = next(t.id for t in pm.list_tasks(s) if t.district == "South")
    collector = Collector(Settings(database_url=db.url), db)
    with TestClient(collector.app) as client:
        # a job the whole city started: not a liaison's to see
        job = client.post("/api/v1/discovery/tables", json={}, headers=headers["admin"])
        assert job.status_code == 202, job.text
        south["job"] = job.json()["id"]
        with db.write() as s:
            pm.refresh_states(s)  # the clock's work, done before the snapshot
        yield client, headers, south
    collector.close()


def _south_values(south: dict[str, Any]) -> dict[str, list[Any]]:
    """South's identifiers, by the name of the parameter or field that could carry them."""
    refs = ["South-A1", "South-E1", "South Holder", "south-pc1", "South-E2", SOUTH_MAC,
            SOUTH_IP, "South-SW1"]
    return {
        "ref": refs, "person": ["South-E1"], "hand_to": ["South-E1"], "asset": ["South-A1"],
        "site": [south["site"]], "district": ["South"], "device": [south["device"]],
        "devices": [[south["device"]]], "targets": [[south["device"]]],
        "name": [south["site"], south["device"], "backup-config", "admin"],
        "mac": [south["mac"]], "task": [south["task"]], "ticket_id": [south["ticket"]],
        "number": [south["handover"], "WO-1"], "agent": [south["agent"]],
        "job_id": [south["job"]], "licence_id": [1],
    }


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    if "anyOf" in node:
        node = next((_resolve(schema, n) for n in node["anyOf"] if n.get("type") != "null"),
                    node)
    return node


def _value(schema: dict[str, Any], name: str, node: dict[str, Any],
           values: dict[str, list[Any]]) -> Any:
    """A value for field ``name``: South's identifier where the name says what it is."""
    if name in values:
        return values[name][0]
    node = _resolve(schema, node)
    if "enum" in node:
        return node["enum"][0]
    kind = node.get("type")
    if kind == "object":
        return {}
    if kind == "array":
        return []
    if kind == "boolean":
        return False
    if kind in ("integer", "number"):
        return 1
    return "South value"


def _body(schema: dict[str, Any], op: dict[str, Any], values: dict[str, list[Any]]) -> Any:
    content = op.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    node = _resolve(schema, content["application/json"]["schema"])
    return {k: _value(schema, k, v, values) for k, v in node.get("properties", {}).items()}


def _requests(schema: dict[str, Any], south: dict[str, Any]
              ) -> Iterator[tuple[str, str, dict[str, Any], Any]]:
    """Every operation, once for each of South's identifiers its path can carry."""
    values = _south_values(south)
    for template, ops in schema["paths"].items():
        if not template.startswith("/api/"):
            continue
        for method in METHODS:
            op = ops.get(method)
            if op is None:
                continue
            params = op.get("parameters", [])
            query = {p["name"]: values[p["name"]][0] for p in params
                     if p["in"] == "query" and p["name"] in ("site", "device", "district")}
            body = _body(schema, op, values)
            choices: list[dict[str, Any]] = [{}]
            for p in (p for p in params if p["in"] == "path"):
                enum = _resolve(schema, p.get("schema", {})).get("enum")
                options = enum or values.get(p["name"], ["south-unknown"])
                choices = [c | {p["name"]: v} for c in choices for v in options]
            for chosen in choices:
                path = template
                for key, v in chosen.items():
                    path = path.replace("{" + key + "}", str(v))
                yield method, path, query, body


def _snapshot(db: Database) -> dict[str, list[str]]:
    with db.engine.connect() as conn:
        return {t.name: sorted(json.dumps([str(v) for v in row]) for row in
                               conn.execute(sa.select(t)))
                for t in SQLModel.metadata.sorted_tables if t.name not in MAY_CHANGE}


def _sent(method: str, path: str, query: dict[str, Any], body: Any) -> list[str]:
    """What the caller itself sent: an error may name it back."""
    found = [str(v) for v in re.split(r"[/]", path) if v]
    found += [str(v) for v in query.values()]
    found += [str(x) for v in (body or {}).values() for x in (v if isinstance(v, list) else [v])]
    return sorted(set(found), key=len, reverse=True)


def _leaks(text: str, sent: list[str], south: dict[str, Any]) -> list[str]:
    for value in sent:
        text = text.replace(value, "").replace(json.dumps(value)[1:-1], "")
    markers = ["south", SOUTH_MAC, SOUTH_UNKNOWN_MAC, SOUTH_IP, south["agent"], south["job"]]
    return [m for m in markers if m.lower() in text.lower()]


def test_a_liaison_never_sees_nor_changes_another_district(world, sqlite_db) -> None:  # type: ignore[no-untyped-def]
    client, headers, south = world
    schema = client.app.openapi()
    before = _snapshot(sqlite_db)
    asked, answered = 0, 0
    problems = []
    for method, path, query, body in _requests(schema, south):
        response = client.request(method, path, params=query, json=body,
                                  headers=headers["liaison"])
        asked += 1
        answered += response.status_code < 300
        leaked = _leaks(response.text, _sent(method, path, query, body), south)
        if leaked:
            problems.append(f"{method.upper()} {path} {query}: {response.status_code} shows "
                            f"{leaked}: {response.text[:300]}")
        if method != "get" and response.status_code < 300:
            after = _snapshot(sqlite_db)
            changed = sorted(t for t in after if after[t] != before[t])
            if changed:
                problems.append(f"{method.upper()} {path}: {response.status_code} changed "
                                f"{changed}")
                before = after
    assert not problems, "\n".join(problems)
    assert asked > 150 and answered > 20  # every route was asked, many answered North's data
    assert _snapshot(sqlite_db) == before


def test_the_check_sees_south_where_it_is_shown(world) -> None:  # type: ignore[no-untyped-def]
    """The same questions as an admin find South on many routes: the check above can fail."""
    client, headers, south = world
    schema = client.app.openapi()
    shown = set()
    for method, path, _query, _body in _requests(schema, south):
        if method != "get":
            continue
        response = client.get(path, headers=headers["admin"])
        if response.status_code == 200 and _leaks(response.text, [], south):
            shown.add(path.split("/")[3])
    for area in ("people", "assets", "pm", "reports", "discovery", "configs", "compliance",
                 "hosts", "repairs", "agents", "jobs", "events"):
        assert area in shown, f"{area}: South's data is not shown even to an admin"


# public by design (docs/api.md): liveness, and an agent or a district collector
# enrolling, which proves itself
# with its site's enrolment secret in the body (a wrong one is refused, 403)
PUBLIC = {("get", "/healthz"): (200, 503), ("post", "/api/v1/agents/enroll"): (401, 403, 422),
          ("post", "/api/v1/district/enroll"): (401, 403, 422)}


def test_every_route_refuses_a_caller_without_a_valid_token(world) -> None:  # type: ignore[no-untyped-def]
    client, _, south = world
    schema = client.app.openapi()
    assert ("get", "/healthz") in {(m, p) for p, ops in schema["paths"].items() for m in ops}
    wrong = []
    for method, path, query, body in _requests(schema, south):
        template = next(t for t in schema["paths"] if _matches(t, path))
        expected = PUBLIC.get((method, template), (401,))
        for headers in ({}, {"Authorization": "Bearer mo_not-a-real-token"},
                        {"Authorization": "Basic YWRtaW46YWRtaW4="}):
            response = client.request(method, path, params=query, json=body, headers=headers)
            if response.status_code not in expected:
                wrong.append(f"{method.upper()} {path} {headers}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
    # /healthz is in the schema but outside /api/: asked here too
    assert client.get("/healthz").status_code == 200


def _matches(template: str, path: str) -> bool:
    pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
    return re.fullmatch(pattern, path) is not None
