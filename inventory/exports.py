"""Exports of personal data (KVKK, Law 6698: who took whose data out, when, in what):
every document or report that names people is recorded in the audit log when it is made."""

from __future__ import annotations

from sqlmodel import Session, col, select

from muniops.inventory import audit
from muniops.inventory.models import AuditEntry, Person

EXPORT = "export.personal_data"


def record_export(session: Session, *, actor: str, document: str, fmt: str,
                  people: list[int], number: str = "", destination: str = "") -> AuditEntry:
    """One audit entry per export, naming the people (by id: the entry itself must not
    copy their data) and where it went."""
    return audit.record(session, actor, EXPORT, "export", None, after={
        "document": document, "format": fmt, "number": number, "person_ids": sorted(people),
        "destination": destination})


def people_named(session: Session, names: set[str]) -> list[int]:
    """The ids of the people a report names (its ``assigned_to`` column, say)."""
    if not names:
        return []
    return [pid for pid in session.exec(select(Person.id).where(col(Person.name).in_(names)))
            if pid is not None]
