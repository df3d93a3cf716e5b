"""The demo's Prometheus: Debian's server with the shipped scrape config and alert rules,
scraping the demo collector, so the dashboards and alerts can be tried on live data."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from muniops.collector.core.settings import load_settings
from muniops.lab import prometheus
from muniops.lab.net import free_port, tcp_open

DEMO_PORT = 9090


@contextmanager
def demo(config_path: Path) -> Iterator[None]:
    """Start Prometheus against the collector ``config_path`` listens on; stop it after."""
    if not prometheus.available():
        print("prometheus is not installed (scripts/debian-packages.txt): demo runs without it")
        yield
        return
    listen = load_settings(config_path).api.listen
    rules = prometheus.shipped_rule_files()
    config = prometheus.scrape_config([listen], rule_files=rules, interval="15s")
    port = free_port() if tcp_open(DEMO_PORT) else DEMO_PORT
    with prometheus.running_prometheus(config, rule_files=rules, port=port) as server:
        print(f"prometheus: {server.url} (alerts: {server.url}{prometheus.alerts_path()}) "
              f"scraping {listen}")
        yield
