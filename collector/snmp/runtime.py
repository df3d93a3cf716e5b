"""SNMP polling inside ``muniops serve``: every few seconds the devices whose interval has
passed (per profile, else ``snmp.interval_seconds``) are polled, in the ``snmp`` pool of
their own, so no other job's length changes the poll's rhythm. With
``district.share_devices`` the devices are shared with the other collectors on the same
PostgreSQL: this one polls only those it holds a lease on, once per slot of their
interval, and its /metrics shows only those."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from prometheus_client.registry import Collector as PromCollector

from muniops.collector.core.feature import Job, Runtime
from muniops.collector.district.outbound import copied_profiles, sender
from muniops.collector.district.sharing import sharing_of
from muniops.collector.snmp.metrics import SnmpMetrics
from muniops.collector.snmp.runner import SnmpRunner

if TYPE_CHECKING:
    from muniops.collector.core.service import Collector

TICK_SECONDS = 10


class SnmpRuntime(Runtime):
    def __init__(self, collector: Collector) -> None:
        super().__init__(collector)
        self.runner = SnmpRunner(collector.settings, collector.db, collector.credentials)
        self.runner.forward = sender(collector)
        if (pulled := copied_profiles(collector)) is not None:
            self.runner.add_profile_dir(pulled)
        self.metrics_collector = SnmpMetrics(self.runner)

    def jobs(self) -> Sequence[Job]:
        tick = TICK_SECONDS
        if self.collector.settings.district.share_devices:  # a slot's polls early in it
            tick = max(1, min(tick, self.runner.config.interval_seconds // 3))
        return [Job("snmp-poll", tick, self.poll_due, pool="snmp")]

    def metrics(self) -> Iterable[PromCollector]:
        return [self.metrics_collector]

    def poll_due(self) -> None:
        sharing = sharing_of(self.collector)
        if sharing is None:
            self.runner.run(only_due=True)
        else:
            self.runner.forget(set(self.runner.latest) - sharing.held(),
                               "now polled by another collector")
            self.runner.run(only_due=True, take=sharing.take_poll)
        self.metrics_collector.refresh()  # format new readings now, not during the next scrape
