"""PM metrics on a fresh registry, and the collector's job that keeps the plan."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from prometheus_client import CollectorRegistry
from sqlmodel import col, select

from muniops.collector.core.settings import Settings
from muniops.collector.pm.metrics import PmMetrics
from muniops.collector.pm.runtime import PmRuntime
from muniops.inventory import assets, pm
from muniops.inventory.db import Database
from muniops.inventory.models.pm import PmState, PmTask
from muniops.inventory.types import utcnow
from tests.pm.conftest import add, policy


def test_metrics_count_tasks_by_state_and_site(city: Database) -> None:
    now = utcnow()
    with city.write() as s:
        pm.sync_plan(s, policy(), actor="t", now=now)
        tasks = list(s.exec(select(PmTask).order_by(col(PmTask.id))))
        # make one overdue and one done, both due earlier this half-year
        first, second = tasks[0], tasks[1]
        first.due_date = second.due_date = day = now.date().replace(day=1)
        first_asset, second_asset, second_id = first.asset_id, second.asset_id, second.id
        s.flush()
        pm.refresh_states(s, now=now)
        pm.complete(s, second_id or 0, policy(), performed_by="x", actor="t", now=now)
    registry = CollectorRegistry()
    registry.register(PmMetrics(city))
    with city.read() as s:
        site_of = {a.id: a for a in s.exec(select(assets.Asset))}
        first_site = assets.to_public(s, [site_of[first_asset]])[0].site
        second_site = assets.to_public(s, [site_of[second_asset]])[0].site
    states = {}
    for metric in registry.collect():
        for sample in metric.samples:
            if sample.name == "muniops_pm_tasks":
                key = (sample.labels["state"], sample.labels["site"])
                states[key] = states.get(key, 0) + sample.value
    assert sum(states.values()) == 5  # four open tasks and the done one
    assert states[("done", second_site)] == 1
    if day < now.date():
        assert registry.get_sample_value("muniops_pm_overdue_tasks", {"site": first_site}) == 1
    ratio = registry.get_sample_value("muniops_pm_completion_ratio", {"site": second_site})
    assert ratio is not None and 0 < ratio <= 1


def test_the_job_plans_new_assets_and_drops_retired(city: Database) -> None:
    collector: Any = SimpleNamespace(db=city, settings=Settings(pm=policy()))
    keep_plan = PmRuntime(collector).keep_plan
    keep_plan()
    with city.write() as s:
        add(s, "PC-10")
        assets.retire(s, assets.get_asset(s, "PC-1"), actor="t")
    keep_plan()
    with city.read() as s:
        open_tasks = list(s.exec(select(PmTask).where(col(PmTask.state).in_(pm.OPEN_STATES))))
        tags = {assets.get_asset(s, f"#{t.asset_id}").asset_tag for t in open_tasks}
    assert "PC-10" in tags and "PC-1" not in tags
    assert all(t.state != PmState.DONE for t in open_tasks)
