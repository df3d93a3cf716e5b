"""What the signed documents print, read from the register: the items of an assignment
receipt and of a handover list. The documents themselves are made in
``collector/reports/build_documents.py``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from muniops.inventory.assets import get_asset, holder, label
from muniops.inventory.errors import Conflict, InvalidInput, NotFound
from muniops.inventory.models import Asset, Assignment, Person, Site
from muniops.inventory.models.documents import Handover
from muniops.inventory.scope import EVERYWHERE, Scope
from muniops.inventory.sites import get_person


@dataclass(frozen=True)
class Item:
    asset: Asset
    site: Site | None
    condition: str
    note: str


@dataclass(frozen=True)
class Receipt:
    """Assets handed to one person at one time (one assignment row each)."""

    number: int  # the first assignment's id
    person: Person
    site: Site | None  # the person's site, else the first asset's
    at: datetime
    items: list[Item]


@dataclass(frozen=True)
class HandoverList:
    handover: Handover
    person: Person
    successor: Person | None
    site: Site | None
    items: list[Item]


def _site(session: Session, site_id: int | None) -> Site | None:
    return session.get(Site, site_id) if site_id else None


def receipt(session: Session, refs: list[str], scope: Scope = EVERYWHERE) -> Receipt:
    """The receipt for assets their current holder signs for: all must be held by the same
    person."""
    if not refs:
        raise InvalidInput("assets", "name at least one asset")
    rows: list[tuple[Asset, Assignment]] = []
    for ref in refs:
        asset = get_asset(session, ref, scope)
        current = holder(session, asset.id or 0)
        if current is None:
            raise Conflict(f"asset {label(asset)} is not assigned to anyone: no receipt")
        rows.append((asset, current))
    people = {a.person_id for _asset, a in rows}
    if len(people) > 1:
        raise Conflict("a receipt is for one person: these assets are held by different people")
    person = session.get(Person, people.pop())
    if person is None:  # the foreign key makes this impossible
        raise NotFound("person", "of the assignment")
    items = [Item(asset, _site(session, asset.site_id), a.condition, a.note) for asset, a in rows]
    site = _site(session, person.site_id) or items[0].site
    number = min(a.id or 0 for _asset, a in rows)
    return Receipt(number, person, site, max(a.assigned_at for _x, a in rows), items)


def handover(session: Session, person_ref: str | None = None,
             handover_id: int | None = None, scope: Scope = EVERYWHERE) -> HandoverList:
    """A handover by its number, or the latest of a person; for a liaison only those of
    its district's people."""
    if handover_id is not None:
        found = session.get(Handover, handover_id)
        departed = session.get(Person, found.person_id) if found else None
        place = _site(session, departed.site_id) if departed else None
        if found is None or not scope.covers(place):
            raise NotFound("handover", str(handover_id))
    elif person_ref:
        person = get_person(session, person_ref, scope)
        found = session.exec(select(Handover).where(Handover.person_id == person.id)
                             .order_by(col(Handover.id).desc())).first()
        if found is None:
            raise NotFound("handover", f"of {person.name} (they have not left)")
    else:
        raise InvalidInput("handover", "give a person or a handover number")
    holder = session.get(Person, found.person_id)
    assert holder is not None
    person = holder
    successor = session.get(Person, found.successor_id) if found.successor_id else None
    items = []
    for entry in found.items:
        asset = session.get(Asset, int(entry["asset_id"]))
        if asset is not None:
            items.append(Item(asset, _site(session, asset.site_id),
                              str(entry.get("condition", "")), ""))
    site = _site(session, person.site_id) or (items[0].site if items else None)
    return HandoverList(found, person, successor, site, items)
