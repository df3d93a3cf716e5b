"""The SNMP poller's side of the store: poll outcomes, events and wireless links. The
devices themselves are the register's (``inventory/devices.py``). A poll's
outcome (state, facts, events) is written by the collector as one transaction per cycle;
it is observation, not a change anyone made, so it is not audited row by row."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from muniops.inventory.models import Asset
from muniops.inventory.models.devices import Device, DeviceState
from muniops.inventory.models.snmp import (
    LinkState,
    SnmpEvent,
    SnmpEventKind,
    WirelessLink,
)
from muniops.inventory.types import aware_time, utcnow


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


def outcome_json(o: PollOutcome) -> dict[str, Any]:
    """A poll outcome as a district forwards it to its central (``outcome_from_json``)."""
    return {"device": o.device, "state": o.state.value, "reason": o.reason,
            "at": o.at.isoformat(), "duration": o.duration, "pdus": o.pdus,
            "retries": o.retries, "errors": o.errors, "max_repetitions": o.max_repetitions,
            "uptime_ticks": o.uptime_ticks, "detected_profile": o.detected_profile,
            "facts": o.facts,
            "events": [[kind.value, subject, detail] for kind, subject, detail in o.events]}


def outcome_from_json(body: dict[str, Any]) -> PollOutcome:
    """The outcome ``outcome_json`` wrote; ``ValueError`` naming what is wrong otherwise."""
    try:
        at = aware_time(body["at"], "poll time")
        facts = body.get("facts")
        if facts is not None and not isinstance(facts, dict):
            raise ValueError("facts must be an object or null")
        events = [(SnmpEventKind(str(k)), str(s), str(d)) for k, s, d in body.get("events", [])]
        return PollOutcome(
            device=str(body["device"]), state=DeviceState(str(body["state"])),
            reason=str(body.get("reason", "")), at=at,
            duration=float(body.get("duration", 0.0)), pdus=int(body.get("pdus", 0)),
            retries=int(body.get("retries", 0)), errors=int(body.get("errors", 0)),
            max_repetitions=_opt_int(body.get("max_repetitions")),
            uptime_ticks=_opt_int(body.get("uptime_ticks")),
            detected_profile=(str(body["detected_profile"])
                              if body.get("detected_profile") else None),
            facts=facts, events=events)
    except KeyError as exc:
        raise ValueError(f"missing {exc.args[0]!r}") from None
    except TypeError as exc:
        raise ValueError(str(exc)) from None


def _opt_int(value: Any) -> int | None:
    return None if value is None else int(value)


def record_polls(session: Session, outcomes: Sequence[PollOutcome]) -> None:
    """Store each device's latest state, facts and events; link a device to the asset whose
    serial it reported, when it is not linked yet."""
    names = [o.device for o in outcomes]
    devices = {d.name: d for d in session.exec(
        select(Device).where(col(Device.name).in_(names)))}
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


def list_events(session: Session, device: Device | None = None,
                limit: int = 50) -> list[SnmpEvent]:
    stmt = select(SnmpEvent).order_by(col(SnmpEvent.at).desc(), col(SnmpEvent.id).desc())
    if device is not None:
        stmt = stmt.where(SnmpEvent.device_id == device.id)
    return list(session.exec(stmt.limit(limit)))


def save_link_states(session: Session, links: Sequence[WirelessLink],
                     configured: Collection[str] | None = None) -> None:
    """Replace the stored state of each of ``links`` (by name); forget the links no longer
    ``configured`` (by default: not in ``links``). Collectors sharing the devices each
    save the links they judged and keep the others'."""
    existing = {link.name: link for link in session.exec(select(WirelessLink))}
    ids = {name: i for i, name in session.exec(select(Device.id, Device.name))}
    keep = {link.name for link in links} if configured is None else set(configured)
    for name, row in existing.items():
        if name not in keep:
            session.delete(row)
    for link in links:
        row = existing.get(link.name) or WirelessLink(name=link.name, device_a=link.device_a,
                                                      device_b=link.device_b)
        for attr in ("site_a", "site_b", "device_a", "device_b", "state", "reason",
                     "readings"):
            setattr(row, attr, getattr(link, attr))
        row.device_a_id, row.device_b_id = ids.get(link.device_a), ids.get(link.device_b)
        row.updated_at = utcnow()
        session.add(row)


def list_links(session: Session) -> list[WirelessLink]:
    return list(session.exec(select(WirelessLink).order_by(WirelessLink.name)))


__all__ = [
    "DeviceState",
    "LinkState",
    "PollOutcome",
    "SnmpEventKind",
    "list_events",
    "list_links",
    "outcome_from_json",
    "outcome_json",
    "record_polls",
    "save_link_states",
    "serials_in",
]
