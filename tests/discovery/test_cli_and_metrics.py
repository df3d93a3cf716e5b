"""The discovery commands' output and exit codes, the config section, the OUI registry and
the metrics, on a store filled through the inventory operations."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from muniops.collector.cli import output
from muniops.collector.core.settings import ConfigError, load_settings
from muniops.collector.discovery.config import DiscoverySettings
from muniops.collector.discovery.metrics import DiscoveryMetrics
from muniops.collector.discovery.oui import OuiRegistry, registry
from muniops.collector.discovery.run import plan
from muniops.inventory import discovery
from muniops.inventory.db import Database
from muniops.inventory.errors import InvalidInput
from muniops.inventory.models.discovery import NeighbourProtocol, SeenBy, SweepRun
from muniops.inventory.types import utcnow
from tests.conftest import Cli

STRANGER = "02:00:5e:00:00:42"


def _seen(db: Database) -> None:
    with db.write() as s:
        discovery.record_observations(s, "City Hall", [
            discovery.Observation("198.18.1.66", STRANGER, SeenBy.ARP_SWEEP, vendor="")],
            actor="scan")
        discovery.record_forwarding(s, "access-1", "City Hall", [
            discovery.FdbEntry(STRANGER, "Gi0/7", 20)])
        discovery.record_neighbours(s, "core", "City Hall", [
            discovery.Link("Gi1/0/1", NeighbourProtocol.LLDP, "access-1", "Gi0/1"),
            discovery.Link("Gi1/0/2", NeighbourProtocol.CDP, 'odd "name"', "Gi0/1")])
        discovery.record_neighbours(s, "access-1", "City Hall", [
            discovery.Link("Gi0/1", NeighbourProtocol.LLDP, "core", "Gi1/0/1")])


def test_unknown_locate_topology_commands(cli: Cli, db_url: str,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(output.console, "width", 200)  # tables unwrapped under xdist too
    cli.ok("init")
    db = Database(db_url)
    _seen(db)
    db.dispose()
    (row,) = cli.ok("unknown", "--json").json()  # type: ignore[misc]
    assert (row["mac"], row["switch"], row["port"], row["vlan"]) == (STRANGER, "access-1",
                                                                     "Gi0/7", 20)
    table = cli.ok("unknown").out
    assert "access-1" in table and "Gi0/7" in table and STRANGER in table
    (where,) = cli.ok("locate", "198.18.1.66", "--json").json()  # type: ignore[misc]
    assert (where["switch"], where["port"], where["site"]) == ("access-1", "Gi0/7", "City Hall")
    missing = cli("locate", "198.18.250.1")
    assert missing.code == 3 and "198.18.250.1" in missing.err

    links = cli.ok("topology", "--json").json()
    assert len(links) == 3  # type: ignore[arg-type]
    assert cli.ok("topology", "--format", "json").json() == links
    dot = cli.ok("topology", "--format", "dot").out
    assert dot.startswith("graph topology {")
    assert dot.count(" -- ") == 2  # core–access-1 is reported from both ends: drawn once
    assert '"odd \\"name\\""' in dot
    assert "access-1" in cli.ok("topology").out

    cli.ok("discover", "ignore", STRANGER, "--note", "visitor")
    assert cli.ok("unknown", "--json").json() == []
    assert cli.ok("unknown", "--all", "--json").json()[0]["state"] == "ignored"  # type: ignore[index]
    assert cli.ok("discover", "missing", "--json").json() == []


def test_discovery_config_is_strict_and_named(tmp_path: Path) -> None:
    config = tmp_path / "muniops.yaml"
    config.write_text("discovery:\n  sites:\n    Hall:\n      subnets:\n"
                      "        - {cidr: 198.18.1.5/24}\n      subnet: []\n")
    settings = load_settings(config)  # sections are validated when read
    with pytest.raises(ConfigError) as err:
        _ = settings.discovery
    assert "discovery.sites.Hall.subnets.0.cidr" in str(err.value)
    assert "discovery.sites.Hall.subnet: unknown key" in str(err.value)


def test_plan_refuses_what_is_not_listed() -> None:
    cfg = DiscoverySettings.model_validate({"sites": {
        "Hall": {"subnets": [{"cidr": "198.18.1.0/24"}, {"cidr": "198.19.0.0/16",
                                                         "method": "icmp"}]},
        "Depot": {"subnets": [{"cidr": "198.18.2.0/24"}]}}})
    assert [(t.site, str(t.subnet.cidr)) for t in plan(cfg)] == [
        ("Hall", "198.18.1.0/24"), ("Hall", "198.19.0.0/16"), ("Depot", "198.18.2.0/24")]
    (one,) = plan(cfg, subnet="198.19.4.0/24")
    assert (one.site, str(one.subnet.cidr), one.subnet.method) == ("Hall", "198.19.4.0/24",
                                                                  "icmp")
    with pytest.raises(InvalidInput, match="refusing"):
        plan(cfg, site="Depot", subnet="198.18.1.0/24")  # listed, but for another site
    with pytest.raises(InvalidInput, match=r"not listed in discovery\.sites"):
        plan(cfg, site="Airport")
    with pytest.raises(InvalidInput, match="no subnets are configured"):
        plan(DiscoverySettings())


def test_oui_registry_longest_prefix_wins(tmp_path: Path) -> None:
    ieee = registry()
    if len(ieee) == 0:
        pytest.fail("Debian's ieee-data is not installed (scripts/debian-packages.txt has it)")
    assert ieee.vendor("98:E7:43:12:34:56") == "Dell Inc."
    assert ieee.vendor("00:00:0c:07:ac:01") == "Cisco Systems, Inc"
    # 70:B3:D5 is the IEEE's own MA-L; its 36-bit MA-S blocks belong to others
    assert ieee.vendor("70:b3:d5:f2:f0:01") == "TELEPLATFORMS"
    assert ieee.vendor("02:00:5e:00:00:01") == ""
    (tmp_path / "oui.csv").write_text(
        "Registry,Assignment,Organization Name,Organization Address\n"
        'MA-L,AABBCC,"Example, Inc",Somewhere\n')
    assert OuiRegistry.load(tmp_path).vendor("aa-bb-cc-00-00-01") == "Example, Inc"


def test_metrics_mirror_the_store(sqlite_db: Database) -> None:
    _seen(sqlite_db)
    now = utcnow()
    with sqlite_db.write() as s:
        discovery.record_sweep(s, SweepRun(site="City Hall", subnet="198.18.1.0/24",
                                           method=SeenBy.ARP_SWEEP, duration_seconds=3.5,
                                           started_at=now - timedelta(hours=1), answered=7))
        discovery.record_sweep(s, SweepRun(site="City Hall", subnet="198.18.1.0/24",
                                           method=SeenBy.ARP_SWEEP, duration_seconds=2.25,
                                           started_at=now, answered=9))
        discovery.record_sweep(s, SweepRun(site="Gone", subnet="198.18.9.0/24",
                                           method=SeenBy.ARP_SWEEP, duration_seconds=1.0))
    cfg = DiscoverySettings.model_validate(
        {"sites": {"City Hall": {"subnets": [{"cidr": "198.18.1.0/24"}]}}})
    reg = CollectorRegistry()
    reg.register(DiscoveryMetrics(sqlite_db, cfg))
    labels = {"site": "City Hall", "subnet": "198.18.1.0/24"}
    assert reg.get_sample_value("muniops_discovery_unknown_devices", {"site": "City Hall"}) == 1
    assert reg.get_sample_value("muniops_discovery_last_sweep_duration_seconds", labels) == 2.25
    assert reg.get_sample_value("muniops_discovery_last_sweep_answered", labels) == 9
    assert reg.get_sample_value("muniops_discovery_last_sweep_timestamp_seconds",
                                labels) == pytest.approx(now.timestamp())
    # a subnet no longer configured gets no series (bounded labels)
    assert reg.get_sample_value("muniops_discovery_last_sweep_duration_seconds",
                                {"site": "Gone", "subnet": "198.18.9.0/24"}) is None
