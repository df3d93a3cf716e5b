"""Preventive maintenance: the plan kept in step with the register, the states of tasks,
recording a visit, skipping one.

The plan spreads the tasks of each team (and, within it, of each site) evenly over the
weeks of the first period and keeps each team under ``max_per_week`` when the period has
room for it; later tasks follow at the asset's interval, so the spread persists. Days are
the site's days: a task turns ``due`` and ``overdue`` by the calendar of its site's time
zone."""

from __future__ import annotations

import calendar
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel
from sqlalchemy import delete, func, insert, select as sa_select, update
from sqlmodel import Session, col, select

from muniops.inventory import audit, pm_evidence, repairs
from muniops.inventory.assets import label
from muniops.inventory.backup_policy import BackupSettings
from muniops.inventory.errors import Conflict, InvalidInput, NotFound
from muniops.inventory.models import Asset, AssetKind, AssetStatus, Site
from muniops.inventory.models.pm import OPEN_STATES, CheckResult, PmRecord, PmState, PmTask
from muniops.inventory.pm_policy import PmRule, PmSettings
from muniops.inventory.schemas import RepairOpen
from muniops.inventory.scope import EVERYWHERE, Scope
from muniops.inventory.types import utcnow

log = logging.getLogger(__name__)

PM_TASK = "pm_task"
# assets nobody maintains: gone, or not yet confirmed by a technician
NOT_MAINTAINED = (AssetStatus.RETIRED, AssetStatus.DISCOVERED)


def zone(name: str | None) -> ZoneInfo:
    """A site's time zone; an unknown name falls back to UTC rather than failing a plan."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown time zone %r, using UTC", name)
        return ZoneInfo("UTC")


def local_day(moment: datetime, tz_name: str | None) -> date:
    """The calendar day ``moment`` falls on at a site."""
    return moment.astimezone(zone(tz_name)).date()


def to_utc(day: date, tz_name: str | None) -> datetime:
    """Noon of a site's calendar day, in UTC (a moment safely inside that day)."""
    return datetime.combine(day, time(12), zone(tz_name)).astimezone(UTC)


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months, clamped to the month's last day (31 Aug + 6 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def pm_state(due: date, lead_days: int, today: date) -> PmState:
    """The state of an open task due on ``due`` with ``lead_days``, on ``today``."""
    if today > due:
        return PmState.OVERDUE
    if today >= due - timedelta(days=lead_days):
        return PmState.DUE
    return PmState.PLANNED


def state_on(task: PmTask, today: date) -> PmState:
    """An open task's state on a site's ``today``."""
    return pm_state(task.due_date, task.lead_days, today)


class PmTaskPublic(BaseModel):
    id: int
    asset: str
    asset_id: int
    kind: AssetKind
    site: str | None
    district: str | None
    team: str
    policy: str
    due_date: date
    week: str  # ISO week of the due date, e.g. 2026-W49
    state: PmState
    skip_reason: str = ""
    closed_at: datetime | None = None
    closed_by: str = ""


class PmRecordPublic(BaseModel):
    performed_by: str
    performed_at: datetime
    items: list[dict[str, Any]]
    notes: str
    evidence: dict[str, Any]
    repair_ticket_id: int | None


class PmTaskDetail(PmTaskPublic):
    checklist: list[str]
    record: PmRecordPublic | None = None


class CheckItem(BaseModel):
    item: str
    result: CheckResult = CheckResult.OK
    note: str = ""


@dataclass
class PlanResult:
    created: int = 0
    removed: int = 0
    replanned: int = 0  # open tasks given a new day by a rebuild, keeping their ids
    kept: int = 0
    # (team, ISO week) whose load is above max_per_week because the period had no room
    over_cap: list[tuple[str, str]] = field(default_factory=list)


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


class _Loads:
    """Open tasks per team and week, and per team, site and week: what the spreader evens."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.team: dict[tuple[str, date], int] = defaultdict(int)
        self.site: dict[tuple[str, int | None, date], int] = defaultdict(int)

    def add(self, team: str, site_id: int | None, week: date) -> None:
        self.team[team, week] += 1
        self.site[team, site_id, week] += 1

    def best_week(self, team: str, site_id: int | None, weeks: list[date],
                  target: float) -> int:
        """The least loaded week under the cap; among equals the one nearest ``target``
        (the asset's evenly spaced place in the period), so a few assets spread out too."""
        return min(range(len(weeks)), key=lambda k: (
            self.team[team, weeks[k]] >= self.cap, self.site[team, site_id, weeks[k]],
            self.team[team, weeks[k]], abs(k - target), k))


def _window(today: date, rule: PmRule) -> list[date]:
    """The Mondays of the weeks of the first period, starting with next full week."""
    first = monday(today) if today.weekday() == 0 else monday(today) + timedelta(days=7)
    end = add_months(today, rule.interval_months)
    weeks = [first + timedelta(days=7 * k) for k in range(max(1, (end - first).days // 7))]
    return weeks


def _due_in_week(week: date, ordinal: int, work_days: list[int]) -> date:
    return week + timedelta(days=work_days[ordinal % len(work_days)])


@dataclass(frozen=True)
class _AssetRow:
    """The columns of an asset the planner needs (loading 20,000 full rows is slow)."""

    id: int
    kind: AssetKind
    status: AssetStatus
    site_id: int | None
    asset_tag: str | None


def _asset_rows(session: Session) -> dict[int, _AssetRow]:
    stmt = sa_select(col(Asset.id), col(Asset.kind), col(Asset.status), col(Asset.site_id),
                     col(Asset.asset_tag))
    return {row[0]: _AssetRow(*row) for row in session.execute(stmt.order_by(col(Asset.id)))}


def sync_plan(session: Session, settings: PmSettings, *, actor: str,
              now: datetime | None = None, rebuild: bool = False) -> PlanResult:
    """Keep the plan in step with the register: a task for every maintained asset, none for
    retired ones. ``rebuild`` spreads the open tasks again; each keeps its id (people and
    tickets refer to task numbers), only its day and team may change."""
    now = now or utcnow()
    result = PlanResult()
    zones = {sid: tz for sid, tz in session.exec(select(Site.id, Site.timezone))}
    assets = _asset_rows(session)
    rules = {a.id: settings.rule_for(a) for a in assets.values()}
    open_tasks = session.execute(
        sa_select(col(PmTask.id), col(PmTask.asset_id), col(PmTask.team), col(PmTask.due_date))
        .where(col(PmTask.state).in_(OPEN_STATES))).all()
    drop: list[int] = []
    reuse: dict[int, int] = {}  # asset id -> its open task's id, replanned in place
    planned: set[int] = set()
    loads = _Loads(settings.max_per_week)
    for task_id, asset_id, team, due_date in open_tasks:
        asset = assets.get(asset_id)
        if (asset is None or asset.status in NOT_MAINTAINED
                or rules[asset_id].interval_months == 0):
            drop.append(task_id or 0)
            continue
        if rebuild:
            reuse[asset_id] = task_id or 0
            continue
        planned.add(asset_id)
        loads.add(team, asset.site_id, monday(due_date))
    for start in range(0, len(drop), 500):
        session.execute(delete(PmTask).where(col(PmTask.id).in_(drop[start:start + 500])))
    result.removed = len(drop)
    result.kept = len(planned)
    last_due = _last_closed_due(session)
    ordinals: dict[tuple[str, int | None, date], int] = defaultdict(int)
    new: list[dict[str, Any]] = []
    todo = sorted((a for a in assets.values() if a.status not in NOT_MAINTAINED
                   and a.id not in planned and rules[a.id].interval_months > 0),
                  key=lambda a: (rules[a.id].team, a.site_id or 0, a.id))
    group_size = Counter((rules[a.id].team, a.site_id) for a in todo)
    group_seen: Counter[tuple[str, int | None]] = Counter()
    todays: dict[int | None, date] = {}
    for asset in todo:
        rule = rules[asset.id]
        if asset.site_id not in todays:
            todays[asset.site_id] = local_day(now, zones.get(asset.site_id))
        today = todays[asset.site_id]
        due = _follow_on(last_due.get(asset.id), rule, today)
        if due is None:
            weeks = _window(today, rule)
            group = (rule.team, asset.site_id)
            target = group_seen[group] * len(weeks) / group_size[group]
            group_seen[group] += 1
            week = weeks[loads.best_week(rule.team, asset.site_id, weeks, target)]
            key = (rule.team, asset.site_id, week)
            due = _due_in_week(week, ordinals[key], settings.work_days)
            ordinals[key] += 1
        loads.add(rule.team, asset.site_id, monday(due))
        row = _new_task(asset.id, rule, due, today, now)
        if asset.id in reuse:
            del row["created_at"]
            session.execute(update(PmTask).where(col(PmTask.id) == reuse[asset.id])
                            .values(**row))
            result.replanned += 1
        else:
            new.append(row)
    if new:
        session.execute(insert(PmTask), new)
    result.created = len(new)
    result.over_cap = sorted({(team, iso_week(week)) for (team, week), n in loads.team.items()
                              if n > settings.max_per_week})
    if result.created or result.removed or result.replanned:
        audit.record(session, actor, "pm.plan", PM_TASK, None,
                     after={"created": result.created, "removed": result.removed,
                            "replanned": result.replanned, "rebuild": rebuild})
    session.flush()
    log.info("pm plan: %d created, %d removed, %d kept", result.created, result.removed,
             result.kept)
    return result


def _last_closed_due(session: Session) -> dict[int, date]:
    stmt = (select(PmTask.asset_id, func.max(PmTask.due_date))
            .where(col(PmTask.state).in_((PmState.DONE, PmState.SKIPPED)))
            .group_by(col(PmTask.asset_id)))
    return {asset_id: due for asset_id, due in session.exec(stmt)}


def _follow_on(last_due: date | None, rule: PmRule, today: date) -> date | None:
    """The next due day after a closed task, or None when it would already be overdue
    (the asset is then spread like a new one)."""
    if last_due is None:
        return None
    due = add_months(last_due, rule.interval_months)
    return due if due >= today else None


def _new_task(asset_id: int, rule: PmRule, due: date, today: date,
              now: datetime) -> dict[str, Any]:
    """A new task's row, for one bulk insert."""
    return {"asset_id": asset_id, "policy": rule.name, "team": rule.team, "due_date": due,
            "lead_days": rule.lead_days, "interval_months": rule.interval_months,
            "state": pm_state(due, rule.lead_days, today), "skip_reason": "",
            "closed_at": None, "closed_by": "", "created_at": now}


def refresh_states(session: Session, now: datetime | None = None) -> int:
    """Move open tasks to ``due`` or ``overdue`` as their site's calendar says; returns how
    many changed. A change of state by the clock is not an audited change."""
    now = now or utcnow()
    stmt = (sa_select(col(PmTask.id), col(PmTask.due_date), col(PmTask.lead_days),
                      col(PmTask.state), col(Site.timezone))
            .join(Asset, col(Asset.id) == PmTask.asset_id)
            .outerjoin(Site, col(Site.id) == Asset.site_id)
            .where(col(PmTask.state).in_(OPEN_STATES)))
    changes: dict[PmState, list[int]] = defaultdict(list)
    todays: dict[str | None, date] = {}
    for task_id, due, lead_days, current, tz in session.execute(stmt):
        if tz not in todays:
            todays[tz] = local_day(now, tz)
        state = pm_state(due, lead_days, todays[tz])
        if state != current:
            changes[state].append(task_id or 0)
    for state, ids in changes.items():
        for start in range(0, len(ids), 500):
            session.execute(update(PmTask).where(col(PmTask.id).in_(ids[start:start + 500]))
                            .values(state=state))
    session.expire_all()
    return sum(len(ids) for ids in changes.values())


def _task_in_scope(session: Session, task_id: int, scope: Scope) -> tuple[PmTask, Asset]:
    task = session.get(PmTask, task_id)
    asset = session.get(Asset, task.asset_id) if task else None
    site = session.get(Site, asset.site_id) if asset and asset.site_id else None
    if task is None or asset is None or not scope.covers(site):
        raise NotFound("PM task", task_id)
    return task, asset


def _require_open(task: PmTask) -> None:
    if task.state not in OPEN_STATES:
        when = f" on {task.closed_at:%Y-%m-%d}" if task.closed_at else ""
        raise Conflict(f"PM task {task.id} is already {task.state.value}{when}")


def _item_name(rule: PmRule, key: str) -> str:
    """A checklist item named by its text or by its number (1-based)."""
    if key.isdigit() and 1 <= int(key) <= len(rule.checklist):
        return rule.checklist[int(key) - 1]
    return key


def checklist_results(rule: PmRule, failed: dict[str, str],
                      notes: dict[str, str] | None = None) -> list[CheckItem]:
    """Every checklist item, ``ok`` unless named in ``failed`` (item → note)."""
    failed = {_item_name(rule, key): note for key, note in failed.items()}
    unknown = sorted(set(failed) - set(rule.checklist))
    if unknown:
        raise InvalidInput("fail", f"{unknown[0]!r} is not on the checklist of policy "
                                   f"{rule.name!r}: {'; '.join(rule.checklist)}")
    notes = notes or {}
    return [CheckItem(item=item, result=CheckResult.NOT_OK if item in failed else CheckResult.OK,
                      note=failed.get(item) or notes.get(item, ""))
            for item in rule.checklist]


def complete(session: Session, task_id: int, settings: PmSettings, *, performed_by: str,
             actor: str, failed: dict[str, str] | None = None, notes: str = "",
             performed_at: datetime | None = None, open_repair: bool = False,
             scope: Scope = EVERYWHERE, now: datetime | None = None,
             backup_policy: BackupSettings | None = None) -> PmRecord:
    """Record a PM visit: each checklist item ok or not, notes, and the evidence the store
    holds about the asset now (with its backups' states under ``backup_policy``).
    ``open_repair`` opens a repair ticket for the failed items in the same transaction.
    The asset's next task follows at its interval."""
    task, asset = _task_in_scope(session, task_id, scope)
    _require_open(task)
    if not performed_by.strip():
        raise InvalidInput("by", "say who did the maintenance")
    rule = _rule_named(settings, task.policy, asset)
    items = checklist_results(rule, failed or {})
    bad = [i for i in items if i.result == CheckResult.NOT_OK]
    if open_repair and not bad:
        raise InvalidInput("repair", "no checklist item failed, so there is nothing to repair")
    before = audit.snapshot(task)
    record = PmRecord(task_id=task_id, asset_id=asset.id or 0, performed_by=performed_by,
                      performed_at=performed_at or utcnow(), notes=notes, recorded_by=actor,
                      items=[i.model_dump(mode="json") for i in items],
                      evidence=pm_evidence.capture(session, asset, backup_policy))
    if open_repair:
        ticket = repairs.open_ticket(session, f"#{asset.id}", RepairOpen(
            part=", ".join(i.item for i in bad)[:200], vendor=settings.repair_vendor,
            problem=f"PM task {task_id}: " + "; ".join(f"{i.item}: {i.note}" for i in bad),
            keep_in_service=True), actor=actor)
        record.repair_ticket_id = ticket.id
    session.add(record)
    _close(session, task, PmState.DONE, actor)
    audit.record(session, actor, "pm.done", PM_TASK, task.id, before=before,
                 after=audit.snapshot(task, failed=[i.item for i in bad],
                                      repair_ticket=record.repair_ticket_id))
    _schedule_next(session, task, asset, rule, now or utcnow())
    return record


def skip(session: Session, task_id: int, reason: str, *, actor: str,
         settings: PmSettings, scope: Scope = EVERYWHERE,
         now: datetime | None = None) -> PmTask:
    """Close a task without doing it; the reason is kept and shown in the reports."""
    if not reason.strip():
        raise InvalidInput("reason", "say why the maintenance is skipped")
    task, asset = _task_in_scope(session, task_id, scope)
    _require_open(task)
    before = audit.snapshot(task)
    task.skip_reason = reason.strip()
    _close(session, task, PmState.SKIPPED, actor)
    audit.record(session, actor, "pm.skip", PM_TASK, task.id, before=before,
                 after=audit.snapshot(task))
    _schedule_next(session, task, asset, _rule_named(settings, task.policy, asset),
                   now or utcnow())
    return task


def _close(session: Session, task: PmTask, state: PmState, actor: str) -> None:
    task.state = state
    task.closed_at = utcnow()
    task.closed_by = actor
    session.flush()


def _rule_named(settings: PmSettings, name: str, asset: Asset) -> PmRule:
    """The policy a task was planned under (if it still exists), else the asset's one now."""
    rules = [settings.default, *settings.policies]
    return next((r for r in rules if r.name == name), settings.rule_for(asset))


def _schedule_next(session: Session, task: PmTask, asset: Asset, rule: PmRule,
                   now: datetime) -> None:
    if asset.status in NOT_MAINTAINED or rule.interval_months == 0:
        return
    due = add_months(task.due_date, rule.interval_months)
    site = session.get(Site, asset.site_id) if asset.site_id else None
    today = local_day(now, site.timezone if site else None)
    due = max(due, today)
    session.add(PmTask(**_new_task(asset.id or 0, rule, due, today, now)))
    session.flush()


def _public_stmt() -> Any:
    return (select(PmTask, Asset, Site)
            .join(Asset, col(Asset.id) == PmTask.asset_id)
            .outerjoin(Site, col(Site.id) == Asset.site_id))


def _public(task: PmTask, asset: Asset, site: Site | None) -> PmTaskPublic:
    return PmTaskPublic(
        id=task.id or 0, asset=label(asset), asset_id=asset.id or 0, kind=asset.kind,
        site=site.name if site else None, district=site.district if site else None,
        team=task.team, policy=task.policy, due_date=task.due_date,
        week=iso_week(task.due_date), state=task.state, skip_reason=task.skip_reason,
        closed_at=task.closed_at, closed_by=task.closed_by)


def list_tasks(session: Session, *, states: list[PmState] | None = None,
               site: str | None = None, team: str | None = None, district: str | None = None,
               due_from: date | None = None, due_until: date | None = None,
               scope: Scope = EVERYWHERE) -> list[PmTaskPublic]:
    stmt = _public_stmt()
    if states:
        stmt = stmt.where(col(PmTask.state).in_(states))
    if site:
        stmt = stmt.where(Site.name == site)
    if team:
        stmt = stmt.where(PmTask.team == team)
    if district:
        stmt = stmt.where(Site.district == district)
    if scope.district is not None:
        stmt = stmt.where(Site.district == scope.district)
    if due_from:
        stmt = stmt.where(col(PmTask.due_date) >= due_from)
    if due_until:
        stmt = stmt.where(col(PmTask.due_date) <= due_until)
    stmt = stmt.order_by(col(PmTask.due_date), col(PmTask.id))
    return [_public(t, a, s) for t, a, s in session.exec(stmt)]


def show(session: Session, task_id: int, settings: PmSettings,
         scope: Scope = EVERYWHERE) -> PmTaskDetail:
    task, asset = _task_in_scope(session, task_id, scope)
    site = session.get(Site, asset.site_id) if asset.site_id else None
    record = session.exec(select(PmRecord).where(PmRecord.task_id == task_id)).first()
    rule = _rule_named(settings, task.policy, asset)
    return PmTaskDetail(
        **_public(task, asset, site).model_dump(), checklist=rule.checklist,
        record=PmRecordPublic(**record.model_dump()) if record else None)


def weekly_load(session: Session, weeks: int, scope: Scope = EVERYWHERE,
                today: date | None = None) -> list[dict[str, Any]]:
    """Open tasks per ISO week and team over the next ``weeks`` weeks (``pm plan``)."""
    until = (today or utcnow().date()) + timedelta(weeks=weeks)
    tasks = list_tasks(session, states=list(OPEN_STATES), due_until=until, scope=scope)
    load = Counter((t.week, t.team) for t in tasks)
    return [{"week": w, "team": team, "tasks": n} for (w, team), n in sorted(load.items())]


def is_iso_week(text: str) -> bool:
    year, sep, number = text.partition("-W")
    return bool(sep) and year.isdigit() and number.isdigit() and 1 <= int(number) <= 53


def due_tasks(session: Session, *, site: str | None = None, team: str | None = None,
              district: str | None = None, week: str | None = None, days: int | None = None,
              scope: Scope = EVERYWHERE, today: date | None = None) -> list[PmTaskPublic]:
    """What ``pm due`` shows: due and overdue tasks, or every open one due within ``days``
    or in ISO ``week`` (call ``refresh_states`` first so states follow the clock)."""
    if week is not None and not is_iso_week(week):
        raise InvalidInput("week", f"expected an ISO week like 2026-W49, got {week!r}")
    states = list(OPEN_STATES) if days is not None or week else [PmState.DUE, PmState.OVERDUE]
    until = (today or utcnow().date()) + timedelta(days=days) if days is not None else None
    rows = list_tasks(session, states=states, site=site, team=team, district=district,
                      due_until=until, scope=scope)
    return [r for r in rows if r.week == week] if week else rows
