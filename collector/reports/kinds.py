"""The report kinds ``muniops report KIND`` knows, each a function of the store."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session

from muniops.collector.reports import (
    build_activity,
    build_backups,
    build_kpis,
    build_licences,
    build_pm,
    build_register,
    build_writeoff,
)
from muniops.collector.reports.model import Report
from muniops.collector.reports.request import ReportRequest

Builder = Callable[[Session, ReportRequest], Report]

REPORTS: dict[str, Builder] = {
    "pm-schedule": build_pm.pm_schedule,
    "pm-completion": build_pm.pm_completion,
    "antivirus": build_activity.antivirus,
    "assets": build_register.assets,
    "warranty": build_register.warranty,
    "retirement": build_register.retirement,
    "activity": build_activity.activity,
    "licences": build_licences.licence_report,
    "write-off": build_writeoff.candidates,
    "reuse": build_writeoff.reuse,
    "backups": build_backups.backup_report,
    "kpis": build_kpis.kpi_report,
}


def build(session: Session, kind: str, req: ReportRequest) -> Report:
    try:
        builder = REPORTS[kind]
    except KeyError:
        raise ValueError(f"unknown report {kind!r}; known: {', '.join(REPORTS)}") from None
    return builder(session, req)
