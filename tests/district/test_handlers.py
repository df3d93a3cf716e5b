"""The central's handlers for what districts forward besides agent reports, on their own:
an SNMP poll, sightings, or traps and syslog for a device or site that is not the
district's (unknown, another district's) or a malformed body is refused with why and kept
in the ledger; a good one is applied through the same store operation as a local poll,
discovery or event receiver. The district's register follows its copy. A batch arrives
gzip-compressed or plain, and a zip bomb is refused before it is unpacked."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import col, select

from muniops.collector.core.feature import runtime_of
from muniops.collector.core.service import Collector
from muniops.collector.core.settings import Settings
from muniops.collector.discovery import passive
from muniops.collector.discovery.config import DiscoverySettings
from muniops.collector.discovery.snmp_tables import ArpEntry
from muniops.collector.district.runtime import DistrictRuntime
from muniops.collector.events.config import EventSettings
from muniops.collector.events.pipeline import EventPipeline, Heard
from muniops.collector.events.rules import SyslogRules, TrapRules
from muniops.collector.snmp.config import BUILTIN_PROFILES
from muniops.collector.snmp.runtime import SnmpRuntime
from muniops.inventory import agents, devices, district, events, migrate
from muniops.inventory.db import Database, sqlite_url
from muniops.inventory.models import DistrictApplied, DistrictCollector, Site
from muniops.inventory.models.audit import AuditEntry
from muniops.inventory.models.devices import Device, DeviceState
from muniops.inventory.models.discovery import Sighting
from muniops.inventory.models.events import EventSource
from muniops.inventory.models.snmp import SnmpEvent
from muniops.inventory.schemas import SiteCreate
from muniops.inventory.sites import add_site

AT = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)


def _central(db: Database) -> str:
    """North and South districts, a device in each, a district collector for North."""
    with db.write() as s:
        add_site(s, SiteCreate(name="North Office", district="north"), actor="t")
        add_site(s, SiteCreate(name="South Office", district="south"), actor="t")
        for name, site in (("north-sw1", "North Office"), ("south-sw1", "South Office")):
            devices.add_device(s, devices.DeviceCreate(name=name, address="127.0.0.1",
                                                       snmp_credential="lan", site=site),
                               actor="t")
        _row, secret = agents.create_enrollment_secret(s, "North Office", actor="t")
    with db.write() as s:
        _found, token = district.enroll(s, secret, "north-1")
    return token


def _poll(device: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "device": device, "state": "down", "reason": "timeout", "at": AT.isoformat(),
        "duration": 1.0, "pdus": 1, "retries": 0, "errors": 1, "max_repetitions": None,
        "uptime_ticks": None, "detected_profile": None, "facts": None,
        "events": [["unreachable", "", "timeout"]]}
    body.update(changes)
    return body


def _apply(db: Database, items: list[tuple[str, dict[str, Any]]]) -> district.BatchResult:
    with db.write() as s:
        row = s.exec(select(DistrictCollector)).one()
        start = row.last_seq
        return district.apply_batch(s, row, [
            district.Item(start + n, f"{kind}:{start + n}", kind, body)
            for n, (kind, body) in enumerate(items, 1)])


def _ledger(db: Database) -> list[tuple[str, str]]:
    with db.read() as s:
        rows = s.exec(select(DistrictApplied).order_by(col(DistrictApplied.seq))).all()
        return [(r.outcome, r.detail) for r in rows]


def test_snmp_polls_and_sightings_outside_the_district_are_refused_with_why(
        db: Database) -> None:
    _central(db)
    no_time = _poll("north-sw1")
    del no_time["at"]
    done = _apply(db, [
        ("snmp.poll", _poll("ghost-sw")),
        ("snmp.poll", _poll("south-sw1")),
        ("snmp.poll", no_time),
        ("snmp.poll", _poll("north-sw1", state="sideways")),
        ("snmp.poll", _poll("north-sw1", at="2026-12-02T07:00:00")),
        ("discovery.sightings", {"site": "South Office", "at": AT.isoformat(),
                                 "observations": []}),
        ("discovery.sightings", {"site": "North Office", "at": AT.isoformat(),
                                 "observations": [{"ip": "10.0.0.9"}]}),
        ("snmp.poll", _poll("north-sw1")),
        ("discovery.sightings", {"site": "North Office", "at": AT.isoformat(),
                                 "observations": [{"ip": "10.1.0.9", "mac": "00:11:22:33:44:55",
                                                   "how": "snmp_arp", "vendor": "Acme"}]}),
    ])
    assert (done.applied, done.refused, done.through) == (2, 7, 9)
    ledger = _ledger(db)
    assert [o for o, _ in ledger] == ["refused"] * 7 + ["applied"] * 2
    details = [d for _, d in ledger]
    assert "'ghost-sw'" in details[0] and "not in the central register" in details[0]
    assert "district 'south'" in details[1] and "outside district 'north'" in details[1]
    assert "not an SNMP poll item: missing 'at'" in details[2]
    assert "not an SNMP poll item" in details[3] and "sideways" in details[3]
    assert "no time zone" in details[4]
    assert "sightings at 'South Office'" in details[5] and "outside" in details[5]
    assert "not a sightings item" in details[6] and "how" in details[6]
    with db.read() as s:
        north = s.exec(select(Device).where(Device.name == "north-sw1")).one()
        south = s.exec(select(Device).where(Device.name == "south-sw1")).one()
        assert (north.state, north.last_poll_at) == (DeviceState.DOWN, AT)
        assert south.state == DeviceState.UNKNOWN and south.last_poll_at is None
        events = s.exec(select(SnmpEvent)).all()
        assert [(e.device_id, e.kind.value, e.at) for e in events] == [
            (north.id, "unreachable", AT)]
        seen = s.exec(select(Sighting)).all()
        assert [(x.site, x.ip, x.mac) for x in seen] == [
            ("North Office", "10.1.0.9", "00:11:22:33:44:55")]


def test_the_districts_register_follows_its_copy(db: Database) -> None:
    def entry(name: str, address: str, **more: Any) -> dict[str, Any]:
        return {"name": name, "address": address, "site": "North Office", "kind": "switch",
                "platform": "", "tags": [], "tables": [],
                "snmp": {"credential": "lan", "port": 1161, "poll": True, "profile": None,
                         "interval": 60}, "ssh": None, **more}

    with db.write() as s:  # a device registered by hand at the district, not the central's
        add_site(s, SiteCreate(name="Depot", district="north"), actor="t")
        devices.add_device(s, devices.DeviceCreate(name="local-only", address="10.9.9.9",
                                                   site="Depot"), actor="t")
    copy = {"district": "north", "devices": [entry("north-sw1", "10.0.0.1"),
                                             entry("north-sw2", "10.0.0.2"),
                                             entry("broken", "10.0.0.3", site="Nowhere",
                                                   tables=["bogus"])]}
    with db.write() as s:
        done = district.sync_copy(s, copy, actor="district:north-1")
    assert (done.added, done.disabled) == (["north-sw1", "north-sw2"], ["local-only"])
    assert "broken" in done.refused and "bogus" in done.refused["broken"]

    copy["devices"] = [entry("north-sw1", "10.0.0.11")]  # one moved, one gone at the central
    with db.write() as s:
        again = district.sync_copy(s, copy, actor="district:north-1")
        unchanged = district.sync_copy(s, copy, actor="district:north-1")
    assert (again.added, again.updated, again.disabled) == ([], ["north-sw1"], ["north-sw2"])
    assert (unchanged.added, unchanged.updated, unchanged.disabled) == ([], [], [])
    with db.read() as s:
        rows = {d.name: d for d in s.exec(select(Device))}
        assert (rows["north-sw1"].address, rows["north-sw1"].snmp_port,
                rows["north-sw1"].snmp_interval, rows["north-sw1"].enabled) == (
            "10.0.0.11", 1161, 60, True)
        assert not rows["north-sw2"].enabled and not rows["local-only"].enabled
        site = s.exec(select(Site).where(Site.name == "North Office")).one()
        assert site.district == "north"  # made from the copy
        actors = set(s.exec(select(AuditEntry.actor).where(
            col(AuditEntry.entity) == "device")).all())
        assert actors == {"t", "district:north-1"}


def _client(db: Database, cap: int) -> TestClient:
    settings = Settings(database_url=db.url, api={"max_body_bytes": cap})
    return TestClient(Collector(settings, db).app)


def test_batches_arrive_gzip_or_plain_and_a_zip_bomb_is_refused(db: Database) -> None:
    token = _central(db)
    auth = {"Authorization": f"Bearer {token}"}
    items = [{"seq": n, "key": f"snmp.poll:{n}", "kind": "snmp.poll",
              "body": _poll("north-sw1", at=AT.replace(minute=n).isoformat(),
                            events=[])} for n in (1, 2)]
    with _client(db, 64 * 1024) as client:
        packed = gzip.compress(json.dumps({"items": items[:1]}).encode())
        answer = client.post("/api/v1/district/items", content=packed,
                             headers={**auth, "Content-Encoding": "gzip",
                                      "Content-Type": "application/json"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["applied"] == 1
        answer = client.post("/api/v1/district/items", json={"items": items[1:]},
                             headers=auth)  # plain JSON still
        assert (answer.status_code, answer.json()["through"]) == (200, 2)

        bomb = gzip.compress(b'{"items": [' + b" " * (10 * 1024 * 1024) + b"]}")
        assert len(bomb) < 64 * 1024  # it passes the cap on what is sent
        answer = client.post("/api/v1/district/items", content=bomb,
                             headers={**auth, "Content-Encoding": "gzip"})
        assert answer.status_code == 413
        assert "once decompressed" in answer.json()["detail"]
        answer = client.post("/api/v1/district/items", content=packed[:-8],
                             headers={**auth, "Content-Encoding": "gzip"})
        assert answer.status_code == 400 and "gzip" in answer.json()["detail"]
        answer = client.post("/api/v1/district/items", content=b"{}",
                             headers={**auth, "Content-Encoding": "br"})
        assert answer.status_code == 415
        answer = client.post("/api/v1/district/items", content=packed,
                             headers={"Content-Encoding": "gzip"})
        assert answer.status_code == 401  # the caller first, the body after
        answer = client.post("/api/v1/district/items", json={"items": [{"seq": 0}]},
                             headers=auth)
        assert answer.status_code == 422
    with db.read() as s:
        row = s.exec(select(Device).where(Device.name == "north-sw1")).one()
        assert row.last_poll_at == AT.replace(minute=2)


def _district_store(tmp_path: Path) -> Database:
    """A district collector's own store, with its site."""
    (tmp_path / "district").mkdir()
    local = Database(sqlite_url(tmp_path / "district"))
    migrate.upgrade(local.engine)
    with local.write() as s:
        add_site(s, SiteCreate(name="North Office", district="north"), actor="t")
    return local


def test_sightings_travel_from_the_districts_discovery_to_the_central(
        db: Database, tmp_path: Path) -> None:
    _central(db)
    local = _district_store(tmp_path)
    sent: list[tuple[str, str, dict[str, Any]]] = []
    source = passive.Source("north-sw1", "127.0.0.1", 161, "lan", "North Office", ("arp",))
    tables = passive.SourceTables(arp=[ArpEntry("10.1.0.7", "00:11:22:33:44:66", 3)])
    passive.record(local, DiscoverySettings(), "North Office", source, tables,
                   actor="discovery", forward=lambda *item: sent.append(item))
    assert [(kind, key.startswith("discovery.sightings:North Office@north-sw1@"))
            for kind, key, _ in sent] == [("discovery.sightings", True)]
    done = _apply(db, [(sent[0][0], sent[0][2])])
    assert (done.applied, done.refused) == (1, 0)
    for store in (local, db):
        with store.read() as s:
            assert [(x.site, x.ip, x.mac) for x in s.exec(select(Sighting))] == [
                ("North Office", "10.1.0.7", "00:11:22:33:44:66")]
    local.dispose()


def test_traps_and_syslog_heard_at_the_district_are_stored_at_the_central(
        db: Database, tmp_path: Path) -> None:
    _central(db)
    local = _district_store(tmp_path)
    with local.write() as s:
        devices.add_device(s, devices.DeviceCreate(name="north-sw1", address="10.0.0.1",
                                                   site="North Office"), actor="t")
    config = EventSettings()
    pipe = EventPipeline(local, TrapRules.load(config.all_trap_files()),
                         SyslogRules.load(config.all_syslog_files()), queue_size=10,
                         extra_addresses=dict)
    sent: list[tuple[str, str, dict[str, Any]]] = []
    pipe.forward = lambda *item: sent.append(item)
    raw = (b"<189>51: *Mar  1 00:20:00: %PARSER-5-CFGLOG_LOGGEDCMD: User:admin  logged "
           b"command:username backup secret 0 Hunter2-secret")
    pipe.handle([Heard(EventSource.SYSLOG, "10.0.0.1", raw=raw),
                 Heard(EventSource.SYSLOG, "10.0.0.99", raw=b"<13>hello")])
    assert [kind for kind, _, _ in sent] == ["device.events"]
    assert "Hunter2" not in json.dumps(sent)  # redacted before it is queued
    other = {"events": [{**sent[0][2]["events"][0], "device": "south-sw1"}]}
    done = _apply(db, [(sent[0][0], sent[0][2]), ("device.events", other),
                       ("device.events", {"events": [{"kind": "x"}]})])
    assert (done.applied, done.refused) == (1, 2)
    details = [d for _, d in _ledger(db)]
    assert "outside district 'north'" in details[1]
    assert "not a device events item" in details[2]
    for store in (local, db):
        with store.read() as s:
            stored = events.list_events(s)
            assert sorted((e.kind, e.device_name, e.sender) for e in stored) == [
                ("config_change", "north-sw1", "10.0.0.1"),
                ("unknown_sender", "", "10.0.0.99")]
    local.dispose()


def test_the_copys_snmp_profiles_are_checked_before_the_district_polls_with_them(
        sqlite_db: Database, tmp_path: Path) -> None:
    settings = Settings(database_url=sqlite_db.url, data_dir=tmp_path / "data",
                        district={"role": "district", "name": "north-1",
                                  "central_url": "https://127.0.0.1:9",
                                  "enrolment_secret": "me_x"})
    collector = Collector(settings, sqlite_db)
    here = runtime_of(collector, DistrictRuntime)
    snmp = runtime_of(collector, SnmpRuntime)
    assert here is not None and snmp is not None
    shipped = (BUILTIN_PROFILES / "generic.yaml").read_text()
    good = "name: lab-x\nkind: switch\nmatch:\n  sys_object_id: [1.3.6.1.4.1.8072.3.2]\n"
    here.follow({"district": "north", "devices": [],
                 "profiles": {"generic": shipped, "lab-x": good, "../evil": good}})
    pulled = tmp_path / "data" / "district" / "profiles"
    assert [p.name for p in pulled.glob("*.yaml")] == ["lab-x.yaml"]  # only what differs
    snmp.runner.run()
    assert "lab-x" in snmp.runner.profiles.by_name  # read again once the folder changed

    bad = good.replace("kind: switch", "kind: spaceship")
    here.follow({"district": "north", "devices": [], "profiles": {"lab-x": bad}})
    assert (pulled / "lab-x.yaml").read_text() == good  # the last good ones kept
    here.follow({"district": "north", "devices": [], "profiles": {}})
    assert list(pulled.glob("*.yaml")) == []  # gone at the central, gone here
    collector.close()
