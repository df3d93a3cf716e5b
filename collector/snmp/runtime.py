"""SNMP polling inside ``muniops serve``: every few seconds the devices whose interval has
passed (per profile, else ``snmp.interval_seconds``) are polled, in the ``snmp`` pool of
their own, so no other job's length changes the poll's rhythm."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from prometheus_client.registry import Collector as PromCollector

from muniops.collector.core.feature import Job, Runtime
from muniops.collector.district.outbound import copied_profiles, sender
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
        return [Job("snmp-poll", TICK_SECONDS, self.poll_due, pool="snmp")]

    def metrics(self) -> Iterable[PromCollector]:
        return [self.metrics_collector]

    def poll_due(self) -> None:
        self.runner.run(only_due=True)
        self.metrics_collector.refresh()  # format new readings now, not during the next scrape
