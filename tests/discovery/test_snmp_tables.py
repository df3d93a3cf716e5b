"""Passive discovery's tables read over SNMP from snmpsim serving recordings of real devices
(a Cisco Catalyst 2960-X with CDP and a forwarding table; a MikroTik with LLDP and
Q-BRIDGE-MIB), checked against LibreNMS's expected results where it has them."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from muniops.collector.core.credentials import SnmpCommunity
from muniops.collector.core.settings import load_settings
from muniops.collector.discovery import passive
from muniops.collector.discovery.graph import to_dot
from muniops.collector.snmp.errors import SnmpError
from muniops.collector.snmp.session import SnmpSession, SnmpTarget
from muniops.inventory import devices, discovery
from muniops.inventory.db import Database
from muniops.inventory.models import Site
from muniops.inventory.models.discovery import NeighbourProtocol
from muniops.lab.net import wait_until
from muniops.lab.snmpsim import RECORDINGS, running_snmpsim


def _target(port: int, community: str) -> SnmpTarget:
    return SnmpTarget("127.0.0.1", port, SnmpCommunity(type="snmp_v2c",
                                                       community=SecretStr(community)),
                      timeout=2.0, retries=2)


def _answers(port: int) -> bool:
    async def get() -> object:
        async with SnmpSession(_target(port, "ios_2960x")) as s:
            return (await s.get(["1.3.6.1.2.1.1.5.0"]))["1.3.6.1.2.1.1.5.0"]
    try:
        return asyncio.run(get()) is not None
    except SnmpError:
        return False


@pytest.fixture(scope="module")
def snmpsim() -> Iterator[int]:
    with running_snmpsim() as port:
        # the responder logs "Listening" a moment before it answers
        wait_until(lambda: _answers(port), timeout=30, what="snmpsim answering")
        yield port


def _read(port: int, device: str) -> passive.SourceTables:
    return asyncio.run(passive.read_tables(_target(port, device), ["arp", "fdb", "neighbours"]))


def test_cdp_neighbours_of_a_2960x_match_librenms(snmpsim: int) -> None:
    tables = _read(snmpsim, "ios_2960x")
    expected = json.loads((RECORDINGS / "ios_2960x.json").read_text())
    want = {(x["ifName"], x["remote_hostname"], x["remote_port"], x["remote_platform"])
            for x in expected["discovery-protocols"]["discovery"]["links"]}
    got = {(x.local_port, x.remote_name, x.remote_port, x.remote_platform) for x in tables.links}
    assert got == want and len(tables.links) == len(want) == 7
    assert all(x.protocol is NeighbourProtocol.CDP for x in tables.links)
    uplink = next(x for x in tables.links if x.local_port == "Gi1/0/52")
    assert uplink.remote_address == "10.54.64.5"


def test_forwarding_table_and_arp_of_a_2960x(snmpsim: int) -> None:
    tables = _read(snmpsim, "ios_2960x")
    fdb = {e.mac: e.port for e in tables.fdb}
    assert len(fdb) == 29  # every dot1dTpFdbPort row of the recording
    # bridge port 5 -> ifIndex 10105 -> Gi1/0/5; port 456 -> ifIndex 5001 -> Po1 (uplink)
    assert fdb["64:f6:9d:b1:db:0c"] == "Gi1/0/5"
    assert fdb["f4:cf:e2:a9:f8:6c"] == "Gi1/0/4"
    assert fdb["04:62:73:20:de:14"] == "Po1"
    assert [(a.ip, a.mac) for a in tables.arp] == [("10.54.64.1", "a2:d7:16:00:00:04"),
                                                   ("10.54.64.9", "ac:7e:8a:19:bf:41")]


def test_lldp_and_q_bridge_of_a_mikrotik(snmpsim: int) -> None:
    tables = _read(snmpsim, "routeros_wifi")
    assert {(x.remote_name, x.remote_port) for x in tables.links} == {
        ("Spoj Jizak-Kupeckeho-60G", "bridge/wlan60-1"), ("Jizak", "eth1-kupeckeho_lan")}
    assert len(tables.links) == 2  # the agent lists each neighbour twice
    assert all(x.protocol is NeighbourProtocol.LLDP for x in tables.links)
    fdb = {e.mac: e.port for e in tables.fdb}
    # dot1qTpFdbPort 3 -> dot1dBasePortIfIndex 4 -> wlan60-station-1; port 0 rows skipped
    assert fdb["74:4d:28:e3:17:31"] == "wlan60-station-1"
    assert "b8:69:f4:80:2f:c1" not in fdb
    assert fdb["00:11:32:d3:9f:0c"] == "ether1"


def test_poll_records_locations_and_topology(snmpsim: int, db: Database,
                                             tmp_path: Path) -> None:
    creds = tmp_path / "credentials.yaml"
    creds.write_text("sw2960: {type: snmp_v2c, community: ios_2960x}\n"
                     "mt: {type: snmp_v2c, community: routeros_wifi}\n"
                     "wrong: {type: snmp_v2c, community: no-such-device}\n")
    creds.chmod(0o600)
    config = tmp_path / "muniops.yaml"
    config.write_text(f"credentials_file: {creds}\nsnmp: {{timeout_seconds: 0.3}}\n")
    with db.write() as s:
        s.add(Site(name="City Hall"))
        s.flush()
        for name, cred in (("acme-fr-sw-01", "sw2960"), ("bridge-mt", "mt"), ("dead", "wrong")):
            devices.add_device(s, devices.DeviceCreate(
                name=name, address="127.0.0.1", snmp_port=snmpsim, snmp_credential=cred,
                snmp_poll=False, tables=["arp", "fdb", "neighbours"], site="City Hall"),
                actor="test")
    settings = load_settings(config)
    reports = passive.poll_all(db, settings, settings.discovery, None, actor="poller")
    by_device = {r.device: r for r in reports}
    assert (by_device["acme-fr-sw-01"].fdb, by_device["acme-fr-sw-01"].neighbours) == (29, 7)
    assert by_device["dead"].error and "no-such-device" not in by_device["dead"].error
    with db.read() as s:
        (where,) = discovery.locate(s, "64:f6:9d:b1:db:0c")
        assert (where.switch, where.port, where.site) == ("acme-fr-sw-01", "Gi1/0/5", "City Hall")
        (arp,) = discovery.locate(s, "10.54.64.9")
        assert arp.mac == "ac:7e:8a:19:bf:41" and arp.how == "snmp_arp"
        links = discovery.topology(s)
        switch = devices.get_device(s, "acme-fr-sw-01")
        shown = devices.detail(s, switch)  # its neighbours, by id, in one place
        assert len(shown["neighbours"]) == 7 and shown["forwarding_entries"] == 29
        # ARP entries of a router are unknown devices until registered
        assert "10.54.64.9" in {u.ip for u in discovery.list_unknown(s)}
    assert len(links) == 9
    dot = to_dot(links)
    assert dot.startswith("graph topology {")
    assert '"acme-fr-sw-01" -- "acme-fr-ap-011"' in dot and "Gi1/0/3" in dot
