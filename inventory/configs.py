"""Configuration versions, device facts and compliance results: the store's side of the
SSH playbooks. The playbook runner hands over what it captured; here it becomes history.

A configuration arrives already normalised (volatile lines dropped by the playbook); a new
version is stored only when its hash differs from the device's latest one."""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from muniops.inventory import audit
from muniops.inventory.assets import update_asset
from muniops.inventory.device_scope import require_device
from muniops.inventory.errors import Conflict, NotFound
from muniops.inventory.models import Asset, Device
from muniops.inventory.models.configs import (
    ComplianceResult,
    ConfigBackupState,
    ConfigVersion,
    DeviceFacts,
    Severity,
)
from muniops.inventory.schemas import AssetUpdate
from muniops.inventory.scope import EVERYWHERE, Scope
from muniops.inventory.sites import site_names
from muniops.inventory.types import utcnow

CONFIG = "config_version"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _backup_state(session: Session, device: str) -> ConfigBackupState:
    state = session.exec(select(ConfigBackupState)
                         .where(ConfigBackupState.device == device)).first()
    if state is None:
        state = ConfigBackupState(device=device)
        session.add(state)
    state.device_id = _device_id(session, device)
    return state


def _device_id(session: Session, device: str) -> int | None:
    from muniops.inventory.devices import id_of  # devices shows configs: import late

    return id_of(session, device)


def latest_version(session: Session, device: str) -> ConfigVersion | None:
    return session.exec(select(ConfigVersion).where(ConfigVersion.device == device)
                        .order_by(col(ConfigVersion.version).desc())).first()


@dataclass(frozen=True)
class BackupOutcome:
    version: int
    changed: bool


def record_backup(session: Session, device: str, text: str, *, playbook: str, actor: str,
                  site: str = "", at: datetime | None = None) -> BackupOutcome:
    """Store ``text`` as the device's next version unless it equals the latest one."""
    now = at or utcnow()
    state = _backup_succeeded(session, device, site, now)
    digest = sha256(text)
    latest = latest_version(session, device)
    if latest is not None and latest.sha256 == digest:
        return BackupOutcome(latest.version, changed=False)
    row = ConfigVersion(device=device, device_id=state.device_id,
                        version=(latest.version if latest else 0) + 1,
                        sha256=digest, text=text, lines=text.count("\n") + 1,
                        playbook=playbook, collected_at=now)
    session.add(row)
    state.last_change_at = now
    session.flush()
    audit.record(session, actor, "config.change", CONFIG, row.id,
                 after={"device": device, "version": row.version, "sha256": digest})
    return BackupOutcome(row.version, changed=True)


def _backup_succeeded(session: Session, device: str, site: str, at: datetime
                      ) -> ConfigBackupState:
    state = _backup_state(session, device)
    state.site, state.last_attempt_at, state.last_success_at = site, at, at
    state.last_cause, state.last_error = "", ""
    return state


def record_backup_unchanged(session: Session, device: str, digest: str, *, site: str,
                            at: datetime) -> None:
    """A backup taken elsewhere (a district collector's run; a local run goes through
    ``record_backup``) that found configuration ``digest`` again: a success only when that
    is this store's latest version of the device."""
    latest = latest_version(session, device)
    if latest is None or latest.sha256 != digest:
        raise Conflict(f"device {device!r}: the configuration backed up is not the latest "
                       "version stored here")
    _backup_succeeded(session, device, site, at)


def record_backup_failure(session: Session, device: str, *, cause: str, error: str,
                          site: str = "", at: datetime | None = None) -> None:
    state = _backup_state(session, device)
    state.site, state.last_attempt_at = site, at or utcnow()
    state.last_cause, state.last_error = cause, error[:500]


def history(session: Session, device: str, scope: Scope = EVERYWHERE) -> list[ConfigVersion]:
    require_device(session, device, scope)
    rows = list(session.exec(select(ConfigVersion).where(ConfigVersion.device == device)
                             .order_by(col(ConfigVersion.version))))
    if not rows:
        raise NotFound("configuration history of device", repr(device))
    return rows


def get_version(session: Session, device: str, version: int | None = None,
                scope: Scope = EVERYWHERE) -> ConfigVersion:
    """A version of a device's configuration; ``None`` is the latest."""
    require_device(session, device, scope)
    if version is None:
        row = latest_version(session, device)
    else:
        row = session.exec(select(ConfigVersion).where(
            ConfigVersion.device == device, ConfigVersion.version == version)).first()
    if row is None:
        raise NotFound(f"configuration version of {device}", version or "latest")
    return row


def versions_to_compare(session: Session, device: str, from_: int | None, to: int | None,
                        scope: Scope = EVERYWHERE) -> tuple[ConfigVersion, ConfigVersion]:
    """The two versions ``config diff`` compares: ``to`` (default latest) and ``from_``
    (default the one before it)."""
    new = get_version(session, device, to, scope)
    old = get_version(session, device, from_ if from_ is not None else max(new.version - 1, 1),
                      scope)
    return old, new


def unified_diff(old: ConfigVersion, new: ConfigVersion,
                 redact: Callable[[str], str] = lambda t: t) -> str:
    """The unified diff between two versions, each redacted first (secrets stay hidden)."""
    lines = difflib.unified_diff(
        redact(old.text).splitlines(keepends=True), redact(new.text).splitlines(keepends=True),
        fromfile=f"{old.device} v{old.version} ({old.collected_at:%Y-%m-%d %H:%M} UTC)",
        tofile=f"{new.device} v{new.version} ({new.collected_at:%Y-%m-%d %H:%M} UTC)")
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def backup_states(session: Session) -> list[ConfigBackupState]:
    return list(session.exec(select(ConfigBackupState).order_by(col(ConfigBackupState.device))))


def change_counts(session: Session) -> dict[str, int]:
    """Per device: how many times its configuration changed (versions after the first)."""
    rows = session.exec(select(ConfigVersion.device, func.count())
                        .group_by(col(ConfigVersion.device)))
    return {device: n - 1 for device, n in rows}


FACT_FIELDS = ("model", "serial", "version", "uptime")


def record_facts(session: Session, device: str, platform: str, facts: dict[str, Any], *,
                 actor: str) -> DeviceFacts:
    """Keep the device's facts; an asset with the same serial is linked, and its model
    filled in when the register does not know it yet (audited as any asset change)."""
    row = session.exec(select(DeviceFacts).where(DeviceFacts.device == device)).first()
    if row is None:
        row = DeviceFacts(device=device, platform=platform)
        session.add(row)
    row.platform, row.device_id = platform, _device_id(session, device)
    for name in FACT_FIELDS:
        setattr(row, name, str(facts.get(name) or "")[:200])
    row.facts = facts
    row.collected_at = utcnow()
    asset = session.exec(select(Asset).where(Asset.serial == row.serial)).first() \
        if row.serial else None
    row.asset_id = asset.id if asset else None
    managed = session.get(Device, row.device_id) if row.device_id else None
    if managed is not None and managed.asset_id is None and asset is not None:
        managed.asset_id = asset.id  # linked by serial, as SNMP facts link it
        session.add(managed)
    if asset is not None and not asset.model and row.model:
        update_asset(session, asset, AssetUpdate(model=row.model), actor=actor,
                     action="asset.facts")
    session.flush()
    return row


def record_health(session: Session, device: str, platform: str,
                  evidence: dict[str, Any]) -> DeviceFacts:
    """Keep the device's latest health evidence (for the PM record of its asset)."""
    row = session.exec(select(DeviceFacts).where(DeviceFacts.device == device)).first()
    if row is None:
        row = DeviceFacts(device=device, platform=platform)
        session.add(row)
    row.device_id = _device_id(session, device)
    row.health, row.health_at = evidence, utcnow()
    session.flush()
    return row


def list_facts(session: Session) -> list[DeviceFacts]:
    return list(session.exec(select(DeviceFacts).order_by(col(DeviceFacts.device))))


@dataclass(frozen=True)
class CheckOutcome:
    rule: str
    title: str
    severity: Severity
    passed: bool
    detail: str = ""
    remediation: str = ""


def record_compliance(session: Session, device: str, playbook: str,
                      outcomes: Sequence[CheckOutcome], *, site: str = "",
                      at: datetime | None = None) -> None:
    """Replace the device's results for ``playbook`` with these outcomes."""
    existing = {r.rule: r for r in session.exec(select(ComplianceResult).where(
        ComplianceResult.device == device, ComplianceResult.playbook == playbook))}
    now = at or utcnow()
    device_id = _device_id(session, device)
    for o in outcomes:
        row = existing.pop(o.rule, None) or ComplianceResult(
            device=device, playbook=playbook, rule=o.rule, severity=o.severity, passed=o.passed)
        row.device_id = device_id
        row.site, row.title, row.severity, row.passed = site, o.title, o.severity, o.passed
        row.detail, row.remediation, row.checked_at = o.detail[:1000], o.remediation[:1000], now
        session.add(row)
    for gone in existing.values():
        session.delete(gone)


def compliance_results(session: Session, *, failing_only: bool = True,
                       device: str | None = None,
                       scope: Scope = EVERYWHERE) -> list[ComplianceResult]:
    """Results, most severe first; a liaison's only for its district's sites."""
    stmt = select(ComplianceResult)
    names = site_names(session, scope)
    if names is not None:
        stmt = stmt.where(col(ComplianceResult.site).in_(names))
    if failing_only:
        stmt = stmt.where(col(ComplianceResult.passed).is_(False))
    if device:
        stmt = stmt.where(ComplianceResult.device == device)
    order = {s: i for i, s in enumerate(reversed(list(Severity)))}
    rows = list(session.exec(stmt))
    return sorted(rows, key=lambda r: (order[r.severity], r.device, r.rule))
