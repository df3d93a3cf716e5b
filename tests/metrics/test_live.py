"""The dashboards and alert rules on real data: a collector running the demo lab (a copy of
config/demo.yaml, the demo city seeded through the inventory operations, and the lab parts
of scripts/demo.py) scraped by Debian's Prometheus with the shipped rules. Every panel query
and every alert expression goes through Prometheus' HTTP API."""

from __future__ import annotations

import importlib
import re
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from muniops.collector.core.settings import PATH_KEYS
from muniops.inventory import importer, repairs, sites
from muniops.inventory.assets import add_asset
from muniops.inventory.db import Database, sqlite_url
from muniops.inventory.migrate import upgrade
from muniops.inventory.models import AssetKind, AssetStatus
from muniops.inventory.schemas import AssetCreate, RepairOpen, SiteCreate
from muniops.inventory.types import utcnow
from muniops.lab import discovery_demo, prometheus, ssh_demo
from muniops.lab.collector import RunningCollector, running_collector
from muniops.lab.net import free_port, wait_until
from tests.metrics.dashboards import DASHBOARDS, ROOT, Query, expand, load, queries

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not prometheus.available(),
                       reason="Debian's prometheus is not installed "
                              "(scripts/debian-packages.txt; make test installs it)"),
]

DEMO_CONFIG = ROOT / "config" / "demo.yaml"
OWN_PART = "muniops.lab.prometheus_demo:demo"  # this test starts its own, faster Prometheus
# How long the lab's periodic jobs get to fill every panel before the test gives up.
DATA_TIMEOUT = 120.0

# Panel queries ("dashboard / panel / ref") and variables ("dashboard $name") whose source
# cannot produce data in this lab, and why. Checked both ways: such a query must really be
# empty, so its entry goes once the lab can feed it.
NO_DATA_IN_LAB: dict[str, str] = {
    "muniops-pm-warranty / Completion this half-year / A":
        "the demo's PM plan is made at start: no task has fallen due yet this half-year",
    **{f"muniops-indicators / {title} / A": "the demo configures no kpis: indicators (and "
       "the kpi-sample job first runs after kpis.sample_minutes); tests/backups/test_kpis.py "
       "runs these sums in a real Prometheus"
       for title in ("Achieved (municipality)", "Targets", "By district")},
    **{f"muniops-indicators / {title} / A": "the demo configures no backups: policy (no "
       "server there keeps a backup); tests/backups/test_collector.py feeds these metrics"
       for title in ("Backups by state", "Backups not ok", "Age of the newest backup",
                     "Size of the newest backup")},
    "muniops-indicators $site": "no backups in the demo (see above)",
    "muniops-indicators $period": "no indicators in the demo (see above)",
}


@dataclass
class Stack:
    collector: RunningCollector
    prom: prometheus.Prometheus
    db_url: str


def demo_like_config(root: Path, listen: str) -> Path:
    """config/demo.yaml with its own store, credentials file and ports (so a running demo
    or another test never collides with it); its other relative paths still resolve."""
    data: dict[str, Any] = yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8"))
    for key in PATH_KEYS:
        if isinstance(data.get(key), str):
            data[key] = str((DEMO_CONFIG.parent / data[key]).resolve())
    data["data_dir"] = str(root / "data")
    data["credentials_file"] = str(root / "credentials.yaml")
    data = _fresh_ports(data, {})
    if isinstance(data.get("snmp"), dict):  # poll often, so rate() has two polls soon
        data["snmp"]["interval_seconds"] = 10
    data.setdefault("api", {})["listen"] = listen
    data["logging"] = {"level": "WARNING"}
    config = root / "muniops.yaml"
    config.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return config


LOOPBACK_PORT = re.compile(r"^127\.0\.0\.1:(\d+)$")


def _fresh_ports(node: Any, ports: dict[str, int]) -> Any:
    """Every 127.0.0.1:PORT in the config moved to a free port (the same one each time)."""
    if isinstance(node, dict):
        moved = {k: _fresh_ports(v, ports) for k, v in node.items()}
        if moved.get("host") == "127.0.0.1" and isinstance(moved.get("port"), int):
            # a {host, port} pair (discovery's SNMP sources): UDP, like snmpsim's
            moved["port"] = ports.setdefault(f"udp:{moved['port']}",
                                             free_port(socket.SOCK_DGRAM))
        return moved
    if isinstance(node, list):
        return [_fresh_ports(v, ports) for v in node]
    if isinstance(node, str) and (m := LOOPBACK_PORT.match(node)):
        port = ports.setdefault(m.group(1), free_port())
        return f"127.0.0.1:{port}"
    return node


def seed(db: Database) -> None:
    """The demo city, plus a warranty ending soon and a part away at the vendor."""
    demo = importlib.import_module("scripts.demo")
    upgrade(db.engine)
    with db.write() as s:
        for name, district, tz in demo.DEMO_SITES:
            sites.add_site(s, SiteCreate(name=name, district=district, timezone=tz),
                           actor="test")
    with db.write() as s:
        importer.import_assets(s, ROOT / "config" / "demo" / "assets.csv", actor="test",
                               create_missing=True)
    with db.write() as s:
        add_asset(s, AssetCreate(asset_tag="MUN-T001", kind=AssetKind.SERVER,
                                 status=AssetStatus.DEPLOYED, site="Water Works",
                                 warranty_end=(utcnow() + timedelta(days=10)).date()),
                  actor="test")
        repairs.open_ticket(s, "MUN-0001", RepairOpen(part="PSU", vendor="Dell"), actor="test")


def lab_parts() -> list[Callable[[Path], AbstractContextManager[object]]]:
    demo = importlib.import_module("scripts.demo")
    parts = []
    for part in demo.LAB_PARTS:
        if part == OWN_PART:
            continue
        module, _, func = part.partition(":")
        parts.append(getattr(importlib.import_module(module), func))
    return parts


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("metrics-live")
    listen = f"127.0.0.1:{free_port()}"
    config = demo_like_config(root, listen)
    db = Database(sqlite_url(root / "data"))
    seed(db)
    db.dispose()
    rules = prometheus.shipped_rule_files()
    with ExitStack() as lab:
        # the lab's switches register themselves on fixed ports: move them to free ones
        moved = lab.enter_context(pytest.MonkeyPatch.context())
        moved.setattr(discovery_demo, "PORT", free_port(socket.SOCK_DGRAM))
        moved.setattr(ssh_demo, "SWITCHES", {
            name: (nos, serial, free_port(), site)
            for name, (nos, serial, _port, site) in ssh_demo.SWITCHES.items()})
        for part in lab_parts():
            lab.enter_context(part(config))
        collector = lab.enter_context(running_collector(config, listen=listen))
        prom = lab.enter_context(prometheus.running_prometheus(
            prometheus.scrape_config([listen], rule_files=rules, interval="1s"),
            rule_files=rules))
        wait_until(lambda: prom.scrapes_done("muniops", 3), timeout=30, what="three scrapes")
        # every test below reads what the lab produced: give the slowest part (the first
        # SNMP and SSH polls on a busy machine) time to land before any of them looks
        deadline = time.monotonic() + DATA_TIMEOUT
        while (set(empty_queries(prom)) - set(NO_DATA_IN_LAB)
               and time.monotonic() < deadline):
            time.sleep(2)
        time.sleep(3)  # and a few more scrapes, so range queries have points
        yield Stack(collector, prom, str(db.engine.url))


def all_queries() -> list[Query]:
    return [q for path in DASHBOARDS for q in queries(path)]


def empty_queries(prom: prometheus.Prometheus) -> list[str]:
    return [q.name for q in all_queries() if not prom.query(expand(q.expr))]


def test_prometheus_scrapes_the_collector(stack: Stack) -> None:
    assert stack.prom.targets_up()
    (up,) = stack.prom.query('muniops_store_up{job="muniops"}')
    assert up["value"][1] == "1"


def test_every_panel_query_is_valid_and_returns_data(stack: Stack) -> None:
    empty = empty_queries(stack.prom)
    expected = {k for k in NO_DATA_IN_LAB if " / " in k}
    assert sorted(set(empty) - expected) == [], "\n".join(sorted(set(empty) - expected))
    assert sorted(expected - set(empty)) == [], "the lab feeds these now"


def test_range_queries_of_time_series_panels(stack: Stack) -> None:
    """What Grafana sends for a graph: a range query, with $__rate_interval filled in."""
    for q in all_queries():
        if not q.instant and q.name not in NO_DATA_IN_LAB:
            assert stack.prom.query_range(expand(q.expr), seconds=30, step="1s"), q.name


def test_every_variable_query_lists_values(stack: Stack) -> None:
    """What Grafana fills each drop-down with: label_values(<selector>, <label>)."""
    empty = []
    for path in DASHBOARDS:
        dash = load(path)
        for var in dash["templating"]["list"]:
            if var["type"] != "query":
                continue
            inner = expand(var["definition"]).removeprefix("label_values(")[:-1]
            selector, _, label = inner.rpartition(",")
            found = stack.prom.api("series", **{"match[]": selector.strip()})
            if not {s[label.strip()] for s in found if s.get(label.strip())}:
                empty.append(f"{dash['uid']} ${var['name']}")
    expected = {k for k in NO_DATA_IN_LAB if " / " not in k}
    assert sorted(set(empty) - expected) == []
    assert sorted(expected - set(empty)) == [], "the lab feeds these now"


def test_every_alert_expression_is_valid_and_every_rule_evaluates(stack: Stack) -> None:
    groups = stack.prom.api("rules")["groups"]
    rules = [r for g in groups for r in g["rules"]]
    shipped = [rule for path in prometheus.shipped_rule_files()
               for group in yaml.safe_load(path.read_text())["groups"]
               for rule in group["rules"]]
    assert len(rules) == len(shipped)
    for rule in shipped:
        stack.prom.query(rule["expr"])  # raises PrometheusError when Prometheus refuses it
    wait_until(lambda: all(r["lastEvaluation"] > "2000"
                           for g in stack.prom.api("rules")["groups"] for r in g["rules"]),
               timeout=15, what="a rule evaluation")
    bad = [(r["name"], r.get("lastError")) for g in stack.prom.api("rules")["groups"]
           for r in g["rules"] if r["health"] != "ok"]
    assert bad == []


def test_a_seeded_condition_raises_its_alert(stack: Stack) -> None:
    """The server with a warranty ending in 10 days makes the warranty rule pending."""
    def pending() -> bool:
        return bool(stack.prom.query(
            'ALERTS{alertname="MuniopsWarrantyExpiring", site="Water Works"}'))
    wait_until(pending, timeout=15, what="the warranty alert")
    (expiring,) = stack.prom.query('muniops_warranty_expiring_assets{site="Water Works"}')
    assert expiring["value"][1] == "1"


def test_a_full_scrape_passes_promtool_check_metrics(stack: Stack) -> None:
    exposition = stack.collector.metrics()
    assert "muniops_store_up 1.0" in exposition
    prometheus.promtool("check", "metrics", stdin=exposition)


def test_promtool_check_metrics_catches_a_convention_break() -> None:
    """The check above can fail: a counter without ``_total`` and a metric without help."""
    bad = "# TYPE muniops_polls counter\nmuniops_polls 3\n"
    with pytest.raises(prometheus.PrometheusError, match=r"_total|help"):
        prometheus.promtool("check", "metrics", stdin=bad)


def test_every_metric_served_is_documented(stack: Stack) -> None:
    """docs/metrics.md is the one table of every metric: each family of a full scrape of
    the demo has its row there, with its type."""
    from prometheus_client.parser import text_string_to_metric_families

    rows = {}
    for line in (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip().strip("`") for c in line.strip().strip("|").split("|")]
        if line.startswith("| `muniops_") and len(cells) >= 4:
            rows[cells[0]] = cells[1]
    missing, wrong = [], []
    for family in text_string_to_metric_families(stack.collector.metrics()):
        name = family.name + ("_total" if family.type == "counter" else "")
        if name not in rows:
            missing.append(name)
        elif rows[name] != family.type:
            wrong.append(f"{name}: documented {rows[name]}, served {family.type}")
    assert missing == [] and wrong == []
