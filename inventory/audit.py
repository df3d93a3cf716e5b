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


def readable_changes(session: Session, changes: dict[str, Any]) -> dict[str, Any]:
    """The same changes for people to read: ``site_id: 1 → 6`` becomes ``site: City Hall →
    District 4 Office`` (names looked up now; one since deleted stays ``#id``). ``--json``
    keeps the ids; this is for tables."""
    from muniops.inventory.models import Asset, Person, Site

    refs: dict[str, tuple[type[SQLModel], str]] = {
        "site_id": (Site, "name"), "person_id": (Person, "name"),
        "assigned_to_id": (Person, "name"), "asset_id": (Asset, "asset_tag")}
    out: dict[str, Any] = {}
    for key, (old, new) in changes.items():
        if key in refs:
            model, attr = refs[key]

            def name(value: Any, model: type[SQLModel] = model, attr: str = attr) -> Any:
                if not isinstance(value, int):
                    return value
                row = session.get(model, value)
                return (getattr(row, attr, None) if row else None) or f"#{value}"

            out[key.removesuffix("_id")] = [name(old), name(new)]
        else:
            out[key] = [old, new]
    return out


def describe(session: Session, changes: dict[str, Any]) -> str:
    """One line for people: ``site: City Hall → Water Works; status: deployed``. A
    creation lists what was set; ids and bookkeeping fields are left out."""
    shown = []
    for key, (old, new) in readable_changes(session, changes).items():
        if key in ("id", "created_at") or (old is None and new in ("", [], None)):
            continue
        new_text = show_value(new)
        shown.append(f"{key}: {new_text}" if old is None
                     else f"{key}: {show_value(old)} → {new_text}")
    return "; ".join(shown)


def show_value(value: Any) -> str:
    """A changed value in one line: mappings as ``key=value``, lists joined."""
    if isinstance(value, dict):
        return ", ".join(f"{k}={show_value(v)}" for k, v in value.items()) or "—"
    if isinstance(value, list | tuple):
        return ", ".join(show_value(v) for v in value) or "—"
    return "—" if value is None else str(value)
