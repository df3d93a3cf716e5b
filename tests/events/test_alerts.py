"""Alerts reach the right people: Debian's Prometheus with the shipped rules (their
``for:`` shortened to seconds), Alertmanager with the configuration ``muniops alerts
config`` generates, a local SMTP server requiring STARTTLS (aiosmtpd) and a local chat
webhook. A device that stops answering mails its district once and posts to its webhook;
Alertmanager's notification is recorded as an event on the device; a cut-off site's
device alerts are inhibited."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from muniops.inventory import devices, events as store, sites, tokens
from muniops.inventory.models import Role
from muniops.inventory.models.events import EventSource
from muniops.inventory.schemas import SiteCreate
from muniops.lab import alertmanager, prometheus
from muniops.lab.collector import running_collector
from muniops.lab.net import free_port
from muniops.lab.smtp import Mailbox, running_smtp
from tests.events.conftest import new_store, wait_until, write_config

CLI = Path(sys.executable).with_name("muniops")
CENTRAL, NORTH = "it-central@city.example", "it-north@city.example"


class Hook:
    """A chat service's webhook: keeps every JSON body posted to it."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.bodies.append(json.loads(body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def hook() -> Iterator[Hook]:
    h = Hook()
    yield h
    h.server.shutdown()


def _short_rules(folder: Path) -> list[Path]:
    """The shipped rules with every ``for:`` at 3 s, so a test need not wait minutes."""
    out = []
    for rule_file in prometheus.shipped_rule_files():
        data = yaml.safe_load(rule_file.read_text())
        for group in data["groups"]:
            for rule in group["rules"]:
                if "for" in rule:
                    rule["for"] = "3s"
        path = folder / rule_file.name
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        out.append(path)
    return out


def _inhibited(am_url: str, device: str) -> bool:
    """Whether Alertmanager holds the device's DeviceDown back because of another alert."""
    with urllib.request.urlopen(f"{am_url}/api/v2/alerts", timeout=10) as r:
        found = [a for a in json.load(r) if a["labels"].get("device") == device
                 and a["labels"]["alertname"] == "MuniopsDeviceDown"]
    return bool(found) and all(a["status"]["inhibitedBy"] for a in found)


def _subjects(box: Mailbox, address: str) -> list[str]:
    return [str(m["Subject"]) for m in box.to(address)]


@pytest.mark.slow
def test_a_failing_device_mails_its_district_once_and_a_cut_off_site_is_inhibited(
        agent: Any, tmp_path: Path, hook: Hook) -> None:
    if not (alertmanager.available() and prometheus.available()):
        pytest.fail("prometheus/prometheus-alertmanager are not installed "
                    "(scripts/debian-packages.txt)")
    db = new_store(tmp_path)
    with db.write() as s:
        sites.add_site(s, SiteCreate(name="City Hall", district="Central"), actor="t")
        sites.add_site(s, SiteCreate(name="North Office", district="North"), actor="t")
        _, token = tokens.create_token(s, "alertmanager", Role.TECHNICIAN, actor="t")
        for name, port, site in (("sw-up", agent.port, "City Hall"),
                                 ("sw-hall", free_port(), "City Hall"),  # nothing answers
                                 ("sw-north", free_port(), "North Office")):
            devices.add_device(s, devices.DeviceCreate(
                name=name, address="127.0.0.1", snmp_port=port, snmp_credential="lab-v2c",
                site=site),
                actor="t")
    token_file = tmp_path / "collector.token"
    token_file.write_text(token)
    listen = f"127.0.0.1:{free_port()}"
    with running_smtp(tmp_path) as box:
        alerts = {"smtp": {"smarthost": f"127.0.0.1:{box.port}", "sender": "muniops@city.example",
                           "require_tls": True, "ca_file": str(box.ca_file)},
                  "districts": {"Central": {"emails": [CENTRAL], "webhooks": [hook.url]},
                                "North": {"emails": [NORTH]}},
                  "collector_url": f"http://{listen}", "collector_token_file": str(token_file),
                  "group_wait": "1s", "group_interval": "2s", "repeat_interval": "1h"}
        config = write_config(tmp_path, trap_port=free_port(), syslog_port=free_port(),
                              extra={"events": {"enabled": False, "alerts": alerts},
                                     "snmp": {"interval_seconds": 10, "timeout_seconds": 0.5}},
                              credentials={"lab-v2c": {"type": "snmp_v2c",
                                                       "community": agent.community}})
        am_config = tmp_path / "alertmanager.yml"
        subprocess.run([str(CLI), "--config", str(config), "alerts", "config", "-o",
                        str(am_config)], check=True, capture_output=True)
        assert (am_config.stat().st_mode & 0o077) == 0
        alertmanager.check_config(am_config)
        with running_collector(config, listen=listen) as collector, \
                alertmanager.running_alertmanager(am_config) as am:
            def polled() -> bool:
                with db.read() as s:
                    return all(d.last_poll_at for d in devices.list_devices(s))

            wait_until(polled, 30, "the first poll of every device")
            prom_config = tmp_path / "prometheus.yml"
            rules = _short_rules(tmp_path)
            text = prometheus.scrape_config([collector.listen], rule_files=rules,
                                            interval="1s")
            data = yaml.safe_load(text)
            data["alerting"] = {"alertmanagers": [{"static_configs": [
                {"targets": [am.address]}]}]}
            prom_config.write_text(yaml.safe_dump(data))
            with prometheus.running_prometheus(prom_config.read_text(),
                                               rule_files=rules) as prom:
                wait_until(lambda: any("MuniopsDeviceDown" in s
                                       for s in _subjects(box, CENTRAL)), 90,
                           "the district's mail about sw-hall")
                wait_until(lambda: any("MuniopsSiteCutOff" in s
                                       for s in _subjects(box, NORTH)), 60,
                           "North's mail that North Office is cut off")
                wait_until(lambda: hook.bodies, 30, "the district's webhook")

                def alerted() -> list[store.DeviceEvent]:
                    with db.read() as s:
                        return store.list_events(s, device="sw-hall", source=EventSource.ALERT)

                wait_until(alerted, 30, "the notification recorded as an event")
                time.sleep(6)  # a few group intervals: any second mail would be here by now
                central = [s for s in _subjects(box, CENTRAL) if "MuniopsDeviceDown" in s]
                assert len(central) == 1 and "sw-hall" in central[0], _subjects(box, CENTRAL)
                assert not any("sw-up" in s for s in _subjects(box, CENTRAL))
                north = _subjects(box, NORTH)
                assert not any("MuniopsDeviceDown" in s for s in north), north  # inhibited
                assert prom.query('ALERTS{alertname="MuniopsDeviceDown",device="sw-north",'
                                  'alertstate="firing"}')  # it fired: held back, not absent
                assert _inhibited(am.url, "sw-north")
                assert not any("North Office" in s for s in _subjects(box, CENTRAL))
                posted = [a["labels"] for b in hook.bodies for a in b["alerts"]]
                assert {"alertname": "MuniopsDeviceDown", "device": "sw-hall"}.items() <= \
                    next(p for p in posted if p["alertname"] == "MuniopsDeviceDown").items()
                event = alerted()[0]
                assert (event.kind, event.subject, event.severity) == \
                    ("MuniopsDeviceDown", "firing", "critical")
                shown = subprocess.run([str(CLI), "--config", str(config), "devices", "show",
                                        "sw-hall", "--json"], check=True, capture_output=True,
                                       text=True)
                kinds = [f"{e['source']}:{e['kind']}"
                         for e in json.loads(shown.stdout)["device_events"]]
                assert "alert:MuniopsDeviceDown" in kinds
    db.dispose()
