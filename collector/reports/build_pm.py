"""PM reports: the schedule (per site, team and month) and completion by district."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta

from sqlmodel import Session, col, select

from muniops.collector.reports.calendars import month_of
from muniops.collector.reports.model import Column, ColumnType, Report, Section
from muniops.collector.reports.request import ReportRequest
from muniops.inventory.assets import label
from muniops.inventory.models import Asset, Site
from muniops.inventory.models.pm import OPEN_STATES, PmRecord, PmState, PmTask
from muniops.inventory.pm import add_months, local_day, state_on

T = ColumnType


def _tasks(session: Session, req: ReportRequest, start: date,
           end: date) -> list[tuple[PmTask, Asset, Site | None, PmState]]:
    """Tasks due in [start, end] with their state as of now in their site's calendar."""
    stmt = (select(PmTask, Asset, Site)
            .join(Asset, col(Asset.id) == PmTask.asset_id)
            .outerjoin(Site, col(Site.id) == Asset.site_id)
            .where(col(PmTask.due_date) >= start, col(PmTask.due_date) <= end)
            .order_by(col(PmTask.due_date), col(PmTask.id)))
    for value, column in ((req.site, Site.name), (req.district, Site.district),
                          (req.team, PmTask.team), (req.scope.district, Site.district)):
        if value:
            stmt = stmt.where(column == value)
    out = []
    todays: dict[str | None, date] = {}
    for task, asset, site in session.exec(stmt):
        tz = site.timezone if site else req.settings.timezone
        if tz not in todays:
            todays[tz] = local_day(req.now, tz)
        state = state_on(task, todays[tz]) if task.state in OPEN_STATES else task.state
        out.append((task, asset, site, state))
    return out


def pm_schedule(session: Session, req: ReportRequest) -> Report:
    start = req.date_from or req.today
    end = req.date_to or add_months(start, 6) - timedelta(days=1)
    rows = _tasks(session, req, start, end)
    counts: Counter[tuple[str, str, tuple[int, int]]] = Counter()
    done: Counter[tuple[str, str, tuple[int, int]]] = Counter()
    for task, _asset, site, state in rows:
        key = (site.name if site else "", task.team, month_of(task.due_date, req.calendar))
        counts[key] += 1
        done[key] += state == PmState.DONE
    by_month = Section("by_month", [Column("site"), Column("team"), Column("month", T.MONTH),
                                    Column("tasks", T.INT), Column("done", T.INT)],
                       [(*k, n, done[k]) for k, n in sorted(counts.items())])
    tasks = Section("tasks", [
        Column("task", T.INT), Column("asset"), Column("kind", T.LABEL), Column("site"),
        Column("team"), Column("due_date", T.DATE), Column("state", T.LABEL),
        Column("closed_at", T.DATETIME), Column("skip_reason")],
        [(t.id, label(a), a.kind.value, s.name if s else "", t.team, t.due_date, st.value,
          req.local(t.closed_at, s), t.skip_reason) for t, a, s, st in rows])
    states = Counter(st for *_x, st in rows)
    return Report("pm-schedule", req.now, req.settings.timezone, (start, end),
                  summary=[("tasks", len(rows), T.INT),
                           *((f"state_{s.value}", states[s], T.INT) for s in PmState)],
                  sections=[by_month, tasks])


def pm_completion(session: Session, req: ReportRequest) -> Report:
    """Tasks due in the period per district: done, skipped, overdue, still open; the
    completion rate is done over all tasks due in the period."""
    end = req.date_to or req.today
    start = req.date_from or add_months(end, -6) + timedelta(days=1)
    rows = _tasks(session, req, start, end)
    per: dict[str, Counter[PmState]] = defaultdict(Counter)
    for _task, _asset, site, state in rows:
        per[site.district if site else ""][state] += 1
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
    records = {r.task_id: r for r in session.exec(
        select(PmRecord).where(col(PmRecord.task_id).in_([t.id for t, *_ in rows
                                                           if t.state == PmState.DONE])))}
    done = Section("done", [Column("task", T.INT), Column("asset"), Column("site"),
                            Column("performed_by"), Column("performed_at", T.DATETIME),
                            Column("failed_items"), Column("repair_ticket", T.INT)])
    missed = Section("not_done", [Column("task", T.INT), Column("asset"), Column("site"),
                                  Column("team"), Column("due_date", T.DATE),
                                  Column("state", T.LABEL), Column("skip_reason")])
    for task, asset, site, state in rows:
        record = records.get(task.id or 0)
        if record is not None:
            failed = [i["item"] for i in record.items if i.get("result") == "not_ok"]
            done.rows.append((task.id, label(asset), site.name if site else "",
                              record.performed_by, req.local(record.performed_at, site),
                              ", ".join(failed), record.repair_ticket_id))
        elif state in (PmState.OVERDUE, PmState.SKIPPED):
            missed.rows.append((task.id, label(asset), site.name if site else "", task.team,
                                task.due_date, state.value, task.skip_reason))
    total = len(rows)
    n_done = sum(1 for *_x, st in rows if st == PmState.DONE)
    return Report("pm-completion", req.now, req.settings.timezone, (start, end),
                  summary=[("tasks", total, T.INT), ("done", n_done, T.INT),
                           ("completion_rate", n_done / total if total else 0.0, T.PERCENT)],
                  sections=[by_district, done, missed])
