"""Anonymising a departed person's personal data (KVKK, Law 6698, art. 7: data no longer
needed is erased or anonymised). The person's row stays, under a pseudonym, so every
assignment, handover and audit entry still points at the same id and the asset history
keeps its integrity; the name, staff number and e-mail are gone from the row and from
the audit log's before/after copies."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from muniops.inventory import audit
from muniops.inventory.errors import Conflict
from muniops.inventory.models import Assignment, AuditEntry, Person
from muniops.inventory.sites import get_person

PSEUDONYM = "anonymised person #{id}"


def pseudonym(person_id: int) -> str:
    return PSEUDONYM.format(id=person_id)


def _scrub(value: Any, exact: set[str], name: re.Pattern[str], replacement: str) -> Any:
    """``value`` with the staff number and e-mail replaced where they are a whole value,
    and the name wherever it stands as words ("handed over from Sara Ahmadi")."""
    if isinstance(value, dict):
        return {k: _scrub(v, exact, name, replacement) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, exact, name, replacement) for v in value]
    if isinstance(value, str):
        return replacement if value in exact else name.sub(replacement, value)
    return value


def anonymise(session: Session, person_ref: str, *, actor: str) -> Person:
    """Only someone who has left and holds nothing; returns the pseudonymous row."""
    person = get_person(session, person_ref)
    assert person.id is not None
    if person.active:
        raise Conflict(f"{person.name} is still active: anonymise only people who have left "
                       "(muniops people leave)")
    if session.exec(select(Assignment).where(Assignment.person_id == person.id,
                                             col(Assignment.returned_at).is_(None))).first():
        raise Conflict(f"{person.name} still holds equipment")
    name = pseudonym(person.id)
    if person.name == name:
        raise Conflict(f"person #{person.id} is already anonymised")
    exact = {s for s in (person.employee_id, person.email) if s}
    words = re.compile(rf"(?<!\w){re.escape(person.name)}(?!\w)")
    for entry in session.exec(select(AuditEntry).where(or_(*(
            col(AuditEntry.before).is_not(None), col(AuditEntry.after).is_not(None))))):
        before, after = (_scrub(entry.before, exact, words, name),
                         _scrub(entry.after, exact, words, name))
        if before != entry.before or after != entry.after:
            entry.before, entry.after = before, after
            session.add(entry)
    for row in session.exec(select(Assignment).where(col(Assignment.note) != "")):
        note = _scrub(row.note, exact, words, name)
        if note != row.note:
            row.note = note
            session.add(row)
    person.name, person.employee_id, person.email = name, None, ""
    session.add(person)
    session.flush()
    audit.record(session, actor, "person.anonymise", "person", person.id,
                 after={"name": name})
    return person
