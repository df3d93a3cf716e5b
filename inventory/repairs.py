"""Warranty and repair tickets: a part goes to the vendor, the ticket follows it back."""

from __future__ import annotations

from sqlmodel import Session, col, select

from muniops.inventory import audit
from muniops.inventory.assets import get_asset, label, set_status
from muniops.inventory.errors import Conflict, NotFound
from muniops.inventory.models import Asset, AssetStatus, RepairTicket, Site
from muniops.inventory.schemas import RepairClose, RepairOpen, RepairPublic
from muniops.inventory.scope import EVERYWHERE, Scope
from muniops.inventory.types import utcnow

REPAIR = "repair"


def open_ticket(session: Session, asset_ref: str, data: RepairOpen, *, actor: str,
                scope: Scope = EVERYWHERE) -> RepairTicket:
    asset = get_asset(session, asset_ref, scope)
    if asset.status == AssetStatus.RETIRED:
        raise Conflict(f"asset {label(asset)} is retired")
    assert asset.id is not None
    ticket = RepairTicket(
        asset_id=asset.id, opened_by=actor, previous_status=asset.status,
        **data.model_dump(exclude={"keep_in_service"}),
    )
    session.add(ticket)
    session.flush()
    audit.record(session, actor, "repair.open", REPAIR, ticket.id, after=audit.snapshot(ticket))
    if not data.keep_in_service and asset.status != AssetStatus.IN_REPAIR:
        set_status(session, asset, AssetStatus.IN_REPAIR, actor=actor, action="asset.repair",
                   extra={"repair_ticket": ticket.id, "part": data.part})
    return ticket


def _open_tickets(session: Session, asset_id: int) -> list[RepairTicket]:
    stmt = select(RepairTicket).where(
        RepairTicket.asset_id == asset_id, col(RepairTicket.returned_at).is_(None)
    ).order_by(col(RepairTicket.id))
    return list(session.exec(stmt))


def close_ticket(session: Session, ticket_id: int, data: RepairClose, *, actor: str,
                 scope: Scope = EVERYWHERE) -> RepairTicket:
    """The part is back (or will never be): record the outcome; when the asset's last open
    ticket closes, it returns to the state it had before it went to repair."""
    ticket = session.get(RepairTicket, ticket_id)
    asset = session.get(Asset, ticket.asset_id) if ticket else None
    site = session.get(Site, asset.site_id) if asset and asset.site_id else None
    if ticket is None or asset is None or not scope.covers(site):
        raise NotFound("repair ticket", ticket_id)
    if ticket.returned_at is not None:
        raise Conflict(f"repair ticket {ticket_id} was closed on {ticket.returned_at:%Y-%m-%d}")
    before = audit.snapshot(ticket)
    ticket.returned_at = utcnow()
    ticket.outcome = data.outcome
    ticket.outcome_note = data.note
    session.flush()
    audit.record(session, actor, "repair.close", REPAIR, ticket.id, before=before,
                 after=audit.snapshot(ticket))
    others = [t for t in _open_tickets(session, ticket.asset_id) if t.id != ticket.id]
    if not others and asset.status == AssetStatus.IN_REPAIR:
        first = min([ticket, *others], key=lambda t: t.id or 0)
        set_status(session, asset, first.previous_status, actor=actor, action="asset.repaired",
                   extra={"repair_ticket": ticket.id, "outcome": data.outcome.value})
    return ticket


def list_tickets(session: Session, *, open_only: bool = True,
                 scope: Scope = EVERYWHERE) -> list[RepairPublic]:
    stmt = (
        select(RepairTicket, Asset, Site)
        .join(Asset, col(Asset.id) == RepairTicket.asset_id)
        .outerjoin(Site, col(Site.id) == Asset.site_id)
        .order_by(col(RepairTicket.sent_at), col(RepairTicket.id))
    )
    if open_only:
        stmt = stmt.where(col(RepairTicket.returned_at).is_(None))
    if scope.district is not None:
        stmt = stmt.where(Site.district == scope.district)
    now = utcnow()
    return [
        RepairPublic(
            **t.model_dump(exclude={"previous_status", "opened_by"}),
            asset=label(a), site=s.name if s else None,
            age_days=((t.returned_at or now) - t.sent_at).days,
        )
        for t, a, s in session.exec(stmt)
    ]
