"""Writing the audit log. Every operation that changes a row records before and after."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, SQLModel, col, select

from muniops.inventory.models import AuditEntry


def snapshot(obj: SQLModel, **extra: Any) -> dict[str, Any]:
    """A JSON-safe copy of a row (plus derived values such as an asset's MACs)."""
    data = obj.model_dump(mode="json")
    data.update(extra)
    return data


def record(
    session: Session,
    actor: str,
    action: str,
    entity: str,
    entity_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        actor=actor, action=action, entity=entity, entity_id=entity_id, before=before, after=after
    )
    session.add(entry)
    return entry


def history(session: Session, entity: str, entity_id: int) -> list[AuditEntry]:
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
        .order_by(col(AuditEntry.at), col(AuditEntry.id))
    )
    return list(session.exec(stmt))


def changed_fields(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
    """``{field: [old, new]}`` for what differs: the readable form of an audit entry."""
    before, after = before or {}, after or {}
    keys = [k for k in {**before, **after} if k not in ("updated_at",)]
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}
