"""The district collector's own metrics: how much waits in its outbox and for how long,
whether its central answered the last attempt, and when it last forwarded and pulled.
The rules of ``config/prometheus/rules/district.yml`` say a district is cut off from these
(scraped by the district's own Prometheus, which keeps them through the outage)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector as PromCollector

from muniops.collector.district.outbox import Outbox


@dataclass
class LinkState:
    """What the forwarder last saw of the central; written by the jobs, read by scrapes."""

    reachable: bool = False
    last_success: float = 0.0
    last_failure: float = 0.0
    last_pull: float = 0.0
    forwarded_total: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def forwarded(self, items: int) -> None:
        with self._lock:
            self.reachable, self.last_success = True, time.time()
            self.forwarded_total += items

    def cut(self, _reason: str) -> None:
        with self._lock:
            self.reachable, self.last_failure = False, time.time()

    def pulled(self) -> None:
        with self._lock:
            self.last_pull = time.time()


class DistrictMetrics(PromCollector):
    def __init__(self, outbox: Outbox, state: LinkState, name: str) -> None:
        self.outbox, self.state, self.name = outbox, state, name

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        depth, oldest = self.outbox.depth()
        labels = ["district_collector"]
        yield _gauge("muniops_district_outbox_items", "Items waiting for the central.",
                     labels, [self.name], depth)
        age = time.time() - oldest if oldest is not None else 0.0
        yield _gauge("muniops_district_outbox_oldest_age_seconds",
                     "Age of the oldest item waiting for the central (0 when empty).",
                     labels, [self.name], age)
        yield _gauge("muniops_district_central_reachable",
                     "1 when the central answered the last forward attempt.",
                     labels, [self.name], 1.0 if self.state.reachable else 0.0)
        yield _gauge("muniops_district_last_forward_timestamp_seconds",
                     "When the central last settled items of this outbox.",
                     labels, [self.name], self.state.last_success)
        yield _gauge("muniops_district_last_pull_timestamp_seconds",
                     "When the central's copy (devices, profiles, policies) was last pulled.",
                     labels, [self.name], self.state.last_pull)
        counter = CounterMetricFamily("muniops_district_forwarded_items",
                                      "Items the central settled.", labels=labels)
        counter.add_metric([self.name], self.state.forwarded_total)
        yield counter


def _gauge(name: str, doc: str, labels: list[str], values: list[str], value: float
           ) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, doc, labels=labels)
    family.add_metric(values, value)
    return family
