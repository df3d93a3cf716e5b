"""Documents about one event rather than a period: the assignment receipt a person signs
for the equipment they receive (zimmet tutanağı / رسید تحویل اموال) and the handover
list of everything a departing person held and to whom it went."""

from __future__ import annotations

from sqlmodel import Session

from muniops.collector.reports.config import Signer
from muniops.collector.reports.model import Column, ColumnType, Report, Section
from muniops.collector.reports.request import ReportRequest
from muniops.inventory import documents
from muniops.inventory.documents import Item

T = ColumnType
RECEIPT = "assignment-receipt"
HANDOVER = "handover"


def _items(items: list[Item]) -> Section:
    return Section("items", [
        Column("asset_tag"), Column("serial"), Column("kind", T.LABEL), Column("vendor"),
        Column("model"), Column("site"), Column("condition", T.LABEL), Column("note", T.LABEL)],
        [(i.asset.asset_tag or "", i.asset.serial or "", i.asset.kind.value, i.asset.vendor,
          i.asset.model, i.site.name if i.site else "", i.condition or "", i.note)
         for i in items])


def assignment_receipt(session: Session, refs: list[str], req: ReportRequest) -> Report:
    """The receipt for assets now held by one person, dated when they received them, on
    their site's clock."""
    r = documents.receipt(session, refs, req.scope)
    zone = r.site.timezone if r.site else req.settings.timezone
    facts = [("received_by", r.person.name, T.TEXT),
             ("employee_id", r.person.employee_id or "", T.TEXT),
             ("department", r.person.department, T.TEXT),
             ("site", r.site.name if r.site else "", T.TEXT),
             ("received_at", req.local(r.at, r.site), T.DATETIME)]
    return Report(RECEIPT, r.at, zone, facts=facts, number=str(r.number),
                  summary=[("items_count", len(r.items), T.INT)], sections=[_items(r.items)],
                  signers=[Signer(role="received_by", name=r.person.name,
                                  title=r.person.department),
                           Signer(role="handed_by")], portrait=True)


def handover_list(session: Session, req: ReportRequest, person: str | None = None,
                  number: int | None = None) -> Report:
    """What a person handed over when they left, to whom, in what condition."""
    h = documents.handover(session, person, number, req.scope)
    zone = h.site.timezone if h.site else req.settings.timezone
    facts = [("handed_by", h.person.name, T.TEXT),
             ("employee_id", h.person.employee_id or "", T.TEXT),
             ("department", h.person.department, T.TEXT),
             ("handed_to", h.successor.name if h.successor else "back_to_stock",
              T.TEXT if h.successor else T.LABEL),
             ("handed_at", req.local(h.handover.at, h.site), T.DATETIME)]
    signers = [Signer(role="handed_by", name=h.person.name, title=h.person.department)]
    signers.append(Signer(role="received_by", name=h.successor.name if h.successor else "",
                          title=h.successor.department if h.successor else ""))
    return Report(HANDOVER, h.handover.at, zone, facts=facts, number=str(h.handover.id),
                  summary=[("items_count", len(h.items), T.INT)], sections=[_items(h.items)],
                  signers=signers, portrait=True)
