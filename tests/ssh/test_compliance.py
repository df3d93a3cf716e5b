"""Compliance, facts and PM health against fakenos Cisco IOS devices: the baseline switch
passes, the legacy one fails each check with its remediation; facts reach the register;
the metrics say the same."""

from __future__ import annotations

import json

import pytest
from prometheus_client import CollectorRegistry

from muniops.collector.cli.main import invoke
from muniops.collector.core.settings import Settings
from muniops.collector.ssh.metrics import PlaybookMetrics
from muniops.collector.ssh.runs import RunStats, run_and_record
from muniops.inventory import assets, configs
from muniops.inventory.db import Database
from muniops.inventory.models import AssetKind
from muniops.inventory.schemas import AssetCreate

BASELINE = {"ssh-v2-only", "no-telnet-vty", "no-default-snmp-community",
            "no-snmp-write-community", "enable-secret", "password-encryption",
            "exec-timeout", "logging-host", "ntp", "login-banner"}


def test_compliance_facts_and_health(ios_settings: Settings, db: Database,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    with db.write() as s:
        assets.add_asset(s, AssetCreate(asset_tag="SW-0042", serial="FOC1822Y1CD",
                                        kind=AssetKind.SWITCH), actor="test")

    stats = RunStats()
    _, results = run_and_record(ios_settings, db, "compliance-baseline", actor="test")
    by_device = {r.device: {c.rule: c for c in r.checks} for r in results}
    assert set(by_device["sw-hall"]) == BASELINE
    assert all(c.passed for c in by_device["sw-hall"].values())
    assert {rule for rule, c in by_device["sw-depot"].items() if not c.passed} == BASELINE
    telnet = by_device["sw-depot"]["no-telnet-vty"]
    assert telnet.severity.value == "critical"
    assert "transport input telnet ssh" in telnet.detail
    assert "exec-timeout 10 0" in by_device["sw-depot"]["exec-timeout"].remediation

    capsys.readouterr()
    assert invoke(["--config", ios_settings.source, "compliance", "--json"]) == 0
    failing = json.loads(capsys.readouterr().out)
    assert {f["device"] for f in failing} == {"sw-depot"}
    assert {f["rule"] for f in failing} == BASELINE
    assert failing[0]["severity"] == "critical"  # most severe first
    # a community is a secret even in a failing check's detail
    details = " ".join(f["detail"] for f in failing)
    assert "public" not in details and "private" not in details and "cisco" not in details
    snmp = next(f for f in failing if f["rule"] == "no-snmp-write-community")
    assert snmp["detail"] == "found 1 line(s): 'snmp-server community <redacted> RW'"

    _, facts = run_and_record(ios_settings, db, "facts", actor="test")
    assert {r.device: r.facts.get("serial") for r in facts} == {
        "sw-hall": "FOC2101X0AB", "sw-depot": "FOC1822Y1CD"}
    with db.read() as s:
        rows = {f.device: f for f in configs.list_facts(s)}
        asset = assets.get_asset(s, "SW-0042")
    assert rows["sw-depot"].model == "WS-C2960X-48FPD-L"
    assert rows["sw-depot"].version == "15.2(7)E8"
    assert rows["sw-depot"].asset_id == asset.id and asset.model == "WS-C2960X-48FPD-L"
    assert rows["sw-hall"].asset_id is None

    _, health = run_and_record(ios_settings, db, "pm-network", actor="test")
    hall = next(r for r in health if r.device == "sw-hall")
    checks = {c.rule: c for c in hall.checks}
    assert checks["fans-ok"].passed and checks["temperature"].passed
    assert not checks["interface-errors"].passed
    assert "GigabitEthernet1/0/2: input_errors=17" in checks["interface-errors"].detail
    assert "GigabitEthernet1/0/1" not in checks["interface-errors"].detail
    with db.read() as s:
        evidence = next(f for f in configs.list_facts(s) if f.device == "sw-hall").health
    assert evidence is not None
    assert evidence["evidence"]["environment"][0]["temperature_celsius"] == "38"

    stats.add("compliance-baseline", 1.5, results)
    registry = CollectorRegistry()
    registry.register(PlaybookMetrics(db, stats))
    assert registry.get_sample_value("muniops_compliance_failures",
                                     {"rule": "no-telnet-vty", "severity": "critical"}) == 1
    assert registry.get_sample_value("muniops_compliance_failures",
                                     {"rule": "interface-errors", "severity": "medium"}) == 2
    assert registry.get_sample_value("muniops_playbook_run_duration_seconds",
                                     {"playbook": "compliance-baseline"}) == 1.5
