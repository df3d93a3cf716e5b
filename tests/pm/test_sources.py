"""Reports and PM evidence built from the other features' tables: the agents' host facts
and hardware changes, SNMP devices, configuration versions, discovery's unknown devices.
Rows are written as those features write them (their models), then read back here."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import select

from muniops.collector.reports.config import Lang
from muniops.collector.reports.kinds import build
from muniops.collector.reports.model import ColumnType
from muniops.collector.reports.present import Presenter
from muniops.collector.reports.request import ReportRequest
from muniops.inventory import audit, pm
from muniops.inventory.assets import get_asset
from muniops.inventory.db import Database
from muniops.inventory.models.agents import HostFacts
from muniops.inventory.models.configs import ConfigBackupState, ConfigVersion
from muniops.inventory.models.devices import Device, DeviceState
from muniops.inventory.models.discovery import SeenBy, Sighting, UnknownDevice
from muniops.inventory.models.pm import PmRecord, PmTask
from muniops.inventory.types import utcnow
from tests.pm.conftest import policy


def _av(product: str, *, enabled: bool, days_old: float) -> dict[str, Any]:
    when = (utcnow() - timedelta(days=days_old)).isoformat()
    return {"state": "found", "problems": [], "products": [
        {"product": product, "enabled": enabled, "realtime": True, "signature_time": when}]}


def _facts(asset_id: int, antivirus: dict[str, Any]) -> HostFacts:
    return HostFacts(
        asset_id=asset_id, reported_at=utcnow(), antivirus=antivirus,
        hardware={"memory_mib": 8192},
        facts={"os": {"family": "windows"}, "health": {"uptime_seconds": 3600},
               "filesystems": [{"mountpoint": "C:\\", "size_bytes": 100, "used_bytes": 91}]})


def test_antivirus_report_from_agent_facts(city: Database) -> None:
    with city.write() as s:
        ids = {t: get_asset(s, t).id or 0 for t in ("PC-1", "PC-2", "PC-3")}
        s.add(_facts(ids["PC-1"], _av("Defender", enabled=True, days_old=0.5)))
        s.add(_facts(ids["PC-2"], _av("Defender", enabled=False, days_old=0.5)))
        s.add(_facts(ids["PC-3"], _av("Kaspersky", enabled=True, days_old=10)))
    with city.read() as s:
        report = build(s, "antivirus", ReportRequest())
        weekly = build(s, "activity", ReportRequest())
    summary = {k: v for k, v, _t in report.summary}
    assert (summary["hosts"], summary["compliant"]) == (3, 1)
    problems = {r[0]: r[5] for r in report.section("antivirus_problems").rows}
    assert problems.keys() == {"PC-2", "PC-3"}
    # the reasons, each a sentence the report translates
    assert problems["PC-2"] == ["Defender is disabled"]
    assert problems["PC-3"] == ["Kaspersky signatures are 10 days old (max 3)"]
    persian = Presenter(lang=Lang.FA).text(problems["PC-3"], ColumnType.LABELS)
    assert persian == "امضاهای Kaspersky 10 روزه است (حداکثر 3)"
    by_site = {r[0]: r[1:] for r in report.section("antivirus_by_site").rows}
    assert by_site["City Hall"] == (1, 1, 1.0)
    assert weekly.section("antivirus_problems").missing_source is None
    assert len(weekly.section("antivirus_problems").rows) == 2


def test_pm_evidence_from_the_last_agent_report_and_snmp(city: Database) -> None:
    with city.write() as s:
        pc, switch = get_asset(s, "PC-1"), get_asset(s, "SW-1")
        s.add(_facts(pc.id or 0, _av("Defender", enabled=True, days_old=1)))
        s.add(Device(name="sw-1", address="127.0.0.1", snmp_credential="lab",
                         asset_id=switch.id, state=DeviceState.UP, sys_uptime=123400,
                         last_success_at=utcnow()))
        pm.sync_plan(s, policy(), actor="t")
        tasks = {t.asset_id: t.id or 0 for t in s.exec(select(PmTask))}
    with city.write() as s:
        pm.complete(s, tasks[pc.id or 0], policy(), performed_by="a", actor="t")
        pm.complete(s, tasks[switch.id or 0], policy(), performed_by="a", actor="t")
    with city.read() as s:
        evidence = {r.asset_id: r.evidence for r in s.exec(select(PmRecord))}
    host = evidence[pc.id]
    assert host["available"] and host["source"] == "agent"
    assert host["disk_fill"] == [{"mountpoint": "C:\\", "used_percent": 91.0}]
    assert host["antivirus"]["products"][0]["product"] == "Defender"
    assert host["health"] == {"uptime_seconds": 3600}
    net = evidence[switch.id]
    assert net["available"] and net["snmp"]["state"] == "up"
    assert net["snmp"]["uptime_seconds"] == 1234


def test_weekly_activity_reads_hardware_config_and_discovery(city: Database) -> None:
    now = utcnow()
    with city.write() as s:
        pc = get_asset(s, "PC-1")
        s.add(_facts(pc.id or 0, _av("Defender", enabled=True, days_old=0)))
        audit.record(s, "agent:pc-1", "asset.hardware_change", "asset", pc.id,
                     before={"memory_mib": 8192}, after={"memory_mib": 16384})
        s.add(ConfigBackupState(device="core-sw", site="City Hall"))
        s.add(ConfigVersion(device="core-sw", version=1, sha256="a", text="x", lines=10,
                            playbook="backup", collected_at=now - timedelta(days=1)))
        s.add(ConfigVersion(device="core-sw", version=2, sha256="b", text="y", lines=12,
                            playbook="backup", collected_at=now))
        s.add(Sighting(site="City Hall", ip="10.0.0.9", mac="aa:bb:cc:00:00:09",
                       how=SeenBy.ARP_SWEEP))
        s.add(UnknownDevice(mac="aa:bb:cc:00:00:09", site="City Hall", ip="10.0.0.9",
                            vendor="Acme"))
    with city.read() as s:
        weekly = build(s, "activity", ReportRequest())
    hardware = weekly.section("hardware_changes").rows
    assert [(r[1], r[3]) for r in hardware] == [("PC-1", "memory_mib: 8192 → 16384")]
    assert not any(r[2] == "asset.hardware_change"
                   for r in weekly.section("changed_assets").rows)
    assert [(r[1], r[3]) for r in weekly.section("config_changes").rows] == [("core-sw", 2)]
    unknown = weekly.section("unknown_devices").rows
    assert {r[4] for r in unknown} == {"aa:bb:cc:00:00:09", ""}  # the MAC, and NEW-1
    assert {r[1] for r in unknown} == {"", "NEW-1"}
