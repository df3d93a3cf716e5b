"""Metrics across a cut WAN link: Debian's Prometheus in agent mode, with the shipped
``district-agent.yml``, remote-writes to a central Prometheus run with the shipped
``central.yml`` and the receiver; the central goes away for several scrape intervals and
comes back, and the samples scraped during the outage arrive there (queried through the
central's API), with no gap larger than one scrape interval."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import pytest
import yaml

from muniops.lab import prometheus
from muniops.lab.district import PrometheusProcess
from muniops.lab.net import free_port, wait_until
from muniops.lab.prometheus import SHIPPED

SCRAPE = 1.0  # seconds
OUTAGE = 8.0

pytestmark = pytest.mark.skipif(
    not prometheus.available(),
    reason="Debian's prometheus is not installed (scripts/debian-packages.txt)")


def _agent_config(own_port: int, receiver: str) -> str:
    doc = yaml.safe_load((SHIPPED / "district-agent.yml").read_text())
    doc["global"]["scrape_interval"] = f"{SCRAPE:.0f}s"
    job = doc["scrape_configs"][0]
    job["scrape_timeout"] = "1s"
    job["static_configs"] = [{"targets": [f"127.0.0.1:{own_port}"]}]  # scrapes itself
    writer = doc["remote_write"][0]
    writer["url"] = f"{receiver}/api/v1/write"
    del writer["tls_config"]
    writer["queue_config"].update(min_backoff="100ms", max_backoff="1s")
    return yaml.safe_dump(doc)


def _central_config(own_port: int) -> str:
    doc = yaml.safe_load((SHIPPED / "central.yml").read_text())
    doc["rule_files"] = []
    doc["scrape_configs"][0]["static_configs"] = [{"targets": [f"127.0.0.1:{own_port}"]}]
    return yaml.safe_dump(doc)


def _samples(central: PrometheusProcess, since: float, until: float) -> list[float]:
    found = central.api("query", query=f'up{{job="muniops-district",district="north"}}'
                                        f'[{int(until - since) + 1}s]', time=f"{until:.3f}")
    return sorted(float(ts) for series in found["result"] for ts, _v in series["values"])


def test_samples_of_an_outage_reach_the_central_when_it_is_back(tmp_path: Path) -> None:
    central_port, agent_port = free_port(), free_port()
    central = PrometheusProcess(tmp_path / "central", _central_config(central_port),
                                "--web.enable-remote-write-receiver", port=central_port)
    agent = PrometheusProcess(tmp_path / "district", _agent_config(agent_port, central.url),
                              "--enable-feature=agent",
                              "--storage.agent.retention.max-time=72h", agent=True,
                              port=agent_port)
    try:
        central.start()
        agent.start()
        wait_until(lambda: len(_samples(central, time.time() - 60, time.time())) >= 3,
                   timeout=30, what="the first remote-written samples")

        central.stop()  # the WAN link is cut: the central cannot be reached
        cut = time.time()
        time.sleep(OUTAGE)
        back = time.time()
        central.start()

        def outage_arrived() -> bool:
            return any(ts >= back for ts in _samples(central, cut - 5, time.time()))

        wait_until(outage_arrived, timeout=60, what="the outage's samples")
        got = _samples(central, cut - 5, time.time())
        during = [ts for ts in got if cut <= ts <= back]
        assert len(during) >= OUTAGE / SCRAPE - 2, during
        gaps = [b - a for a, b in itertools.pairwise(got)]
        assert max(gaps) <= SCRAPE * 1.6, gaps  # no gap larger than one scrape interval
    finally:
        agent.stop()
        central.stop()
