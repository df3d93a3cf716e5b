"""Reports made on a schedule: each ``reports.schedules`` entry is made once for every
period that has ended (the last full week, month or year of the report's calendar; the
Iranian week starts on Saturday), written to ``reports.output_dir`` and, with ``to:``,
mailed. What was made is kept in ``output_dir/.schedules.json``, so a restart or a
missed hour neither repeats nor skips a period; a mail that fails is tried again at the
next run."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import jdatetime

from muniops.collector.reports.calendars import week_start
from muniops.collector.reports.config import Calendar, Format, Period, ReportSettings, Schedule
from muniops.collector.reports.files import write_report
from muniops.collector.reports.kinds import build
from muniops.collector.reports.mail import MailFailed, build_message, send
from muniops.collector.reports.present import Presenter
from muniops.collector.reports.request import ReportRequest
from muniops.inventory.db import Database
from muniops.inventory.exports import people_named, record_export
from muniops.inventory.types import utcnow

if TYPE_CHECKING:
    from muniops.collector.core.settings import Settings

log = logging.getLogger(__name__)
STATE = ".schedules.json"
MIME = {Format.PDF: "application/pdf", Format.HTML: "text/html",
        Format.CSV: "text/csv",
        Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def last_period(period: Period, today: date, cal: Calendar) -> tuple[date, date]:
    """The last full period before ``today`` in ``cal``."""
    if period == Period.WEEK:
        start = week_start(today, cal) - timedelta(days=7)
        return start, start + timedelta(days=6)
    if cal == Calendar.JALALI:
        j = jdatetime.date.fromgregorian(date=today)
        if period == Period.MONTH:
            first = jdatetime.date(j.year, j.month, 1)
            end = first - jdatetime.timedelta(days=1)
            return jdatetime.date(end.year, end.month, 1).togregorian(), end.togregorian()
        return (jdatetime.date(j.year - 1, 1, 1).togregorian(),
                (jdatetime.date(j.year, 1, 1) - jdatetime.timedelta(days=1)).togregorian())
    if period == Period.MONTH:
        end = today.replace(day=1) - timedelta(days=1)
        return end.replace(day=1), end
    return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)


@dataclass(frozen=True)
class Outcome:
    schedule: str
    period: tuple[date, date]
    path: Path
    mailed: bool


def _state(folder: Path) -> dict[str, str]:
    try:
        data = json.loads((folder / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _save_state(folder: Path, state: dict[str, str]) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".schedules.", dir=folder)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(state, out, indent=2, sort_keys=True)
    os.replace(tmp, folder / STATE)


def run_one(db: Database, settings: Settings, s: Schedule, now: datetime) -> Outcome | None:
    """Make (and mail) ``s`` for its last full period unless that was done already."""
    reports: ReportSettings = settings.reports
    assert reports.output_dir is not None  # the settings refuse schedules without it
    folder = reports.output_dir
    folder.mkdir(parents=True, exist_ok=True)
    cal = s.calendar or reports.calendar
    req = ReportRequest(settings=reports, pm=settings.pm, antivirus=settings.agents.antivirus,
                        licences=settings.licences, calendar=cal, now=now, site=s.site,
                        district=s.district)
    start, end = last_period(s.period, req.today, cal)
    state = _state(folder)
    if state.get(s.name) == end.isoformat():
        return None
    req.date_from, req.date_to = start, end
    with db.read() as session:
        report = build(session, s.report, req)
        named = people_named(session, report.people())
    p = Presenter.of(reports, lang=s.lang, calendar=cal)
    path = folder / f"{s.name}_{start.isoformat()}_{end.isoformat()}.{s.format.value}"
    write_report(report, path, p, s.format)
    log.info("schedule %s: %s for %s–%s written to %s", s.name, s.report, start, end, path)
    if s.to:
        title = p.title(report)
        subject = f"{reports.organisation.name or settings.site_name}: {title} " \
                  f"{p.period(report, digits=False) or f'{start} – {end}'}"
        send(reports.smtp, build_message(reports.smtp, s.to, subject,
                                         f"{title}\n{start} – {end}\n", path.read_bytes(),
                                         path.name, MIME[s.format]))
    if named:
        with db.write() as session:
            record_export(session, actor=f"collector:schedule:{s.name}", document=s.report,
                          fmt=s.format.value, people=named,
                          destination=", ".join([str(path), *s.to]))
    state[s.name] = end.isoformat()
    _save_state(folder, state)
    return Outcome(s.name, (start, end), path, bool(s.to))


def run_all(db: Database, settings: Settings, now: datetime | None = None) -> list[Outcome]:
    """Every schedule; one that fails is logged and tried again next time, the others go on."""
    done = []
    for s in settings.reports.schedules:
        try:
            outcome = run_one(db, settings, s, now or utcnow())
        except (MailFailed, OSError, ValueError) as exc:
            log.warning("schedule %s failed: %s", s.name, exc)
            continue
        if outcome is not None:
            done.append(outcome)
    return done
