"""The daily backup report: every backup the policy expects on every reporting host, its
state, when the newest was made (the site's clock), its size and change since the one
before."""

from __future__ import annotations

from collections import Counter

from sqlmodel import Session, select

from muniops.collector.reports.model import Column, ColumnType, Report, Section
from muniops.collector.reports.request import ReportRequest
from muniops.inventory import backups
from muniops.inventory.models import Site

T = ColumnType


def backup_report(session: Session, req: ReportRequest) -> Report:
    sites = {s.name: s for s in session.exec(select(Site))}
    rows = [r for r in backups.backup_rows(session, req.backups, req.scope, req.now)
            if (not req.site or r.site == req.site)
            and (not req.district or r.district == req.district)]
    section = Section("backups", [
        Column("site"), Column("hostname"), Column("backup"), Column("source"),
        Column("state", T.LABEL), Column("last_success", T.DATETIME),
        Column("age_hours", T.NUMBER), Column("size_bytes", T.INT),
        Column("change", T.PERCENT), Column("reason")])
    for r in rows:
        site = sites.get(r.site or "")
        section.rows.append((r.site or "", r.host, r.backup, r.source, r.state,
                             req.local(r.last_success_at, site), r.age_hours, r.size_bytes,
                             r.change_ratio, r.reason))
    if not rows:
        section.missing_source = "agent"
    counts = Counter(r.state for r in rows)
    summary: list[tuple[str, object, ColumnType]] = [("backups", len(rows), T.INT)]
    summary += [(state, counts[state], T.INT) for state in backups.STATES]
    return Report(kind="backups", generated_at=req.now, timezone=req.settings.timezone,
                  summary=summary, sections=[section])
