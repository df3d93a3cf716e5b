"""Trap names and syslog rules as data, the syslog parser on real devices' lines, the
pipeline's treatment of senders not in the register, the generated Alertmanager
configuration and the webhook's access rules. Fast: no peer but SQLite and amtool."""

from __future__ import annotations

import asyncio
import socket
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from muniops.collector.core.service import Collector
from muniops.collector.core.settings import Settings
from muniops.collector.events import alerts
from muniops.collector.events.config import EventSettings
from muniops.collector.events.pipeline import Debouncer, EventPipeline, Heard
from muniops.collector.events.rules import SyslogRules, TrapRules
from muniops.collector.events.syslog import parse, read_frame
from muniops.collector.events.traps import SNMP_TRAP_OID, Trap
from muniops.inventory import devices, events as store, sites, tokens
from muniops.inventory.db import Database
from muniops.inventory.errors import ConfigError, InvalidInput
from muniops.inventory.models import Role
from muniops.inventory.models.events import EventSource
from muniops.inventory.schemas import SiteCreate
from muniops.lab import alertmanager
from tests.conftest import Cli

ROOT = Path(__file__).resolve().parents[2]
CFG = EventSettings()
TRAPS = TrapRules.load(CFG.all_trap_files())
SYSLOG = SyslogRules.load(CFG.all_syslog_files())


def test_link_down_names_the_interface_from_ifname_or_ifdescr_or_index() -> None:
    base = "1.3.6.1.6.3.1.1.5.3"
    named = TRAPS.classify(base, [("1.3.6.1.2.1.2.2.1.1.7", "7"),
                                  ("1.3.6.1.2.1.2.2.1.2.7", "FastEthernet0/7")])
    assert named is not None and (named.kind, named.subject) == ("link_down", "FastEthernet0/7")
    bare = TRAPS.classify(base, [("1.3.6.1.2.1.2.2.1.1.7", "7")])
    assert bare is not None and bare.subject == "ifIndex 7"
    assert TRAPS.classify("1.3.6.1.4.1.99999.0.1", []) is None


def test_ups_mib_alarm_is_named_by_the_alarm_it_carries() -> None:
    added = "1.3.6.1.2.1.33.2.0.3"
    low = TRAPS.classify(added, [("1.3.6.1.2.1.33.1.6.2.1.2.4", "1.3.6.1.2.1.33.1.6.3.3")])
    assert low is not None and (low.kind, low.severity) == ("ups_battery_low", "critical")
    bad = TRAPS.classify(added, [("1.3.6.1.2.1.33.1.6.2.1.2.5", "1.3.6.1.2.1.33.1.6.3.1")])
    assert bad is not None and bad.kind == "ups_replace_battery"


@pytest.mark.parametrize(("line", "kind", "subject", "severity"), [
    # Cisco IOS as it sends it (sequence number, no hostname)
    (b"<189>42: *Mar  1 00:12:01.123: %SYS-5-CONFIG_I: Configured from console by admin on "
     b"vty0 (10.0.0.5)", "config_change", "", "notice"),
    (b"<187>43: Mar  1 00:12:09 UTC: %LINK-3-UPDOWN: Interface GigabitEthernet1/0/3, changed "
     b"state to down", "interface_down", "GigabitEthernet1/0/3", "err"),
    # MikroTik RouterOS (RFC 3164 with its topics as the tag)
    (b"<30>Dec  2 01:50:00 rb-north system,info config changed by admin", "config_change", "",
     "info"),
    (b"<30>Dec  2 01:50:03 rb-north interface,info ether3 link down", "interface_down",
     "ether3", "info"),
    # RFC 5424 with structured data
    (b'<11>1 2026-12-02T01:50:00.1Z sw-core - - - [origin ip="10.0.0.2"] %PM-4-ERR_DISABLE: '
     b"bpduguard error detected on Gi0/4, putting Gi0/4 in err-disable state",
     "interface_error", "Gi0/4", "err"),
])
def test_device_lines_match_their_rule(line: bytes, kind: str, subject: str,
                                       severity: str) -> None:
    msg = parse(line)
    found = SYSLOG.match(msg.line)
    assert found is not None and (found.kind, found.subject) == (kind, subject)
    assert msg.severity == severity


def test_an_unmatched_line_and_a_headerless_one_parse() -> None:
    assert SYSLOG.match(parse(b"<14>Dec  2 01:50:00 pc1 cron[12]: session opened").line) is None
    bare = parse(b"just text")
    assert (bare.severity, bare.text) == ("notice", "just text")


def test_a_bad_rules_file_names_the_file_and_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "mine.yaml"
    bad.write_text(yaml.safe_dump({"rules": [{"name": "x", "match": "(", "kind": "k"}]}))
    with pytest.raises(ConfigError, match=r"mine\.yaml: rules\.0\.match: .*regular"):
        SyslogRules.load([bad])
    bad.write_text(yaml.safe_dump({"traps": [{"oid": "1.3.6", "name": "t", "kind": "Bad Kind",
                                              "colour": "red"}]}))
    with pytest.raises(ConfigError, match=r"traps\.0\.kind: .*; traps\.0\.colour: unknown key"):
        TrapRules.load([bad])


def _trap(sender: str) -> Heard:
    trap = Trap(sender, "1.3.6.1.6.3.1.1.5.1",
                ((SNMP_TRAP_OID, "1.3.6.1.6.3.1.1.5.1"),), "lab", "v2c")
    return Heard(EventSource.TRAP, sender, trap=trap)


def test_a_sender_not_in_the_register_is_counted_and_recorded_once_a_minute(
        sqlite_db: Database) -> None:
    with sqlite_db.write() as s:
        devices.add_device(s, devices.DeviceCreate(
            name="sw-1", address="10.0.0.1", snmp_credential="c"), actor="t")
    pipe = EventPipeline(sqlite_db, TRAPS, SYSLOG, queue_size=100, extra_addresses=dict)
    pipe.handle([_trap("10.0.0.1"), _trap("10.9.9.9"), _trap("10.9.9.9")])
    with sqlite_db.read() as s:
        rows = store.list_events(s)
    assert sorted((e.kind, e.device_name, e.sender) for e in rows) == [
        ("cold_start", "sw-1", "10.0.0.1"), ("unknown_sender", "", "10.9.9.9")]
    assert pipe.counts.traps[("", "unknown_sender")] == 2
    assert pipe.counts.traps[("sw-1", "cold_start")] == 1


def test_debouncer_runs_a_burst_once() -> None:
    ran: list[str] = []
    deb = Debouncer("t", ran.append, delay=0.3, min_interval=0)
    deb.start()
    assert deb.request("a") and not deb.request("a") and deb.request("b")
    time.sleep(0.8)
    deb.stop()
    assert sorted(ran) == ["a", "b"]


def test_generated_config_routes_by_district_and_amtool_accepts_it(tmp_path: Path) -> None:
    cfg = EventSettings.model_validate({"alerts": {
        "smtp": {"smarthost": "mail.city.example:587", "password": "s3cret-pass"},
        "districts": {"North": {"emails": ["n@city.example"], "critical_emails": ["duty@x"],
                                "webhooks": ["https://chat.example/hook"]},
                      "Empty": {"emails": ["e@x"]}}}}).alerts
    generated = alerts.alertmanager_config(cfg, {"North": ["North Office", "Depot (old)"]})
    routes = generated["route"]["routes"]
    assert routes[0] == {"receiver": "muniops-events", "continue": True}
    assert routes[1]["matchers"] == ['site=~"Depot \\\\(old\\\\)|North Office"']
    assert [r["name"] for r in generated["receivers"]] == [
        "muniops-events", "default", "district-north", "district-north-critical"]
    assert generated["global"]["smtp_auth_password"] == "s3cret-pass"
    shown = alerts.alertmanager_config(cfg, {"North": ["North Office"]}, reveal=False)
    assert "s3cret-pass" not in alerts.render(shown)
    path = tmp_path / "am.yml"
    alerts.write(path, alerts.render(generated))
    if alertmanager.available():
        alertmanager.check_config(path)


def test_the_webhook_needs_a_technician_and_records_what_it_names(sqlite_db: Database) -> None:
    with sqlite_db.write() as s:
        sites.add_site(s, SiteCreate(name="City Hall", district="Center"), actor="t")
        devices.add_device(s, devices.DeviceCreate(
            name="sw-1", address="10.0.0.1", snmp_credential="c", site="City Hall"), actor="t")
        heads = {}
        for role, district in ((Role.TECHNICIAN, None), (Role.LIAISON, "Center"),
                               (Role.VIEWER, None)):
            _, plain = tokens.create_token(s, role.value, role, actor="t", district=district)
            heads[role] = {"Authorization": f"Bearer {plain}"}
    body = {"version": "4", "receiver": "muniops-events", "status": "firing", "alerts": [
        {"status": "firing", "labels": {"alertname": "MuniopsDeviceDown", "device": "sw-1",
                                        "site": "City Hall", "severity": "critical"},
         "annotations": {"summary": "sw-1 does not answer"}, "fingerprint": "ab12"}]}
    collector = Collector(Settings(database_url=sqlite_db.url), sqlite_db)
    with TestClient(collector.app) as client:
        url = "/api/v1/alerts/webhook"
        assert client.post(url, json=body).status_code == 401
        assert client.post(url, json=body, headers=heads[Role.VIEWER]).status_code == 403
        assert client.post(url, json=body, headers=heads[Role.LIAISON]).status_code == 403
        done = client.post(url, json=body, headers=heads[Role.TECHNICIAN])
        assert done.status_code == 200 and done.json() == {"recorded": 1}
        seen = client.get("/api/v1/events", headers=heads[Role.LIAISON]).json()
        assert [(e["kind"], e["device"], e["subject"]) for e in seen] == [
            ("MuniopsDeviceDown", "sw-1", "firing")]
        assert client.post(url, json={"alerts": [{"status": "odd", "labels": {}}]},
                           headers=heads[Role.TECHNICIAN]).status_code == 422


def test_the_shipped_example_is_what_the_generator_makes_of_the_example_config() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "alertmanager_example", ROOT / "scripts" / "alertmanager_example.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    assert script.EXAMPLE.read_text(encoding="utf-8") == script.example(), \
        "stale: run python scripts/alertmanager_example.py"
    if alertmanager.available():
        alertmanager.check_config(script.EXAMPLE)


def test_events_cli_lists_newest_first_and_refuses_an_unknown_source(cli: Cli) -> None:
    db = Database(yaml.safe_load(cli.config.read_text())["database_url"])
    with db.write() as s:
        store.record_events(s, [
            store.NewEvent(EventSource.TRAP, "link_down", sender="10.0.0.1", device="sw-1",
                           subject="Gi0/1", at=datetime(2026, 1, 1, tzinfo=UTC)),
            store.NewEvent(EventSource.SYSLOG, "config_change", sender="10.0.0.1",
                           device="sw-1", at=datetime(2026, 1, 2, tzinfo=UTC))])
    db.dispose()
    rows = cli.ok("events", "--json").json()
    assert [(r["source"], r["kind"]) for r in rows] == [  # type: ignore[index]
        ("syslog", "config_change"), ("trap", "link_down")]
    only = cli.ok("events", "--source", "trap", "--json").json()
    assert [r["subject"] for r in only] == ["Gi0/1"]  # type: ignore[index]
    bad = cli("events", "--source", "carrier-pigeon")
    assert bad.code == InvalidInput.exit_code and "trap, syslog, alert" in bad.err


MSG = b"<13>1 - h app - - - hello"


@pytest.mark.parametrize("framed", [b"%d %s" % (len(MSG), MSG), MSG + b"\n"])
def test_tcp_frames_octet_counted_or_one_a_line(framed: bytes) -> None:
    async def read() -> list[bytes]:
        reader = asyncio.StreamReader()
        reader.feed_data(framed * 2)
        reader.feed_eof()
        out = []
        while frame := await read_frame(reader, 8192):
            out.append(frame.rstrip(b"\n"))
        return out

    frames = asyncio.run(read())
    assert [parse(f).text for f in frames] == ["hello", "hello"]


def test_a_receiver_port_in_use_fails_serve_with_a_clear_error(sqlite_db: Database) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as busy:
        busy.bind(("127.0.0.1", 0))
        port = busy.getsockname()[1]
        settings = Settings(database_url=sqlite_db.url, events={
            "enabled": True, "traps": {"listen": f"127.0.0.1:{port}"},
            "syslog": {"udp": "", "tcp": ""}})
        collector = Collector(settings, sqlite_db)
        with pytest.raises(ConfigError, match=r"cannot listen: .*in use"):
            collector.runtimes["events"].start()
        collector.runtimes["events"].close()


def test_a_logged_command_is_stored_without_its_secret(sqlite_db: Database) -> None:
    with sqlite_db.write() as s:
        devices.add_device(s, devices.DeviceCreate(
            name="sw-1", address="10.0.0.1", snmp_credential="c"), actor="t")
    pipe = EventPipeline(sqlite_db, TRAPS, SYSLOG, queue_size=100, extra_addresses=dict)
    raw = (b"<189>51: *Mar  1 00:20:00: %PARSER-5-CFGLOG_LOGGEDCMD: User:admin  logged "
           b"command:username backup secret 0 Hunter2-secret")
    pipe.handle([Heard(EventSource.SYSLOG, "10.0.0.1", raw=raw)])
    with sqlite_db.read() as s:
        (event,) = store.list_events(s)
    assert (event.kind, event.subject) == ("config_change", "admin")
    assert event.detail.startswith("username backup secret 0")
    assert "Hunter2" not in event.detail + str(event.data)
