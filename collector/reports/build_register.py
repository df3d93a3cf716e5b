"""Register reports: the asset list, warranties ending and open repairs, retirement
candidates (past their economic life)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from sqlmodel import Session, select

from muniops.collector.reports.model import (
    Chart,
    ChartKind,
    Column,
    ColumnType,
    Report,
    Section,
)
from muniops.collector.reports.request import ReportRequest
from muniops.inventory import repairs
from muniops.inventory.assets import list_assets
from muniops.inventory.models import AssetStatus, Site
from muniops.inventory.pm import add_months
from muniops.inventory.schemas import AssetFilter, AssetPublic

T = ColumnType


def assets(session: Session, req: ReportRequest) -> Report:
    flt = AssetFilter(kind=req.kind, status=req.status, site=req.site, district=req.district,
                      include_retired=req.status == AssetStatus.RETIRED)
    rows = list_assets(session, flt, req.scope)
    section = Section("assets", [
        Column("asset_tag"), Column("serial"), Column("kind", T.LABEL), Column("status", T.LABEL),
        Column("vendor"), Column("model"), Column("site"), Column("district"),
        Column("location"), Column("assigned_to"), Column("purchase_date", T.DATE),
        Column("warranty_end", T.DATE), Column("purchase_cost", T.NUMBER)],
        [(a.asset_tag or "", a.serial or "", a.kind.value, a.status.value, a.vendor, a.model,
          a.site or "", a.district or "", a.location, a.assigned_to or "", a.purchase_date,
          a.warranty_end, float(a.purchase_cost) if a.purchase_cost is not None else None)
         for a in rows])
    states = Counter(a.status.value for a in rows)
    return Report("assets", req.now, req.settings.timezone,
                  summary=[("assets", len(rows), T.INT),
                           *((state, n, T.INT) for state, n in sorted(states.items()))],
                  sections=[section], charts=[age_chart(rows, req.today)])


AGE_BUCKETS = (("age_0_2", 2), ("age_2_4", 4), ("age_4_6", 6), ("age_6_plus", 10_000))


def age_bucket(purchased: date | None, today: date) -> str:
    if purchased is None:
        return "age_unknown"
    years = (today - purchased).days / 365.25
    return next(key for key, limit in AGE_BUCKETS if years < limit)


def age_chart(rows: list[AssetPublic], today: date) -> Chart:
    """Assets by age since purchase, stacked by state: how much of the fleet is old and
    still in use."""
    counts = Counter((age_bucket(a.purchase_date, today), a.status.value) for a in rows)
    buckets = [k for k, _ in AGE_BUCKETS] + ["age_unknown"]
    buckets = [b for b in buckets if any(k[0] == b for k in counts)]
    states = sorted({state for _b, state in counts})
    return Chart("chart_assets_by_age", buckets,
                 [(state, [float(counts[(b, state)]) for b in buckets]) for state in states],
                 ChartKind.STACKED, category_type=T.LABEL)


def warranty(session: Session, req: ReportRequest) -> Report:
    days = req.days or req.settings.warranty_days
    today = req.today
    until = today + timedelta(days=days)
    flt = AssetFilter(site=req.site, district=req.district, kind=req.kind,
                      warranty_before=until + timedelta(days=1), include_retired=False)
    ending = sorted((a for a in list_assets(session, flt, req.scope)
                     if a.warranty_end is not None and a.warranty_end >= today),
                    key=lambda a: (a.warranty_end, a.asset_tag or ""))
    expiring = Section("warranty_expiring", [
        Column("asset"), Column("kind", T.LABEL), Column("vendor"), Column("model"),
        Column("site"), Column("warranty_end", T.DATE), Column("days_left", T.INT)],
        [(a.asset_tag or a.serial or "", a.kind.value, a.vendor, a.model, a.site or "",
          a.warranty_end, (a.warranty_end - today).days if a.warranty_end else None)
         for a in ending])
    tickets = [t for t in repairs.list_tickets(session, open_only=True, scope=req.scope)
               if not req.site or t.site == req.site]
    sites = {s.name: s for s in session.exec(select(Site))}
    open_repairs = Section("open_repairs", [
        Column("ticket", T.INT), Column("asset"), Column("site"), Column("part"),
        Column("vendor"), Column("vendor_reference"), Column("under_warranty", T.LABEL),
        Column("sent_at", T.DATETIME), Column("age_days", T.INT)],
        [(t.id, t.asset, t.site or "", t.part, t.vendor, t.vendor_reference,
          "yes" if t.under_warranty else "no", req.local(t.sent_at, sites.get(t.site or "")),
          t.age_days)
         for t in tickets])
    return Report("warranty", req.now, req.settings.timezone, (today, until),
                  summary=[("warranty_expiring", len(ending), T.INT),
                           ("open_repairs", len(tickets), T.INT)],
                  sections=[expiring, open_repairs])


def retirement(session: Session, req: ReportRequest) -> Report:
    """Assets in service past purchase date plus economic life (the asset's, else the
    configured default)."""
    today = req.today
    flt = AssetFilter(site=req.site, district=req.district, kind=req.kind,
                      include_retired=False)
    rows = []
    for a in list_assets(session, flt, req.scope):
        if a.purchase_date is None:
            continue
        life = a.economic_life_years or req.settings.economic_life_years
        end = add_months(a.purchase_date, 12 * life)
        if end <= today:
            rows.append((a.asset_tag or a.serial or "", a.kind.value, a.status.value,
                         a.vendor, a.model, a.site or "", a.assigned_to or "",
                         a.purchase_date, life, end, round((today - end).days / 365.25, 1)))
    rows.sort(key=lambda r: r[9])
    section = Section("retirement_candidates", [
        Column("asset"), Column("kind", T.LABEL), Column("status", T.LABEL), Column("vendor"),
        Column("model"), Column("site"), Column("assigned_to"),
        Column("purchase_date", T.DATE), Column("economic_life_years", T.INT),
        Column("end_of_life", T.DATE), Column("years_past", T.NUMBER)], rows)
    return Report("retirement", req.now, req.settings.timezone,
                  summary=[("retirement_candidates", len(rows), T.INT)], sections=[section])
