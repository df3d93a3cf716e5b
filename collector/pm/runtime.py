"""Preventive maintenance inside ``muniops serve``: a job that keeps the plan in step with
the register and the task states in step with each site's calendar, and the metrics."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from prometheus_client.registry import Collector as PromCollector

from muniops.collector.core.feature import Job, Runtime
from muniops.collector.pm.metrics import PmMetrics
from muniops.inventory import pm

log = logging.getLogger(__name__)


class PmRuntime(Runtime):
    def jobs(self) -> Sequence[Job]:
        return [Job("pm-plan", 900, self.keep_plan, once_per_store=True)]

    def metrics(self) -> Iterable[PromCollector]:
        return [PmMetrics(self.collector.db)]

    def keep_plan(self) -> None:
        """New assets get a task, retired ones lose theirs, due and overdue follow the clock."""
        c = self.collector
        with c.db.write() as s:
            result = pm.sync_plan(s, c.settings.pm, actor="collector:pm-plan")
            changed = pm.refresh_states(s)
        log.info("pm plan: %d created, %d removed, %d state changes", result.created,
                 result.removed, changed)
