"""Sites (buildings in districts) and people."""

from __future__ import annotations

from sqlalchemy import func, select as sa_select
from sqlmodel import Session, SQLModel, col, select
from sqlmodel.sql.expression import SelectOfScalar

from muniops.inventory import audit
from muniops.inventory.errors import Conflict, NotFound
from muniops.inventory.models import Asset, Assignment, Person, Site
from muniops.inventory.schemas import (
    PersonCreate,
    PersonPublic,
    PersonUpdate,
    SiteCreate,
    SitePublic,
    SiteUpdate,
)
from muniops.inventory.scope import EVERYWHERE, Scope


def get_site(session: Session, name: str, scope: Scope = EVERYWHERE) -> Site:
    site = session.exec(select(Site).where(Site.name == name)).first()
    if site is None or not scope.covers(site):
        raise NotFound("site", repr(name))
    return site


def add_site(session: Session, data: SiteCreate, *, actor: str) -> Site:
    if session.exec(select(Site).where(Site.name == data.name)).first():
        raise Conflict(f"site {data.name!r} already exists")
    site = Site(**data.model_dump())
    session.add(site)
    session.flush()
    audit.record(session, actor, "site.create", "site", site.id, after=audit.snapshot(site))
    return site


def list_sites(session: Session, scope: Scope = EVERYWHERE) -> list[SitePublic]:
    counts = dict(
        session.exec(select(Asset.site_id, func.count()).group_by(col(Asset.site_id))).all()
    )
    stmt = select(Site).order_by(Site.district, Site.name)
    if scope.district is not None:
        stmt = stmt.where(Site.district == scope.district)
    return [
        SitePublic(**s.model_dump(), asset_count=counts.get(s.id, 0)) for s in session.exec(stmt)
    ]


def get_person(session: Session, ref: str, scope: Scope = EVERYWHERE) -> Person:
    """A person by employee id, else by exact name (which must then be unambiguous).
    For a liaison only the people of its district's sites exist."""
    visible = _people(scope)
    person = session.exec(visible.where(Person.employee_id == ref)).first()
    if person is not None:
        return person
    matches = list(session.exec(visible.where(Person.name == ref)))
    if not matches:
        raise NotFound("person", repr(ref))
    if len(matches) > 1:
        ids = ", ".join(str(p.employee_id or f"#{p.id}") for p in matches)
        raise Conflict(f"{len(matches)} people are named {ref!r}; use the employee id ({ids})")
    return matches[0]


def _people(scope: Scope) -> SelectOfScalar[Person]:
    stmt = select(Person)
    if scope.district is not None:
        stmt = stmt.join(Site, col(Site.id) == Person.site_id).where(
            Site.district == scope.district)
    return stmt


def add_person(session: Session, data: PersonCreate, *, actor: str,
               scope: Scope = EVERYWHERE) -> Person:
    """Register a person; a liaison only at a site of its district."""
    site = get_site(session, data.site) if data.site else None
    scope.require(site, "add person")
    if data.employee_id and session.exec(
        select(Person).where(Person.employee_id == data.employee_id)
    ).first():
        raise Conflict(f"employee id {data.employee_id!r} is already registered")
    person = Person(**data.model_dump(exclude={"site"}), site_id=site.id if site else None)
    session.add(person)
    session.flush()
    audit.record(session, actor, "person.create", "person", person.id, after=audit.snapshot(person))
    return person


def list_people(session: Session, scope: Scope = EVERYWHERE) -> list[PersonPublic]:
    """People and the assets each holds; for a liaison, the people of its district and
    only the assets of its district."""
    sites = {s.id: s for s in session.exec(select(Site))}
    holding: dict[int, list[str]] = {}
    open_rows = session.exec(
        select(Assignment.person_id, Asset.asset_tag, Asset.serial, Asset.site_id)
        .join(Asset, col(Asset.id) == Assignment.asset_id)
        .where(col(Assignment.returned_at).is_(None))
    )
    for person_id, tag, serial, site_id in open_rows:
        if scope.covers(sites.get(site_id)):
            holding.setdefault(person_id, []).append(tag or serial or "?")
    return [
        PersonPublic(
            **p.model_dump(exclude={"site_id"}),
            site=sites[p.site_id].name if p.site_id in sites else None,
            holding=sorted(holding.get(p.id or 0, [])),
        )
        for p in session.exec(_people(scope).order_by(Person.name))
    ]


def site_names(session: Session, scope: Scope) -> set[str] | None:
    """The names of the sites a scope covers, for tables that keep a site by name
    (discovery, configurations); ``None`` is every site."""
    if scope.district is None:
        return None
    return set(session.exec(select(Site.name).where(Site.district == scope.district)))


def _references(session: Session, table: str, row_id: int) -> list[str]:
    """The tables holding rows that point at ``table.id = row_id`` (by foreign key)."""
    found = []
    for other in SQLModel.metadata.sorted_tables:
        for fk in other.foreign_keys:
            if fk.column.table.name == table and fk.column.name == "id":
                n = session.execute(sa_select(func.count()).select_from(other)
                                    .where(fk.parent == row_id)).scalar_one()
                if n:
                    found.append(f"{n} {other.name}")
    return found


def update_site(session: Session, name: str, data: SiteUpdate, *, actor: str) -> Site:
    """Change a site's district, building, address, time zone or notes (not its name)."""
    site = get_site(session, name)
    before = audit.snapshot(site)
    for key, value in data.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(site, key, value)
    session.flush()
    audit.record(session, actor, "site.update", "site", site.id, before=before,
                 after=audit.snapshot(site))
    return site


def remove_site(session: Session, name: str, *, actor: str) -> Site:
    """Remove a site nothing refers to; one still holding people, assets, agents or
    devices is refused, naming what it holds."""
    site = get_site(session, name)
    held = _references(session, "site", site.id or 0)
    if held:
        raise Conflict(f"site {name!r} still has {', '.join(held)}: move them first")
    before = audit.snapshot(site)
    session.delete(site)
    session.flush()
    audit.record(session, actor, "site.remove", "site", before["id"], before=before)
    return site


def update_person(session: Session, ref: str, data: PersonUpdate, *, actor: str,
                  scope: Scope = EVERYWHERE) -> Person:
    """Change a person's name, staff number, e-mail, department or site; a liaison only
    its district's people, and only to a site of its district."""
    person = get_person(session, ref, scope)
    changes = data.model_dump(exclude_unset=True)
    before = audit.snapshot(person)
    if "site" in changes:
        site = get_site(session, changes.pop("site"), scope) if data.site else None
        scope.require(site, "move person")
        person.site_id = site.id if site else None
    if changes.get("employee_id") and session.exec(select(Person).where(
            Person.employee_id == changes["employee_id"], Person.id != person.id)).first():
        raise Conflict(f"employee id {changes['employee_id']!r} is already registered")
    for key, value in changes.items():
        if value is None and key != "employee_id":
            continue
        setattr(person, key, value)
    session.flush()
    audit.record(session, actor, "person.update", "person", person.id, before=before,
                 after=audit.snapshot(person))
    return person


def remove_person(session: Session, ref: str, *, actor: str,
                  scope: Scope = EVERYWHERE) -> Person:
    """Remove a person registered by mistake. Someone with any history (assignments,
    handovers, licences) stays: ``people leave`` and ``people anonymise`` are for them."""
    person = get_person(session, ref, scope)
    held = _references(session, "person", person.id or 0)
    if held:
        raise Conflict(f"{person.name} has history ({', '.join(held)}): use `people leave`, "
                       "then `people anonymise`")
    before = audit.snapshot(person)
    session.delete(person)
    session.flush()
    audit.record(session, actor, "person.remove", "person", before["id"], before=before)
    return person


def public_person(session: Session, person: Person, scope: Scope = EVERYWHERE) -> PersonPublic:
    return next(p for p in list_people(session, scope) if p.id == person.id)
