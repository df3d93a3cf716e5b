"""Discovery's metrics, built from the store on each scrape: unapproved devices by site,
missing assets by site, and each subnet's last sweep (duration, when, how much answered)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector as PromCollector
from sqlalchemy.exc import SQLAlchemyError

from muniops.collector.discovery.config import DiscoverySettings
from muniops.inventory import discovery
from muniops.inventory.db import Database

log = logging.getLogger(__name__)


class DiscoveryMetrics(PromCollector):
    def __init__(self, db: Database, cfg: DiscoverySettings) -> None:
        self.db = db
        self.cfg = cfg

    def collect(self) -> Iterator[Metric]:
        try:
            families = list(self._families())
        except SQLAlchemyError as exc:  # muniops_store_up already says the store is away
            log.warning("discovery metrics: the store did not answer: %s", type(exc).__name__)
            return
        yield from families

    def _families(self) -> Iterator[Metric]:
        unknown = GaugeMetricFamily(
            "muniops_discovery_unknown_devices",
            "Devices seen on the network whose MAC no asset carries (unapproved).", labels=["site"])
        missing = GaugeMetricFamily(
            "muniops_discovery_missing_assets",
            "Deployed assets discovery has not seen for discovery.missing_after_days.",
            labels=["site"])
        duration = GaugeMetricFamily(
            "muniops_discovery_last_sweep_duration_seconds",
            "How long the last sweep of each configured subnet took.", labels=["site", "subnet"])
        when = GaugeMetricFamily(
            "muniops_discovery_last_sweep_timestamp_seconds",
            "When the last sweep of each configured subnet started.", labels=["site", "subnet"])
        answered = GaugeMetricFamily(
            "muniops_discovery_last_sweep_answered",
            "Addresses that answered the last sweep of each configured subnet.",
            labels=["site", "subnet"])
        configured = {(site, str(net.cidr)) for site, net in self.cfg.all_subnets()}
        with self.db.read() as s:
            for site, n in sorted(discovery.unknown_by_site(s).items()):
                unknown.add_metric([site], n)
            by_site: dict[str, int] = {}
            for row in discovery.list_missing(s, self.cfg.missing_after_days):
                by_site[row.site or ""] = by_site.get(row.site or "", 0) + 1
            for site, n in sorted(by_site.items()):
                missing.add_metric([site], n)
            for run in discovery.last_sweeps(s):
                if (run.site, run.subnet) not in configured:  # keep labels bounded
                    continue
                labels = [run.site, run.subnet]
                duration.add_metric(labels, run.duration_seconds)
                when.add_metric(labels, run.started_at.timestamp())
                answered.add_metric(labels, run.answered)
        yield from (unknown, missing, duration, when, answered)
