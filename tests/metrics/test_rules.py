"""The shipped Prometheus configuration: promtool accepts it, and every alert rule has unit
tests (promtool test rules) that make it fire and keep it quiet."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from muniops.lab import prometheus

pytestmark = pytest.mark.skipif(not prometheus.available(),
                                reason="Debian's prometheus is not installed "
                                       "(scripts/debian-packages.txt; make test installs it)")

PROM = prometheus.SHIPPED
RULES = prometheus.shipped_rule_files()
UNIT_TESTS = sorted((PROM / "tests").glob("*_test.yml"))

# What the issue asks to be alerted on, and the rule that does it.
REQUIRED_ALERTS = {
    "device down": "MuniopsDeviceDown",
    "interface errors rising": "MuniopsInterfaceErrorsRising",
    "wireless link down": "MuniopsWirelessLinkDown",
    "wireless link degraded": "MuniopsWirelessLinkDegraded",
    "CPU high": "MuniopsDeviceCpuHigh",
    "temperature high": "MuniopsDeviceTemperatureHigh",
    "UPS on battery": "MuniopsUpsOnBattery",
    "toner low": "MuniopsTonerLow",
    "agent stale": "MuniopsAgentStale",
    "antivirus non-compliant host": "MuniopsAntivirusNonCompliant",
    "antivirus non-compliant fleet share": "MuniopsAntivirusFleetNonCompliant",
    "PM overdue": "MuniopsPmOverdue",
    "warranty expiring": "MuniopsWarrantyExpiring",
    "configuration changed": "MuniopsConfigurationChanged",
    "backup failing": "MuniopsConfigBackupFailing",
    "unknown device seen": "MuniopsUnknownDeviceSeen",
    "server backup late": "MuniopsBackupLate",
    "server backup missing": "MuniopsBackupMissing",
    "server backup failed": "MuniopsBackupFailed",
    "server backup shrank": "MuniopsBackupShrank",
    "fan failed": "MuniopsFanFailed",
    "power supply failed": "MuniopsPowerSupplyFailed",
    "disk failed": "MuniopsDiskFailed",
    "UPS battery needs replacing": "MuniopsUpsBatteryReplace",
}


def alerts_in(path: Path) -> list[dict[str, object]]:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [rule for group in doc["groups"] for rule in group["rules"] if "alert" in rule]


def test_shipped_scrape_config_is_valid() -> None:
    out = prometheus.promtool("check", "config", str(PROM / "prometheus.yml"))
    assert "SUCCESS" in out
    assert "rules/" in out  # the rule files were found through the glob and checked too


def test_rule_files_are_valid() -> None:
    out = prometheus.promtool("check", "rules", *map(str, RULES))
    assert out.count("SUCCESS") == len(RULES)


def test_every_rule_unit_test_passes() -> None:
    out = prometheus.promtool("test", "rules", *map(str, UNIT_TESTS))
    assert out.count("SUCCESS") == len(UNIT_TESTS), out


def test_every_issue_alert_exists_with_severity_and_summary() -> None:
    shipped = {rule["alert"]: rule for path in RULES for rule in alerts_in(path)}
    missing = sorted(set(REQUIRED_ALERTS.values()) - set(shipped))
    assert not missing
    for name, rule in shipped.items():
        labels, notes = rule.get("labels") or {}, rule.get("annotations") or {}
        assert isinstance(labels, dict) and labels.get("severity") in ("info", "warning",
                                                                         "critical"), name
        assert isinstance(notes, dict) and notes.get("summary") and notes.get("description"), name


def test_every_alert_has_a_unit_test_that_makes_it_fire() -> None:
    fired: set[str] = set()
    for path in UNIT_TESTS:
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["tests"]:
            for check in case.get("alert_rule_test", []):
                if check.get("exp_alerts"):
                    fired.add(check["alertname"])
    shipped = {str(rule["alert"]) for path in RULES for rule in alerts_in(path)}
    assert sorted(shipped - fired) == []


def test_a_broken_rule_unit_test_fails(tmp_path: Path) -> None:
    """The harness itself: promtool reports a wrong expectation as a failure."""
    case = yaml.safe_load((PROM / "tests" / "power_print_test.yml").read_text())
    case["rule_files"] = [str(PROM / "rules" / "power_print.yml")]
    case["tests"][0]["alert_rule_test"][1]["exp_alerts"][0]["exp_labels"]["site"] = "Elsewhere"
    path = tmp_path / "broken_test.yml"
    path.write_text(yaml.safe_dump(case))
    with pytest.raises(prometheus.PrometheusError, match="FAILED"):
        prometheus.promtool("test", "rules", str(path))


def documented_metrics() -> set[str]:
    text = (PROM.parents[1] / "docs" / "metrics.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\| `(muniops_[a-z0-9_]+)`", text, re.MULTILINE))


def test_every_metric_a_rule_reads_is_documented() -> None:
    """A rule on a name nobody exposes never fires: each name must be in docs/metrics.md,
    the table of what the collector serves (tests/metrics/test_live.py checks that)."""
    documented = documented_metrics()
    unknown = set()
    for path in RULES:
        for rule in alerts_in(path):
            unknown |= set(re.findall(r"muniops_[a-z0-9_]+", str(rule["expr"]))) - documented
    assert sorted(unknown) == []


def test_a_broken_rule_file_stops_prometheus_from_starting(tmp_path: Path) -> None:
    """The lab checks the configuration before it starts the server, with promtool's words."""
    bad = tmp_path / "bad.yml"
    bad.write_text("groups:\n  - name: x\n    rules:\n      - alert: X\n        expr: rate(\n")
    config = prometheus.scrape_config(["127.0.0.1:9"], rule_files=[bad])
    with pytest.raises(prometheus.PrometheusError, match=r"bad\.yml"), \
            prometheus.running_prometheus(config, rule_files=[bad]):
        pass
