"""District collectors on the central store: enrolment (a site's agent enrolment secret for
the district collector's own token), applying the items its outbox forwards exactly once
and in order (the ``district_applied`` ledger, written in each item's transaction); which
devices the central leaves to its district collectors (``served_devices``). Which devices
a district polls is ``collector/district/devices.py``; on the district, ``sync_copy``
makes its own register follow the copy of them it pulled.

What each kind of item does at the centre is a handler in ``HANDLERS``; an item of a kind
the centre does not know is refused as a whole batch (the district keeps it), never
dropped."""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session, col, select

from muniops.inventory import (
    agents,
    audit,
    devices,
    discovery,
    district_configs,
    district_scope,
    events,
    sites,
    snmp,
)
from muniops.inventory.agent_schema import Report
from muniops.inventory.errors import (
    Conflict,
    InvalidInput,
    MuniopsError,
)
from muniops.inventory.models import (
    Agent,
    DistrictApplied,
    DistrictCollector,
    EnrollmentSecret,
    Site,
)
from muniops.inventory.models.devices import Device
from muniops.inventory.models.discovery import SeenBy
from muniops.inventory.schemas import SiteCreate
from muniops.inventory.tokens import hash_token
from muniops.inventory.types import aware_time, utcnow
from muniops.inventory.validation import problems

log = logging.getLogger(__name__)

DISTRICT_TOKEN_PREFIX = "md_"
APPLIED, REFUSED, DUPLICATE = "applied", "refused", "duplicate"


# ---- enrolment ----------------------------------------------------------------------------

def enroll(session: Session, secret: str, name: str) -> tuple[DistrictCollector, str]:
    """Trade a site's enrolment secret for the district collector ``name``'s token (shown
    once, stored hashed). Enrolling again gives a new token and starts a new outbox: the
    sequence numbers it will send start again from 1."""
    row = session.exec(select(EnrollmentSecret).where(
        EnrollmentSecret.secret_hash == hash_token(secret))).first()
    if row is None or row.revoked_at is not None:
        raise InvalidInput("secret", "unknown or revoked enrolment secret")
    plain = DISTRICT_TOKEN_PREFIX + secrets.token_urlsafe(32)
    found = session.exec(select(DistrictCollector)
                         .where(DistrictCollector.name == name)).first()
    collector = found or DistrictCollector(name=name, token_hash="", prefix="",
                                           site_id=row.site_id)
    if found is not None and found.site_id != row.site_id and not _same_district(
            session, found.site_id, row.site_id):
        raise Conflict(f"district collector {name} is enrolled for another district")
    collector.token_hash, collector.prefix = hash_token(plain), plain[:8]
    collector.site_id, collector.revoked_at, collector.last_seq = row.site_id, None, 0
    session.add(collector)
    session.flush()
    audit.record(session, f"district:{name}", "district.enroll", "district_collector",
                 collector.id, after={"name": name, "site_id": row.site_id})
    return collector, plain


def _same_district(session: Session, a: int, b: int) -> bool:
    districts = dict(session.exec(select(Site.id, Site.district)
                                  .where(col(Site.id).in_([a, b]))).all())
    return districts.get(a) == districts.get(b)


def authenticate(session: Session, token: str) -> DistrictCollector | None:
    found = session.exec(select(DistrictCollector)
                         .where(DistrictCollector.token_hash == hash_token(token))).first()
    return None if found is None or found.revoked_at is not None else found


def list_collectors(session: Session) -> list[dict[str, Any]]:
    """Every district collector with its district and progress, for the CLI and the API."""
    rows = session.exec(select(DistrictCollector, Site.district)
                        .join(Site, col(Site.id) == col(DistrictCollector.site_id))
                        .order_by(col(DistrictCollector.name))).all()
    return [{"name": c.name, "district": district, "prefix": c.prefix,
             "enrolled_at": c.enrolled_at, "last_seen_at": c.last_seen_at,
             "last_seq": c.last_seq, "items_applied": c.items_applied,
             "revoked": c.revoked_at is not None} for c, district in rows]


def served_devices(session: Session) -> set[str]:
    """The devices a district collector polls and reads (those of the sites of a district
    with an enrolled, unrevoked district collector): the central's own jobs leave them."""
    districts = set(session.exec(
        select(Site.district).join(DistrictCollector,
                                   col(DistrictCollector.site_id) == col(Site.id))
        .where(col(DistrictCollector.revoked_at).is_(None))).all()) - {""}
    if not districts:
        return set()
    return set(session.exec(select(Device.name).join(Site, col(Site.id) == col(Device.site_id))
                            .where(col(Site.district).in_(districts))).all())


# ---- applying forwarded items -------------------------------------------------------------

@dataclass(frozen=True)
class Item:
    """One outbox item as forwarded: its outbox sequence number, idempotency key, kind."""

    seq: int
    key: str
    kind: str
    body: dict[str, Any]


@dataclass
class BatchResult:
    applied: int = 0
    duplicates: int = 0
    refused: int = 0
    through: int = 0  # the highest sequence number now settled at the centre


Handler = Callable[[Session, DistrictCollector, dict[str, Any]], None]


def _agent_report(session: Session, district: DistrictCollector, body: dict[str, Any]) -> None:
    """An agent's report received by the district: applied through the same ingest as a
    report sent here directly (its own ledger too); the agent record is made on first
    sight, at the district's site, with a token nobody holds (it talks to its district)."""
    try:
        report = Report.model_validate(body["report"])
        who = body["agent"]
        uid = str(uuid.UUID(str(who["uid"])))
    except (KeyError, TypeError, ValueError, ValidationError) as exc:
        raise InvalidInput("body", f"not an agent report item: {exc}") from None
    agent = session.exec(select(Agent).where(Agent.uid == uid)).first()
    if agent is None:
        agent = Agent(uid=uid, token_hash=hash_token(secrets.token_urlsafe(32)),
                      prefix="district", hostname=str(who.get("hostname", ""))[:255],
                      site_id=district.site_id,
                      smbios_uuid=(who.get("smbios_uuid") or None),
                      machine_id=(who.get("machine_id") or None))
        session.add(agent)
        session.flush()
    agents.ingest(session, agent, report)


def _snmp_poll(session: Session, district: DistrictCollector, body: dict[str, Any]) -> None:
    """One SNMP poll by the district: state, facts and events written by the same
    ``snmp.record_polls`` as a local poll, to the central register's device of that name."""
    try:
        outcome = snmp.outcome_from_json(body)
    except ValueError as exc:
        raise InvalidInput("body", f"not an SNMP poll item: {exc}") from None
    district_scope.device_site(session, district, outcome.device)
    snmp.record_polls(session, [outcome])


def _sightings(session: Session, district: DistrictCollector, body: dict[str, Any]) -> None:
    """What the district's discovery saw at one of its sites, reconciled with the central
    register by the same ``discovery.record_observations`` as a local discovery."""
    try:
        site_name = str(body["site"])
        at = aware_time(body["at"], "time")
        seen = [discovery.Observation(ip=str(o["ip"]), mac=str(o.get("mac", "")),
                                      how=SeenBy(str(o["how"])),
                                      vendor=str(o.get("vendor", "")),
                                      hostname=str(o.get("hostname", "")))
                for o in body["observations"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput("body", f"not a sightings item: {exc!s}") from None
    site = session.exec(select(Site).where(Site.name == site_name)).first()
    district_scope.check_site(session, district, site, f"sightings at {site_name!r}")
    discovery.record_observations(session, site_name, seen, actor=f"district:{district.name}",
                                  now=at)


def _device_events(session: Session, district: DistrictCollector, body: dict[str, Any]
                   ) -> None:
    """A batch of the traps and syslog the district heard, stored by the same
    ``events.record_events`` as at a central; each named device must be the district's (a
    sender the register does not know is kept on its address, as here)."""
    try:
        heard = [events.event_from_json(e) for e in body["events"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput("body", f"not a device events item: {exc!s}") from None
    for name in sorted({e.device for e in heard if e.device}):
        district_scope.device_site(session, district, name)
    events.record_events(session, heard)


HANDLERS: dict[str, Handler] = {
    "agent.report": _agent_report,
    "snmp.poll": _snmp_poll,
    "discovery.sightings": _sightings,
    "device.events": _device_events,
    district_configs.VERSION: district_configs.apply_version,
    district_configs.BACKUP: district_configs.apply_backup,
    district_configs.COMPLIANCE: district_configs.apply_compliance,
}


def _check_batch(items: Sequence[Item]) -> None:
    unknown = sorted({i.kind for i in items} - HANDLERS.keys())
    if unknown:
        raise InvalidInput("kind", f"unknown item kind(s) {', '.join(unknown)}; this central "
                                   f"applies {', '.join(sorted(HANDLERS))}")
    seqs = [i.seq for i in items]
    if seqs != sorted(seqs) or len(set(seqs)) != len(seqs):
        raise InvalidInput("seq", "items must be in increasing sequence order")


def apply_batch(session: Session, district: DistrictCollector, items: Sequence[Item]
                ) -> BatchResult:
    """Apply ``items`` in order in the caller's transaction, each in a SAVEPOINT with its
    ledger row. A key seen before is a duplicate; an item older than the last applied one
    that is not in the ledger would break the order, so the batch is refused (Conflict).
    An item refused on purpose (a malformed report) is kept in the ledger with why."""
    _check_batch(items)
    result = BatchResult(through=district.last_seq)
    keys = [i.key for i in items]
    seen = set(session.exec(select(DistrictApplied.key)
                            .where(col(DistrictApplied.key).in_(keys))).all())
    for item in items:
        if item.key in seen:
            result.duplicates += 1
            result.through = max(result.through, item.seq)
            continue
        if item.seq <= district.last_seq:
            raise Conflict(f"item {item.seq} arrived after item {district.last_seq}: "
                           "out of order")
        outcome, detail = _apply_one(session, district, item)
        session.add(DistrictApplied(key=item.key, district_id=district.id or 0, seq=item.seq,
                                    kind=item.kind, outcome=outcome, detail=detail[:500]))
        district.last_seq = result.through = item.seq
        if outcome == APPLIED:
            result.applied += 1
        else:
            result.refused += 1
    district.items_applied += result.applied
    district.last_seen_at = utcnow()
    session.add(district)
    return result


def _apply_one(session: Session, district: DistrictCollector, item: Item) -> tuple[str, str]:
    try:
        with session.begin_nested():
            HANDLERS[item.kind](session, district, item.body)
    except MuniopsError as exc:
        log.warning("district %s item %s (%s) refused: %s", district.name, item.seq,
                    item.kind, exc)
        return REFUSED, str(exc)
    return APPLIED, ""


# ---- the district's side: its register follows the central's copy ------------------------

@dataclass
class SyncResult:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    disabled: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # device: why


def _fields(entry: dict[str, Any]) -> devices.DeviceFields:
    """A copied device as the register's own fields: every role set or cleared, so the
    district's device is what the central says (its poll state is the district's own)."""
    snmp_role, ssh_role = entry.get("snmp") or {}, entry.get("ssh") or {}
    fields: dict[str, Any] = {
        "address": entry["address"], "addresses": entry.get("addresses") or [],
        "site": entry.get("site") or "", "kind": entry.get("kind") or "",
        "platform": entry.get("platform") or "", "tags": entry.get("tags") or [],
        "tables": entry.get("tables") or [], "enabled": True,
        "snmp_credential": snmp_role.get("credential") or "",
        "snmp_profile": snmp_role.get("profile") or "",
        "ssh_credential": ssh_role.get("credential") or "",
        "ssh_playbooks": ssh_role.get("playbooks") or []}
    for key, name in (("port", "snmp_port"), ("poll", "snmp_poll"),
                      ("interval", "snmp_interval")):
        if snmp_role.get(key) is not None:
            fields[name] = snmp_role[key]
    if ssh_role.get("port") is not None:
        fields["ssh_port"] = ssh_role["port"]
    if not fields["snmp_credential"]:
        fields["tables"] = []  # tables are read over the SNMP credential
    return devices.DeviceFields.model_validate(fields)


def sync_copy(session: Session, copy: dict[str, Any], *, actor: str) -> SyncResult:
    """Make the district's register follow the central's copy: each copied device added or
    updated by name (its site made, in the copy's district, when missing), every enabled
    device the copy no longer has disabled. Audited as ``actor`` by the register's own
    operations; a device the register refuses is said in the result, the others go on."""
    result = SyncResult()
    district = str(copy.get("district") or "")
    wanted: set[str] = set()
    for entry in copy.get("devices") or []:
        name = str(entry.get("name", "")) if isinstance(entry, dict) else ""
        if not name:
            continue
        wanted.add(name)
        try:
            with session.begin_nested():
                site = entry.get("site")
                if site and session.exec(select(Site).where(Site.name == site)).first() is None:
                    sites.add_site(session, SiteCreate(name=site, district=district),
                                   actor=actor)
                data = _fields(entry)
                found = devices.find(session, name)
                if found is None:
                    devices.add_device(session, devices.DeviceCreate(
                        name=name, **data.model_dump(exclude_unset=True)), actor=actor)
                    result.added.append(name)
                else:
                    before = audit.snapshot(found)
                    devices.update_device(session, name, data, actor=actor)
                    if audit.snapshot(found) != before:
                        result.updated.append(name)
        except ValidationError as exc:
            result.refused[name] = "; ".join(problems(exc, top="device"))[:300]
        except (MuniopsError, KeyError, TypeError) as exc:
            result.refused[name] = str(exc)[:300]
    for device in session.exec(select(Device).where(col(Device.enabled).is_(True))).all():
        if device.name not in wanted:
            devices.update_device(session, device.name, devices.DeviceFields(enabled=False),
                                  actor=actor)
            result.disabled.append(device.name)
    return result
