"""Indicator metrics: each site's numerator and denominator for the current bi-weekly,
two-monthly and six-monthly period, and each indicator's target. The recording rules in
``config/prometheus/rules/kpi.yml`` divide the sums, as the report does, so the
dashboard and the report agree. Built by the sampling job, not on each scrape: a
six-month window of events is too much to read per scrape."""

from __future__ import annotations

import threading
from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector as PromCollector

from muniops.collector.kpi.figures import Leaves
from muniops.inventory.kpi_policy import KpiSettings

LABELS = ["indicator", "period", "district", "site"]
Snapshot = dict[tuple[str, str], Leaves]  # (indicator, period kind) → site tallies


def families(snapshot: Snapshot, settings: KpiSettings) -> list[Metric]:
    num = GaugeMetricFamily("muniops_kpi_numerator", "An indicator's numerator for a site "
                            "in the current period (seconds good, tasks done, days...).",
                            labels=LABELS)
    den = GaugeMetricFamily("muniops_kpi_denominator", "An indicator's denominator for a "
                            "site in the current period (seconds known, tasks due, "
                            "tickets...).", labels=LABELS)
    target = GaugeMetricFamily("muniops_kpi_target", "An indicator's target (a share, or "
                               "the most days for *_days).", labels=["indicator"])
    for (indicator, period), found in sorted(snapshot.items()):
        for (district, site), tally in sorted(found.items()):
            num.add_metric([indicator, period, district, site], tally.num)
            den.add_metric([indicator, period, district, site], tally.den)
    for ind in settings.indicators:
        target.add_metric([ind.name], ind.target)
    return [num, den, target]


class KpiMetrics(PromCollector):
    """The last snapshot the job made (empty until its first run)."""

    def __init__(self, settings: KpiSettings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._families: list[Metric] = families({}, settings)

    def update(self, snapshot: Snapshot, settings: KpiSettings) -> None:
        built = families(snapshot, settings)
        with self._lock:
            self.settings, self._families = settings, built

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            yield from self._families
