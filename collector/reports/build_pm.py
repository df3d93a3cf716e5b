"""PM reports: the schedule (per site, team and month) and completion by district."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from muniops.collector.reports.calendars import month_of
from muniops.collector.reports.model import (
    Chart,
    ChartKind,
    Column,
    ColumnType,
    Report,
    Section,
)
from muniops.collector.reports.request import ReportRequest
from muniops.inventory.models import Asset, Site
from muniops.inventory.models.pm import OPEN_STATES, PmRecord, PmState, PmTask
from muniops.inventory.pm import add_months, local_day, pm_state

T = ColumnType


@dataclass(frozen=True)
class _Row:
    """One task with what the PM reports show of its asset and site."""

    task: int
    team: str
    due_date: date
    state: PmState  # as of the report's moment, in the site's calendar
    closed_at: datetime | None
    skip_reason: str
    asset: str
    kind: str
    site: Site | None


def _tasks(session: Session, req: ReportRequest, start: date, end: date, *,
           done_in_period: bool = False) -> list[_Row]:
    """Tasks due in [start, end] with their state as of now in their site's calendar, and
    with ``done_in_period`` also (roughly: the caller checks the day) those performed in
    the period ahead of a later due date (work done early is work done). Columns, not ORM
    objects: a city's half-year is 20,000 rows."""
    sites = {s.id: s for s in session.exec(select(Site))}
    stmt = (sa_select(col(PmTask.id), col(PmTask.team), col(PmTask.due_date),
                      col(PmTask.lead_days), col(PmTask.state), col(PmTask.closed_at),
                      col(PmTask.skip_reason), col(Asset.id), col(Asset.asset_tag),
                      col(Asset.serial), col(Asset.kind), col(Asset.site_id))
            .join(Asset, col(Asset.id) == PmTask.asset_id)
            .outerjoin(Site, col(Site.id) == Asset.site_id)
            .order_by(col(PmTask.due_date), col(PmTask.id)))
    due_in = sa.and_(col(PmTask.due_date) >= start, col(PmTask.due_date) <= end)
    if done_in_period:  # performed_at is UTC; the period's days are the sites' (±14 h)
        first = datetime.combine(start, time.min, UTC) - timedelta(hours=14)
        last = datetime.combine(end + timedelta(days=1), time.min, UTC) + timedelta(hours=12)
        performed = sa_select(col(PmRecord.task_id)).where(col(PmRecord.performed_at) >= first,
                                                      col(PmRecord.performed_at) < last)
        early = sa.and_(col(PmTask.state) == PmState.DONE, col(PmTask.due_date) > end,
                        col(PmTask.id).in_(performed))
        stmt = stmt.where(sa.or_(due_in, early))
    else:
        stmt = stmt.where(due_in)
    for value, column in ((req.site, Site.name), (req.district, Site.district),
                          (req.team, PmTask.team), (req.scope.district, Site.district)):
        if value:
            stmt = stmt.where(col(column) == value)
    out = []
    todays: dict[int | None, date] = {}
    for (task_id, team, due, lead, state, closed_at, reason, asset_id, tag, serial, kind,
         site_id) in session.execute(stmt):
        site = sites.get(site_id)
        if site_id not in todays:
            todays[site_id] = local_day(req.now, site.timezone if site else
                                        req.settings.timezone)
        if state in OPEN_STATES:
            state = pm_state(due, lead, todays[site_id])
        out.append(_Row(task_id, team, due, state, req.local(closed_at, site), reason,
                        tag or serial or f"#{asset_id}", kind.value, site))
    return out


def pm_schedule(session: Session, req: ReportRequest) -> Report:
    start = req.date_from or req.today
    end = req.date_to or add_months(start, 6) - timedelta(days=1)
    rows = _tasks(session, req, start, end)
    counts: Counter[tuple[str, str, tuple[int, int]]] = Counter()
    done: Counter[tuple[str, str, tuple[int, int]]] = Counter()
    for r in rows:
        key = (r.site.name if r.site else "", r.team, month_of(r.due_date, req.calendar))
        counts[key] += 1
        done[key] += r.state == PmState.DONE
    by_month = Section("by_month", [Column("site"), Column("team", T.LABEL),
                                    Column("month", T.MONTH),
                                    Column("tasks", T.INT), Column("done", T.INT)],
                       [(*k, n, done[k]) for k, n in sorted(counts.items())])
    tasks = Section("tasks", [
        Column("task", T.INT), Column("asset"), Column("kind", T.LABEL), Column("site"),
        Column("team", T.LABEL), Column("due_date", T.DATE), Column("state", T.LABEL),
        Column("closed_at", T.DATETIME), Column("skip_reason")],
        [(r.task, r.asset, r.kind, r.site.name if r.site else "", r.team, r.due_date,
          r.state.value, r.closed_at, r.skip_reason) for r in rows])
    states = Counter(r.state for r in rows)
    return Report("pm-schedule", req.now, req.settings.timezone, (start, end),
                  summary=[("tasks", len(rows), T.INT),
                           *((f"state_{s.value}", states[s], T.INT) for s in PmState)],
                  sections=[by_month, tasks], charts=[_by_month_chart(rows, req)])


def _by_month_chart(rows: list[_Row], req: ReportRequest) -> Chart:
    """Tasks per month of the report's calendar, by state: where the load falls."""
    per: dict[tuple[int, int], Counter[PmState]] = defaultdict(Counter)
    for r in rows:
        per[month_of(r.due_date, req.calendar)][r.state] += 1
    months = sorted(per)
    shown = [s for s in PmState if any(per[m][s] for m in months)]
    return Chart("chart_pm_by_month", months,
                 [(s.value, [float(per[m][s]) for m in months]) for s in shown],
                 ChartKind.STACKED, category_type=T.MONTH)


def pm_completion(session: Session, req: ReportRequest) -> Report:
    """Tasks due in the period per district: done, skipped, overdue, still open; the
    completion rate is done over all tasks due in the period, counting a task due later
    but done within the period (done early) as due and done."""
    end = req.date_to or req.today
    start = req.date_from or add_months(end, -6) + timedelta(days=1)
    candidates = _tasks(session, req, start, end, done_in_period=True)
    ids = [r.task for r in candidates]
    records = {r.task_id: r for n in range(0, len(ids), 500) for r in session.exec(
        select(PmRecord).where(col(PmRecord.task_id).in_(ids[n:n + 500])))}

    def performed_in_period(r: _Row) -> bool:
        record = records.get(r.task)
        at = req.local(record.performed_at, r.site) if record else None
        return at is not None and start <= at.date() <= end

    rows = [r for r in candidates if r.due_date <= end or performed_in_period(r)]
    per: dict[str, Counter[PmState]] = defaultdict(Counter)
    for r in rows:
        per[r.site.district if r.site else ""][r.state] += 1
    by_district = Section("by_district", [
        Column("district"), Column("tasks", T.INT), Column("done", T.INT),
        Column("skipped", T.INT), Column("overdue", T.INT), Column("open", T.INT),
        Column("completion_rate", T.PERCENT)])
    for district, c in sorted(per.items()):
        total = sum(c.values())
        still_open = c[PmState.PLANNED] + c[PmState.DUE]
        by_district.rows.append((district, total, c[PmState.DONE], c[PmState.SKIPPED],
                                 c[PmState.OVERDUE], still_open,
                                 c[PmState.DONE] / total if total else 0.0))
    by_site_team = _by_site_team(rows)
    done = Section("done", [Column("task", T.INT), Column("asset"), Column("site"),
                            Column("performed_by"), Column("performed_at", T.DATETIME),
                            Column("failed_items", T.LABELS), Column("repair_ticket", T.INT)])
    missed = Section("not_done", [Column("task", T.INT), Column("asset"), Column("site"),
                                  Column("team", T.LABEL), Column("due_date", T.DATE),
                                  Column("state", T.LABEL), Column("skip_reason")])
    for r in rows:
        record = records.get(r.task)
        site_name = r.site.name if r.site else ""
        if record is not None:
            failed = [i["item"] for i in record.items if i.get("result") == "not_ok"]
            done.rows.append((r.task, r.asset, site_name, record.performed_by,
                              req.local(record.performed_at, r.site), failed,
                              record.repair_ticket_id))
        elif r.state in (PmState.OVERDUE, PmState.SKIPPED):
            missed.rows.append((r.task, r.asset, site_name, r.team, r.due_date,
                                r.state.value, r.skip_reason))
    total = len(rows)
    n_done = sum(1 for r in rows if r.state == PmState.DONE)
    return Report("pm-completion", req.now, req.settings.timezone, (start, end),
                  summary=[("tasks", total, T.INT), ("done", n_done, T.INT),
                           ("completion_rate", n_done / total if total else 0.0, T.PERCENT)],
                  sections=[by_district, by_site_team, done, missed],
                  charts=[_district_chart(by_district), _site_team_chart(by_site_team)])


def _by_site_team(rows: list[_Row]) -> Section:
    per: dict[tuple[str, str], Counter[PmState]] = defaultdict(Counter)
    for r in rows:
        per[(r.site.name if r.site else "", r.team)][r.state] += 1
    section = Section("by_site_team", [Column("site"), Column("team", T.LABEL),
                                       Column("tasks", T.INT), Column("done", T.INT),
                                       Column("completion_rate", T.PERCENT)])
    for (site, team), c in sorted(per.items()):
        total = sum(c.values())
        section.rows.append((site, team, total, c[PmState.DONE], c[PmState.DONE] / total))
    return section


def _district_chart(by_district: Section) -> Chart:
    """Done, skipped, overdue and open tasks stacked per district (columns 2 to 5)."""
    rows = by_district.rows
    return Chart("chart_pm_by_district", [r[0] or "no_district" for r in rows],
                 [(key, [float(r[i]) for r in rows])
                  for i, key in enumerate(("done", "skipped", "overdue", "open"), start=2)],
                 ChartKind.STACKED, category_type=T.LABEL)


def _site_team_chart(by_site_team: Section) -> Chart:
    rows = by_site_team.rows
    return Chart("chart_pm_by_site_team", [(r[0] or "no_site", r[1]) for r in rows],
                 [("completion_rate", [r[4] for r in rows])], ChartKind.HBAR,
                 category_type=T.LABEL, value_type=T.PERCENT)
