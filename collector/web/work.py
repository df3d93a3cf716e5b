"""What the pages show, read from the store through the inventory's own listings:
"My work" and the live evidence of a PM visit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from muniops.inventory import pm, repairs
from muniops.inventory.accounts import SignedIn
from muniops.inventory.agent_policy import AntivirusPolicy, av_problems, signature_age_days
from muniops.inventory.models import Asset, Site
from muniops.inventory.models.agents import HostFacts
from muniops.inventory.models.configs import ConfigBackupState
from muniops.inventory.models.pm import PmState
from muniops.inventory.schemas import RepairPublic
from muniops.inventory.types import utcnow


@dataclass
class WorkItem:
    task: pm.PmTaskPublic
    location: str


@dataclass
class MyWork:
    tasks: list[WorkItem] = field(default_factory=list)
    repairs: list[RepairPublic] = field(default_factory=list)


def my_work(session: Session, user: SignedIn) -> MyWork:
    """Due and overdue PM tasks of the user's team and site (states follow each site's
    calendar day: ``pm.refresh_states``), in walking order — site, then room, then tag —
    and the open repair tickets of the same site."""
    tasks = pm.list_tasks(session, states=[PmState.DUE, PmState.OVERDUE], site=user.site,
                          team=user.team or None, scope=user.scope)
    ids = [t.asset_id for t in tasks]
    where = dict(session.exec(select(Asset.id, Asset.location)
                              .where(col(Asset.id).in_(ids))).all()) if ids else {}
    items = [WorkItem(t, where.get(t.asset_id) or "") for t in tasks]
    items.sort(key=lambda w: (w.task.site or "", w.location, w.task.asset))
    open_repairs = [r for r in repairs.list_tickets(session, scope=user.scope)
                    if user.site is None or r.site == user.site]
    return MyWork(items, open_repairs)


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def evidence_view(evidence: dict[str, Any], session: Session, asset: Asset,
                  av_policy: AntivirusPolicy) -> dict[str, Any]:
    """The evidence ``pm.complete`` will store, shaped for the page: times as datetimes,
    each antivirus product's signature age, the antivirus policy's verdict (as the
    compliance report judges it), and a device's last configuration backup."""
    view = dict(evidence)
    host = session.get(HostFacts, asset.id) if evidence.get("source") == "agent" else None
    family = (((host.facts if host else {}).get("os") or {}).get("family") or "").lower()
    view["av_reasons"] = (av_problems(host.antivirus, family, av_policy, utcnow())
                          if host is not None else [])
    view["reported_at"] = _when(evidence.get("reported_at"))
    av = evidence.get("antivirus") or {}
    now = utcnow()
    view["av_products"] = [
        {**p, "age_days": (signature_age_days({"products": [p]}, now)
                           if p.get("signature_time") else None)}
        for p in av.get("products") or []]
    snmp = evidence.get("snmp") or {}
    view["last_poll"] = _when(snmp.get("last_success_at"))
    if evidence.get("source") == "snmp":
        names = [n for n in (snmp.get("device"), (evidence.get("ssh") or {}).get("device"),
                             asset.hostname, asset.asset_tag) if n]
        backup = session.exec(select(ConfigBackupState).where(
            col(ConfigBackupState.device).in_(names))).first() if names else None
        view["config_backup"] = backup
    site = session.get(Site, asset.site_id) if asset.site_id else None
    view["tz"] = site.timezone if site else None
    return view
