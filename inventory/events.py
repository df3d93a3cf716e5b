"""Operations on device events: what traps, syslog and alert notifications said.

Events are observation, not changes anyone made: they are written in batches by the
collector's receivers (one transaction per batch) and not audited row by row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from muniops.inventory.models import Asset, Site
from muniops.inventory.models.devices import Device
from muniops.inventory.models.events import DeviceEvent, EventSource
from muniops.inventory.types import aware_time, utcnow


@dataclass
class NewEvent:
    """An event to store. ``device`` is a registered device's name ("" for a sender not
    in the register); ``asset_tag`` names an asset instead (alerts about hosts)."""

    source: EventSource
    kind: str
    sender: str = ""
    device: str = ""
    asset_tag: str = ""
    severity: str = "info"
    subject: str = ""
    detail: str = ""
    data: dict[str, Any] | None = None
    at: datetime = field(default_factory=utcnow)


@dataclass(frozen=True)
class KnownDevice:
    name: str
    address: str
    site_id: int | None


def devices_by_address(session: Session) -> dict[str, list[KnownDevice]]:
    """Registered devices by address (management and others): who may send traps and
    syslog."""
    out: dict[str, list[KnownDevice]] = {}
    for d in session.exec(select(Device).order_by(Device.name)):
        for address in dict.fromkeys((d.address, *d.addresses)):
            out.setdefault(address, []).append(KnownDevice(d.name, address, d.site_id))
    return out


def event_json(e: NewEvent) -> dict[str, Any]:
    """An event as a district forwards it to its central (``event_from_json``)."""
    return {"source": e.source.value, "kind": e.kind, "sender": e.sender, "device": e.device,
            "severity": e.severity, "subject": e.subject, "detail": e.detail, "data": e.data,
            "at": e.at.isoformat()}


def event_from_json(body: dict[str, Any]) -> NewEvent:
    """The event ``event_json`` wrote; ``ValueError`` naming what is wrong otherwise."""
    try:
        at = aware_time(body["at"], "event time")
        data = body.get("data")
        if data is not None and not isinstance(data, dict):
            raise ValueError("data must be an object or null")
        return NewEvent(source=EventSource(str(body["source"])), kind=str(body["kind"]),
                        sender=str(body.get("sender", "")), device=str(body.get("device", "")),
                        severity=str(body.get("severity", "info")),
                        subject=str(body.get("subject", "")),
                        detail=str(body.get("detail", "")), data=data, at=at)
    except KeyError as exc:
        raise ValueError(f"missing {exc.args[0]!r}") from None


def record_events(session: Session, events: Sequence[NewEvent]) -> int:
    """Store ``events``; a device or asset removed meanwhile leaves the event on its name."""
    names = {e.device for e in events if e.device}
    tags = {e.asset_tag for e in events if e.asset_tag}
    devices = {d.name: d for d in session.exec(
        select(Device).where(col(Device.name).in_(names)))} if names else {}
    assets = {a.asset_tag: a for a in session.exec(
        select(Asset).where(col(Asset.asset_tag).in_(tags)))} if tags else {}
    rows = []
    for e in events:  # one INSERT for the batch: a trap burst is thousands of rows
        device = devices.get(e.device)
        asset = assets.get(e.asset_tag)
        rows.append({
            "at": e.at, "source": e.source, "kind": e.kind[:120], "severity": e.severity[:20],
            "device_id": device.id if device else None,
            "asset_id": asset.id if asset else (device.asset_id if device else None),
            "device_name": e.device[:120] or e.asset_tag[:120], "sender": e.sender[:255],
            "subject": e.subject[:200], "detail": e.detail[:1000], "data": e.data})
    if rows:
        session.execute(insert(DeviceEvent), rows)
    return len(events)


def list_events(session: Session, *, device: str | None = None, asset_tag: str | None = None,
                source: EventSource | None = None, district: str | None = None,
                limit: int = 50) -> list[DeviceEvent]:
    """The latest events, newest first, of one device (by name) or asset if given; with
    ``district``, only those of devices at that district's sites (a liaison's view)."""
    stmt = select(DeviceEvent).order_by(col(DeviceEvent.at).desc(), col(DeviceEvent.id).desc())
    if district is not None:
        stmt = stmt.join(Device, col(Device.id) == col(DeviceEvent.device_id)).join(
            Site, col(Site.id) == col(Device.site_id)).where(Site.district == district)
    if device is not None:
        stmt = stmt.where(DeviceEvent.device_name == device)
    if asset_tag is not None:
        asset = session.exec(select(Asset).where(Asset.asset_tag == asset_tag)).first()
        stmt = stmt.where(DeviceEvent.asset_id == (asset.id if asset else -1))
    if source is not None:
        stmt = stmt.where(DeviceEvent.source == source)
    return list(session.exec(stmt.limit(limit)))


def forget_device(session: Session, device_id: int) -> None:
    """A device leaves the register: its events stay, under its name, unlinked."""
    for event in session.exec(select(DeviceEvent).where(DeviceEvent.device_id == device_id)):
        event.device_id = None
        session.add(event)
