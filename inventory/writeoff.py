"""Write-off (terkin / اسقاط) and reuse: which assets the committee should look at, which
old PCs could be upgraded and used again elsewhere, and the committee's batch, which
retires its assets in one transaction and is printed as a signed list."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func
from sqlmodel import Session, col, select

from muniops.inventory import audit
from muniops.inventory.assets import get_asset, label, retire
from muniops.inventory.errors import Conflict, InvalidInput, NotFound
from muniops.inventory.models import Asset, AssetKind, AssetStatus, RepairTicket, Site
from muniops.inventory.models.agents import HostFacts
from muniops.inventory.models.documents import WriteOffBatch, WriteOffItem
from muniops.inventory.pm import add_months
from muniops.inventory.scope import EVERYWHERE, Scope
from muniops.inventory.writeoff_policy import WriteOffPolicy

GIB = 2**30


@dataclass(frozen=True)
class Candidate:
    asset: Asset
    site: str
    reasons: list[str]  # slugs: past_economic_life, out_of_warranty, repeated_repairs
    end_of_life: date | None
    repairs: int


def _repair_counts(session: Session) -> dict[int, int]:
    return {aid: n for aid, n in session.exec(
        select(RepairTicket.asset_id, func.count()).group_by(col(RepairTicket.asset_id)))}


def _in_service(session: Session, scope: Scope, site: str | None) -> list[tuple[Asset, str]]:
    stmt = (select(Asset, Site).outerjoin(Site, col(Site.id) == Asset.site_id)
            .where(col(Asset.status).not_in([AssetStatus.RETIRED, AssetStatus.DISCOVERED]))
            .order_by(col(Asset.asset_tag), col(Asset.id)))
    if scope.district:
        stmt = stmt.where(Site.district == scope.district)
    if site:
        stmt = stmt.where(Site.name == site)
    return [(a, s.name if s else "") for a, s in session.exec(stmt)]


def candidates(session: Session, policy: WriteOffPolicy, today: date, *,
               default_life: int = 5, scope: Scope = EVERYWHERE,
               site: str | None = None) -> list[Candidate]:
    """Assets past their economic life (their own, else ``default_life`` years) or
    repaired ``policy.repairs`` times; out of warranty is said as a further reason, not
    enough alone."""
    repairs = _repair_counts(session)
    out = []
    for asset, site_name in _in_service(session, scope, site):
        reasons = []
        end = None
        if asset.purchase_date is not None:
            life = asset.economic_life_years or default_life
            end = add_months(asset.purchase_date, 12 * life)
            if end <= today:
                reasons.append("past_economic_life")
        n = repairs.get(asset.id or 0, 0)
        if n >= policy.repairs:
            reasons.append("repeated_repairs")
        if reasons and asset.warranty_end is not None and asset.warranty_end < today:
            reasons.append("out_of_warranty")
        if reasons:
            out.append(Candidate(asset, site_name, reasons, end, n))
    return out


@dataclass(frozen=True)
class Reuse:
    asset: Asset
    site: str
    age_years: float
    cpu: str
    memory_gib: float
    disks: list[str]
    upgrades: list[str] = field(default_factory=list)  # slugs: add_memory, ssd


def _spinning(disk: dict[str, Any]) -> bool:
    if disk.get("rotational") is not None:
        return bool(disk["rotational"])
    model = str(disk.get("model") or "").lower()
    return not any(word in model for word in ("ssd", "nvme", "solid state"))


def reuse(session: Session, policy: WriteOffPolicy, today: date, *,
          scope: Scope = EVERYWHERE) -> list[Reuse]:
    """Old PCs and laptops whose CPU is still good enough, with what to upgrade (memory to
    ``reuse_memory_gib``, a spinning disk to an SSD), from their agents' last reports."""
    kinds = (AssetKind.PC, AssetKind.LAPTOP)
    facts = {f.asset_id: f.facts for f in session.exec(select(HostFacts))}
    out = []
    for asset, site_name in _in_service(session, scope, None):
        report = facts.get(asset.id or 0)
        if asset.kind not in kinds or report is None or asset.purchase_date is None:
            continue
        age = (today - asset.purchase_date).days / 365.25
        cpu = report.get("cpu") or {}
        cores = int(cpu.get("physical_cores") or cpu.get("logical_cores") or 0)
        if age < policy.reuse_min_age_years or cores < policy.reuse_min_cores:
            continue
        memory = float((report.get("memory") or {}).get("total_bytes") or 0) / GIB
        disks = [d for d in report.get("disks") or [] if isinstance(d, dict)]
        upgrades = []
        if memory < policy.reuse_memory_gib - 0.5:
            upgrades.append("add_memory")
        if any(_spinning(d) for d in disks):
            upgrades.append("ssd")
        if upgrades:
            out.append(Reuse(asset, site_name, round(age, 1), str(cpu.get("model") or ""),
                             round(memory, 1),
                             [f"{d.get('model') or '?'} {int(d.get('size_bytes') or 0) // 10**9} GB"
                              for d in disks], upgrades))
    return out


class BatchCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: str = Field(min_length=1, max_length=64)
    decided_on: date
    committee: list[str] = Field(min_length=1)
    decision: str = Field(default="", max_length=4000)
    assets: list[str] = Field(min_length=1)


def create_batch(session: Session, data: BatchCreate, policy: WriteOffPolicy, today: date,
                 *, actor: str, default_life: int = 5,
                 scope: Scope = EVERYWHERE) -> WriteOffBatch:
    """Record the committee's decision and retire every asset in it, all or none: an
    asset still held by someone or in repair stops the whole batch."""
    if session.exec(select(WriteOffBatch).where(WriteOffBatch.number == data.number)).first():
        raise Conflict(f"write-off batch {data.number!r} already exists")
    dupes = [ref for ref, n in Counter(data.assets).items() if n > 1]
    if dupes:
        raise InvalidInput("assets", f"listed twice: {', '.join(dupes)}")
    why = {c.asset.id: c.reasons for c in candidates(session, policy, today,
                                                     default_life=default_life, scope=scope)}
    batch = WriteOffBatch(number=data.number, decided_on=data.decided_on,
                          committee=data.committee, decision=data.decision, actor=actor)
    session.add(batch)
    session.flush()
    for ref in data.assets:
        asset = get_asset(session, ref, scope)
        retire(session, asset, actor=actor, reason=f"write-off batch {data.number}",
               scope=scope)
        session.add(WriteOffItem(batch_id=batch.id or 0, asset_id=asset.id or 0,
                                 reasons=why.get(asset.id, ["committee_decision"])))
    session.flush()
    audit.record(session, actor, "write_off.create", "write_off_batch", batch.id,
                 after=audit.snapshot(batch, assets=[label(get_asset(session, r))
                                                      for r in data.assets]))
    return batch


def get_batch(session: Session, number: str, scope: Scope = EVERYWHERE
              ) -> tuple[WriteOffBatch, list[tuple[Asset, str, list[str]]]]:
    """A batch and its assets; for a liaison only a batch wholly of its district."""
    batch = session.exec(select(WriteOffBatch).where(WriteOffBatch.number == number)).first()
    if batch is None:
        raise NotFound("write-off batch", repr(number))
    rows = []
    for item, asset, site in session.exec(
            select(WriteOffItem, Asset, Site).join(Asset, col(Asset.id) == WriteOffItem.asset_id)
            .outerjoin(Site, col(Site.id) == Asset.site_id)
            .where(WriteOffItem.batch_id == batch.id).order_by(col(Asset.asset_tag))):
        if not scope.covers(site):
            raise NotFound("write-off batch", repr(number))
        rows.append((asset, site.name if site else "", list(item.reasons)))
    return batch, rows
