"""Counters across wraps and reboots, link thresholds, and the Prometheus exposition of a
real poll (checked by promtool)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from muniops.collector.core.settings import Settings
from muniops.collector.snmp.config import LinkConfig, LinkThresholds
from muniops.collector.snmp.links import evaluate
from muniops.collector.snmp.metrics import SnmpMetrics
from muniops.collector.snmp.poller import PollResult, Reading
from muniops.collector.snmp.runner import SnmpRunner
from muniops.collector.snmp.tracking import Tracker
from muniops.inventory import devices
from muniops.inventory.db import Database
from muniops.inventory.models.snmp import DeviceState, LinkState, SnmpEventKind


def octets(raw: int, bits: int = 32, uptime: int = 1000) -> PollResult:
    reading = Reading("generic", "muniops_snmp_interface_received_bytes_total",
                      {"ifindex": "1", "interface": "eth0"}, float(raw), raw, "counter", bits)
    return PollResult("dev", "up", readings=[reading], uptime_ticks=uptime)


def total(tracker: Tracker, res: PollResult) -> float:
    return tracker.total("dev", res.readings[0])


def test_32bit_wrap_counts_what_went_past_the_top() -> None:
    t = Tracker()
    t.observe(octets(2**32 - 100), DeviceState.UP, None, None)
    res = octets(50, uptime=2000)
    assert t.observe(res, DeviceState.UP, 1000, None) == []
    assert total(t, res) == 150


def test_reboot_counts_nothing_and_is_an_event() -> None:
    t = Tracker()
    t.observe(octets(5_000_000), DeviceState.UP, None, None)
    res = octets(1_000, uptime=10)
    events = t.observe(res, DeviceState.UP, 999_999, None)
    assert [e[0] for e in events] == [SnmpEventKind.REBOOT]
    assert total(t, res) == 0
    res = octets(3_000, uptime=20)
    t.observe(res, DeviceState.UP, 10, None)
    assert total(t, res) == 2_000


def test_64bit_counter_going_back_is_a_discontinuity_not_a_negative_rate() -> None:
    t = Tracker()
    t.observe(octets(10**12, bits=64), DeviceState.UP, None, None)
    res = octets(10**6, bits=64, uptime=2000)
    events = t.observe(res, DeviceState.UP, 1000, None)
    assert [(e[0], e[1]) for e in events] == [(SnmpEventKind.COUNTER_DISCONTINUITY, "eth0")]
    assert total(t, res) == 0


def _bridge(name: str, signal: float, ccq: float | None = None, snr: float | None = None,
            state: str = "up") -> PollResult:
    readings = [Reading("p", "muniops_snmp_wireless_signal_dbm", {}, signal, signal, "gauge",
                        64)]
    if ccq is not None:
        readings.append(Reading("p", "muniops_snmp_wireless_ccq_ratio", {}, ccq, ccq, "gauge",
                                64))
    if snr is not None:
        readings.append(Reading("p", "muniops_snmp_wireless_snr_db", {}, snr, snr, "gauge", 64))
    return PollResult(name, state, reason="no answer" if state == "down" else "",
                      readings=readings)


@pytest.mark.parametrize(("a", "b", "state", "why"), [
    (_bridge("a", -60, 0.95, 30), _bridge("b", -62, 0.9, 28), LinkState.OK, ""),
    (_bridge("a", -60, 0.95, 30), _bridge("b", -75, 0.9, 28), LinkState.DEGRADED,
     "b: signal -75 dBm < -70"),
    (_bridge("a", -60, 0.50, 30), _bridge("b", -62, 0.9, 18), LinkState.DEGRADED,
     "a: CCQ 50% < 80; b: SNR 18 dB < 20"),
    (_bridge("a", -60, state="down"), _bridge("b", -62), LinkState.DOWN, "a: unreachable"),
])
def test_link_state_from_both_ends(a: PollResult, b: PollResult, state: LinkState,
                                   why: str) -> None:
    link = LinkConfig.model_validate({"name": "l1", "a": {"device": "a"},
                                      "b": {"device": "b"}})
    result = evaluate(link, LinkThresholds(), {"a": a, "b": b})
    assert result.state == state
    assert result.reason.startswith(why)


def test_exposition_passes_promtool(sqlite_db: Database, sim_port: int,
                                    tmp_path: Path) -> None:
    creds = tmp_path / "creds.yaml"
    creds.write_text("s: {type: snmp_v2c, community: secret-ish}\n"
                     "b: {type: snmp_v2c, community: airos_airos8}\n"
                     "u: {type: snmp_v2c, community: apc_smt750x-nmc2}\n")
    creds.chmod(0o600)
    settings = Settings.model_validate({
        "credentials_file": creds, "snmp": {"timeout_seconds": 0.5, "retries": 0, "links": [
            {"name": "l1", "a": {"device": "bridge"}, "b": {"device": "bridge"}}]}})
    with sqlite_db.write() as s:
        for name, cred in (("bridge", "b"), ("ups", "u"), ("gone", "s")):
            devices.add_device(s, devices.DeviceCreate(name=name, address="127.0.0.1",
                                                   snmp_port=sim_port, snmp_credential=cred),
                             actor="test")
    runner = SnmpRunner(settings, sqlite_db)
    runner.run()
    runner.run()  # counters exist from the second poll on
    registry = CollectorRegistry()
    registry.register(SnmpMetrics(runner))
    text = generate_latest(registry).decode()
    assert 'muniops_snmp_device_up{device="bridge",kind="wireless_bridge",site=""} 1.0' in text
    assert 'muniops_snmp_device_up{device="gone",kind="other",site=""} 0.0' in text
    assert 'muniops_snmp_wireless_signal_dbm{device="bridge",radio="1",site="",ssid=""} -70.0' \
        in text
    assert 'muniops_snmp_ups_battery_charge_ratio{device="ups",site=""} 1.0' in text
    assert 'muniops_snmp_link_state{link="l1"} 1.0' in text  # CCQ 33 % < 80: degraded
    assert 'muniops_snmp_polls_total{device="gone"} 2.0' in text
    assert "muniops_snmp_interface_received_bytes_total{" in text
    assert "secret-ish" not in text and "airos_airos8" not in text
    promtool = shutil.which("promtool")
    assert promtool, "promtool (Debian package prometheus) is needed"
    check = subprocess.run([promtool, "check", "metrics"], input=text, text=True,
                           capture_output=True)
    assert check.returncode == 0, check.stdout + check.stderr
