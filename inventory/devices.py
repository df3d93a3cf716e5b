"""The register of managed network devices: add, change, remove, list, show and import
them, promote a device discovery found, and the lists the SNMP poller, the playbook
runner and passive discovery read.

A device's roles are its columns (``inventory/models/devices.py``); credentials are names
in the credentials file, checked by the caller that can read it (``known_credentials``).
Every change is audited and checked against the caller's scope (a liaison's district,
through the device's site). A device whose asset is retired, or that is disabled, is
neither polled, backed up nor read (``active``)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlmodel import Session, col, select

from muniops.inventory import audit, events as device_events
from muniops.inventory.errors import Conflict, ImportRejected, InvalidInput, NotFound, RowError
from muniops.inventory.models import Asset, AssetStatus, Site
from muniops.inventory.models.configs import (
    ComplianceResult,
    ConfigBackupState,
    ConfigVersion,
    DeviceFacts,
)
from muniops.inventory.models.devices import Device
from muniops.inventory.models.discovery import (
    MacPort,
    Neighbour,
    Sighting,
    UnknownDevice,
    UnknownState,
)
from muniops.inventory.models.snmp import SnmpEvent, WirelessLink
from muniops.inventory.scope import EVERYWHERE, Scope
from muniops.inventory.types import utcnow

log = logging.getLogger(__name__)

ENTITY = "device"
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"
TABLES = ("arp", "fdb", "neighbours")
# rows that name their device: table, its name column
NAMED: tuple[tuple[type[Any], str], ...] = (
    (ConfigVersion, "device"), (ConfigBackupState, "device"), (DeviceFacts, "device"),
    (ComplianceResult, "device"), (MacPort, "switch"), (Neighbour, "device"))


class DeviceFields(BaseModel):
    """What a person may set on a device (all optional: an update names only changes)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    address: str | None = Field(default=None, min_length=1, max_length=255)
    addresses: list[str] | None = None
    site: str | None = None  # a site's name; "" clears it
    asset_tag: str | None = None  # "" unlinks
    kind: str | None = Field(default=None, max_length=40)
    platform: str | None = Field(default=None, max_length=40)
    tags: list[str] | None = None
    enabled: bool | None = None
    snmp_credential: str | None = None  # "" drops the SNMP role
    snmp_port: int | None = Field(default=None, gt=0, lt=65536)
    snmp_poll: bool | None = None
    snmp_profile: str | None = None  # "" detects again
    snmp_interval: int | None = Field(default=None, ge=10)
    ssh_credential: str | None = None  # "" drops the SSH role
    ssh_port: int | None = Field(default=None, gt=0, lt=65536)
    ssh_playbooks: list[str] | None = None
    tables: list[str] | None = None  # of arp, fdb, neighbours

    @field_validator("tables")
    @classmethod
    def _tables(cls, value: list[str] | None) -> list[str] | None:
        unknown = sorted(set(value or ()) - set(TABLES))
        if unknown:
            raise ValueError(f"unknown table {unknown[0]!r}; known: {', '.join(TABLES)}")
        return value


class DeviceCreate(DeviceFields):
    name: str = Field(min_length=1, max_length=120, pattern=NAME_PATTERN)
    address: str = Field(min_length=1, max_length=255)


@dataclass(frozen=True)
class Known:
    """What the caller can check that the store cannot: the credentials file's names, the
    SSH platforms and the SNMP profiles (``None``: not checked)."""

    credentials: Collection[str] | None = None
    platforms: Collection[str] | None = None
    profiles: Collection[str] | None = None  # SNMP profile names


# ---------------------------------------------------------------- reading


def find(session: Session, name: str) -> Device | None:
    return session.exec(select(Device).where(Device.name == name)).first()


def site_of(session: Session, device: Device) -> Site | None:
    return session.get(Site, device.site_id) if device.site_id else None


def get_device(session: Session, name: str, scope: Scope = EVERYWHERE) -> Device:
    """The device named ``name``; outside the caller's district it is not found."""
    device = find(session, name)
    if device is None or not scope.covers(site_of(session, device)):
        raise NotFound("device", repr(name))
    return device


def list_devices(session: Session, scope: Scope = EVERYWHERE, *, site: str | None = None,
                 role: str | None = None) -> list[Device]:
    """Devices by name; ``role`` is ``snmp``, ``ssh`` or ``discovery``."""
    stmt = select(Device).order_by(Device.name)
    if scope.is_limited or site:
        stmt = stmt.join(Site, col(Site.id) == col(Device.site_id))
        if scope.is_limited:
            stmt = stmt.where(Site.district == scope.district)
        if site:
            stmt = stmt.where(Site.name == site)
    if role == "snmp":
        stmt = stmt.where(col(Device.snmp_credential).is_not(None))
    elif role == "ssh":
        stmt = stmt.where(col(Device.ssh_credential).is_not(None))
    elif role == "discovery":
        stmt = stmt.where(col(Device.snmp_credential).is_not(None), sa.or_(
            col(Device.read_arp), col(Device.read_fdb), col(Device.read_neighbours)))
    elif role is not None:
        raise InvalidInput("role", f"unknown role {role!r}; known: snmp, ssh, discovery")
    return list(session.exec(stmt))


def active(session: Session) -> list[Device]:
    """Enabled devices whose asset (if any) is not retired: the only ones any job reads."""
    retired = select(Asset.id).where(Asset.status == AssetStatus.RETIRED)
    stmt = select(Device).where(col(Device.enabled).is_(True)).where(sa.or_(
        col(Device.asset_id).is_(None), col(Device.asset_id).not_in(retired))
    ).order_by(Device.name)
    return list(session.exec(stmt))


def polled(session: Session) -> list[Device]:
    return [d for d in active(session) if d.polled]


def ssh_devices(session: Session) -> list[Device]:
    return [d for d in active(session) if d.ssh_credential]


def table_sources(session: Session) -> list[Device]:
    return [d for d in active(session) if d.snmp_credential and d.tables]


def site_names(session: Session) -> dict[int, str]:
    return {sid: name for sid, name in session.exec(select(Site.id, Site.name)) if sid}


def id_of(session: Session, name: str) -> int | None:
    """The id of the device named ``name``, for rows that record it by name."""
    return session.exec(select(Device.id).where(Device.name == name)).first()


# ---------------------------------------------------------------- changing


def _check(session: Session, data: DeviceFields, known: Known, scope: Scope,
           device: Device) -> None:
    """Apply ``data`` to ``device``, checking each reference."""
    given = data.model_fields_set
    if data.site is not None:
        if data.site == "":
            if scope.is_limited:
                scope.require(None, f"device {getattr(device, 'name', '')!r}")
            device.site_id = None
        else:
            site = session.exec(select(Site).where(Site.name == data.site)).first()
            if site is None:
                raise NotFound("site", repr(data.site))
            scope.require(site, f"device {device.name!r}")
            device.site_id = site.id
    elif scope.is_limited:
        scope.require(site_of(session, device), f"device {device.name!r}")
    if data.asset_tag is not None:
        if data.asset_tag == "":
            device.asset_id = None
        else:
            asset = session.exec(select(Asset).where(Asset.asset_tag == data.asset_tag)).first()
            if asset is None:
                raise NotFound("asset", repr(data.asset_tag))
            device.asset_id = asset.id
    for cred in ("snmp_credential", "ssh_credential"):
        value = getattr(data, cred)
        if value is None:
            continue
        if value and known.credentials is not None and value not in known.credentials:
            raise InvalidInput(cred, f"no credential named {value!r} in the credentials file")
        setattr(device, cred, value or None)
    if data.platform and known.platforms is not None and data.platform not in known.platforms:
        raise InvalidInput("platform", f"unknown platform {data.platform!r}; known: "
                           f"{', '.join(sorted(known.platforms))}")
    for attr in ("address", "addresses", "kind", "platform", "tags", "enabled", "snmp_port",
                 "snmp_poll", "snmp_interval", "ssh_port", "ssh_playbooks"):
        if attr in given and getattr(data, attr) is not None:
            setattr(device, attr, getattr(data, attr))
    if data.snmp_profile is not None:
        missing = [p for p in data.snmp_profile.split(",") if p and known.profiles is not None
                   and p not in known.profiles]
        if missing:
            raise InvalidInput("snmp_profile", f"no profile named {', '.join(missing)}")
        device.snmp_profile = data.snmp_profile or None
    if data.tables is not None:
        device.read_arp, device.read_fdb, device.read_neighbours = (
            t in data.tables for t in TABLES)
    if device.ssh_credential and not device.platform:
        raise InvalidInput("platform", f"device {device.name!r} is reached over SSH: name "
                           "its platform")
    if device.tables and not device.snmp_credential:
        raise InvalidInput("tables", f"device {device.name!r}: discovery reads tables over "
                           "SNMP; name its snmp_credential")


def add_device(session: Session, data: DeviceCreate, *, actor: str, scope: Scope = EVERYWHERE,
               known: Known = Known()) -> Device:
    if find(session, data.name) is not None:
        raise Conflict(f"device {data.name!r} already exists")
    device = Device(name=data.name, address=data.address)
    _check(session, data, known, scope, device)
    session.add(device)
    session.flush()
    attach(session, device)
    audit.record(session, actor, "device.create", ENTITY, device.id,
                 after=audit.snapshot(device))
    return device


def update_device(session: Session, name: str, changes: DeviceFields, *, actor: str,
                  scope: Scope = EVERYWHERE, known: Known = Known()) -> Device:
    device = get_device(session, name, scope)
    before = audit.snapshot(device)
    _check(session, changes, known, scope, device)
    after = audit.snapshot(device)
    if {k: v for k, v in after.items() if k != "updated_at"} == \
            {k: v for k, v in before.items() if k != "updated_at"}:
        return device
    device.updated_at = utcnow()
    session.add(device)
    audit.record(session, actor, "device.update", ENTITY, device.id, before=before,
                 after=audit.snapshot(device))
    return device


def remove_device(session: Session, name: str, *, actor: str,
                  scope: Scope = EVERYWHERE) -> None:
    """Remove a device. Its history (config versions, facts, compliance, neighbours, device
    events) keeps its name and loses the link; its SNMP poll events go with it."""
    device = get_device(session, name, scope)
    scope.require(site_of(session, device), f"device {name!r}")
    before = audit.snapshot(device)
    assert device.id is not None
    for event in session.exec(select(SnmpEvent).where(SnmpEvent.device_id == device.id)):
        session.delete(event)
    device_events.forget_device(session, device.id)
    models: list[type[Any]] = [*(t for t, _ in NAMED), Sighting]
    for model in models:
        table = _table(model)
        session.execute(sa.update(table).where(table.c.device_id == device.id)
                        .values(device_id=None))
    links = _table(WirelessLink)
    for end in ("device_a_id", "device_b_id"):
        session.execute(sa.update(links).where(links.c[end] == device.id).values({end: None}))
    session.delete(device)
    audit.record(session, actor, "device.delete", ENTITY, device.id, before=before)


def attach(session: Session, device: Device) -> int:
    """Point the rows that name this device (or were seen at its address) at it: what
    was recorded before it was registered is its history. The number of rows attached."""
    attached = 0
    for model, column in NAMED:
        table = _table(model)
        res = session.execute(sa.update(table).where(table.c[column] == device.name,
                                                    table.c.device_id.is_(None))
                              .values(device_id=device.id))
        attached += int(getattr(res, "rowcount", 0) or 0)
    sightings = _table(Sighting)
    for address in (device.address, *device.addresses):
        res = session.execute(sa.update(sightings).where(sightings.c.ip == address,
                                                         sightings.c.device_id.is_(None))
                              .values(device_id=device.id))
        attached += int(getattr(res, "rowcount", 0) or 0)
    links = _table(WirelessLink)
    for end, name_column in (("device_a_id", "device_a"), ("device_b_id", "device_b")):
        session.execute(sa.update(links).where(links.c[name_column] == device.name)
                        .values({end: device.id}))
    return attached


def _table(model: type[Any]) -> sa.Table:
    table: sa.Table = model.__table__
    return table


def promote(session: Session, mac: str, name: str, data: DeviceFields, *, actor: str,
            scope: Scope = EVERYWHERE, known: Known = Known()) -> Device:
    """Register a device discovery found as an unknown MAC: its address and site default
    to where it was seen, and the unknown device is marked registered."""
    unknown = session.exec(select(UnknownDevice).where(UnknownDevice.mac == mac.lower())).first()
    if unknown is None:
        raise NotFound("unknown device", repr(mac))
    site = session.exec(select(Site).where(Site.name == unknown.site)).first()
    if scope.is_limited and not scope.covers(site):
        raise NotFound("unknown device", repr(mac))
    fields = data.model_dump(exclude_none=True)
    fields.setdefault("address", unknown.ip)
    if site is not None:
        fields.setdefault("site", site.name)
    if not fields.get("address"):
        raise InvalidInput("address", f"{mac} was seen without an IP address: give one")
    device = add_device(session, DeviceCreate(name=name, **fields), actor=actor, scope=scope,
                        known=known)
    before = audit.snapshot(unknown)
    unknown.state, unknown.decided_by, unknown.decided_at = (
        UnknownState.REGISTERED, actor, utcnow())
    unknown.note = f"device {device.name}"
    session.add(unknown)
    audit.record(session, actor, "unknown.promote", "unknown_device", unknown.id,
                 before=before, after=audit.snapshot(unknown))
    return device


# ---------------------------------------------------------------- import


IMPORT_COLUMNS = ("name", "address", "addresses", "site", "asset_tag", "kind", "platform",
                  "tags", "enabled", "snmp_credential", "snmp_port", "snmp_poll",
                  "snmp_profile", "snmp_interval", "ssh_credential", "ssh_port",
                  "ssh_playbooks", "tables")
_LISTS = ("addresses", "tags", "ssh_playbooks", "tables")
_BOOLS = ("enabled", "snmp_poll")


@dataclass
class DeviceImport:
    rows: int = 0
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _row_fields(names: Sequence[str], cells: Sequence[str | None]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, cell in zip(names, cells, strict=False):
        if cell is None:
            continue
        if name in _LISTS:
            out[name] = [p.strip() for p in cell.replace(";", ",").split(",") if p.strip()]
        elif name in _BOOLS:
            lowered = cell.strip().lower()
            if lowered not in ("true", "false", "yes", "no", "1", "0"):
                raise ValueError(f"{name}: expected yes or no, got {cell!r}")
            out[name] = lowered in ("true", "yes", "1")
        else:
            out[name] = cell
    return out


def import_devices(session: Session, path: Path, *, actor: str, scope: Scope = EVERYWHERE,
                   known: Known = Known()) -> DeviceImport:
    """Add or update devices from a CSV or XLSX file (by name): every row is checked
    first; one bad row and nothing is written (``ImportRejected`` lists them all)."""
    from muniops.inventory.importer import read_table

    header, rows = read_table(path)
    names = [h.strip().lower().replace(" ", "_").replace("-", "_") for h in header]
    while names and not names[-1]:
        names.pop()
    unknown = [n for n in names if n not in IMPORT_COLUMNS]
    if unknown:
        raise InvalidInput("columns", f"unknown column {unknown[0]!r}; accepted columns: "
                           + ", ".join(IMPORT_COLUMNS))
    if "name" not in names:
        raise InvalidInput("columns", "the header needs 'name'")
    result, errors, seen = DeviceImport(), [], set[str]()
    for line, cells in rows:
        result.rows += 1
        try:
            fields = _row_fields(names, cells)
            name = str(fields.pop("name", "") or "")
            if name in seen:
                raise ValueError(f"device {name!r} appears twice in the file")
            seen.add(name)
            with session.begin_nested():  # a savepoint: a bad row leaves nothing behind
                if find(session, name) is None:
                    add_device(session, DeviceCreate(name=name, **fields), actor=actor,
                               scope=scope, known=known)
                    result.created.append(name)
                else:
                    before = audit.snapshot(get_device(session, name, scope))
                    after = audit.snapshot(update_device(
                        session, name, DeviceFields(**fields), actor=actor, scope=scope,
                        known=known))
                    (result.updated if after != before else result.unchanged).append(name)
                session.flush()
        except ValidationError as exc:
            errors.append(RowError(line, "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'row'}: "
                f"{str(e['msg']).removeprefix('Value error, ')}" for e in exc.errors())))
        except (ValueError, InvalidInput, NotFound, Conflict) as exc:
            errors.append(RowError(line, str(exc).removeprefix("Value error, ")))
        except Exception as exc:  # AccessDenied and the like: still one row's fault
            errors.append(RowError(line, str(exc)))
    if errors:
        raise ImportRejected(path.name, errors)
    return result


# ---------------------------------------------------------------- one-release import


@dataclass(frozen=True)
class LegacyEntry:
    """A device a config file still lists: ``key`` is where (for the warning)."""

    key: str
    name: str
    address: str
    site: str = ""
    ssh: tuple[str, str, int] | None = None  # platform, credential, port
    kind: str = ""
    tags: tuple[str, ...] = ()
    snmp: tuple[str, int] | None = None  # credential, port (discovery sources)
    tables: tuple[str, ...] = ()


def import_legacy(session: Session, entries: Iterable[LegacyEntry], *,
                  actor: str = "config-import") -> list[str]:
    """Upsert the devices a config file still lists (``playbooks.devices``,
    ``discovery.sites.*.snmp``) into the register, merging with a device of the same name
    (lab devices share one address), and attach their history. Returns one deprecation
    warning per key."""
    warned: dict[str, list[str]] = {}
    for entry in entries:
        device = find(session, entry.name)  # by name: lab devices share one address
        fields: dict[str, Any] = {}
        if entry.site:
            site = session.exec(select(Site).where(Site.name == entry.site)).first()
            if site is None:
                site = Site(name=entry.site)
                session.add(site)
                session.flush()
                audit.record(session, actor, "site.create", "site", site.id,
                             after=audit.snapshot(site))
            fields["site"] = site.name
        if entry.ssh is not None:
            platform, credential, port = entry.ssh
            fields.update(platform=platform, ssh_credential=credential, ssh_port=port)
        if entry.kind:
            fields["kind"] = entry.kind
        if entry.tags:
            fields["tags"] = sorted(set(entry.tags) | set(device.tags if device else ()))
        if entry.snmp is not None:
            credential, port = entry.snmp
            if device is None or not device.snmp_credential:  # read for tables, not polled
                fields.update(snmp_credential=credential, snmp_port=port, snmp_poll=False)
            fields["tables"] = sorted(set(entry.tables) | set(device.tables if device else ()))
        if device is None:
            add_device(session, DeviceCreate(name=entry.name, address=entry.address, **fields),
                       actor=actor)
        else:
            update_device(session, device.name, DeviceFields(**fields), actor=actor)
            attach(session, device)
        warned.setdefault(entry.key, []).append(entry.name)
    return [f"the config key {key!r} is deprecated and will be ignored in the next release: "
            f"its devices ({', '.join(names)}) are now in the device register; manage them "
            "with 'muniops devices' and remove the key" for key, names in warned.items()]


# ---------------------------------------------------------------- one place


def detail(session: Session, device: Device, *, events: int = 20,
           redact: Callable[[str], str] | None = None,
           scope: Scope = EVERYWHERE) -> dict[str, Any]:
    """Everything the store knows of one device: the record, its site and asset, SNMP
    state and events, the last backup and what it changed (the diff only with ``redact``:
    configurations hold secrets), compliance, facts, neighbours, where it was seen, the
    asset's PM tasks (the asset only when the caller's scope covers its site). JSON-safe."""
    from muniops.inventory import configs
    from muniops.inventory.models.events import DeviceEvent
    from muniops.inventory.models.pm import PmTask

    assert device.id is not None
    site = site_of(session, device)
    asset = session.get(Asset, device.asset_id) if device.asset_id else None
    if asset is not None and not scope.covers(
            session.get(Site, asset.site_id) if asset.site_id else None):
        asset = None  # another district's asset: a liaison does not learn of it
    record = device.model_dump(mode="json", exclude={"facts"})
    record["tables"] = device.tables
    snmp_events = session.exec(select(SnmpEvent).where(SnmpEvent.device_id == device.id)
                               .order_by(col(SnmpEvent.at).desc(), col(SnmpEvent.id).desc())
                               .limit(events))
    said = session.exec(select(DeviceEvent).where(DeviceEvent.device_id == device.id)
                        .order_by(col(DeviceEvent.at).desc(), col(DeviceEvent.id).desc())
                        .limit(events))
    backup = session.exec(select(ConfigBackupState)
                          .where(ConfigBackupState.device_id == device.id)).first()
    versions = list(session.exec(select(ConfigVersion).where(ConfigVersion.device_id == device.id)
                                 .order_by(col(ConfigVersion.version).desc()).limit(2)))
    diff = (configs.unified_diff(versions[1], versions[0], redact)
            if len(versions) == 2 and redact is not None else "")
    facts = session.exec(select(DeviceFacts).where(DeviceFacts.device_id == device.id)).first()
    checks = session.exec(select(ComplianceResult).where(ComplianceResult.device_id == device.id)
                          .order_by(ComplianceResult.playbook, ComplianceResult.rule))
    neighbours = session.exec(select(Neighbour).where(Neighbour.device_id == device.id)
                              .order_by(Neighbour.local_port))
    seen = session.exec(select(Sighting).where(Sighting.device_id == device.id)
                        .order_by(col(Sighting.last_seen).desc()).limit(10))
    macs = session.exec(select(sa.func.count()).select_from(MacPort)
                        .where(MacPort.device_id == device.id)).one()
    tasks = list(session.exec(select(PmTask).where(PmTask.asset_id == asset.id)
                              .order_by(col(PmTask.due_date)))) if asset else []

    def dump(rows: Iterable[Any], *drop: str) -> list[dict[str, Any]]:
        return [r.model_dump(mode="json", exclude={"id", "device_id", *drop}) for r in rows]

    return {
        "device": record,
        "site": site.name if site else None,
        "district": site.district if site else None,
        "asset": asset.model_dump(mode="json") if asset else None,
        "snmp": {"state": device.state, "reason": device.state_reason,
                 "profile": device.snmp_profile or device.detected_profile,
                 "last_poll_at": record["last_poll_at"],
                 "last_success_at": record["last_success_at"], "facts": device.facts,
                 "events": dump(snmp_events)},
        "device_events": dump(said),
        "backup": None if backup is None else {
            **backup.model_dump(mode="json", exclude={"id", "device_id"}),
            "latest_version": versions[0].version if versions else None,
            "diff": diff},
        "facts": facts.model_dump(mode="json", exclude={"id", "device_id"}) if facts else None,
        "compliance": dump(checks),
        "neighbours": dump(neighbours),
        "forwarding_entries": int(macs),
        "sightings": dump(seen),
        "pm_tasks": [t.model_dump(mode="json", exclude={"asset_id"}) for t in tasks],
    }
