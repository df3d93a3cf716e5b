"""Operations on SNMP-polled devices, their poll outcomes, events and wireless links.

Registering and removing a device is audited like any change to the register. A poll's
outcome (state, facts, events) is written by the collector as one transaction per cycle;
it is observation, not a change anyone made, so it is not audited row by row."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import Session, col, select

from muniops.inventory import audit, events as device_events
from muniops.inventory.errors import Conflict, InvalidInput, NotFound
from muniops.inventory.models import Asset, Site
from muniops.inventory.models.snmp import (
    DeviceState,
    LinkState,
    SnmpDevice,
    SnmpEvent,
    SnmpEventKind,
    WirelessLink,
)
from muniops.inventory.types import utcnow


class DeviceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9_.:-]+$")
    address: str = Field(min_length=1, max_length=255)
    port: int = Field(default=161, gt=0, lt=65536)
    credential: str = Field(min_length=1, max_length=120)
    site: str | None = None
    profile: str | None = None  # None: detect from sysObjectID / sysDescr


def get_device(session: Session, name: str) -> SnmpDevice:
    device = session.exec(select(SnmpDevice).where(SnmpDevice.name == name)).first()
    if device is None:
        raise NotFound("device", repr(name))
    return device


def add_device(session: Session, data: DeviceCreate, *, actor: str,
               known_credentials: Iterable[str] | None = None) -> SnmpDevice:
    if session.exec(select(SnmpDevice).where(SnmpDevice.name == data.name)).first():
        raise Conflict(f"device {data.name!r} already exists")
    if known_credentials is not None and data.credential not in set(known_credentials):
        raise InvalidInput("credential", f"no credential named {data.credential!r} in the "
                           "credentials file")
    site_id = None
    if data.site:
        site = session.exec(select(Site).where(Site.name == data.site)).first()
        if site is None:
            raise NotFound("site", repr(data.site))
        site_id = site.id
    device = SnmpDevice(name=data.name, address=data.address, port=data.port,
                        credential=data.credential, site_id=site_id, profile=data.profile)
    session.add(device)
    session.flush()
    audit.record(session, actor, "device.create", "snmp_device", device.id,
                 after=audit.snapshot(device))
    return device


def move_device(session: Session, device: SnmpDevice, address: str, port: int, *,
                actor: str) -> SnmpDevice:
    """Point a device at another address (a replaced management card, a lab restart)."""
    if (device.address, device.port) == (address, port):
        return device
    before = audit.snapshot(device)
    device.address, device.port = address, port
    session.add(device)
    audit.record(session, actor, "device.update", "snmp_device", device.id, before=before,
                 after=audit.snapshot(device))
    return device


def remove_device(session: Session, device: SnmpDevice, *, actor: str) -> None:
    before = audit.snapshot(device)
    for event in session.exec(select(SnmpEvent).where(SnmpEvent.device_id == device.id)):
        session.delete(event)
    if device.id is not None:
        device_events.forget_device(session, device.id)  # traps, syslog, alerts keep its name
    session.delete(device)
    audit.record(session, actor, "device.delete", "snmp_device", device.id, before=before)


def list_devices(session: Session, *, enabled_only: bool = False) -> list[SnmpDevice]:
    stmt = select(SnmpDevice).order_by(SnmpDevice.name)
    if enabled_only:
        stmt = stmt.where(col(SnmpDevice.enabled).is_(True))
    return list(session.exec(stmt))


def enabled_names(session: Session) -> set[str]:
    """The names of the devices being polled, cheaply (for every scrape)."""
    return set(session.exec(select(SnmpDevice.name).where(col(SnmpDevice.enabled).is_(True))))


def site_names(session: Session) -> dict[int, str]:
    return {sid: name for sid, name in session.exec(select(Site.id, Site.name)) if sid}


@dataclass
class PollOutcome:
    """What one poll of one device says, in store terms."""

    device: str
    state: DeviceState
    reason: str
    at: datetime
    duration: float
    pdus: int
    retries: int
    errors: int
    max_repetitions: int | None
    uptime_ticks: int | None
    detected_profile: str | None
    facts: dict[str, Any] | None  # None: keep the previous facts (device down)
    events: list[tuple[SnmpEventKind, str, str]] = field(default_factory=list)


def serials_in(facts: dict[str, Any]) -> set[str]:
    """Serial numbers a device reported: its own and its ENTITY-MIB components'."""
    found = {str(facts["serial"])} if facts.get("serial") else set()
    for row in facts.get("entities") or []:
        if isinstance(row, dict) and row.get("serial"):
            found.add(str(row["serial"]))
    return {s.strip() for s in found if s.strip()}


def record_polls(session: Session, outcomes: Sequence[PollOutcome]) -> None:
    """Store each device's latest state, facts and events; link a device to the asset whose
    serial it reported, when it is not linked yet."""
    names = [o.device for o in outcomes]
    devices = {d.name: d for d in session.exec(
        select(SnmpDevice).where(col(SnmpDevice.name).in_(names)))}
    for o in outcomes:
        device = devices.get(o.device)
        if device is None:  # removed while it was being polled
            continue
        device.state, device.state_reason = o.state, o.reason[:500]
        device.last_poll_at, device.last_duration_s = o.at, o.duration
        device.last_pdus, device.last_retries, device.last_errors = o.pdus, o.retries, o.errors
        if o.max_repetitions:
            device.max_repetitions = o.max_repetitions
        if o.state != DeviceState.DOWN:
            device.last_success_at = o.at
            device.sys_uptime = o.uptime_ticks
            if o.detected_profile:
                device.detected_profile = o.detected_profile
        if o.facts is not None:
            device.facts = o.facts
            if device.asset_id is None and (serials := serials_in(o.facts)):
                asset = session.exec(select(Asset).where(col(Asset.serial).in_(serials))
                                     ).first()
                if asset is not None:
                    device.asset_id = asset.id
        session.add(device)
        for kind, subject, detail in o.events:
            assert device.id is not None  # a stored device
            session.add(SnmpEvent(device_id=device.id, at=o.at, kind=kind,
                                  subject=subject[:200], detail=detail[:500]))


def list_events(session: Session, device: SnmpDevice | None = None,
                limit: int = 50) -> list[SnmpEvent]:
    stmt = select(SnmpEvent).order_by(col(SnmpEvent.at).desc(), col(SnmpEvent.id).desc())
    if device is not None:
        stmt = stmt.where(SnmpEvent.device_id == device.id)
    return list(session.exec(stmt.limit(limit)))


def save_link_states(session: Session, links: Sequence[WirelessLink]) -> None:
    """Replace the stored state of each configured link (by name); forget removed links."""
    existing = {link.name: link for link in session.exec(select(WirelessLink))}
    keep = {link.name for link in links}
    for name, row in existing.items():
        if name not in keep:
            session.delete(row)
    for link in links:
        row = existing.get(link.name) or WirelessLink(name=link.name, device_a=link.device_a,
                                                      device_b=link.device_b)
        for attr in ("site_a", "site_b", "device_a", "device_b", "state", "reason",
                     "readings"):
            setattr(row, attr, getattr(link, attr))
        row.updated_at = utcnow()
        session.add(row)


def list_links(session: Session) -> list[WirelessLink]:
    return list(session.exec(select(WirelessLink).order_by(WirelessLink.name)))


__all__ = [
    "DeviceCreate",
    "DeviceState",
    "LinkState",
    "PollOutcome",
    "SnmpEventKind",
    "add_device",
    "get_device",
    "list_devices",
    "list_events",
    "list_links",
    "move_device",
    "record_polls",
    "remove_device",
    "save_link_states",
    "serials_in",
    "site_names",
]
