"""Indicators inside ``muniops serve``: every ``kpis.sample_minutes`` the job records the
link, antivirus and configuration-backup states that changed, then computes the current
periods' site tallies for ``/metrics``."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from prometheus_client.registry import Collector as PromCollector
from sqlmodel import Session

from muniops.collector.core.feature import Job, Runtime
from muniops.collector.kpi.figures import context_of, placed_leaves, site_leaves
from muniops.collector.kpi.metrics import KpiMetrics, Snapshot
from muniops.inventory import kpis
from muniops.inventory.kpi_policy import PERIOD_KINDS, KpiSettings
from muniops.inventory.pm import local_day
from muniops.inventory.scope import EVERYWHERE
from muniops.inventory.types import utcnow

if TYPE_CHECKING:
    from muniops.collector.core.service import Collector

log = logging.getLogger(__name__)


def snapshot(session: Session, settings: KpiSettings, ctx: kpis.Context, day: date,
             now: datetime) -> Snapshot:
    """Every indicator's site tallies for the period of each kind ``day`` falls in."""
    out: Snapshot = {}
    for kind in PERIOD_KINDS:
        for ind in settings.indicators:  # each site over its own calendar's period
            out[(ind.name, kind)] = site_leaves(placed_leaves(
                session, ind, kind, day, settings, ctx, EVERYWHERE, now))
    return out


class KpiRuntime(Runtime):
    def __init__(self, collector: Collector) -> None:
        super().__init__(collector)
        self.exported = KpiMetrics(collector.settings.kpis)

    def jobs(self) -> Sequence[Job]:
        return [Job("kpi-sample", self.collector.settings.kpis.sample_minutes * 60, self.run,
                    once_per_store=True)]

    def metrics(self) -> Iterable[PromCollector]:
        return [self.exported]

    def run(self) -> None:
        settings = self.collector.settings
        ctx = context_of(settings)
        now = utcnow()
        with self.collector.db.write() as s:
            changed = kpis.sample_states(s, ctx, now)
        with self.collector.db.read() as s:
            found = snapshot(s, settings.kpis, ctx, local_day(now, settings.kpis.timezone),
                             now)
        self.exported.update(found, settings.kpis)
        log.info("kpi: %d state change(s) sampled, %d indicator(s) computed", changed,
                 len(settings.kpis.indicators))
