"""The weekly activity report and antivirus compliance.

The register's own history (the audit log, repairs, PM records, discovered assets) is
always there. Hardware changes and antivirus state come from the agent, configuration
changes from the SSH backups: until those features store data, their sections say so."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import Session, col, select

from muniops.collector.reports.model import Column, ColumnType, Report, Section
from muniops.collector.reports.request import ReportRequest
from muniops.inventory.assets import label
from muniops.inventory.audit import changed_fields
from muniops.inventory.models import Asset, AssetStatus, AuditEntry, Site
from muniops.inventory.models.pm import PmRecord

T = ColumnType


def _week(req: ReportRequest) -> tuple[date, date]:
    """Monday to Sunday of the week holding ``date_from`` (default: the last 7 days)."""
    if req.date_from:
        start = req.date_from - timedelta(days=req.date_from.weekday())
        return start, start + timedelta(days=6)
    return req.today - timedelta(days=6), req.today


def _bounds(req: ReportRequest, start: date, end: date) -> tuple[datetime, datetime]:
    tz = req.tz
    return (datetime.combine(start, time(), tz),
            datetime.combine(end + timedelta(days=1), time(), tz))


def _asset_ref(data: dict[str, Any] | None) -> str:
    data = data or {}
    return str(data.get("asset_tag") or data.get("serial") or f"#{data.get('id', '?')}")


def activity(session: Session, req: ReportRequest) -> Report:
    start, end = _week(req)
    lo, hi = _bounds(req, start, end)
    sites = {s.id: s for s in session.exec(select(Site))}
    entries = list(session.exec(
        select(AuditEntry).where(col(AuditEntry.at) >= lo, col(AuditEntry.at) < hi)
        .order_by(col(AuditEntry.at), col(AuditEntry.id))))

    def site_of(e: AuditEntry) -> Site | None:
        return sites.get(((e.after or e.before) or {}).get("site_id"))

    new = Section("new_assets", [Column("at", T.DATETIME), Column("asset"), Column("kind", T.LABEL),
                                 Column("site"), Column("actor")])
    changed = Section("changed_assets", [Column("at", T.DATETIME), Column("asset"),
                                         Column("action"), Column("changes"), Column("actor")])
    repaired = Section("repairs", [Column("at", T.DATETIME), Column("action"),
                                   Column("ticket", T.INT), Column("asset"), Column("part"),
                                   Column("actor")])
    assets_by_id: dict[int, Asset] = {}

    def asset_of(e: AuditEntry) -> Asset | None:
        asset_id = int((e.after or {}).get("asset_id") or 0)
        if asset_id and asset_id not in assets_by_id:
            found = session.get(Asset, asset_id)
            if found is not None:
                assets_by_id[asset_id] = found
        return assets_by_id.get(asset_id)

    for e in entries:
        asset = asset_of(e) if e.entity == "repair" else None
        site = sites.get(asset.site_id) if asset else site_of(e)
        at = req.local(e.at, site)
        if e.entity == "asset" and not e.before:  # created, by hand or by an import
            new.rows.append((at, _asset_ref(e.after), (e.after or {}).get("kind", ""),
                             site.name if site else "", e.actor))
        elif e.entity == "asset":
            diff = changed_fields(e.before, e.after)
            text = "; ".join(f"{k}: {v[0]} → {v[1]}" for k, v in diff.items()
                             if k not in ("updated_at",))
            changed.rows.append((at, _asset_ref(e.after or e.before), e.action, text, e.actor))
        elif e.entity == "repair":
            data = e.after or {}
            repaired.rows.append((at, e.action, e.entity_id, label(asset) if asset else "",
                                  data.get("part", ""), e.actor))
    pm_done = Section("pm_done", [Column("performed_at", T.DATETIME), Column("asset"),
                                  Column("site"), Column("performed_by"),
                                  Column("failed_items")])
    for record, asset in session.exec(
            select(PmRecord, Asset).join(Asset, col(Asset.id) == PmRecord.asset_id)
            .where(col(PmRecord.performed_at) >= lo, col(PmRecord.performed_at) < hi)
            .order_by(col(PmRecord.performed_at))):
        site = sites.get(asset.site_id)
        failed = [i["item"] for i in record.items if i.get("result") == "not_ok"]
        pm_done.rows.append((req.local(record.performed_at, site), label(asset),
                             site.name if site else "", record.performed_by, ", ".join(failed)))
    unknown = Section("unknown_devices", [Column("first_seen", T.DATETIME), Column("asset"),
                                          Column("kind", T.LABEL), Column("hostname"),
                                          Column("site")])
    for asset in session.exec(select(Asset).where(
            Asset.status == AssetStatus.DISCOVERED, col(Asset.created_at) >= lo,
            col(Asset.created_at) < hi).order_by(col(Asset.created_at))):
        site = sites.get(asset.site_id)
        unknown.rows.append((req.local(asset.created_at, site), label(asset), asset.kind.value,
                             asset.hostname or "", site.name if site else ""))
    sections = [new, changed, hardware_changes(session, req, lo, hi), repaired, pm_done,
                antivirus_problems(session, req), config_changes(session, req, lo, hi),
                unknown]
    return Report("activity", req.now, req.settings.timezone, (start, end),
                  summary=[(s.key, len(s.rows), T.INT) for s in sections
                           if s.missing_source is None],
                  sections=sections)


def hardware_changes(session: Session, req: ReportRequest, lo: datetime,
                     hi: datetime) -> Section:
    return Section("hardware_changes", [Column("at", T.DATETIME), Column("asset"),
                                        Column("changes")], missing_source="agent")


def config_changes(session: Session, req: ReportRequest, lo: datetime, hi: datetime) -> Section:
    return Section("config_changes", [Column("at", T.DATETIME), Column("device"),
                                      Column("lines_changed", T.INT)],
                   missing_source="config_backup")


def antivirus_problems(session: Session, req: ReportRequest) -> Section:
    return Section("antivirus_problems", [Column("asset"), Column("site"), Column("product"),
                                          Column("problem"), Column("last_report", T.DATETIME)],
                   missing_source="agent")


def antivirus(session: Session, req: ReportRequest) -> Report:
    """Antivirus compliance: the fleet's share of compliant hosts and, for the others, why."""
    problems = antivirus_problems(session, req)
    by_site = Section("antivirus_by_site", [Column("site"), Column("hosts", T.INT),
                                            Column("compliant", T.INT),
                                            Column("compliance", T.PERCENT)],
                      missing_source=problems.missing_source)
    return Report("antivirus", req.now, req.settings.timezone, sections=[by_site, problems])
