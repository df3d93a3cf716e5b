"""On a district collector, what a playbook run records locally also goes to the central,
through the district's outbox (``collector/district/outbound.py``): a new configuration
version, a backup that found the same configuration or failed, compliance results. The
items' shapes are ``inventory/district_configs.py``, which the central reads them with.

Each is queued in the local write's transaction, before it commits: a crash in between
leaves an item the central stores once (its key) and the district takes again."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from muniops.collector.district.outbound import Send, key_of
from muniops.inventory import configs
from muniops.inventory.district_configs import (
    BACKUP,
    COMPLIANCE,
    VERSION,
    BackupItem,
    CheckItem,
    ComplianceItem,
    VersionItem,
)
from muniops.playbooks.runner import DeviceResult


def backup(send: Send, session: Session, playbook: str, result: DeviceResult, *,
           actor: str, at: datetime) -> None:
    """The configuration ``result`` captured: a version when it differs from the local
    latest (which ``configs.record_backup`` is about to store), else "unchanged"."""
    assert result.config is not None
    digest = configs.sha256(result.config)
    latest = configs.latest_version(session, result.device)
    if latest is None or latest.sha256 != digest:
        version = VersionItem.model_construct(  # the central validates: never fail here
            device=result.device, playbook=playbook, run=actor[:120], text=result.config,
            sha256=digest, taken_at=at)
        send(VERSION, key_of(VERSION, *version.key_parts()), version.model_dump(mode="json"))
        return
    _outcome(send, BackupItem.model_construct(
        device=result.device, playbook=playbook, run=actor[:120], outcome="unchanged",
        taken_at=at, sha256=digest, cause="", error=""))


def failure(send: Send, playbook: str, result: DeviceResult, *, actor: str,
            at: datetime) -> None:
    _outcome(send, BackupItem.model_construct(
        device=result.device, playbook=playbook, run=actor[:120], outcome="failed", taken_at=at,
        sha256="", cause=(result.cause or "error")[:40], error=(result.error or "")[:500]))


def _outcome(send: Send, item: BackupItem) -> None:
    send(BACKUP, key_of(BACKUP, *item.key_parts()), item.model_dump(mode="json"))


def compliance(send: Send, playbook: str, result: DeviceResult, *, actor: str,
               at: datetime) -> None:
    checks = [CheckItem.model_construct(rule=c.rule, title=c.title, severity=c.severity,
                                        passed=c.passed, detail=c.detail[:1000],
                                        remediation=c.remediation[:1000])
              for c in result.checks]
    item = ComplianceItem.model_construct(device=result.device, playbook=playbook, run=actor[:120],
                                          checked_at=at, checks=checks)
    send(COMPLIANCE, key_of(COMPLIANCE, *item.key_parts()), item.model_dump(mode="json"))
