"""Writes the shipped Grafana dashboards (config/grafana/dashboards/*.json) from the short
specification below, so every dashboard shares one layout, one datasource variable and the
same site/device variables. Edit here, run `.venv/bin/python scripts/grafana_dashboards.py`;
tests/metrics checks the JSON files are what this writes and runs every query."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "config" / "grafana" / "dashboards"
DS = {"type": "prometheus", "uid": "${datasource}"}
SCHEMA_VERSION = 39
SEL = 'site=~"$site"'
DEV = 'site=~"$site", device=~"$device"'


@dataclass
class Q:
    expr: str
    legend: str = ""
    instant: bool = False


@dataclass
class P:
    """A panel: its kind, title, queries, unit and width (of 24 columns)."""

    kind: str
    title: str
    queries: list[Q]
    unit: str = "short"
    width: int = 12
    height: int = 8
    description: str = ""
    repeat: str | None = None
    thresholds: list[tuple[float | None, str]] = field(default_factory=list)
    min: float | None = None
    max: float | None = None


@dataclass
class Var:
    name: str
    label: str
    query: str  # label_values(...) over the series that carry this label


@dataclass
class Row:
    title: str
    panels: list[P]


@dataclass
class Dashboard:
    uid: str
    title: str
    description: str
    variables: list[Var]
    rows: list[Row]
    tags: list[str] = field(default_factory=lambda: ["muniops"])


def site_var(metric: str) -> Var:
    return Var("site", "Site", f"label_values({metric}, site)")


def device_var(metric: str) -> Var:
    return Var("device", "Device", f'label_values({metric}{{site=~"$site"}}, device)')


GOOD_BAD = [(None, "red"), (1, "green")]
LOW_BAD = [(None, "red"), (0.9, "orange"), (0.98, "green")]
COUNT_BAD = [(None, "green"), (1, "orange")]

DASHBOARDS = [
    Dashboard(
        "muniops-overview", "muniops · Overview",
        "The municipality at a glance: fleet, network, antivirus, PM and alerts.",
        [site_var("muniops_assets")],
        [
            Row("Now", [
                P("stat", "Assets in service", [Q(
                    f'sum(muniops_assets{{{SEL}, status!="retired"}})', instant=True)],
                  width=4),
                P("stat", "Network devices answering", [Q(
                    f"sum(muniops_device_up{{{SEL}}}) / count(muniops_device_up{{{SEL}}})",
                    instant=True)], unit="percentunit", width=4, thresholds=LOW_BAD),
                P("stat", "Antivirus compliant", [Q(
                    f"sum(muniops_antivirus_compliant{{{SEL}}})"
                    f" / count(muniops_antivirus_compliant{{{SEL}}})", instant=True)],
                  unit="percentunit", width=4, thresholds=LOW_BAD),
                P("stat", "PM overdue", [Q(
                    f"sum(muniops_pm_overdue_assets{{{SEL}}})", instant=True)],
                  width=4, thresholds=COUNT_BAD),
                P("stat", "Warranties ending in 30 days", [Q(
                    f"sum(muniops_warranty_expiring_assets{{{SEL}}})", instant=True)],
                  width=4, thresholds=COUNT_BAD),
                P("stat", "Open repair tickets", [Q(
                    f"sum(muniops_repair_tickets_open{{{SEL}}})", instant=True)],
                  width=4, thresholds=COUNT_BAD),
            ]),
            Row("Fleet", [
                P("bargauge", "Assets by kind", [Q(
                    f'sum by (kind) (muniops_assets{{{SEL}, status!="retired"}})',
                    "{{kind}}", instant=True)]),
                P("timeseries", "Antivirus compliance by site", [Q(
                    f"sum by (site) (muniops_antivirus_compliant{{{SEL}}})"
                    f" / count by (site) (muniops_antivirus_compliant{{{SEL}}})", "{{site}}")],
                  unit="percentunit", min=0, max=1),
            ]),
            Row("Alerts", [
                P("table", "Alerts firing or pending", [Q(
                    "sum by (alertname, alertstate, severity, site) (ALERTS)", instant=True)],
                  width=24, description="From Prometheus' ALERTS series; the shipped rules "
                  "are in config/prometheus/rules."),
            ]),
        ],
    ),
    Dashboard(
        "muniops-network", "muniops · Network devices",
        "Switches, routers, bridges, UPSes and printers polled over SNMP.",
        [site_var("muniops_device_up"), device_var("muniops_device_up")],
        [
            Row("Reachability", [
                P("state-timeline", "Answering SNMP", [Q(
                    f"muniops_device_up{{{DEV}}}", "{{device}}")], width=24,
                  thresholds=GOOD_BAD),
                P("timeseries", "Poll duration", [Q(
                    f"muniops_snmp_poll_duration_seconds{{{DEV}}}", "{{device}}")],
                  unit="s"),
                P("timeseries", "Uptime", [Q(
                    f"muniops_device_uptime_seconds{{{DEV}}}", "{{device}}")], unit="s"),
            ]),
            Row("Health", [
                P("timeseries", "CPU", [Q(
                    f"muniops_device_cpu_ratio{{{DEV}}}", "{{device}}")],
                  unit="percentunit", min=0, max=1),
                P("timeseries", "Temperature", [Q(
                    f"muniops_device_temperature_celsius{{{DEV}}}", "{{device}} {{sensor}}")],
                  unit="celsius"),
            ]),
            Row("Power and printing", [
                P("state-timeline", "UPS on battery", [Q(
                    f"muniops_ups_on_battery{{{DEV}}}", "{{device}}")],
                  thresholds=[(None, "green"), (1, "red")]),
                P("timeseries", "UPS battery charge", [Q(
                    f"muniops_ups_battery_charge_ratio{{{DEV}}}", "{{device}}")],
                  unit="percentunit", min=0, max=1),
                P("bargauge", "Printer supplies", [Q(
                    f"muniops_printer_supply_level_ratio{{{DEV}}}", "{{device}} {{supply}}",
                    instant=True)], unit="percentunit", min=0, max=1, width=24,
                  thresholds=[(None, "red"), (0.1, "orange"), (0.25, "green")]),
            ]),
        ],
    ),
    Dashboard(
        "muniops-interfaces", "muniops · Interfaces",
        "Traffic, errors and state of every polled interface.",
        [site_var("muniops_interface_oper_up"), device_var("muniops_interface_oper_up"),
         Var("interface", "Interface",
             'label_values(muniops_interface_oper_up{site=~"$site", device=~"$device"}, '
             "interface)")],
        [
            Row("Traffic", [
                P("timeseries", "Received", [Q(
                    f'rate(muniops_interface_receive_bytes_total{{{DEV}, '
                    f'interface=~"$interface"}}[$__rate_interval]) * 8',
                    "{{device}} {{interface}}")], unit="bps"),
                P("timeseries", "Transmitted", [Q(
                    f'rate(muniops_interface_transmit_bytes_total{{{DEV}, '
                    f'interface=~"$interface"}}[$__rate_interval]) * 8',
                    "{{device}} {{interface}}")], unit="bps"),
            ]),
            Row("Errors and state", [
                P("timeseries", "Errors", [Q(
                    f'sum by (device, interface) (rate(muniops_interface_errors_total{{{DEV}, '
                    f'interface=~"$interface"}}[$__rate_interval]))',
                    "{{device}} {{interface}}")], unit="pps"),
                P("table", "Interfaces down", [Q(
                    f'muniops_interface_oper_up{{{DEV}, interface=~"$interface"}} == 0',
                    instant=True)], description="Administratively up ports whose link is down."),
            ]),
        ],
    ),
    Dashboard(
        "muniops-wireless", "muniops · Wireless links",
        "Point-to-point links between buildings: both ends side by side.",
        [site_var("muniops_wireless_link_up"),
         Var("link", "Link", 'label_values(muniops_wireless_link_up{site=~"$site"}, link)'),
         Var("device", "End", 'label_values(muniops_wireless_link_up{link=~"$link"}, device)')],
        [
            Row("Link ends", [
                P("timeseries", "Signal · $device", [Q(
                    'muniops_wireless_signal_dbm{link=~"$link", device=~"$device"}',
                    "{{device}} signal"), Q(
                    'muniops_wireless_noise_dbm{link=~"$link", device=~"$device"}',
                    "{{device}} noise")], unit="dBm", repeat="device"),
                P("timeseries", "SNR · $device", [Q(
                    'muniops_wireless_signal_dbm{link=~"$link", device=~"$device"}'
                    ' - muniops_wireless_noise_dbm'
                    '{link=~"$link", device=~"$device"}', "{{device}}")],
                  unit="dB", repeat="device"),
                P("timeseries", "CCQ · $device", [Q(
                    'muniops_wireless_ccq_ratio{link=~"$link", device=~"$device"}',
                    "{{device}}")], unit="percentunit", min=0, max=1, repeat="device"),
                P("timeseries", "Rates · $device", [Q(
                    'muniops_wireless_tx_rate_bits_per_second{link=~"$link", device=~"$device"}',
                    "{{device}} tx"), Q(
                    'muniops_wireless_rx_rate_bits_per_second{link=~"$link", device=~"$device"}',
                    "{{device}} rx")], unit="bps", repeat="device"),
            ]),
            Row("Links", [
                P("state-timeline", "Link up", [Q(
                    'muniops_wireless_link_up{site=~"$site", link=~"$link"}',
                    "{{link}} · {{device}}")], width=24, thresholds=GOOD_BAD),
            ]),
        ],
    ),
    Dashboard(
        "muniops-agents", "muniops · Agents and hardware",
        "PCs and servers that run the muniops agent: freshness, antivirus, hardware.",
        [site_var("muniops_agent_last_report_timestamp_seconds"),
         device_var("muniops_agent_last_report_timestamp_seconds")],
        [
            Row("Agents", [
                P("stat", "Agents reporting today", [Q(
                    f"count(time() - muniops_agent_last_report_timestamp_seconds{{{DEV}}}"
                    " < 86400)", instant=True)], width=6),
                P("stat", "Agents silent 3 days", [Q(
                    f"count(time() - muniops_agent_last_report_timestamp_seconds{{{DEV}}}"
                    " > 3 * 86400) or vector(0)", instant=True)], width=6,
                  thresholds=COUNT_BAD),
                P("table", "Last report age", [Q(
                    f"time() - muniops_agent_last_report_timestamp_seconds{{{DEV}}}",
                    instant=True)], unit="s", width=12),
            ]),
            Row("Antivirus", [
                P("table", "Not compliant", [Q(
                    f"muniops_antivirus_compliant{{{DEV}}} == 0", instant=True)]),
                P("timeseries", "Compliant share", [Q(
                    f"sum by (site) (muniops_antivirus_compliant{{{DEV}}})"
                    f" / count by (site) (muniops_antivirus_compliant{{{DEV}}})", "{{site}}")],
                  unit="percentunit", min=0, max=1),
            ]),
            Row("Hardware", [
                P("bargauge", "Computers by kind and state", [Q(
                    f'sum by (kind, status) (muniops_assets{{{SEL}, '
                    'kind=~"pc|laptop|server"})', "{{kind}} {{status}}", instant=True)]),
                P("timeseries", "Disk used", [Q(
                    f"muniops_host_disk_used_ratio{{{DEV}}}", "{{device}} {{mount}}")],
                  unit="percentunit", min=0, max=1),
            ]),
        ],
    ),
    Dashboard(
        "muniops-pm-warranty", "muniops · PM and warranty",
        "Preventive maintenance due and overdue; warranties and repairs.",
        [site_var("muniops_assets")],
        [
            Row("Preventive maintenance", [
                P("stat", "Overdue", [Q(
                    f"sum(muniops_pm_overdue_assets{{{SEL}}})", instant=True)], width=6,
                  thresholds=COUNT_BAD),
                P("timeseries", "Overdue by site", [Q(
                    f"sum by (site) (muniops_pm_overdue_assets{{{SEL}}})", "{{site}}")],
                  width=18),
            ]),
            Row("Warranty and repairs", [
                P("timeseries", "Warranties ending in 30 days", [Q(
                    f"sum by (site) (muniops_warranty_expiring_assets{{{SEL}}})", "{{site}}")]),
                P("timeseries", "Open repair tickets", [Q(
                    f"sum by (site) (muniops_repair_tickets_open{{{SEL}}})", "{{site}}")]),
            ]),
        ],
    ),
]


def _thresholds(steps: list[tuple[float | None, str]]) -> dict[str, Any]:
    return {"mode": "absolute",
            "steps": [{"color": color, "value": value} for value, color in steps]
            or [{"color": "green", "value": None}]}


def _panel(p: P, pid: int, x: int, y: int) -> dict[str, Any]:
    defaults: dict[str, Any] = {"unit": p.unit, "thresholds": _thresholds(p.thresholds)}
    if p.min is not None:
        defaults["min"] = p.min
    if p.max is not None:
        defaults["max"] = p.max
    panel: dict[str, Any] = {
        "id": pid, "type": p.kind, "title": p.title, "description": p.description,
        "datasource": DS, "gridPos": {"h": p.height, "w": p.width, "x": x, "y": y},
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True}}
        if p.kind == "timeseries" else {},
        "targets": [{"datasource": DS, "refId": chr(ord("A") + i), "expr": q.expr,
                     "legendFormat": q.legend or "__auto", "instant": q.instant,
                     "range": not q.instant, **({"format": "table"}
                                                if p.kind == "table" else {})}
                    for i, q in enumerate(p.queries)],
    }
    if p.repeat:
        panel.update(repeat=p.repeat, repeatDirection="h", maxPerRow=2)
    return panel


def _variable(v: Var) -> dict[str, Any]:
    return {"name": v.name, "label": v.label, "type": "query", "datasource": DS,
            "definition": v.query, "query": {"query": v.query, "refId": v.name},
            "refresh": 2, "includeAll": True, "multi": True, "allValue": ".*",
            "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
            "options": [], "sort": 1, "hide": 0, "regex": ""}


def render(d: Dashboard) -> dict[str, Any]:
    panels: list[dict[str, Any]] = []
    pid, y = 1, 0
    for row in d.rows:
        panels.append({"id": pid, "type": "row", "title": row.title, "collapsed": False,
                       "gridPos": {"h": 1, "w": 24, "x": 0, "y": y}, "panels": []})
        pid, y, x, row_h = pid + 1, y + 1, 0, 0
        for p in row.panels:
            width = 24 if p.repeat else p.width
            if x + width > 24:
                x, y, row_h = 0, y + row_h, 0
            panels.append(_panel(p, pid, x, y))
            pid, x, row_h = pid + 1, x + width, max(row_h, p.height)
        y += row_h
    datasource = {"name": "datasource", "label": "Data source", "type": "datasource",
                  "query": "prometheus", "current": {}, "hide": 0, "options": [],
                  "refresh": 1, "regex": ""}
    return {
        "uid": d.uid, "title": d.title, "description": d.description, "tags": d.tags,
        "schemaVersion": SCHEMA_VERSION, "version": 1, "editable": True,
        "graphTooltip": 1, "time": {"from": "now-6h", "to": "now"}, "refresh": "1m",
        "timezone": "browser", "fiscalYearStartMonth": 0, "liveNow": False,
        "links": [{"title": "muniops", "type": "dashboards", "tags": ["muniops"],
                   "asDropdown": True, "includeVars": True, "keepTime": True}],
        "annotations": {"list": [{
            "builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"},
            "enable": True, "hide": True, "iconColor": "rgba(0, 211, 255, 1)",
            "name": "Annotations & Alerts", "type": "dashboard"}]},
        "templating": {"list": [datasource, *(_variable(v) for v in d.variables)]},
        "panels": panels,
    }


def write(out: Path = OUT) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for d in DASHBOARDS:
        path = out / f"{d.uid.removeprefix('muniops-')}.json"
        path.write_text(json.dumps(render(d), indent=2, ensure_ascii=False) + "\n",
                        encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write():
        print(path)
