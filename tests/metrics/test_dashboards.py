"""The shipped Grafana dashboards and provisioning, checked for the structure Grafana needs.
(Grafana itself does not install here; tests/metrics/test_live.py runs every query.)"""

from __future__ import annotations

import importlib
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.metrics.dashboards import (
    BUILTIN,
    DASHBOARDS,
    ROOT,
    load,
    panels,
    queries,
    variables_used,
)

GRAFANA = ROOT / "config" / "grafana"
EXPECTED = {"overview", "network", "interfaces", "wireless", "agents", "pm-warranty",
            "indicators"}
PROVISIONED_UID = "muniops-prometheus"


def datasource_ok(ref: Any, variables: set[str]) -> bool:
    """A Prometheus datasource by the dashboard's datasource variable or the provisioned uid."""
    if not isinstance(ref, dict) or ref.get("type") != "prometheus":
        return False
    uid = str(ref.get("uid", ""))
    return uid == PROVISIONED_UID or (uid.startswith("${") and uid[2:-1] in variables)


@pytest.fixture(params=DASHBOARDS, ids=lambda p: p.stem)
def dashboard(request: pytest.FixtureRequest) -> dict[str, Any]:
    return load(request.param)


def test_every_dashboard_the_issue_asks_for_is_shipped() -> None:
    assert {p.stem for p in DASHBOARDS} == EXPECTED


def test_dashboard_top_level(dashboard: dict[str, Any]) -> None:
    assert isinstance(dashboard["schemaVersion"], int) and dashboard["schemaVersion"] >= 36
    assert dashboard["uid"].startswith("muniops-") and len(dashboard["uid"]) <= 40
    assert dashboard["title"] and "muniops" in dashboard["tags"]
    assert isinstance(dashboard["templating"]["list"], list)
    assert dashboard.get("id") is None  # an exported id would clash on import


def test_uids_and_titles_are_unique() -> None:
    dashes = [load(p) for p in DASHBOARDS]
    assert len({d["uid"] for d in dashes}) == len(dashes)
    assert len({d["title"] for d in dashes}) == len(dashes)


def test_panel_ids_are_unique_and_layout_fits(dashboard: dict[str, Any]) -> None:
    all_panels = list(panels(dashboard))
    ids = Counter(p["id"] for p in all_panels)
    assert [i for i, n in ids.items() if n > 1] == []
    for p in all_panels:
        pos = p["gridPos"]
        assert pos["w"] > 0 and pos["h"] > 0 and pos["x"] + pos["w"] <= 24, p["title"]
        assert p["type"] in ("row", "stat", "timeseries", "table", "bargauge",
                             "state-timeline", "gauge"), p["type"]


def test_site_and_device_style_variables(dashboard: dict[str, Any]) -> None:
    names = [v["name"] for v in dashboard["templating"]["list"]]
    assert names[0] == "datasource" and "site" in names
    for var in dashboard["templating"]["list"][1:]:
        assert var["type"] == "query" and "label_values(" in var["definition"], var["name"]
        assert var["includeAll"] and var["allValue"] == ".*", var["name"]


def test_datasource_references_resolve(dashboard: dict[str, Any]) -> None:
    variables = {v["name"] for v in dashboard["templating"]["list"]
                 if v["type"] == "datasource"}
    assert variables
    for var in dashboard["templating"]["list"]:
        if var["type"] == "query":
            assert datasource_ok(var["datasource"], variables), var["name"]
    for p in panels(dashboard):
        if p["type"] == "row":
            continue
        assert datasource_ok(p["datasource"], variables), p["title"]
        assert p["targets"], f"{p['title']} has no query"
        for t in p["targets"]:
            assert datasource_ok(t["datasource"], variables), p["title"]


def test_every_variable_used_is_defined_and_every_defined_one_used(
        dashboard: dict[str, Any]) -> None:
    defined = {v["name"] for v in dashboard["templating"]["list"]}
    used: set[str] = set()
    texts = [t["expr"] for p in panels(dashboard) for t in p.get("targets", [])]
    texts += [p["title"] for p in panels(dashboard)]
    texts += [v["definition"] for v in dashboard["templating"]["list"] if v["type"] == "query"]
    for text in texts:
        used |= variables_used(text)
    used |= {p["repeat"] for p in panels(dashboard) if p.get("repeat")}
    assert sorted(used - defined - set(BUILTIN)) == []
    assert sorted(defined - used - {"datasource"}) == []


def test_wireless_ends_are_side_by_side() -> None:
    wireless = load(GRAFANA / "dashboards" / "wireless.json")
    repeated = [p for p in panels(wireless) if p.get("repeat") == "device"]
    assert {p["title"].split(" · ")[0] for p in repeated} >= {"Signal", "SNR", "CCQ", "Rates"}
    assert all(p["repeatDirection"] == "h" and p["maxPerRow"] == 2 for p in repeated)


def test_every_panel_query_names_a_muniops_metric() -> None:
    for path in DASHBOARDS:
        for q in queries(path):
            assert "muniops_" in q.expr or "ALERTS" in q.expr, q.name


def test_dashboards_are_what_the_generator_writes(tmp_path: Path) -> None:
    gen = importlib.import_module("scripts.grafana_dashboards")
    for path in gen.write(tmp_path):
        shipped = GRAFANA / "dashboards" / path.name
        assert json.loads(path.read_text()) == load(shipped), (
            f"{shipped.name} differs from scripts/grafana_dashboards.py: run it")


def test_provisioning_points_at_prometheus_and_the_dashboards() -> None:
    ds = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "muniops.yml").read_text())
    (source,) = ds["datasources"]
    assert source["type"] == "prometheus" and source["uid"] == PROVISIONED_UID
    assert source["url"].startswith("http")
    dp = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "muniops.yml").read_text())
    (provider,) = dp["providers"]
    assert provider["type"] == "file" and provider["options"]["path"]


def test_every_metric_a_panel_reads_is_documented() -> None:
    text = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(muniops_[a-z0-9_]+)`", text, re.MULTILINE))
    used = {name for path in DASHBOARDS for q in queries(path)
            for name in re.findall(r"muniops_[a-z0-9_]+", q.expr)}
    assert sorted(used - documented) == []
