"""The asset register's operations: add, find, list, change, hand out, take back, retire.

Every change is checked against the caller's scope and written to the audit log in the
same transaction as the change itself."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from muniops.inventory import audit
from muniops.inventory.errors import Conflict, InvalidInput, NotFound
from muniops.inventory.models import Asset, AssetMac, AssetStatus, Assignment, Person, Site
from muniops.inventory.models.documents import Handover
from muniops.inventory.schemas import (
    AssetCreate,
    AssetFilter,
    AssetPublic,
    AssetUpdate,
    AssignmentPublic,
    HistoryEntry,
)
from muniops.inventory.scope import EVERYWHERE, Scope
from muniops.inventory.sites import get_person, get_site
from muniops.inventory.types import utcnow

ASSET = "asset"


def label(asset: Asset) -> str:
    """How an asset is named to people: its tag, else its serial."""
    return asset.asset_tag or asset.serial or f"#{asset.id}"


def macs_of(session: Session, asset_id: int) -> list[str]:
    stmt = select(AssetMac.mac).where(AssetMac.asset_id == asset_id).order_by(AssetMac.mac)
    return list(session.exec(stmt))


def _snapshot(session: Session, asset: Asset) -> dict[str, Any]:
    return audit.snapshot(asset, macs=macs_of(session, asset.id or 0))


def holder(session: Session, asset_id: int) -> Assignment | None:
    stmt = select(Assignment).where(
        Assignment.asset_id == asset_id, col(Assignment.returned_at).is_(None)
    )
    return session.exec(stmt).first()


def _site_of(session: Session, asset: Asset) -> Site | None:
    return session.get(Site, asset.site_id) if asset.site_id else None


def get_asset(session: Session, ref: str, scope: Scope = EVERYWHERE) -> Asset:
    """Find an asset by tag, serial, or ``#id``; outside the scope it does not exist."""
    ref = ref.strip()
    asset = session.exec(
        select(Asset).where(or_(col(Asset.asset_tag) == ref, col(Asset.serial) == ref))
    ).first()
    if asset is None and ref.startswith("#") and ref[1:].isdigit() and int(ref[1:]) < 2**63:
        asset = session.get(Asset, int(ref[1:]))
    if asset is None or not scope.covers(_site_of(session, asset)):
        raise NotFound(ASSET, repr(ref))
    return asset


def _check_unique(session: Session, asset_id: int | None, tag: str | None, serial: str | None,
                  macs: Iterable[str], scope: Scope = EVERYWHERE) -> None:
    for field, value in (("asset_tag", tag), ("serial", serial)):
        if value is None:
            continue
        other = session.exec(select(Asset).where(getattr(Asset, field) == value)).first()
        if other is not None and other.id != asset_id:
            raise Conflict(f"{field} {value!r} already belongs to "
                           f"{_named(session, other, scope)}")
    for mac in macs:
        owner = session.exec(select(AssetMac).where(AssetMac.mac == mac)).first()
        if owner is not None and owner.asset_id != asset_id:
            other = session.get(Asset, owner.asset_id)
            raise Conflict(f"MAC {mac} already belongs to {_named(session, other, scope)}")


def _named(session: Session, asset: Asset | None, scope: Scope) -> str:
    """An asset as a message may name it: outside the caller's district, "another asset"
    (a liaison learns no other district's tags from a conflict)."""
    if asset is None or not scope.covers(_site_of(session, asset)):
        return "another asset"
    return f"asset {label(asset)}"


def _set_macs(session: Session, asset_id: int, macs: Sequence[str]) -> None:
    wanted = set(macs)
    for row in session.exec(select(AssetMac).where(AssetMac.asset_id == asset_id)):
        if row.mac in wanted:
            wanted.discard(row.mac)
        else:
            session.delete(row)
    session.flush()
    session.add_all(AssetMac(asset_id=asset_id, mac=m) for m in sorted(wanted))


def add_asset(session: Session, data: AssetCreate, *, actor: str,
              scope: Scope = EVERYWHERE) -> Asset:
    site = get_site(session, data.site) if data.site else None
    scope.require(site, "add asset")
    macs = data.macs or []
    _check_unique(session, None, data.asset_tag, data.serial, macs, scope)
    fields = data.model_dump(exclude={"site", "macs"}, exclude_none=True)
    asset = Asset(**fields, site_id=site.id if site else None)
    session.add(asset)
    session.flush()
    assert asset.id is not None
    _set_macs(session, asset.id, macs)
    session.flush()
    audit.record(session, actor, "asset.create", ASSET, asset.id, after=_snapshot(session, asset))
    return asset


_CLEARABLE = {"asset_tag", "serial", "hostname"}


def update_asset(session: Session, asset: Asset, changes: AssetUpdate, *, actor: str,
                 scope: Scope = EVERYWHERE, action: str = "asset.update") -> bool:
    """Apply the fields given in ``changes``; returns whether anything changed."""
    given = changes.model_dump(exclude_unset=True)
    if not given:
        return False
    before = _snapshot(session, asset)
    scope.require(_site_of(session, asset), f"change asset {label(asset)}")
    if "site" in given:
        site = get_site(session, given.pop("site")) if changes.site else None
        scope.require(site, f"move asset {label(asset)}")
        asset.site_id = site.id if site else None
    macs = given.pop("macs", None)
    tag = given.get("asset_tag", asset.asset_tag)
    serial = given.get("serial", asset.serial)
    if "asset_tag" in given or "serial" in given or macs:
        if not tag and not serial:
            raise InvalidInput("asset_tag", "an asset needs an asset_tag or a serial")
        _check_unique(session, asset.id, tag, serial, macs or [], scope)
    for field, value in given.items():
        if value is None and field == "kind":
            raise InvalidInput("kind", "an asset's kind cannot be cleared")
        if value is None and field not in _CLEARABLE and isinstance(getattr(asset, field), str):
            value = ""
        setattr(asset, field, value)
    assert asset.id is not None
    if macs is not None:
        _set_macs(session, asset.id, macs)
    session.flush()
    after = _snapshot(session, asset)
    if not audit.changed_fields(before, after):
        session.expire(asset)
        return False
    asset.updated_at = utcnow()
    after["updated_at"] = asset.updated_at.isoformat()
    audit.record(session, actor, action, ASSET, asset.id, before=before, after=after)
    return True


def set_status(session: Session, asset: Asset, status: AssetStatus, *, actor: str,
               action: str, extra: dict[str, Any] | None = None) -> None:
    before = _snapshot(session, asset)
    asset.status = status
    asset.updated_at = utcnow()
    session.flush()
    after = _snapshot(session, asset) | (extra or {})
    audit.record(session, actor, action, ASSET, asset.id, before=before, after=after)


CONDITIONS = ("new", "good", "fair", "poor")


def assign(session: Session, asset: Asset, person_ref: str, *, actor: str, note: str = "",
           transfer: bool = False, condition: str = "",
           scope: Scope = EVERYWHERE) -> Assignment:
    """Hand an asset to a person. Held by someone else: an error, unless ``transfer``.
    ``condition`` is what the receipt states (new, good, fair, poor)."""
    if condition and condition not in CONDITIONS:
        raise InvalidInput("condition", f"expected one of {', '.join(CONDITIONS)}, "
                                        f"got {condition!r}")
    scope.require(_site_of(session, asset), f"assign asset {label(asset)}")
    if asset.status in (AssetStatus.RETIRED, AssetStatus.IN_REPAIR):
        raise Conflict(f"asset {label(asset)} is {asset.status.value} and cannot be assigned")
    person = get_person(session, person_ref, scope)
    if not person.active:
        raise Conflict(f"{person.name} is no longer active")
    current = holder(session, asset.id or 0)
    if current is not None:
        if current.person_id == person.id:
            raise Conflict(f"asset {label(asset)} is already assigned to {person.name}")
        if not transfer:
            held_by = session.get(Person, current.person_id)
            raise Conflict(
                f"asset {label(asset)} is held by {held_by.name if held_by else '?'} since "
                f"{current.assigned_at:%Y-%m-%d}; return it first or transfer it"
            )
        current.returned_at = utcnow()
    assert asset.id is not None and person.id is not None
    row = Assignment(asset_id=asset.id, person_id=person.id, note=note, condition=condition)
    session.add(row)
    set_status(session, asset, AssetStatus.DEPLOYED, actor=actor, action="asset.assign",
               extra={"assigned_to": person.name})
    return row


def return_asset(session: Session, asset: Asset, *, actor: str, note: str = "",
                 scope: Scope = EVERYWHERE) -> Assignment:
    """Take an asset back from its holder into stock."""
    scope.require(_site_of(session, asset), f"return asset {label(asset)}")
    current = holder(session, asset.id or 0)
    if current is None:
        raise Conflict(f"asset {label(asset)} is not assigned to anyone")
    current.returned_at = utcnow()
    if note:
        current.note = f"{current.note}\n{note}".strip()
    person = session.get(Person, current.person_id)
    status = AssetStatus.IN_STOCK if asset.status == AssetStatus.DEPLOYED else asset.status
    set_status(session, asset, status, actor=actor, action="asset.return",
               extra={"returned_by": person.name if person else None})
    return current


def retire(session: Session, asset: Asset, *, actor: str, reason: str = "",
           scope: Scope = EVERYWHERE) -> None:
    """End an asset's life. It must be back from its holder and from any repair."""
    scope.require(_site_of(session, asset), f"retire asset {label(asset)}")
    if asset.status == AssetStatus.RETIRED:
        raise Conflict(f"asset {label(asset)} is already retired")
    if asset.status == AssetStatus.IN_REPAIR:
        raise Conflict(f"asset {label(asset)} is in repair; close its ticket first")
    if holder(session, asset.id or 0) is not None:
        raise Conflict(f"asset {label(asset)} is still assigned; return it first")
    asset.retired_at = utcnow()
    set_status(session, asset, AssetStatus.RETIRED, actor=actor, action="asset.retire",
               extra={"reason": reason} if reason else None)


def move(session: Session, asset: Asset, *, site: str | None, location: str | None,
         actor: str, scope: Scope = EVERYWHERE) -> bool:
    changes: dict[str, Any] = {}
    if site is not None:
        changes["site"] = site
    if location is not None:
        changes["location"] = location
    if not changes:
        raise InvalidInput("site", "say where to: a site, a location, or both")
    return update_asset(session, asset, AssetUpdate(**changes), actor=actor, scope=scope,
                        action="asset.move")


def to_public(session: Session, assets: Sequence[Asset]) -> list[AssetPublic]:
    """Public views of many assets in a constant number of queries."""
    ids = [a.id for a in assets if a.id is not None]
    sites = {s.id: s for s in session.exec(select(Site))}
    macs: dict[int, list[str]] = {}
    holders: dict[int, str] = {}
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start : chunk_start + 500]
        for asset_id, mac in session.exec(
            select(AssetMac.asset_id, AssetMac.mac).where(col(AssetMac.asset_id).in_(chunk))
        ):
            macs.setdefault(asset_id, []).append(mac)
        for asset_id, name in session.exec(
            select(Assignment.asset_id, Person.name)
            .join(Person, col(Person.id) == Assignment.person_id)
            .where(col(Assignment.asset_id).in_(chunk), col(Assignment.returned_at).is_(None))
        ):
            holders[asset_id] = name
    out = []
    for a in assets:
        site = sites.get(a.site_id) if a.site_id else None
        out.append(
            AssetPublic(
                **a.model_dump(exclude={"site_id"}),
                macs=sorted(macs.get(a.id or 0, [])),
                site=site.name if site else None,
                district=site.district if site else None,
                assigned_to=holders.get(a.id or 0),
            )
        )
    return out


def list_assets(session: Session, flt: AssetFilter | None = None,
                scope: Scope = EVERYWHERE) -> list[AssetPublic]:
    flt = flt or AssetFilter()
    stmt = select(Asset).outerjoin(Site, col(Site.id) == Asset.site_id)
    if scope.district is not None:
        stmt = stmt.where(Site.district == scope.district)
    if flt.kind:
        stmt = stmt.where(Asset.kind == flt.kind)
    if flt.status:
        stmt = stmt.where(Asset.status == flt.status)
    elif not flt.include_retired:
        stmt = stmt.where(Asset.status != AssetStatus.RETIRED)
    if flt.site:
        stmt = stmt.where(Site.name == flt.site)
    if flt.district:
        stmt = stmt.where(Site.district == flt.district)
    if flt.vendor:
        stmt = stmt.where(col(Asset.vendor).ilike(flt.vendor))
    if flt.warranty_before:
        stmt = stmt.where(col(Asset.warranty_end) < flt.warranty_before)
    if flt.search:
        pattern = f"%{flt.search}%"
        stmt = stmt.where(or_(*(col(getattr(Asset, f)).ilike(pattern)
                                for f in ("asset_tag", "serial", "hostname", "model"))))
    if flt.assigned_to:
        person = get_person(session, flt.assigned_to, scope)
        stmt = stmt.join(Assignment, col(Assignment.asset_id) == Asset.id).where(
            Assignment.person_id == person.id, col(Assignment.returned_at).is_(None)
        )
    stmt = stmt.order_by(col(Asset.asset_tag), col(Asset.serial), col(Asset.id))
    if flt.limit:
        stmt = stmt.limit(flt.limit)
    return to_public(session, list(session.exec(stmt)))


def asset_history(session: Session, asset: Asset) -> list[HistoryEntry]:
    return [
        HistoryEntry(at=e.at, actor=e.actor, action=e.action,
                     changes=audit.changed_fields(e.before, e.after))
        for e in audit.history(session, ASSET, asset.id or 0)
    ]


def assignments_of(session: Session, asset: Asset) -> list[AssignmentPublic]:
    rows = session.exec(
        select(Assignment, Person.name)
        .join(Person, col(Person.id) == Assignment.person_id)
        .where(Assignment.asset_id == asset.id)
        .order_by(col(Assignment.assigned_at))
    )
    return [AssignmentPublic(person=name, assigned_at=a.assigned_at, returned_at=a.returned_at,
                             note=a.note) for a, name in rows]


def person_leaves(session: Session, person_ref: str, *, actor: str,
                  hand_to: str | None = None, scope: Scope = EVERYWHERE) -> Handover:
    """A staff change: everything the person holds goes to ``hand_to`` (or back to stock),
    then the person is marked inactive. The ``Handover`` it returns is what the signed
    handover list prints."""
    person = get_person(session, person_ref, scope)
    if not person.active:
        raise Conflict(f"{person.name} has already left")
    successor = get_person(session, hand_to, scope) if hand_to else None
    if successor is not None and successor.id == person.id:
        raise InvalidInput("hand_to", "hand the equipment to someone else")
    held = session.exec(
        select(Asset).join(Assignment, col(Assignment.asset_id) == Asset.id)
        .where(Assignment.person_id == person.id, col(Assignment.returned_at).is_(None))
    ).all()
    items = []
    for asset in held:
        current = holder(session, asset.id or 0)
        condition = current.condition if current else ""
        items.append({"asset_id": asset.id, "condition": condition})
        if successor is not None:
            assign(session, asset, successor.employee_id or successor.name, actor=actor,
                   note=f"handed over from {person.name}", transfer=True,
                   condition=condition, scope=scope)
        else:
            return_asset(session, asset, actor=actor, note=f"{person.name} left", scope=scope)
    before = audit.snapshot(person)
    person.active = False
    session.flush()
    assert person.id is not None
    handover = Handover(person_id=person.id, successor_id=successor.id if successor else None,
                        actor=actor, items=items)
    session.add(handover)
    session.flush()
    audit.record(session, actor, "person.leave", "person", person.id, before=before,
                 after=audit.snapshot(person) | {"handover_id": handover.id,
                                                 "assets": [label(a) for a in held]})
    return handover
