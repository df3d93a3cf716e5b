"""Reconciliation of sightings with the register, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from muniops.inventory import assets, devices, discovery, sites
from muniops.inventory.db import Database
from muniops.inventory.errors import NotFound
from muniops.inventory.models import AssetStatus, AuditEntry
from muniops.inventory.models.discovery import NeighbourProtocol, SeenBy
from muniops.inventory.schemas import AssetCreate, AssetUpdate, SiteCreate
from muniops.inventory.types import utcnow

PC_MAC = "98:e7:43:00:00:01"
SERVER_MAC = "98:e7:43:00:00:02"
STRANGER = "02:00:5e:00:00:42"


def _register(db: Database) -> None:
    with db.write() as s:
        sites.add_site(s, SiteCreate(name="City Hall", district="Center"), actor="t")
        assets.add_asset(s, AssetCreate(kind="pc", asset_tag="PC-1", macs=[PC_MAC],
                                        site="City Hall", hostname="pc-1.city.local"),
                         actor="t")
        assets.add_asset(s, AssetCreate(kind="server", asset_tag="SRV-1", macs=[SERVER_MAC],
                                        site="City Hall"), actor="t")
        assets.add_asset(s, AssetCreate(kind="printer", asset_tag="PRN-1", hostname="prn-1"),
                         actor="t")


def _obs(ip: str, mac: str, how: SeenBy = SeenBy.ARP_SWEEP, **kw: str) -> discovery.Observation:
    return discovery.Observation(ip=ip, mac=mac, how=how, **kw)


def test_match_by_mac_hostname_and_last_ip(db: Database) -> None:
    _register(db)
    with db.write() as s:
        summary = discovery.record_observations(s, "City Hall", [
            _obs("198.18.1.10", PC_MAC), _obs("198.18.1.66", STRANGER, vendor="?"),
            _obs("198.18.9.5", "", SeenBy.AGENT, hostname="PRN-1.city.local"),
        ], actor="scan")
    assert (summary.seen, summary.matched, summary.new_unknown) == (3, 2, 1)
    with db.read() as s:
        (pc,) = discovery.locate(s, "PC-1")
        assert (pc.mac, pc.ip, pc.asset, pc.site) == (PC_MAC, "198.18.1.10", "PC-1", "City Hall")
        (prn,) = discovery.locate(s, "198.18.9.5")
        assert prn.asset == "PRN-1" and prn.mac is None
    # a routed host answering pings later (IP only) is the asset last seen with that IP
    with db.write() as s:
        summary = discovery.record_observations(s, "City Hall", [
            _obs("198.18.1.10", "", SeenBy.ICMP_ECHO)], actor="scan")
    assert summary.matched == 1 and summary.new_unknown == 0


def test_unknown_until_registered_or_ignored(db: Database) -> None:
    _register(db)
    other = "02:00:5e:00:00:43"
    with db.write() as s:
        discovery.record_observations(s, "City Hall", [
            _obs("198.18.1.66", STRANGER), _obs("198.18.1.67", other)], actor="scan")
    with db.read() as s:
        assert [u.mac for u in discovery.list_unknown(s)] == [STRANGER, other]
        assert discovery.unknown_by_site(s) == {"City Hall": 2}
    # seen again: still one flag each, not a new one
    with db.write() as s:
        again = discovery.record_observations(s, "City Hall", [_obs("198.18.1.66", STRANGER)],
                                              actor="scan")
    assert again.new_unknown == 0
    with db.write() as s:
        srv = assets.get_asset(s, "SRV-1")
        assets.update_asset(s, srv, AssetUpdate(macs=[SERVER_MAC, STRANGER]), actor="tech")
        discovery.ignore_unknown(s, other.upper(), actor="tech", note="visitor laptop")
    with db.read() as s:
        assert discovery.list_unknown(s) == []
        assert [u.state for u in discovery.list_unknown(s, include_ignored=True)] == ["ignored"]
        actions = [e.action for e in s.exec(select(AuditEntry).where(
            AuditEntry.entity == "unknown_device"))]
    assert actions.count("discovery.unknown") == 2 and "discovery.ignore" in actions
    with db.write() as s:  # the next reconciliation records that the MAC was registered
        discovery.record_observations(s, "City Hall", [_obs("198.18.1.66", STRANGER)],
                                      actor="scan")
    with db.read() as s:
        assert [u.state for u in discovery.list_unknown(s, include_ignored=True)] == ["ignored"]
    with pytest.raises(NotFound), db.write() as s:
        discovery.ignore_unknown(s, "02:00:5e:00:00:99", actor="tech")


def test_missing_after_n_days(db: Database) -> None:
    _register(db)
    with db.write() as s:
        for tag in ("PC-1", "SRV-1", "PRN-1"):
            assets.get_asset(s, tag).status = AssetStatus.DEPLOYED
        discovery.record_observations(s, "City Hall", [_obs("198.18.1.10", PC_MAC)],
                                      actor="scan")
    later = utcnow() + timedelta(days=15)
    with db.read() as s:
        assert discovery.list_missing(s, 14) == []  # created or seen just now
        missing = {m.asset: m for m in discovery.list_missing(s, 14, now=later)}
    assert set(missing) == {"PC-1", "SRV-1", "PRN-1"}
    assert missing["PC-1"].last_seen is not None and missing["SRV-1"].last_seen is None
    assert missing["PC-1"].days_unseen == 15
    with db.write() as s:
        discovery.record_observations(s, "City Hall", [_obs("198.18.1.11", SERVER_MAC)],
                                      actor="scan", now=later)
    with db.read() as s:
        assert {m.asset for m in discovery.list_missing(s, 14, now=later)} == {"PC-1", "PRN-1"}


def test_locate_prefers_the_edge_port_and_topology(db: Database) -> None:
    _register(db)
    with db.write() as s:
        discovery.record_observations(s, "City Hall", [_obs("198.18.1.66", STRANGER)],
                                      actor="scan")
        # the core switch learns every MAC on its uplink; the access switch on Gi0/7
        discovery.record_forwarding(s, "core", "City Hall", [
            discovery.FdbEntry(STRANGER, "Gi1/0/48", 10), discovery.FdbEntry(PC_MAC, "Gi1/0/48"),
            discovery.FdbEntry(SERVER_MAC, "Gi1/0/1")])
        discovery.record_forwarding(s, "access-2", "City Hall", [
            discovery.FdbEntry(STRANGER, "Gi0/7", 10), discovery.FdbEntry(PC_MAC, "Gi0/8")])
        discovery.record_neighbours(s, "core", "City Hall", [
            discovery.Link("Gi1/0/48", NeighbourProtocol.CDP, "access-2", "Gi0/1")])
    with db.read() as s:
        (where,) = discovery.locate(s, STRANGER)
        assert (where.switch, where.port, where.vlan) == ("access-2", "Gi0/7", 10)
        (unknown,) = discovery.list_unknown(s)
        assert (unknown.switch, unknown.port) == ("access-2", "Gi0/7")
        (srv,) = discovery.locate(s, "SRV-1")
        assert (srv.switch, srv.port, srv.how) == ("core", "Gi1/0/1", SeenBy.SNMP_FDB)
        (link,) = discovery.topology(s)
        assert (link.device, link.remote_name) == ("core", "access-2")
    # a new table replaces the old one: the stranger moved
    with db.write() as s:
        discovery.record_forwarding(s, "access-2", "City Hall", [
            discovery.FdbEntry(STRANGER, "Gi0/9", 10)])
    with db.read() as s:
        assert discovery.locate(s, STRANGER)[0].port == "Gi0/9"
        with pytest.raises(NotFound):
            discovery.locate(s, "no-such-host")


def test_topology_names_neighbours_as_the_register_does(db: Database) -> None:
    """LLDP/CDP give the name a device calls itself; the register's name is shown too."""

    with db.write() as s:
        sites.add_site(s, SiteCreate(name="City Hall"), actor="t")
        device = devices.add_device(s, devices.DeviceCreate(
            name="core-cityhall", address="192.0.2.1", snmp_credential="c"), actor="t")
        device.facts = {"sys_name": "C9300-48P.city.local"}
        assets.add_asset(s, AssetCreate(kind="access_point", asset_tag="AP-7",
                                        hostname="ap-lobby"), actor="t")
        discovery.record_neighbours(s, "access-2", "City Hall", [
            discovery.Link("Gi0/1", NeighbourProtocol.LLDP, "C9300-48P", "Gi1/0/1"),
            discovery.Link("Gi0/2", NeighbourProtocol.CDP, "sw-old", "Gi0/3", "192.0.2.1"),
            discovery.Link("Gi0/3", NeighbourProtocol.CDP, "ap-lobby.city.local", "eth0"),
            discovery.Link("Gi0/4", NeighbourProtocol.LLDP, "stranger", "p1")])
    with db.read() as s:
        links = {n.local_port: (n.remote_name, n.remote_device) for n in discovery.topology(s)}
    assert links == {"Gi0/1": ("C9300-48P", "core-cityhall"),  # by its polled sysName
                     "Gi0/2": ("sw-old", "core-cityhall"),  # by its address
                     "Gi0/3": ("ap-lobby.city.local", "AP-7"),  # an asset, by host name
                     "Gi0/4": ("stranger", "")}
