"""Fleet views built from the agents' latest reports: which agents are live or stale, which
hosts meet the antivirus policy and why not, who runs what software and what is flagged.
Policies are applied when asked, so a changed config takes effect at once."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select as sa_select
from sqlmodel import Session, col, select

from muniops.inventory import assets as asset_ops, software_sets
from muniops.inventory.agent_policy import (
    AntivirusPolicy,
    SoftwarePolicy,
    av_problems,
    signature_age_days,
)
from muniops.inventory.db import table_of
from muniops.inventory.errors import NotFound
from muniops.inventory.models import Agent, Asset, HostFacts, Site, SoftwareSetItem
from muniops.inventory.scope import EVERYWHERE, Scope
from muniops.inventory.types import utcnow


class AgentRow(BaseModel):
    agent_id: str
    hostname: str
    site: str | None
    asset: str | None
    version: str
    state: str  # active, stale, never_seen, revoked
    enrolled_at: datetime
    last_seen_at: datetime | None
    last_full_at: datetime | None
    reports: int


class AvRow(BaseModel):
    asset: str
    hostname: str | None
    site: str | None
    compliant: bool
    products: list[str]
    signature_age_days: float | None
    reasons: list[str]


class SoftwareRow(BaseModel):
    name: str
    versions: list[str]
    hosts: int
    flag: str | None


class FlaggedHost(BaseModel):
    asset: str
    hostname: str | None
    flag: str
    name: str
    version: str


def agent_state(agent: Agent, now: datetime, stale_after: timedelta) -> str:
    return state_of(agent.revoked_at, agent.last_seen_at, now, stale_after)


def state_of(revoked_at: datetime | None, last_seen_at: datetime | None, now: datetime,
             stale_after: timedelta) -> str:
    """An agent's state from its two timestamps (the metrics read only these columns)."""
    if revoked_at is not None:
        return "revoked"
    if last_seen_at is None:
        return "never_seen"
    return "stale" if now - last_seen_at > stale_after else "active"


def _sites(session: Session, scope: Scope) -> dict[int | None, str]:
    """Site names by id, only those the scope covers (a liaison's district)."""
    return {s.id: s.name for s in session.exec(select(Site)) if scope.covers(s)}


def list_agents(session: Session, stale_after_minutes: int,
                scope: Scope = EVERYWHERE, stale_only: bool = False) -> list[AgentRow]:
    """Agents and their last report; ``stale_only``: those gone quiet or never seen."""
    now = utcnow()
    sites = _sites(session, scope)
    labels = {a.id: asset_ops.label(a) for a in session.exec(
        select(Asset).join(Agent, col(Agent.asset_id) == Asset.id))}
    rows = []
    for a in session.exec(select(Agent).order_by(col(Agent.hostname), col(Agent.id))):
        if scope.is_limited and a.site_id not in sites:
            continue
        rows.append(AgentRow(
            agent_id=a.uid, hostname=a.hostname, site=sites.get(a.site_id),
            asset=labels.get(a.asset_id), version=a.agent_version,
            state=agent_state(a, now, timedelta(minutes=stale_after_minutes)),
            enrolled_at=a.enrolled_at, last_seen_at=a.last_seen_at, last_full_at=a.last_full_at,
            reports=a.reports_accepted))
    return [r for r in rows if r.state in ("stale", "never_seen")] if stale_only else rows


def _hosts(session: Session, scope: Scope) -> list[tuple[HostFacts, Asset, str | None]]:
    sites = _sites(session, scope)
    stmt = (select(HostFacts, Asset).join(Asset, col(Asset.id) == HostFacts.asset_id)
            .order_by(col(Asset.hostname), col(Asset.id)))
    return [(f, a, sites.get(a.site_id)) for f, a in session.exec(stmt)
            if not scope.is_limited or a.site_id in sites]


def av_compliance(session: Session, policy: AntivirusPolicy,
                  scope: Scope = EVERYWHERE) -> list[AvRow]:
    now = utcnow()
    rows = []
    for facts, asset, site in _hosts(session, scope):
        family = ((facts.facts.get("os") or {}).get("family") or "").lower()
        reasons = av_problems(facts.antivirus, family, policy, now)
        age = signature_age_days(facts.antivirus, now)
        rows.append(AvRow(
            asset=asset_ops.label(asset), hostname=asset.hostname, site=site,
            compliant=not reasons,
            products=[p.get("product") or "?" for p in facts.antivirus.get("products") or []],
            signature_age_days=round(age, 2) if age is not None else None, reasons=reasons))
    return rows


def _in_scope(stmt: Any, hs: Any, scope: Scope) -> Any:
    """Only the software of hosts whose asset is at a site of the scope's district."""
    if scope.district is None:
        return stmt
    return stmt.join(Asset, col(Asset.id) == hs.c.asset_id).join(
        Site, col(Site.id) == Asset.site_id).where(Site.district == scope.district)


def software_summary(session: Session, policy: SoftwarePolicy,
                     name_like: str | None = None,
                     scope: Scope = EVERYWHERE) -> list[SoftwareRow]:
    """Installed packages across the fleet (a liaison's district): versions, host counts."""
    hs = software_sets.host_software()
    stmt = _in_scope(sa_select(hs.c.name, hs.c.version, func.count(func.distinct(hs.c.asset_id)))
                     .group_by(hs.c.name, hs.c.version), hs, scope)
    if name_like:
        stmt = stmt.where(hs.c.name.ilike(f"%{name_like}%"))
    versions: dict[str, list[str]] = defaultdict(list)
    for name, version, _n in session.execute(stmt):
        versions[name].append(version)
    host_stmt = _in_scope(sa_select(hs.c.name, func.count(func.distinct(hs.c.asset_id)))
                          .group_by(hs.c.name), hs, scope)
    if name_like:
        host_stmt = host_stmt.where(hs.c.name.ilike(f"%{name_like}%"))
    hosts: dict[str, int] = {n: c for n, c in session.execute(host_stmt)}
    return [SoftwareRow(name=n, versions=sorted(v), hosts=hosts.get(n, 0),
                        flag=policy.classify(n)) for n, v in sorted(versions.items())]


def flagged_hosts(session: Session, policy: SoftwarePolicy,
                  scope: Scope = EVERYWHERE) -> list[FlaggedHost]:
    """Hosts running denied or unapproved software, one row per package."""
    if not policy.deny and not policy.allow:
        return []
    item = table_of(SoftwareSetItem)
    names = [n for n, in session.execute(sa_select(item.c.name).distinct())]
    flags = {n: f for n in names if (f := policy.classify(n))}
    if not flags:
        return []
    rows = []
    hs = software_sets.host_software()
    stmt = (sa_select(hs.c.name, hs.c.version, Asset)
            .join(Asset, col(Asset.id) == hs.c.asset_id)
            .where(hs.c.name.in_(list(flags)))
            .order_by(col(Asset.hostname), hs.c.name, hs.c.version, hs.c.publisher))
    if scope.district is not None:
        stmt = stmt.join(Site, col(Site.id) == Asset.site_id).where(
            col(Site.district) == scope.district)
    for name, version, asset in session.execute(stmt):
        rows.append(FlaggedHost(asset=asset_ops.label(asset), hostname=asset.hostname,
                                flag=flags[name], name=name, version=version))
    return rows


def find_host(session: Session, ref: str, scope: Scope = EVERYWHERE) -> Asset:
    """A host by asset tag, serial, ``#id`` or (unambiguous) host name."""
    try:
        return asset_ops.get_asset(session, ref, scope)
    except NotFound:
        named = [a for a in session.exec(select(Asset).where(
            func.lower(Asset.hostname) == ref.lower()))
            if scope.covers(session.get(Site, a.site_id) if a.site_id else None)]
        if len(named) != 1:
            raise
        return named[0]


def host_detail(session: Session, asset: Asset) -> dict[str, Any]:
    """Facts, software and hardware change history of one host."""
    facts = session.get(HostFacts, asset.id)
    item = table_of(SoftwareSetItem)
    software = [{"name": n, "version": v, "publisher": p}
                for n, v, p in session.execute(
                    sa_select(item.c.name, item.c.version, item.c.publisher)
                    .where(item.c.set_id == (facts.software_set_id if facts else None))
                    .order_by(item.c.name, item.c.version, item.c.publisher))]
    agents = [{"agent_id": a.uid, "hostname": a.hostname, "last_seen_at": a.last_seen_at,
               "revoked": a.revoked_at is not None}
              for a in session.exec(select(Agent).where(Agent.asset_id == asset.id))]
    changes = [h.model_dump() for h in asset_ops.asset_history(session, asset)]
    return {"asset": asset_ops.to_public(session, [asset])[0].model_dump(),
            "agents": agents,
            "reported_at": facts.reported_at if facts else None,
            "facts": ({**facts.facts, "health": facts.health or facts.facts.get("health")}
                      if facts else None),
            "hardware": facts.hardware if facts else None,
            "software": software,
            "history": changes}
