"""The weekly activity report and antivirus compliance.

The register's own history (the audit log, repairs, PM records, discovered assets) is
always there. Hardware changes and antivirus state come from the agents (``host_facts``
and their audit entries), configuration changes from the SSH backups
(``config_version``), unknown devices from discovery (``unknown_device``) and the
register: while a source has stored nothing at all, its section says so."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, SQLModel, col, select

from muniops.collector.reports.model import (
    Chart,
    Column,
    ColumnType,
    Report,
    Section,
)
from muniops.collector.reports.request import ReportRequest
from muniops.inventory import fleet
from muniops.inventory.assets import label
from muniops.inventory.audit import changed_fields
from muniops.inventory.fleet import AvRow
from muniops.inventory.models import Asset, AssetStatus, AuditEntry, Site
from muniops.inventory.models.agents import HostFacts
from muniops.inventory.models.configs import ConfigBackupState, ConfigVersion
from muniops.inventory.models.discovery import Sighting, UnknownDevice
from muniops.inventory.models.pm import PmRecord

T = ColumnType
HARDWARE_CHANGE = "asset.hardware_change"


def _week(req: ReportRequest) -> tuple[date, date]:
    """The seven days from ``date_from`` (to ``date_to`` if given): ``--from 2026-11-01``
    covers November 1st to 7th, not the week before. Default: the last 7 days."""
    if req.date_from:
        return req.date_from, req.date_to or req.date_from + timedelta(days=6)
    return req.today - timedelta(days=6), req.today


def _bounds(req: ReportRequest, start: date, end: date) -> tuple[datetime, datetime]:
    tz = req.tz
    return (datetime.combine(start, time(), tz),
            datetime.combine(end + timedelta(days=1), time(), tz))


def _asset_ref(data: dict[str, Any] | None) -> str:
    data = data or {}
    return str(data.get("asset_tag") or data.get("serial") or f"#{data.get('id', '?')}")


def _keeps(req: ReportRequest, site: Site | None) -> bool:
    """A row at ``site`` belongs in the report: within the caller's scope (a liaison's
    district) and the ``site``/``district`` asked for."""
    if not req.scope.covers(site):
        return False
    if req.site and (site is None or site.name != req.site):
        return False
    return not req.district or (site is not None and site.district == req.district)


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
                                         Column("action", T.LABEL), Column("changes"),
                                         Column("actor")])
    repaired = Section("repairs", [Column("at", T.DATETIME), Column("action", T.LABEL),
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
        if not _keeps(req, site):
            continue
        at = req.local(e.at, site)
        if e.entity == "asset" and not e.before:  # created, by hand or by an import
            new.rows.append((at, _asset_ref(e.after), (e.after or {}).get("kind", ""),
                             site.name if site else "", e.actor))
        elif e.entity == "asset" and e.action != HARDWARE_CHANGE:
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
                                  Column("failed_items", T.LABELS)])
    for record, asset in session.exec(
            select(PmRecord, Asset).join(Asset, col(Asset.id) == PmRecord.asset_id)
            .where(col(PmRecord.performed_at) >= lo, col(PmRecord.performed_at) < hi)
            .order_by(col(PmRecord.performed_at))):
        site = sites.get(asset.site_id)
        if not _keeps(req, site):
            continue
        failed = [i["item"] for i in record.items if i.get("result") == "not_ok"]
        pm_done.rows.append((req.local(record.performed_at, site), label(asset),
                             site.name if site else "", record.performed_by, failed))
    unknown = unknown_devices(session, req, lo, hi)
    sections = [new, changed, hardware_changes(session, req, lo, hi), repaired, pm_done,
                antivirus_problems(session, req), config_changes(session, req, lo, hi),
                unknown]
    counted = [s for s in sections if s.missing_source is None]
    return Report("activity", req.now, req.settings.timezone, (start, end),
                  summary=[(s.key, len(s.rows), T.INT) for s in counted],
                  sections=sections,
                  charts=[Chart("chart_activity", [s.key for s in counted],
                                [("count", [float(len(s.rows)) for s in counted])],
                                category_type=T.LABEL)])


def unknown_devices(session: Session, req: ReportRequest, lo: datetime,
                    hi: datetime) -> Section:
    """Devices first seen this week that nobody registered: discovery's unknown devices,
    and assets an agent or a sweep added as ``discovered``."""
    section = Section("unknown_devices", [
        Column("first_seen", T.DATETIME), Column("asset"), Column("kind", T.LABEL),
        Column("hostname"), Column("mac"), Column("ip"), Column("vendor"), Column("site"),
        Column("state", T.LABEL)])
    sites = {s.id: s for s in session.exec(select(Site))}
    by_name = {s.name: s for s in sites.values()}
    for device in session.exec(select(UnknownDevice).where(
            col(UnknownDevice.first_seen) >= lo, col(UnknownDevice.first_seen) < hi)
            .order_by(col(UnknownDevice.first_seen))):
        if not _keeps(req, by_name.get(device.site)):
            continue
        section.rows.append((req.local(device.first_seen, by_name.get(device.site)), "", "",
                             "", device.mac, device.ip, device.vendor, device.site,
                             device.state.value))
    for asset in session.exec(select(Asset).where(
            Asset.status == AssetStatus.DISCOVERED, col(Asset.created_at) >= lo,
            col(Asset.created_at) < hi).order_by(col(Asset.created_at))):
        site = sites.get(asset.site_id)
        if not _keeps(req, site):
            continue
        section.rows.append((req.local(asset.created_at, site), label(asset), asset.kind.value,
                             asset.hostname or "", "", "", asset.vendor,
                             site.name if site else "", AssetStatus.DISCOVERED.value))
    if not section.rows and not _has_rows(session, Sighting):
        section.missing_source = "discovery"
    return section


def _has_rows(session: Session, table: type[SQLModel]) -> bool:
    return session.exec(select(func.count()).select_from(table)).one() > 0


def hardware_changes(session: Session, req: ReportRequest, lo: datetime,
                     hi: datetime) -> Section:
    """Hardware the agents saw change (their ``asset.hardware_change`` audit entries)."""
    section = Section("hardware_changes", [Column("at", T.DATETIME), Column("asset"),
                                           Column("site"), Column("changes")])
    if not _has_rows(session, HostFacts):
        section.missing_source = "agent"
        return section
    sites = {s.id: s for s in session.exec(select(Site))}
    stmt = (select(AuditEntry, Asset).join(Asset, col(Asset.id) == AuditEntry.entity_id)
            .where(AuditEntry.entity == "asset", AuditEntry.action == HARDWARE_CHANGE,
                   col(AuditEntry.at) >= lo, col(AuditEntry.at) < hi)
            .order_by(col(AuditEntry.at)))
    for entry, asset in session.exec(stmt):
        site = sites.get(asset.site_id)
        if not _keeps(req, site):
            continue
        diff = changed_fields(entry.before, entry.after)
        section.rows.append((req.local(entry.at, site), label(asset), site.name if site else "",
                             "; ".join(f"{k}: {v[0]} → {v[1]}" for k, v in diff.items())))
    return section


def config_changes(session: Session, req: ReportRequest, lo: datetime, hi: datetime) -> Section:
    """New versions of device configurations saved by the SSH backups (a first backup is
    not a change)."""
    section = Section("config_changes", [Column("at", T.DATETIME), Column("device"),
                                         Column("site"), Column("version", T.INT),
                                         Column("lines", T.INT)])
    if not _has_rows(session, ConfigVersion):
        section.missing_source = "config_backup"
        return section
    sites = {s.name: s for s in session.exec(select(Site))}
    device_site = {b.device: b.site for b in session.exec(select(ConfigBackupState))}
    stmt = (select(ConfigVersion).where(col(ConfigVersion.collected_at) >= lo,
                                        col(ConfigVersion.collected_at) < hi,
                                        col(ConfigVersion.version) > 1)
            .order_by(col(ConfigVersion.collected_at)))
    for version in session.exec(stmt):
        site_name = device_site.get(version.device, "")
        if not _keeps(req, sites.get(site_name)):
            continue
        section.rows.append((req.local(version.collected_at, sites.get(site_name)),
                             version.device, site_name, version.version, version.lines))
    return section


def _av_rows(session: Session, req: ReportRequest) -> list[AvRow]:
    by_name = {s.name: s for s in session.exec(select(Site))}
    return [r for r in fleet.av_compliance(session, req.antivirus, req.scope)
            if _keeps(req, by_name.get(r.site or ""))]


def antivirus_problems(session: Session, req: ReportRequest,
                       rows: list[AvRow] | None = None) -> Section:
    """Hosts that fail the antivirus policy now, and why (from their last agent report)."""
    section = Section("antivirus_problems", [
        Column("asset"), Column("hostname"), Column("site"), Column("product"),
        Column("signature_age_days", T.NUMBER), Column("problem", T.LABELS)])
    if not _has_rows(session, HostFacts):
        section.missing_source = "agent"
        return section
    for row in rows if rows is not None else _av_rows(session, req):
        if not row.compliant:
            section.rows.append((row.asset, row.hostname or "", row.site or "",
                                 ", ".join(row.products), row.signature_age_days,
                                 row.reasons))
    return section


def antivirus(session: Session, req: ReportRequest) -> Report:
    """Antivirus compliance: the fleet's share of compliant hosts and, for the others, why."""
    rows = _av_rows(session, req)
    problems = antivirus_problems(session, req, rows)
    by_site = Section("antivirus_by_site", [Column("site"), Column("hosts", T.INT),
                                            Column("compliant", T.INT),
                                            Column("compliance", T.PERCENT)],
                      missing_source=problems.missing_source)
    per_site: dict[str, list[int]] = {}
    for row in rows:
        counts = per_site.setdefault(row.site or "", [0, 0])
        counts[0] += 1
        counts[1] += row.compliant
    by_site.rows = [(site, n, ok, ok / n) for site, (n, ok) in sorted(per_site.items())]
    by_district = _av_by_district(session, rows, problems.missing_source)
    compliant = sum(r.compliant for r in rows)
    summary = [] if problems.missing_source else [
        ("hosts", len(rows), T.INT), ("compliant", compliant, T.INT),
        ("compliance", compliant / len(rows) if rows else 0.0, T.PERCENT)]
    charts = [] if problems.missing_source else [Chart(
        "chart_av_by_district", [r[0] or "no_district" for r in by_district.rows],
        [("compliance", [r[3] for r in by_district.rows])], category_type=T.LABEL,
        value_type=T.PERCENT)]
    return Report("antivirus", req.now, req.settings.timezone, summary=summary,
                  sections=[by_district, by_site, problems], charts=charts)


def _av_by_district(session: Session, rows: list[AvRow], missing: str | None) -> Section:
    district_of = {s.name: s.district for s in session.exec(select(Site))}
    per: dict[str, list[int]] = {}
    for row in rows:
        counts = per.setdefault(district_of.get(row.site or "", ""), [0, 0])
        counts[0] += 1
        counts[1] += row.compliant
    return Section("by_district", [Column("district"), Column("hosts", T.INT),
                                   Column("compliant", T.INT),
                                   Column("compliance", T.PERCENT)],
                   [(d, n, ok, ok / n) for d, (n, ok) in sorted(per.items())],
                   missing_source=missing)
