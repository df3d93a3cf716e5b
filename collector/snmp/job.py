"""The collector's periodic SNMP poll: every few seconds it polls the devices whose
interval has passed (per profile, else ``snmp.interval_seconds``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from muniops.collector.scheduler import job
from muniops.collector.snmp.metrics import SnmpMetrics
from muniops.collector.snmp.runner import SnmpRunner

if TYPE_CHECKING:
    from muniops.collector.service import Collector

TICK_SECONDS = 10


def attach(collector: Collector) -> SnmpRunner:
    """The collector's runner, created and its metrics registered on first use."""
    runner: SnmpRunner | None = getattr(collector, "_snmp_runner", None)
    if runner is None:
        runner = SnmpRunner(collector.settings, collector.db)
        metrics = SnmpMetrics(runner)
        collector.registry.register(metrics)
        collector._snmp_runner = runner
        collector._snmp_metrics = metrics
    return runner


@job("snmp-poll", every_seconds=TICK_SECONDS)
def snmp_poll(collector: Collector) -> None:
    attach(collector).run(only_due=True)
    collector._snmp_metrics.refresh()  # format new readings now, not during the next scrape
