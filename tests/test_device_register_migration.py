"""A store at 0610 with SNMP devices and what SSH playbooks and discovery recorded, plus a
config still listing playbook devices and discovery sources, upgrades to one register of
devices with every row still attached."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import text
from sqlmodel import select

from muniops.collector.core.settings import load_settings
from muniops.collector.devices.legacy import import_config
from muniops.inventory import devices, migrate
from muniops.inventory.db import Database
from muniops.inventory.models import Device
from muniops.inventory.models.configs import (
    ComplianceResult,
    ConfigBackupState,
    ConfigVersion,
    DeviceFacts,
)
from muniops.inventory.models.discovery import MacPort, Neighbour, Sighting
from muniops.inventory.models.events import DeviceEvent
from muniops.inventory.models.snmp import SnmpEvent, WirelessLink

T = "'2024-01-01 00:00:00'"
ROWS_0610 = [
    "INSERT INTO site (name, district, building, address, timezone, notes, created_at) "
    f"VALUES ('City Hall', 'Center', '', '', 'UTC', '', {T})",
    "INSERT INTO snmp_device (id, name, address, port, credential, site_id, profile, enabled, "
    "state, state_reason, facts, created_at) VALUES "
    f"(7, 'sw-core', '10.0.0.1', 161, 'snmp-ro', 1, 'cisco', true, 'up', '', "
    f"'{{\"serial\": \"X1\"}}', {T}), "
    f"(9, 'ap-roof', '10.0.0.9', 1161, 'snmp-ro', NULL, NULL, false, 'down', 'timeout', NULL, {T})",
    "INSERT INTO snmp_event (device_id, at, kind, subject, detail) VALUES "
    f"(7, {T}, 'reboot', '', ''), (9, {T}, 'unreachable', '', '')",
    "INSERT INTO device_event (at, source, kind, severity, device_id, device_name, sender, "
    f"subject, detail) VALUES ({T}, 'trap', 'link_down', 'warning', 7, 'sw-core', '10.0.0.1', "
    "'Gi0/1', '')",
    # sw-core is also backed up over SSH; sw-hall only over SSH (listed in the config)
    "INSERT INTO config_version (device, version, sha256, text, lines, playbook, collected_at) "
    f"VALUES ('sw-core', 1, 'a', 'hostname sw-core', 1, 'backup-config', {T}), "
    f"('sw-hall', 1, 'b', 'hostname sw-hall', 1, 'backup-config', {T}), "
    f"('sw-hall', 2, 'c', 'hostname sw-hall\\n!', 2, 'backup-config', {T})",
    "INSERT INTO config_backup_state (device, site, last_cause, last_error) VALUES "
    "('sw-core', 'City Hall', '', ''), ('sw-hall', 'City Hall', 'auth_failed', 'denied')",
    "INSERT INTO device_facts (device, platform, model, serial, version, uptime, collected_at) "
    f"VALUES ('sw-hall', 'cisco_ios', 'WS-C2960', 'FOC1', '15.2', '1 day', {T})",
    "INSERT INTO compliance_result (device, site, playbook, rule, title, severity, passed, "
    f"detail, remediation, checked_at) VALUES ('sw-hall', 'City Hall', 'baseline', 'ntp', '', "
    f"'high', false, '', '', {T}), "
    f"('sw-core', 'City Hall', 'baseline', 'ntp', '', 'high', true, '', '', {T})",
    "INSERT INTO sighting (site, ip, mac, vendor, how, first_seen, last_seen) VALUES "
    f"('City Hall', '10.0.0.1', 'aa:bb:cc:00:00:01', '', 'snmp_arp', {T}, {T}), "
    f"('City Hall', '10.0.0.50', 'aa:bb:cc:00:00:50', '', 'snmp_arp', {T}, {T})",
    "INSERT INTO neighbour (device, local_port, protocol, remote_name, remote_port, "
    "remote_address, remote_platform, site, last_seen) VALUES ('rtr-depot', 'Gi0/0', 'lldp', "
    f"'sw-core', 'Gi0/24', '', '', 'Depot', {T})",
    "INSERT INTO mac_port (switch, port, mac, site, last_seen) VALUES "
    f"('rtr-depot', 'Gi0/1', 'aa:bb:cc:00:00:50', 'Depot', {T})",
    "INSERT INTO wireless_link (name, site_a, site_b, device_a, device_b, state, reason, "
    f"updated_at) VALUES ('roof', 'City Hall', '', 'sw-core', 'ap-roof', 'ok', '', {T})",
]


def _config(tmp_path: Path, url: str) -> Path:
    creds = tmp_path / "credentials.yaml"
    creds.write_text(yaml.safe_dump({"ios": {"type": "ssh", "username": "u", "password": "p"},
                                     "snmp-ro": {"type": "snmp", "version": "2c",
                                                 "community": "public"}}))
    creds.chmod(0o600)
    config = tmp_path / "muniops.yaml"
    config.write_text(yaml.safe_dump({
        "data_dir": str(tmp_path / "data"), "database_url": url,
        "credentials_file": str(creds),
        "playbooks": {"devices": [
            {"name": "sw-hall", "address": "10.0.1.2:2222", "platform": "cisco_ios",
             "credential": "ios", "site": "City Hall", "kind": "switch", "tags": ["core"]},
            {"name": "sw-core", "address": "10.0.0.1", "platform": "cisco_ios",
             "credential": "ios", "site": "City Hall", "kind": "switch"}]},
        "discovery": {"sites": {"Depot": {"snmp": [
            {"name": "rtr-depot", "host": "10.0.2.1", "credential": "snmp-ro",
             "tables": ["arp", "fdb", "neighbours"]}]}}}}))
    return config


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_0610_store_and_config_become_one_register(kind: str, tmp_path: Path,
                                                    request: pytest.FixtureRequest,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    from tests.conftest import new_database_url

    url = new_database_url(kind, tmp_path, request)
    db = Database(url)
    migrate.upgrade(db.engine, "0610")
    with db.engine.begin() as conn:
        for statement in ROWS_0610:
            conn.execute(text(statement))
    migrate.upgrade(db.engine)

    with db.read() as s:  # the SNMP devices kept their ids, roles and poll state
        core, roof = (devices.get_device(s, n) for n in ("sw-core", "ap-roof"))
        assert (core.id, core.snmp_credential, core.snmp_port, core.snmp_profile, core.state,
                core.facts) == (7, "snmp-ro", 161, "cisco", "up", {"serial": "X1"})
        assert (roof.id, roof.snmp_port, roof.enabled, roof.state_reason) == (
            9, 1161, False, "timeout")
        assert core.polled and not roof.polled and core.ssh_credential is None
        assert {e.device_id for e in s.exec(select(SnmpEvent))} == {7, 9}
        assert [e.device_id for e in s.exec(select(DeviceEvent))] == [7]
        link = s.exec(select(WirelessLink)).one()
        assert (link.device_a_id, link.device_b_id) == (7, 9)
        assert {v.device_id for v in s.exec(select(ConfigVersion))
                if v.device == "sw-core"} == {7}
        sightings = {x.ip: x.device_id for x in s.exec(select(Sighting))}
        assert sightings == {"10.0.0.1": 7, "10.0.0.50": None}

    caplog.set_level("WARNING")
    warnings = import_config(load_settings(_config(tmp_path, url)), db)
    assert {w.split("'")[1] for w in warnings} == {"playbooks.devices",
                                                    "discovery.sites.Depot.snmp"}
    assert "deprecated" in caplog.text and "playbooks.devices" in caplog.text

    with db.read() as s:
        by_name = {d.name: d for d in s.exec(select(Device))}
        assert sorted(by_name) == ["ap-roof", "rtr-depot", "sw-core", "sw-hall"]
        core, hall, rtr = by_name["sw-core"], by_name["sw-hall"], by_name["rtr-depot"]
        # one record: SNMP-polled sw-core gained its SSH role
        assert (core.id, core.snmp_credential, core.ssh_credential, core.platform) == (
            7, "snmp-ro", "ios", "cisco_ios")
        assert (hall.address, hall.ssh_port, hall.kind, hall.tags, hall.snmp_credential) == (
            "10.0.1.2", 2222, "switch", ["core"], None)
        # a discovery source is read for its tables, not polled (as before)
        assert (rtr.snmp_credential, rtr.tables, rtr.polled) == (
            "snmp-ro", ["arp", "fdb", "neighbours"], False)
        assert devices.site_of(s, rtr).name == "Depot"  # type: ignore[union-attr]
        # every row names its device by id now
        for table in (ConfigVersion, ConfigBackupState, DeviceFacts, ComplianceResult):
            rows = list(s.exec(select(table)))
            assert rows and all(r.device_id == by_name[r.device].id for r in rows), table
        assert len(list(s.exec(select(ConfigVersion)))) == 3
        assert [n.device_id for n in s.exec(select(Neighbour))] == [rtr.id]
        assert [m.device_id for m in s.exec(select(MacPort))] == [rtr.id]
        assert {x.ip: x.device_id for x in s.exec(select(Sighting))} == sightings
        assert [d.name for d in devices.ssh_devices(s)] == ["sw-core", "sw-hall"]
        assert [d.name for d in devices.table_sources(s)] == ["rtr-depot"]

    # a second start changes nothing
    import_config(load_settings(_config(tmp_path, url)), db)
    with db.read() as s:
        assert len(list(s.exec(select(Device)))) == 4
    db.dispose()
