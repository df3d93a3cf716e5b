"""Preventive maintenance metrics: tasks by state and site, overdue tasks, and this
half-year's completion rate, from the store on each scrape."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector as PromCollector
from sqlalchemy import func
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col, select

from muniops.inventory import pm
from muniops.inventory.db import Database
from muniops.inventory.models import Asset, Site
from muniops.inventory.models.pm import PmState, PmTask
from muniops.inventory.types import utcnow

log = logging.getLogger(__name__)


def half_year(day: date) -> tuple[date, date]:
    """The PM period a day falls in: January–June or July–December."""
    if day.month <= 6:
        return date(day.year, 1, 1), date(day.year, 6, 30)
    return date(day.year, 7, 1), date(day.year, 12, 31)


class PmMetrics(PromCollector):
    """PM tasks by state and site (open ones, and this half-year's closed ones), overdue
    tasks, and this half-year's completion rate per site."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterator[Metric]:
        try:
            yield from self._families()
        except SQLAlchemyError as exc:
            log.warning("pm metrics: the store did not answer: %s", type(exc).__name__)

    def _families(self) -> Iterator[Metric]:
        tasks = GaugeMetricFamily(
            "muniops_pm_tasks", "PM tasks by state and site: every open task, and the tasks "
            "due this half-year that are done or skipped.", labels=["state", "site"])
        overdue = GaugeMetricFamily("muniops_pm_overdue_tasks",
                                    "PM tasks past their due day, by site.", labels=["site"])
        rate = GaugeMetricFamily(
            "muniops_pm_completion_ratio", "Share of this half-year's PM tasks due until today "
            "that are done, by site (0 to 1).", labels=["site"])
        today = utcnow().date()
        start, _end = half_year(today)
        with self.db.read() as s:
            sites = {sid: name for sid, name in s.exec(select(Site.id, Site.name))}
            stmt = (select(PmTask.state, Asset.site_id, func.count())
                    .join(Asset, col(Asset.id) == PmTask.asset_id)
                    .where((col(PmTask.state).in_(pm.OPEN_STATES))
                           | (col(PmTask.due_date) >= start))
                    .group_by(col(PmTask.state), col(Asset.site_id)))
            late: dict[str, int] = {}
            for state, site_id, n in s.exec(stmt):
                site = sites.get(site_id, "")
                tasks.add_metric([str(state), site], n)
                late[site] = late.get(site, 0) + (n if state == PmState.OVERDUE else 0)
            for site, n in sorted(late.items()):
                overdue.add_metric([site], n)  # 0 too: an alert sees the site
            due_so_far = (select(Asset.site_id, PmTask.state, func.count())
                          .join(Asset, col(Asset.id) == PmTask.asset_id)
                          .where(col(PmTask.due_date) >= start, col(PmTask.due_date) <= today)
                          .group_by(col(Asset.site_id), col(PmTask.state)))
            per_site: dict[str, list[int]] = {}
            for site_id, state, n in s.exec(due_so_far):
                counts = per_site.setdefault(sites.get(site_id, ""), [0, 0])
                counts[0] += n if state == PmState.DONE else 0
                counts[1] += n
        for site, (done, total) in sorted(per_site.items()):
            rate.add_metric([site], done / total if total else 0.0)
        yield from (tasks, overdue, rate)
