"""Write-off candidates, the reuse list, and the committee's write-off batch list."""

from __future__ import annotations

from collections import Counter

from sqlmodel import Session

from muniops.collector.reports.config import Signer
from muniops.collector.reports.model import (
    Chart,
    ChartKind,
    Column,
    ColumnType,
    Report,
    Section,
)
from muniops.collector.reports.request import ReportRequest
from muniops.inventory import writeoff
from muniops.inventory.assets import label

T = ColumnType
BATCH = "write-off-batch"


def candidates(session: Session, req: ReportRequest) -> Report:
    found = writeoff.candidates(session, req.settings.write_off, req.today,
                                default_life=req.settings.economic_life_years,
                                scope=req.scope, site=req.site)
    section = Section("write_off_candidates", [
        Column("asset"), Column("serial"), Column("kind", T.LABEL), Column("model"),
        Column("site"), Column("purchase_date", T.DATE), Column("end_of_life", T.DATE),
        Column("warranty_end", T.DATE), Column("repairs", T.INT),
        Column("reasons", T.LABELS)],
        [(label(c.asset), c.asset.serial or "", c.asset.kind.value, c.asset.model, c.site,
          c.asset.purchase_date, c.end_of_life, c.asset.warranty_end, c.repairs, c.reasons)
         for c in found])
    reasons = Counter(r for c in found for r in c.reasons)
    chart = Chart("chart_write_off_reasons", sorted(reasons),
                  [("assets", [float(reasons[r]) for r in sorted(reasons)])],
                  ChartKind.BAR, category_type=T.LABEL)
    return Report("write-off", req.now, req.settings.timezone,
                  summary=[("write_off_candidates", len(found), T.INT),
                           *((r, n, T.INT) for r, n in sorted(reasons.items()))],
                  sections=[section], charts=[chart] if found else [])


def reuse(session: Session, req: ReportRequest) -> Report:
    found = writeoff.reuse(session, req.settings.write_off, req.today, scope=req.scope)
    section = Section("reuse_candidates", [
        Column("asset"), Column("hostname"), Column("site"), Column("age_years", T.NUMBER),
        Column("cpu"), Column("memory_gib", T.NUMBER), Column("disks"),
        Column("upgrades", T.LABELS)],
        [(label(r.asset), r.asset.hostname or "", r.site, r.age_years, r.cpu, r.memory_gib,
          "; ".join(r.disks), r.upgrades) for r in found])
    return Report("reuse", req.now, req.settings.timezone,
                  summary=[("reuse_candidates", len(found), T.INT),
                           ("add_memory", sum("add_memory" in r.upgrades for r in found),
                            T.INT),
                           ("ssd", sum("ssd" in r.upgrades for r in found), T.INT)],
                  sections=[section])


def batch_list(session: Session, number: str, req: ReportRequest) -> Report:
    """The committee's list: what is written off, why, signed by every member."""
    batch, rows = writeoff.get_batch(session, number, req.scope)
    section = Section("items", [
        Column("asset_tag"), Column("serial"), Column("kind", T.LABEL), Column("vendor"),
        Column("model"), Column("site"), Column("purchase_date", T.DATE),
        Column("purchase_cost", T.NUMBER), Column("reasons", T.LABELS)],
        [(a.asset_tag or "", a.serial or "", a.kind.value, a.vendor, a.model, site,
          a.purchase_date, float(a.purchase_cost) if a.purchase_cost is not None else None,
          reasons) for a, site, reasons in rows])
    cost = sum(float(a.purchase_cost or 0) for a, _s, _r in rows)
    return Report(BATCH, batch.created_at, req.settings.timezone, number=batch.number,
                  facts=[("batch_number", batch.number, T.TEXT),
                         ("decided_on", batch.decided_on, T.DATE),
                         ("committee", ", ".join(batch.committee), T.TEXT),
                         ("decision", batch.decision, T.TEXT)],
                  summary=[("items_count", len(rows), T.INT),
                           ("purchase_cost", cost, T.NUMBER)],
                  sections=[section], portrait=True,
                  signers=[Signer(role="committee_member", name=m) for m in batch.committee])
