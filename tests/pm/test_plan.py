"""The PM plan: spreading, keeping in step with the register, states, done and skip."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlmodel import col, select

from muniops.inventory import assets, audit, pm
from muniops.inventory.db import Database
from muniops.inventory.errors import Conflict, InvalidInput
from muniops.inventory.models import AssetKind, AssetStatus, RepairTicket, Site
from muniops.inventory.models.pm import PmRecord, PmState, PmTask
from tests.pm.conftest import NOW, add, add_sites, bulk_assets, policy


def _open(db: Database) -> list[PmTask]:
    with db.read() as s:
        return list(s.exec(select(PmTask).where(col(PmTask.state).in_(pm.OPEN_STATES))))


def _site_ids(db: Database) -> list[int]:
    with db.read() as s:
        return [sid for sid in s.exec(select(Site.id).order_by(col(Site.id))) if sid]


def test_no_week_above_the_cap_and_each_site_even(sqlite_db: Database) -> None:
    with sqlite_db.write() as s:
        add_sites(s)
    ids = _site_ids(sqlite_db)
    with sqlite_db.write() as s:
        bulk_assets(s, ids, 160, AssetKind.PC, "PC")  # 480 PCs for the hardware team
        bulk_assets(s, ids, 20, AssetKind.SWITCH, "SW")  # 60 switches for the network team
        result = pm.sync_plan(s, policy(max_per_week=20), actor="t", now=NOW)
    assert result.created == 540 and result.over_cap == []
    tasks = _open(sqlite_db)
    by_team = Counter((t.team, pm.monday(t.due_date)) for t in tasks)
    assert max(by_team.values()) <= 20  # 480 tasks over 25 weeks fit under 20 a week
    with sqlite_db.read() as s:
        site_of = {a.id: a.site_id for a in s.exec(select(assets.Asset))}
    weeks = sorted({pm.monday(t.due_date) for t in tasks if t.team == "hardware"})
    assert len(weeks) >= 24  # the whole six months are used, not the first weeks
    for sid in ids:
        per_week = Counter(pm.monday(t.due_date) for t in tasks
                           if t.team == "hardware" and site_of[t.asset_id] == sid)
        loads = [per_week.get(w, 0) for w in weeks]
        assert max(loads) - min(loads) <= 1, f"site {sid} is uneven: {loads}"
    # due days fall on working days, inside the first period
    assert {t.due_date.weekday() for t in tasks} <= {0, 1, 2, 3, 4}
    assert all(NOW.date() <= t.due_date <= pm.add_months(NOW.date(), 6) for t in tasks)


def test_a_period_too_short_for_the_cap_is_reported(sqlite_db: Database) -> None:
    with sqlite_db.write() as s:
        add_sites(s)
    with sqlite_db.write() as s:
        bulk_assets(s, _site_ids(sqlite_db)[:1], 300, AssetKind.PC, "PC")
        result = pm.sync_plan(s, policy(max_per_week=10), actor="t", now=NOW)
    assert result.created == 300
    assert result.over_cap and all(team == "hardware" for team, _w in result.over_cap)
    loads = Counter(pm.monday(t.due_date) for t in _open(sqlite_db))
    assert max(loads.values()) - min(loads.values()) <= 1  # still as even as it can be


def test_a_few_assets_are_spread_over_the_period(sqlite_db: Database) -> None:
    with sqlite_db.write() as s:
        add_sites(s)
        add(s, "A")
        add(s, "B")
        pm.sync_plan(s, policy(), actor="t", now=NOW)
    due = sorted(t.due_date for t in _open(sqlite_db))
    assert due[1] - due[0] >= timedelta(weeks=10)


def test_plan_follows_the_register(city: Database) -> None:
    with city.write() as s:
        first = pm.sync_plan(s, policy(), actor="t", now=NOW)
    assert first.created == 4  # the discovered asset is not maintained until confirmed
    with city.write() as s:
        again = pm.sync_plan(s, policy(), actor="t", now=NOW)
        assert (again.created, again.removed, again.kept) == (0, 0, 4)
        add(s, "PC-9")
        assets.retire(s, assets.get_asset(s, "PC-2"), actor="t")
        changed = pm.sync_plan(s, policy(), actor="t", now=NOW)
    assert (changed.created, changed.removed) == (1, 1)
    with city.read() as s:
        planned = {assets.get_asset(s, f"#{t.asset_id}").asset_tag for t in _open(city)}
        assert planned == {"PC-1", "PC-3", "SW-1", "PC-9"}
        teams = {t.policy: t.team for t in _open(city)}
        assert teams == {"default": "hardware", "network": "network"}
    ids = {t.asset_id: t.id for t in _open(city)}
    with city.write() as s:
        rebuilt = pm.sync_plan(s, policy(), actor="t", now=NOW, rebuild=True)
    assert (rebuilt.created, rebuilt.removed, rebuilt.replanned) == (0, 0, 4)
    assert {t.asset_id: t.id for t in _open(city)} == ids  # task numbers never change


def test_states_follow_each_sites_calendar(city: Database) -> None:
    with city.write() as s:
        pm.sync_plan(s, policy(), actor="t", now=NOW)
        task = s.exec(select(PmTask).order_by(col(PmTask.due_date))).first()
        assert task is not None
        due = task.due_date
    moments = {
        PmState.PLANNED: pm.to_utc(due - timedelta(days=task.lead_days + 1), "Asia/Tehran"),
        PmState.DUE: pm.to_utc(due, "Asia/Tehran"),
        PmState.OVERDUE: pm.to_utc(due + timedelta(days=1), "Asia/Tehran"),
    }
    for expected, moment in moments.items():
        with city.write() as s:
            pm.refresh_states(s, now=moment)
        with city.read() as s:
            fresh = s.get(PmTask, task.id)
            assert fresh is not None and fresh.state == expected, expected


def test_done_with_a_failed_item_opens_a_repair_ticket(city: Database) -> None:
    with city.write() as s:
        pm.sync_plan(s, policy(), actor="t", now=NOW)
        pc = assets.get_asset(s, "PC-1")
        task = s.exec(select(PmTask).where(PmTask.asset_id == pc.id)).one()
    with city.write() as s:
        record = pm.complete(s, task.id or 0, policy(), performed_by="Reza", actor="tech",
                             failed={"2": "SMART reallocated sectors"}, notes="dusty",
                             open_repair=True, now=NOW)
    with city.read() as s:
        stored = s.exec(select(PmRecord).where(PmRecord.task_id == task.id)).one()
        assert [(i["item"], i["result"]) for i in stored.items] == [
            ("clean fans", "ok"), ("check disks", "not_ok"), ("check cables", "ok")]
        assert stored.items[1]["note"] == "SMART reallocated sectors"
        assert stored.performed_by == "Reza" and stored.notes == "dusty"
        assert stored.evidence["source"] == "agent" and "available" in stored.evidence
        ticket = s.get(RepairTicket, record.repair_ticket_id)
        assert ticket is not None and ticket.part == "check disks"
        assert "SMART" in ticket.problem and ticket.returned_at is None
        assert assets.get_asset(s, "PC-1").status == AssetStatus.DEPLOYED  # kept in service
        tasks = list(s.exec(select(PmTask).where(PmTask.asset_id == pc.id)
                            .order_by(col(PmTask.due_date))))
        assert [t.state for t in tasks] == [PmState.DONE, PmState.PLANNED]
        assert tasks[1].due_date == pm.add_months(task.due_date, 6)  # the next one
        assert [e.action for e in audit.history(s, "pm_task", task.id or 0)] == ["pm.done"]
    with city.write() as s, pytest.raises(Conflict, match="already done"):
        pm.complete(s, task.id or 0, policy(), performed_by="Reza", actor="tech")


def test_done_refuses_unknown_items_and_needless_repairs(city: Database) -> None:
    with city.write() as s:
        pm.sync_plan(s, policy(), actor="t", now=NOW)
        task = s.exec(select(PmTask)).first()
        assert task is not None
    with city.write() as s, pytest.raises(InvalidInput, match="not on the checklist"):
        pm.complete(s, task.id or 0, policy(), performed_by="x", actor="t",
                    failed={"paint it": ""})
    with city.write() as s, pytest.raises(InvalidInput, match="nothing to repair"):
        pm.complete(s, task.id or 0, policy(), performed_by="x", actor="t", open_repair=True)
    with city.write() as s, pytest.raises(InvalidInput, match="who"):
        pm.complete(s, task.id or 0, policy(), performed_by=" ", actor="t")


def test_skip_keeps_the_reason_and_plans_the_next(city: Database) -> None:
    with city.write() as s:
        pm.sync_plan(s, policy(), actor="t", now=NOW)
        task = s.exec(select(PmTask)).first()
        assert task is not None
    with city.write() as s, pytest.raises(InvalidInput, match="why"):
        pm.skip(s, task.id or 0, "  ", actor="t", settings=policy())
    with city.write() as s:
        pm.skip(s, task.id or 0, "office closed for renovation", actor="t", settings=policy(),
                now=NOW)
    with city.read() as s:
        shown = pm.show(s, task.id or 0, policy())
        assert shown.state == PmState.SKIPPED
        assert shown.skip_reason == "office closed for renovation"
        following = s.exec(select(PmTask).where(PmTask.asset_id == task.asset_id,
                                                PmTask.state != PmState.SKIPPED)).one()
        assert following.due_date == pm.add_months(task.due_date, 6)
