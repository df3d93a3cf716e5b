"""Reading the shipped Grafana dashboards the way Grafana would: panels (rows and repeats
included), their queries, and the template variables those queries use."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DASHBOARDS = sorted((ROOT / "config" / "grafana" / "dashboards").glob("*.json"))
# Grafana's own variables, and what the live test puts in their place
BUILTIN = {"__rate_interval": "1m", "__interval": "15s", "__range": "5m"}
VARIABLE = re.compile(r"\$(?:\{(\w+)(?::\w+)?\}|(\w+))")


@dataclass
class Query:
    dashboard: str
    panel: str
    ref: str
    expr: str
    instant: bool

    @property
    def name(self) -> str:
        return f"{self.dashboard} / {self.panel} / {self.ref}"


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])  # collapsed rows hold their panels


def variables_used(text: str) -> set[str]:
    return {a or b for a, b in VARIABLE.findall(text)}


def queries(path: Path) -> Iterator[Query]:
    dash = load(path)
    for panel in panels(dash):
        for target in panel.get("targets", []):
            yield Query(dash["uid"], panel["title"], target["refId"], target["expr"],
                        bool(target.get("instant")))


def expand(expr: str) -> str:
    """The query as Grafana sends it with every variable at "All" (``.*``)."""
    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return BUILTIN.get(name, ".*")
    return VARIABLE.sub(value, expr)
