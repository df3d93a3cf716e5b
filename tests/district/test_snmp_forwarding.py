"""A district collector polls the device the central's register assigns to its district and
the central shows what it saw: real ``muniops serve`` processes (the central over HTTPS,
the district on its own SQLite) and Debian's snmpd on 127.0.0.1 as the device. The
district takes the device from its pulled copy, polls it with a profile it has only from
the copy, forwards each poll (gzip batches); the central is stopped while the device goes
down and comes back, and after the central is back it has the district's events once
each, in order."""

from __future__ import annotations

import json
import socket
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func
from sqlmodel import col, select

from muniops.inventory import devices, sites, tokens
from muniops.inventory.db import Database, sqlite_url
from muniops.inventory.models import DistrictApplied, Role
from muniops.inventory.models.devices import Device, DeviceState
from muniops.inventory.models.snmp import SnmpEvent
from muniops.inventory.schemas import SiteCreate
from muniops.lab import snmpd
from muniops.lab.district import make_central, make_district
from muniops.lab.net import free_port

pytestmark = pytest.mark.skipif(not snmpd.available(), reason="Debian's snmpd is not installed")

SNMP = {"interval_seconds": 10, "timeout_seconds": 1, "retries": 0}
LAB_PROFILE = """\
name: lab-snmpd
description: the test's snmpd, known to the central only
kind: switch
priority: 50
match:
  sys_object_id: [1.3.6.1.4.1.8072.3.2]
facts:
  lab_contact: 1.3.6.1.2.1.1.4.0
"""


def _wait(what: str, check: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def _device(db: Database, name: str) -> Device | None:
    with db.read() as s:
        return s.exec(select(Device).where(Device.name == name)).first()


def _events(db: Database, name: str) -> list[tuple[str, str]]:
    with db.read() as s:
        rows = s.exec(select(SnmpEvent).join(Device, col(Device.id) == SnmpEvent.device_id)
                      .where(Device.name == name).order_by(col(SnmpEvent.id))).all()
        return [(e.kind.value, e.at.isoformat()) for e in rows]


def _poll_now(url: str, token: str) -> None:
    """Poll the device now through the district's API (the same runner as its job), not
    waiting for the job's next turn."""
    request = urllib.request.Request(f"{url}/api/v1/poll", method="POST",
                                     data=json.dumps({"devices": ["north-sw1"]}).encode(),
                                     headers={"Authorization": f"Bearer {token}",
                                              "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 202


def _polls_applied(db: Database) -> int:
    with db.read() as s:
        return int(s.exec(select(func.count()).select_from(DistrictApplied)
                          .where(DistrictApplied.kind == "snmp.poll")).one())


def test_district_polls_its_copy_and_the_central_gets_the_events_once_in_order(
        tmp_path: Path) -> None:
    central = make_central(tmp_path / "central")
    secret = central.secret_for("North Office", "north")
    port = free_port(socket.SOCK_DGRAM)
    at_central = Database(central.database_url)
    with at_central.write() as s:  # the register's own operations, as the CLI calls them
        sites.add_site(s, SiteCreate(name="South Office", district="south"), actor="test")
        for name, site in (("north-sw1", "North Office"), ("south-sw1", "South Office")):
            devices.add_device(s, devices.DeviceCreate(
                name=name, address="127.0.0.1", snmp_port=port, snmp_credential="lan",
                site=site), actor="test")
    # a profile only the central has: the district polls with it once it has the copy
    (tmp_path / "profiles").mkdir()
    (tmp_path / "profiles" / "lab-snmpd.yaml").write_text(LAB_PROFILE)
    config = yaml.safe_load(central.config.read_text())
    config["snmp"] = {"profile_dirs": [str(tmp_path / "profiles")]}
    central.config.write_text(yaml.safe_dump(config))
    creds = tmp_path / "credentials.yaml"
    creds.write_text("lan: {type: snmp_v2c, community: public}\n")
    creds.chmod(0o600)
    district = make_district(tmp_path / "north", central, "north-1", secret,
                             site="North Office", district="north",
                             extra={"credentials_file": str(creds), "snmp": SNMP,
                                    "district": {"pull_every_seconds": 10}})
    at_district = Database(sqlite_url(district.data_dir))
    try:
        with snmpd.running_snmpd(port=port):
            central.process.start(timeout=60)
            district.process.start(timeout=60)
            with at_district.write() as s:
                _, token = tokens.create_token(s, "test", Role.TECHNICIAN, actor="test")
            # the copy brings the district's device (only it) into the district's register
            _wait("the copy at the district", lambda: _device(at_district, "north-sw1")
                  is not None)
            _poll_now(district.process.url, token)
            _wait("the device polled at the district", lambda: (
                (d := _device(at_district, "north-sw1")) is not None
                and d.state == DeviceState.UP))
            assert _device(at_district, "south-sw1") is None
            # ... and the central shows what the district saw
            _wait("the poll at the central", lambda: (
                (d := _device(at_central, "north-sw1")) is not None
                and d.state == DeviceState.UP))
            seen = _device(at_central, "north-sw1")
            assert seen is not None and seen.facts and seen.sys_uptime
            assert "lab-snmpd" in (seen.detected_profile or "").split(",")
            assert "lab_contact" in seen.facts
            pulled = district.data_dir / "district" / "profiles"
            assert [p.name for p in pulled.glob("*.yaml")] == ["lab-snmpd.yaml"]
            south = _device(at_central, "south-sw1")
            assert south is not None and south.last_poll_at is None  # nobody polls it

            central.process.stop()
        # the device goes away while the central is away: the district sees it go down
        _poll_now(district.process.url, token)
        _wait("the device down at the district", lambda: (
            (d := _device(at_district, "north-sw1")) is not None
            and d.state == DeviceState.DOWN), timeout=20)
        with snmpd.running_snmpd(port=port):  # ... and come back
            _poll_now(district.process.url, token)
            _wait("the device back at the district", lambda: (
                (d := _device(at_district, "north-sw1")) is not None
                and d.state == DeviceState.UP), timeout=20)
            local = _events(at_district, "north-sw1")
            assert [k for k, _ in local][:2] == ["unreachable", "reachable"]
            central.process.start(timeout=60)

            def caught_up() -> bool:
                mine, theirs = (_device(at_district, "north-sw1"),
                                _device(at_central, "north-sw1"))
                return (mine is not None and theirs is not None
                        and theirs.last_poll_at == mine.last_poll_at
                        and (theirs.state, theirs.facts) == (mine.state, mine.facts)
                        and _events(at_central, "north-sw1") == _events(at_district,
                                                                        "north-sw1"))

            _wait("the district's polls and events at the central", caught_up)
            assert _events(at_central, "north-sw1")[:len(local)] == local  # once, in order
        district.process.stop()
        assert _polls_applied(at_central) >= 3  # up, down, back: each poll once
        with at_central.read() as s:
            outcomes = set(s.exec(select(DistrictApplied.outcome)).all())
        assert outcomes == {"applied"}
    finally:
        district.process.stop()
        central.process.stop()
        at_central.dispose()
        at_district.dispose()
