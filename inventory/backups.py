"""Backups in the register: what agents found (recorded at ingest, in the report's
transaction), the state of each host's backups under the policy (judged when asked, so a
backup turns late as the clock moves and a changed policy counts at once), the policy
each agent is handed, and the evidence a PM record keeps.

States: ``ok``; ``late`` (the newest backup is older than the policy allows);
``missing`` (a host the policy names has none, or never reported it); ``failed`` (the
agent could not read it, or the last attempt failed after the last success);
``suspect`` (fresh, but smaller than the one before by more than allowed)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from muniops.inventory.agent_schema import BackupFinding
from muniops.inventory.backup_policy import BackupRule, BackupSettings
from muniops.inventory.models import Agent, Asset, AssetStatus, Site
from muniops.inventory.models.backups import BackupSample, BackupStatus
from muniops.inventory.scope import EVERYWHERE, Scope
from muniops.inventory.types import utcnow

OK, LATE, MISSING, FAILED, SUSPECT = "ok", "late", "missing", "failed", "suspect"
STATES = (OK, LATE, MISSING, FAILED, SUSPECT)


# ---- ingest -----------------------------------------------------------------------------

def record(session: Session, asset_id: int, findings: Sequence[BackupFinding],
           reported_at: datetime) -> None:
    """Keep each finding as the host's latest; a newer backup than the one held moves
    the held one to ``previous`` (the trend) and adds a sample (the history)."""
    held = {row.name: row for row in session.exec(
        select(BackupStatus).where(BackupStatus.asset_id == asset_id))}
    for f in findings:
        row = held.get(f.name) or BackupStatus(asset_id=asset_id, name=f.name, source=f.source,
                                               status=f.status, checked_at=reported_at)
        newer = f.last_success is not None and (row.last_success_at is None
                                                or f.last_success > row.last_success_at)
        if newer and row.last_success_at is not None:
            row.previous_success_at, row.previous_size_bytes = row.last_success_at, row.size_bytes
        if newer:
            assert f.last_success is not None
            row.last_success_at, row.size_bytes, row.files = (f.last_success, f.size_bytes,
                                                              f.files)
            _add_sample(session, asset_id, f)
        row.source, row.status, row.detail = f.source, f.status, (f.detail or "")[:1000]
        row.count, row.last_attempt_at, row.last_result = (f.count, f.last_attempt,
                                                           f.last_result)
        row.checked_at, row.updated_at = reported_at, utcnow()
        session.add(row)


def _add_sample(session: Session, asset_id: int, f: BackupFinding) -> None:
    exists = session.exec(select(BackupSample.id).where(
        BackupSample.asset_id == asset_id, BackupSample.name == f.name,
        BackupSample.made_at == f.last_success)).first()
    if exists is None:
        assert f.last_success is not None
        session.add(BackupSample(asset_id=asset_id, name=f.name, made_at=f.last_success,
                                 size_bytes=f.size_bytes, files=f.files))


# ---- judging ----------------------------------------------------------------------------

def zone(name: str | None) -> ZoneInfo:
    """A site's zone; an unknown name is UTC (as the PM plan does) rather than no answer."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def shrink_ratio(row: BackupStatus | Held) -> float | None:
    """How much smaller the newest backup is than the one before (0.3 = 30 % smaller)."""
    if not row.previous_size_bytes or row.size_bytes is None:
        return None
    return max(0.0, 1 - row.size_bytes / row.previous_size_bytes)


def judge(row: BackupStatus | Held | None, rule: BackupRule, settings: BackupSettings,
          tz_name: str | None, now: datetime) -> tuple[str, str]:
    """The state of one host's backup and why, in words a technician acts on."""
    if row is None:
        return MISSING, "the host's agent has not reported this backup"
    if row.status == "error":
        return FAILED, row.detail or "the agent could not read the backup"
    if row.status == "none" or row.last_success_at is None:
        return MISSING, row.detail or "no backup found"
    if (row.last_result == "failed" and row.last_attempt_at is not None
            and row.last_attempt_at > row.last_success_at):
        return FAILED, row.detail or "the last attempt failed"
    since = rule.due_since(now, zone(tz_name)).astimezone(UTC)
    if row.last_success_at < since:
        return LATE, f"newest backup {row.last_success_at:%Y-%m-%d %H:%M} UTC, due since " \
                     f"{since:%Y-%m-%d %H:%M} UTC"
    ratio = shrink_ratio(row)
    limit = settings.shrink_limit(rule)
    if ratio is not None and ratio > limit:
        return SUSPECT, (f"{ratio:.0%} smaller than the backup before "
                         f"({row.size_bytes:,} < {row.previous_size_bytes:,} bytes; "
                         f"allowed {limit:.0%})")
    return OK, ""


class BackupRow(BaseModel):
    asset_id: int
    host: str
    site: str | None
    district: str | None
    backup: str
    source: str
    state: str
    reason: str
    last_success_at: datetime | None
    age_hours: float | None
    size_bytes: int | None
    previous_size_bytes: int | None
    change_ratio: float | None  # size change since the backup before (-0.3 = 30 % smaller)
    count: int | None
    checked_at: datetime | None


class Held(NamedTuple):
    """The columns of a ``backup_status`` row a judgement reads (tuples, not ORM objects:
    a city's listing is 10,000 of them, on every scrape)."""

    status: str
    detail: str
    last_success_at: datetime | None
    size_bytes: int | None
    previous_size_bytes: int | None
    last_attempt_at: datetime | None
    last_result: str | None
    copies: int | None  # the ``count`` column (a tuple has a ``count`` of its own)
    checked_at: datetime


class _Host(NamedTuple):
    asset_id: int
    name: str
    tag: str | None
    site: str | None
    district: str | None
    timezone: str | None


def _hosts(session: Session, scope: Scope) -> list[_Host]:
    """Assets an agent reports for (only they can report backups), not retired."""
    stmt = (sa_select(col(Asset.id), col(Asset.hostname), col(Asset.asset_tag),
                      col(Asset.serial), col(Site.name), col(Site.district), col(Site.timezone))
            .join(Agent, col(Agent.asset_id) == Asset.id)
            .outerjoin(Site, col(Site.id) == Asset.site_id)
            .where(col(Asset.status) != AssetStatus.RETIRED, col(Agent.revoked_at).is_(None)))
    if scope.district is not None:
        stmt = stmt.where(col(Site.district) == scope.district)
    seen: dict[int, _Host] = {}
    for aid, hostname, tag, serial, site, district, tz in session.execute(stmt):
        if aid is not None and aid not in seen:
            seen[aid] = _Host(aid, hostname or tag or serial or f"asset-{aid}", tag, site,
                              district, tz)
    return list(seen.values())


def _held(session: Session) -> dict[tuple[int, str], Held]:
    fields = ["count" if f == "copies" else f for f in Held._fields]
    cols = (BackupStatus.asset_id, BackupStatus.name, *(getattr(BackupStatus, f)
                                                        for f in fields))
    return {(row[0], row[1]): Held(*row[2:]) for row in session.execute(
        sa_select(*(col(c) for c in cols)))}


def backup_rows(session: Session, settings: BackupSettings, scope: Scope = EVERYWHERE,
                now: datetime | None = None) -> list[BackupRow]:
    """Every backup the policy expects on every reporting host, with its state."""
    now = now or utcnow()
    held = _held(session)
    out = []
    for host in _hosts(session, scope):
        for rule in settings.rules_for(host.site, host.district, host.name, host.tag):
            row = held.get((host.asset_id, rule.name))
            state, reason = judge(row, rule, settings, host.timezone, now)
            last = row.last_success_at if row else None
            prev = row.previous_size_bytes if row else None
            size = row.size_bytes if row else None
            out.append(BackupRow(
                asset_id=host.asset_id, host=host.name, site=host.site, district=host.district,
                backup=rule.name, source=rule.source, state=state, reason=reason,
                last_success_at=last,
                age_hours=round((now - last).total_seconds() / 3600, 2) if last else None,
                size_bytes=size, previous_size_bytes=prev,
                change_ratio=(size / prev - 1) if prev and size is not None else None,
                count=row.copies if row else None, checked_at=row.checked_at if row else None))
    return sorted(out, key=lambda r: (r.site or "", r.host, r.backup))


# ---- the agent's policy and the PM evidence ----------------------------------------------

def policy_for_agent(session: Session, agent: Agent, settings: BackupSettings
                     ) -> dict[str, Any]:
    """The backups this agent's host must check, by its site, hostname and asset tag."""
    asset = session.get(Asset, agent.asset_id) if agent.asset_id else None
    site = session.get(Site, (asset.site_id if asset and asset.site_id else agent.site_id)
                       or 0)
    rules = settings.rules_for(site.name if site else None, site.district if site else None,
                               (asset.hostname if asset else None) or agent.hostname,
                               asset.asset_tag if asset else None)
    return {"backups": [r.agent_view() for r in rules]}


def evidence(session: Session, asset: Asset, policy: BackupSettings | None = None,
             now: datetime | None = None) -> list[dict[str, Any]]:
    """The host's backups as last reported, and their state under ``policy`` when given,
    for a PM record (kept as they were at that moment)."""
    now = now or utcnow()
    site = session.get(Site, asset.site_id) if asset.site_id else None
    rows = session.exec(select(BackupStatus).where(BackupStatus.asset_id == asset.id)
                        .order_by(col(BackupStatus.name)))
    out = []
    for r in rows:
        item: dict[str, Any] = {
            "backup": r.name, "source": r.source, "status": r.status, "detail": r.detail,
            "last_success_at": r.last_success_at.isoformat() if r.last_success_at else None,
            "age_hours": (round((now - r.last_success_at).total_seconds() / 3600, 1)
                          if r.last_success_at else None),
            "size_bytes": r.size_bytes, "previous_size_bytes": r.previous_size_bytes,
            "checked_at": r.checked_at.isoformat()}
        rule = policy.rule(r.name) if policy else None
        if policy is not None and rule is not None:
            item["state"], item["reason"] = judge(r, rule, policy,
                                                  site.timezone if site else None, now)
        out.append(item)
    return out
