"""``muniops devices``, ``muniops poll`` and ``muniops links`` on both store backends,
polling snmpsim serving real-device recordings (and snmpd for v3 ad-hoc polls)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlmodel import select

from muniops.inventory.db import Database
from muniops.inventory.models import Asset, AssetKind
from muniops.inventory.models.devices import Device
from muniops.inventory.models.snmp import SnmpEventKind
from muniops.lab.snmpd import Snmpd
from tests.conftest import Cli

CREDENTIALS = """\
bridge: {type: snmp_v2c, community: airos_airos8}
ups: {type: snmp_v2c, community: apc_smt750x-nmc2}
wlc: {type: snmp_v2c, community: ciscowlc_cbw240ac}
router60: {type: snmp_v2c, community: routeros_wifi}
nothing: {type: snmp_v2c, community: "${SNMP_TEST_MISSING}"}
"""


@pytest.fixture
def snmp_cli(capsys: pytest.CaptureFixture[str], db_url: str, tmp_path: Path,
             monkeypatch: pytest.MonkeyPatch, sim_port: int) -> Cli:
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("SNMP_TEST_MISSING", "no-such-recording")
    creds = tmp_path / "credentials.yaml"
    creds.write_text(CREDENTIALS)
    creds.chmod(0o600)
    config = tmp_path / "muniops.yaml"
    config.write_text(f"""\
data_dir: {tmp_path / 'data'}
database_url: '{db_url}'
credentials_file: {creds}
snmp:
  timeout_seconds: 1
  retries: 0
  links:
    - name: hall-depot
      a: {{device: bridge-hall, site: City Hall}}
      b: {{device: bridge-depot, site: Depot}}
      thresholds: {{min_signal_dbm: -75, min_snr_db: 15, min_ccq_percent: 20}}
""")
    cli = Cli(capsys, config)
    cli.ok("sites", "add", "City Hall")
    for name, cred in (("bridge-hall", "bridge"), ("bridge-depot", "router60"),
                       ("ups1", "ups"), ("ap1", "wlc")):
        site = ["--site", "City Hall"] if name != "bridge-depot" else []
        cli.ok("devices", "add", name, "--address", "127.0.0.1", "--snmp-port", str(sim_port),
               "--snmp-credential", cred, *site)
    return cli


def test_add_poll_list_show_link_to_asset(snmp_cli: Cli, db_url: str) -> None:
    res = snmp_cli("devices", "add", "x", "--address", "127.0.0.1", "--snmp-credential", "nope")
    assert res.code == 5 and "credential" in res.err
    res = snmp_cli("devices", "add", "x", "--address", "127.0.0.1", "--snmp-credential", "ups",
                   "--snmp-profile", "nope")
    assert res.code == 5 and "profile" in res.err
    res = snmp_cli("devices", "add", "ap1", "--address", "127.0.0.1", "--snmp-credential",
                   "ups")
    assert res.code == 4
    db = Database(db_url)
    with db.write() as s:  # the register knows the access point by its serial
        s.add(Asset(asset_tag="AP-0001", serial="PSZ00000000", kind=AssetKind.ACCESS_POINT))
    out = snmp_cli.ok("poll", "ap1", "ups1", "--json").json()
    assert [r["state"] for r in out] == ["up", "up"]  # type: ignore[index]
    ups = out[1]  # type: ignore[index]
    charge = [v for v in ups["values"] if v["metric"] == "muniops_snmp_ups_battery_charge_ratio"]
    assert charge == [{"profile": "apc-ups", "metric": "muniops_snmp_ups_battery_charge_ratio",
                       "labels": {}, "value": 1.0, "raw": 1000,
                       "oid": "1.3.6.1.4.1.318.1.1.1.2.3.1.0"}]
    rows = {r["name"]: r for r in snmp_cli.ok("devices", "list", "--json").json()}  # type: ignore[union-attr]
    assert rows["ap1"]["state"] == "up" and rows["ap1"]["pdus"] > 3
    assert rows["bridge-hall"]["state"] == "unknown"  # not polled yet
    shown = snmp_cli.ok("devices", "show", "ap1", "--json").json()
    facts = shown["snmp"]["facts"]  # type: ignore[index]
    assert facts["sys_descr"] == "Cisco Business Wireless"
    assert "PSZ00000000" in {e["serial"] for e in facts["entities"]}
    assert shown["asset"]["asset_tag"] == "AP-0001"  # type: ignore[index]
    ups = snmp_cli.ok("devices", "show", "ups1", "--json").json()
    assert ups["snmp"]["facts"]["software_version"] == "7.0.8"  # type: ignore[index]
    table = snmp_cli.ok("devices", "list").out
    assert "ap1" in table and "up" in table
    # no secret anywhere in what the CLI prints
    for text in (json.dumps(out), json.dumps(rows), json.dumps(shown), table):
        assert "ciscowlc_cbw240ac" not in text and "apc_smt750x" not in text
    with db.read() as s:
        device = s.exec(select(Device).where(Device.name == "ap1")).one()
        asset = s.exec(select(Asset).where(Asset.serial == "PSZ00000000")).one()
    db.dispose()
    assert device.asset_id == asset.id  # matched through the ENTITY-MIB serial
    assert device.max_repetitions == 25
    assert device.detected_profile == "cisco-wireless,generic"


def test_events_unreachable_back_reboot_interface(snmp_cli: Cli, db_url: str,
                                                  tmp_path: Path) -> None:
    snmp_cli.ok("poll", "ups1")
    db = Database(db_url)
    with db.write() as s:  # the device's agent was up for longer before this poll...
        device = s.exec(select(Device).where(Device.name == "ups1")).one()
        device.sys_uptime = (device.sys_uptime or 0) + 10_000
        tracked = dict(device.facts or {})
        key = next(k for k in tracked["_tracked"] if "interface=LOOPBACK" in k)
        tracked["_tracked"] = {**tracked["_tracked"], key: 2}  # ...and LOOPBACK was down
        device.facts = tracked
        s.add(device)
    snmp_cli.ok("poll", "ups1")
    with db.write() as s:  # now point it somewhere nothing answers
        device = s.exec(select(Device).where(Device.name == "ups1")).one()
        device.snmp_credential = "nothing"
        s.add(device)
    assert snmp_cli("poll", "ups1").code == 1
    with db.write() as s:
        device = s.exec(select(Device).where(Device.name == "ups1")).one()
        device.snmp_credential = "ups"
        s.add(device)
    snmp_cli.ok("poll", "ups1")
    db.dispose()
    shown = snmp_cli.ok("devices", "show", "ups1", "--json").json()
    events = shown["snmp"]["events"]  # type: ignore[index]
    kinds = [e["kind"] for e in reversed(events)]
    assert kinds == [SnmpEventKind.REBOOT, SnmpEventKind.INTERFACE_UP,
                     SnmpEventKind.UNREACHABLE, SnmpEventKind.REACHABLE]
    assert events[-2]["subject"] == "LOOPBACK"
    shown = snmp_cli.ok("devices", "list", "--json").json()
    ups = next(r for r in shown if r["name"] == "ups1")  # type: ignore[union-attr]
    assert ups["state"] == "up"


def test_links_from_both_ends(snmp_cli: Cli) -> None:
    assert snmp_cli.ok("links", "--json").json()[0]["state"] == "unknown"  # type: ignore[index]
    link = snmp_cli.ok("links", "--poll", "--json").json()[0]  # type: ignore[index]
    # airOS end: signal -70 dBm, noise -91 (SNR 21), CCQ 33 %; RouterOS 60 GHz end: -54 dBm
    assert link["readings"]["bridge-hall"] == {"signal_dbm": -70, "snr_db": 21,
                                               "ccq_percent": 33}
    assert link["readings"]["bridge-depot"]["signal_dbm"] == -54
    assert link["state"] == "ok", link["reason"]
    out = snmp_cli.ok("links").out
    assert "hall-depot" in out and "ok" in out


def test_links_degraded_and_down(snmp_cli: Cli, tmp_path: Path) -> None:
    config = snmp_cli.config
    text = config.read_text().replace("min_ccq_percent: 20", "min_ccq_percent: 80")
    config.write_text(text)
    link = snmp_cli.ok("links", "--poll", "--json").json()[0]  # type: ignore[index]
    assert link["state"] == "degraded" and "CCQ 33% < 80" in link["reason"]
    snmp_cli.ok("devices", "remove", "bridge-depot")
    link = snmp_cli.ok("links", "--poll", "--json").json()[0]  # type: ignore[index]
    assert link["state"] == "down" and "bridge-depot" in link["reason"]


def test_adhoc_poll_v3_with_secrets_from_the_environment(
        capsys: pytest.CaptureFixture[str], agent: Snmpd, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(f"data_dir: {tmp_path / 'data'}\n")
    cli = Cli(capsys, config)
    monkeypatch.setenv("MUNIOPS_SNMP_AUTH_KEY", agent.v3_auth)
    monkeypatch.setenv("MUNIOPS_SNMP_PRIV_KEY", agent.v3_priv)
    out = cli.ok("poll", "--address", f"127.0.0.1:{agent.port}", "--version", "3",
                 "--v3-user", agent.v3_user, "--json").json()
    assert out["state"] == "up" and "netsnmp-host" in out["profiles"]  # type: ignore[index]
    load = [v for v in out["values"] if v["metric"] == "muniops_snmp_load_average"]  # type: ignore[index]
    assert sorted(v["labels"]["period"] for v in load) == ["Load-1", "Load-15", "Load-5"]
    assert agent.v3_auth not in json.dumps(out) and agent.v3_priv not in json.dumps(out)
    monkeypatch.setenv("MUNIOPS_SNMP_AUTH_KEY", "wrong-wrong-wrong")
    res = cli("poll", "--address", f"127.0.0.1:{agent.port}", "--version", "3",
              "--v3-user", agent.v3_user, "--timeout", "1")
    assert res.code == 1 and "authentication" in res.out
    assert "wrong-wrong-wrong" not in res.out + res.err


def test_a_shared_collector_judges_only_the_links_whose_ends_it_polls(
        snmp_cli: Cli, db_url: str) -> None:
    """Collectors sharing the devices (``district.share_devices``): one polling a single
    end of a link does not call the link down for the end another collector polls, and
    keeps the state the other one stored."""
    from muniops.collector.core.settings import load_settings
    from muniops.collector.snmp.runner import SnmpRunner
    from muniops.inventory.models.snmp import WirelessLink

    def stored(db: Database) -> list[tuple[str, str]]:
        with db.read() as s:
            return [(r.name, r.state) for r in s.exec(select(WirelessLink))]

    settings, db = load_settings(snmp_cli.config), Database(db_url)
    both = SnmpRunner(settings, db).run(
        take=lambda device, _interval: device in {"bridge-hall", "bridge-depot"})
    assert [(link.name, link.state) for link in both.links] == [("hall-depot", "ok")]
    one = SnmpRunner(settings, db).run(take=lambda device, _interval: device == "bridge-hall")
    assert [r.device for r in one.results] == ["bridge-hall"]
    assert one.links == []  # the other end is not "not polled, down": it is not its own
    assert stored(db) == [("hall-depot", "ok")]  # the judging collector's state stays
    alone = SnmpRunner(settings, db).run(names=["bridge-hall"])  # not shared: judged
    assert alone.links[0].state == "down" and "bridge-depot: not polled" in alone.links[0].reason
    db.dispose()
