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

CPU = (f"max by (device) (muniops_snmp_cpu_utilisation_ratio{{{DEV}}}"
       f" or 1 - muniops_snmp_cpu_idle_ratio{{{DEV}}})")
IFSEL = f'{DEV}, interface=~"$interface"'
ENDS = 'site=~"$site", device=~"$device"'
PERIOD = 'period=~"$period"'

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
                    f"avg(muniops_snmp_device_up{{{SEL}}})", instant=True)],
                  unit="percentunit", width=4, thresholds=LOW_BAD),
                P("stat", "Antivirus compliant", [Q(
                    'sum(muniops_antivirus_hosts{state="compliant"})'
                    " / sum(muniops_antivirus_hosts)", instant=True)],
                  unit="percentunit", width=4, thresholds=LOW_BAD,
                  description="Share of hosts whose agent reports antivirus compliant with "
                  "the policy (the whole fleet: agent metrics carry no site)."),
                P("stat", "PM tasks overdue", [Q(
                    f"sum(muniops_pm_overdue_tasks{{{SEL}}}) or vector(0)", instant=True)],
                  width=4, thresholds=COUNT_BAD),
                P("stat", "Warranties ending in 30 days", [Q(
                    f"sum(muniops_warranty_expiring_assets{{{SEL}}}) or vector(0)",
                    instant=True)], width=4, thresholds=COUNT_BAD),
                P("stat", "Unknown devices seen", [Q(
                    f"sum(muniops_discovery_unknown_devices{{{SEL}}}) or vector(0)",
                    instant=True)], width=4, thresholds=COUNT_BAD),
            ]),
            Row("Fleet", [
                P("bargauge", "Assets by kind", [Q(
                    f'sum by (kind) (muniops_assets{{{SEL}, status!="retired"}})',
                    "{{kind}}", instant=True)]),
                P("timeseries", "Agents by state", [Q(
                    "sum by (state) (muniops_agents)", "{{state}}")]),
                P("timeseries", "Network devices answering by site", [Q(
                    f"avg by (site) (muniops_snmp_device_up{{{SEL}}})", "{{site}}")],
                  unit="percentunit", min=0, max=1),
                P("timeseries", "PM tasks by state", [Q(
                    f"sum by (state) (muniops_pm_tasks{{{SEL}}})", "{{state}}")]),
            ]),
            Row("Alerts", [
                P("table", "Alerts firing or pending", [Q(
                    "sum by (alertname, alertstate, severity, site, device, link) (ALERTS)",
                    instant=True)],
                  width=24, description="From Prometheus' ALERTS series; the shipped rules "
                  "are in config/prometheus/rules."),
            ]),
        ],
    ),
    Dashboard(
        "muniops-network", "muniops · Network devices",
        "Switches, routers, bridges, UPSes and printers polled over SNMP; their "
        "configuration backups.",
        [site_var("muniops_snmp_device_up"), device_var("muniops_snmp_device_up")],
        [
            Row("Reachability", [
                P("state-timeline", "Answering SNMP", [Q(
                    f"muniops_snmp_device_up{{{DEV}}}", "{{device}}")], width=24,
                  thresholds=GOOD_BAD),
                P("timeseries", "Poll duration", [Q(
                    f"muniops_snmp_poll_duration_seconds{{{DEV}}}", "{{device}}")],
                  unit="s"),
                P("timeseries", "Uptime", [Q(
                    f"muniops_snmp_uptime_seconds{{{DEV}}}", "{{device}}")], unit="s"),
            ]),
            Row("Health", [
                P("timeseries", "CPU", [Q(CPU, "{{device}}")],
                  unit="percentunit", min=0, max=1),
                P("timeseries", "Temperature", [Q(
                    f"muniops_snmp_temperature_celsius{{{DEV}}}"
                    f" or muniops_snmp_ups_battery_temperature_celsius{{{DEV}}}",
                    "{{device}} {{sensor_name}}")], unit="celsius",
                  description="Device sensors (CISCO-ENVMON) and UPS batteries."),
                P("timeseries", "Memory and storage used", [Q(
                    f"muniops_snmp_storage_used_bytes{{{DEV}}}"
                    f" / muniops_snmp_storage_size_bytes{{{DEV}}} > 0",
                    "{{device}} {{storage_name}}")], unit="percentunit", min=0, max=1,
                  description="HOST-RESOURCES storage: RAM, swap and disks."),
                P("table", "Environment not normal", [Q(
                    f"count(muniops_snmp_environment_state{{{DEV}}} != 1) or vector(0)",
                    instant=True)], description="CISCO-ENVMON sensors, fans and power "
                  "supplies whose state is not 1 (normal)."),
            ]),
            Row("Power and printing", [
                P("timeseries", "UPS battery charge", [Q(
                    f"muniops_snmp_ups_battery_charge_ratio{{{DEV}}}", "{{device}}")],
                  unit="percentunit", min=0, max=1),
                P("timeseries", "UPS runtime left", [Q(
                    f"muniops_snmp_ups_battery_runtime_seconds{{{DEV}}}", "{{device}}")],
                  unit="s"),
                P("bargauge", "Printer supplies", [Q(
                    f"(muniops_snmp_printer_supply_level{{{DEV}}} >= 0)"
                    f" / (muniops_snmp_printer_supply_capacity{{{DEV}}} > 0)",
                    "{{device}} {{supply_name}}", instant=True)], unit="percentunit",
                  min=0, max=1, width=24,
                  thresholds=[(None, "red"), (0.1, "orange"), (0.25, "green")]),
            ]),
            Row("Configuration backups", [
                P("table", "Last good backup age", [Q(
                    f"time() - muniops_config_backup_last_success_timestamp_seconds{{{DEV}}}",
                    instant=True)], unit="s"),
                P("timeseries", "Configuration changes (24 h)", [Q(
                    f"increase(muniops_config_changes_total{{{DEV}}}[24h])", "{{device}}")]),
            ]),
        ],
    ),
    Dashboard(
        "muniops-interfaces", "muniops · Interfaces",
        "Traffic, errors and state of every polled interface.",
        [site_var("muniops_snmp_interface_oper_status"),
         device_var("muniops_snmp_interface_oper_status"),
         Var("interface", "Interface",
             'label_values(muniops_snmp_interface_oper_status{site=~"$site", '
             'device=~"$device"}, interface)')],
        [
            Row("Traffic", [
                P("timeseries", "Received", [Q(
                    f"rate(muniops_snmp_interface_received_bytes_total{{{IFSEL}}}"
                    "[$__rate_interval]) * 8", "{{device}} {{interface}}")], unit="bps"),
                P("timeseries", "Sent", [Q(
                    f"rate(muniops_snmp_interface_sent_bytes_total{{{IFSEL}}}"
                    "[$__rate_interval]) * 8", "{{device}} {{interface}}")], unit="bps"),
            ]),
            Row("Errors and state", [
                P("timeseries", "Errors received", [Q(
                    f"rate(muniops_snmp_interface_receive_errors_total{{{IFSEL}}}"
                    "[$__rate_interval])", "{{device}} {{interface}}")], unit="pps", width=8),
                P("timeseries", "Errors sent", [Q(
                    f"rate(muniops_snmp_interface_send_errors_total{{{IFSEL}}}"
                    "[$__rate_interval])", "{{device}} {{interface}}")], unit="pps", width=8),
                P("timeseries", "Discards", [Q(
                    f"rate(muniops_snmp_interface_receive_discards_total{{{IFSEL}}}"
                    "[$__rate_interval])", "{{device}} {{interface}} in")], unit="pps",
                  width=8),
                P("stat", "Ports up", [Q(
                    f"count(muniops_snmp_interface_oper_status{{{IFSEL}}} == 1) or vector(0)",
                    instant=True)], width=6),
                P("stat", "Ports enabled but down", [Q(
                    f"count(muniops_snmp_interface_oper_status{{{IFSEL}}} != 1"
                    " and on (device, interface) "
                    f"muniops_snmp_interface_admin_status{{{IFSEL}}} == 1) or vector(0)",
                    instant=True)], width=6, thresholds=COUNT_BAD),
                P("table", "Speed", [Q(
                    f"muniops_snmp_interface_speed_bytes_per_second{{{IFSEL}}} * 8",
                    instant=True)], unit="bps", width=12),
            ]),
        ],
    ),
    Dashboard(
        "muniops-wireless", "muniops · Wireless links",
        "Point-to-point links between buildings: both ends side by side.",
        [site_var("muniops_snmp_wireless_signal_dbm"),
         Var("link", "Link", "label_values(muniops_snmp_link_state, link)"),
         Var("device", "End", 'label_values(muniops_snmp_link_signal_dbm{link=~"$link"}, end)')],
        [
            Row("Links", [
                P("state-timeline", "Link state (2 ok, 1 degraded, 0 down)", [Q(
                    'muniops_snmp_link_state{link=~"$link"}', "{{link}}")], width=12,
                  thresholds=[(None, "red"), (1, "orange"), (2, "green")]),
                P("timeseries", "Worst signal at each end", [Q(
                    'muniops_snmp_link_signal_dbm{link=~"$link", end=~"$device"}',
                    "{{link}} · {{end}}")], unit="dBm", width=12),
            ]),
            Row("Link ends side by side", [
                P("timeseries", "Signal · $device", [Q(
                    f"muniops_snmp_wireless_signal_dbm{{{ENDS}}}", "{{device}} signal"), Q(
                    f"muniops_snmp_wireless_noise_dbm{{{ENDS}}}", "{{device}} noise")],
                  unit="dBm", repeat="device"),
                P("timeseries", "SNR · $device", [Q(
                    f"muniops_snmp_wireless_snr_db{{{ENDS}}}"
                    f" or muniops_snmp_wireless_signal_dbm{{{ENDS}}}"
                    f" - muniops_snmp_wireless_noise_dbm{{{ENDS}}}", "{{device}}")],
                  unit="dB", repeat="device"),
                P("timeseries", "CCQ · $device", [Q(
                    f"muniops_snmp_wireless_ccq_ratio{{{ENDS}}}"
                    f" or muniops_snmp_wireless_quality_ratio{{{ENDS}}}", "{{device}}")],
                  unit="percentunit", min=0, max=1, repeat="device",
                  description="airMAX CCQ; radios without CCQ show their link quality."),
                P("timeseries", "Rates · $device", [Q(
                    f"muniops_snmp_wireless_tx_rate_bytes_per_second{{{ENDS}}} * 8",
                    "{{device}} tx"), Q(
                    f"muniops_snmp_wireless_rx_rate_bytes_per_second{{{ENDS}}} * 8",
                    "{{device}} rx")], unit="bps", repeat="device"),
            ]),
        ],
    ),
    Dashboard(
        "muniops-agents", "muniops · Agents and hardware",
        "PCs and servers that run the muniops agent: freshness, antivirus, software; "
        "the computers in the register.",
        [site_var("muniops_assets"),
         Var("device", "Host", "label_values(muniops_agent_last_seen_timestamp_seconds, "
             "device)")],
        [
            Row("Agents", [
                P("stat", "Agents reporting today", [Q(
                    'count(time() - muniops_agent_last_seen_timestamp_seconds{device=~"$device"}'
                    " < 86400) or vector(0)", instant=True)], width=6),
                P("timeseries", "Agents by state", [Q(
                    "sum by (state) (muniops_agents)", "{{state}}")], width=6),
                P("table", "Last report age", [Q(
                    'time() - muniops_agent_last_seen_timestamp_seconds{device=~"$device"}',
                    instant=True)], unit="s", width=12),
                P("timeseries", "Reports received", [Q(
                    "sum by (kind, outcome) (rate(muniops_agent_reports_total"
                    "[$__rate_interval]))", "{{kind}} {{outcome}}")], unit="reqps"),
                P("timeseries", "Reports refused", [Q(
                    "sum by (reason) (rate(muniops_agent_reports_rejected_total"
                    "[$__rate_interval]))", "{{reason}}")], unit="reqps"),
            ]),
            Row("Antivirus and software", [
                P("timeseries", "Antivirus compliance", [Q(
                    "muniops_antivirus_hosts", "{{state}}")], width=8),
                P("table", "Signature age", [Q(
                    'muniops_antivirus_signature_age_seconds{device=~"$device"}',
                    instant=True)], unit="s", width=8),
                P("bargauge", "Hosts with flagged software", [Q(
                    "muniops_software_flagged_hosts", "{{kind}}", instant=True)], width=8),
            ]),
            Row("Hardware in the register", [
                P("bargauge", "Computers by kind and state", [Q(
                    f'sum by (kind, status) (muniops_assets{{{SEL}, '
                    'kind=~"pc|laptop|server"})', "{{kind}} {{status}}", instant=True)],
                  width=24),
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
                    f"sum(muniops_pm_overdue_tasks{{{SEL}}}) or vector(0)", instant=True)],
                  width=6, thresholds=COUNT_BAD),
                P("bargauge", "Tasks by state", [Q(
                    f"sum by (state) (muniops_pm_tasks{{{SEL}}})", "{{state}}",
                    instant=True)], width=6),
                P("timeseries", "Completion this half-year", [Q(
                    f"muniops_pm_completion_ratio{{{SEL}}}", "{{site}}")],
                  unit="percentunit", min=0, max=1, description="Done among the tasks "
                  "due so far this half-year; empty until the first task falls due."),
            ]),
            Row("Warranty and repairs", [
                P("timeseries", "Warranties ending in 30 days", [Q(
                    f"sum by (site) (muniops_warranty_expiring_assets{{{SEL}}})", "{{site}}")]),
                P("timeseries", "Open repair tickets", [Q(
                    f"sum by (site) (muniops_repair_tickets_open{{{SEL}}})", "{{site}}")]),
            ]),
        ],
    ),
    Dashboard(
        "muniops-indicators", "muniops · Indicators and backups",
        "The monitoring committee's indicators against their targets (the same sums as "
        "`muniops report kpis` and the muniops:kpi_* recording rules), and every server's "
        "backups.",
        [site_var("muniops_backups"),
         Var("period", "Period", "label_values(muniops_kpi_numerator, period)")],
        [
            Row("Indicators, current period", [
                P("table", "Achieved (municipality)", [Q(
                    f"sum by (indicator, period) (muniops_kpi_numerator{{{PERIOD}}})"
                    f" / sum by (indicator, period) (muniops_kpi_denominator{{{PERIOD}}})",
                    instant=True)], width=12, description="Shares from 0 to 1; *_days "
                  "indicators in days."),
                P("table", "Targets", [Q("muniops_kpi_target", instant=True)], width=12),
                P("timeseries", "By district", [Q(
                    f"sum by (indicator, district) (muniops_kpi_numerator{{{PERIOD}, "
                    'site!=""}) / sum by (indicator, district) '
                    f'(muniops_kpi_denominator{{{PERIOD}, site!=""}})',
                    "{{indicator}} {{district}}")], width=24),
            ]),
            Row("Backups", [
                P("bargauge", "Backups by state", [Q(
                    f"sum by (state) (muniops_backups{{{SEL}}})", "{{state}}", instant=True)],
                  width=8),
                P("table", "Backups not ok", [Q(
                    f'muniops_backup_state{{{SEL}, state!="ok"}} == 1', instant=True)],
                  width=16),
                P("timeseries", "Age of the newest backup", [Q(
                    f"time() - muniops_backup_last_success_timestamp_seconds{{{SEL}}}",
                    "{{host}} {{backup}}")], unit="s"),
                P("timeseries", "Size of the newest backup", [Q(
                    f"muniops_backup_size_bytes{{{SEL}}}", "{{host}} {{backup}}")],
                  unit="bytes"),
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
