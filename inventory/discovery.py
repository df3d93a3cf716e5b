"""Reconciling what the networks show with the register.

A sighting (IP and/or MAC seen at a site) is matched to an asset by MAC (``asset_mac``),
else by hostname, else by an IP the asset was last seen with. A matched asset's presence
(last seen, where, how) is updated; an unmatched MAC becomes an *unapproved* device until a
technician registers it (adds the MAC to an asset) or ignores it. A deployed asset that
discovery could see (it has a MAC or hostname) but has not seen for N days is *missing*.
No network code here: the collector's discovery feeds these operations."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import func
from sqlmodel import Session, col, select

from muniops.inventory import audit
from muniops.inventory.assets import label
from muniops.inventory.errors import NotFound
from muniops.inventory.models import Asset, AssetMac, AssetStatus, Site
from muniops.inventory.models.discovery import (
    AssetPresence,
    MacPort,
    Neighbour,
    NeighbourProtocol,
    SeenBy,
    Sighting,
    SweepRun,
    UnknownDevice,
    UnknownState,
)
from muniops.inventory.schemas import normalize_mac
from muniops.inventory.scope import EVERYWHERE, Scope
from muniops.inventory.sites import site_names
from muniops.inventory.types import utcnow

UNKNOWN = "unknown_device"


@dataclass(frozen=True)
class Observation:
    """One device seen: an IP, a MAC (normalised, or ""), its vendor, a hostname if known."""

    ip: str
    mac: str
    how: SeenBy
    vendor: str = ""
    hostname: str = ""


@dataclass
class ReconcileSummary:
    seen: int = 0
    matched: int = 0
    new_unknown: int = 0
    unknown_seen: int = 0


@dataclass(frozen=True)
class FdbEntry:
    """A switch learnt ``mac`` on ``port`` (in ``vlan`` when the table says)."""

    mac: str
    port: str
    vlan: int | None = None


@dataclass(frozen=True)
class Link:
    """A neighbour as a device reports it over LLDP or CDP."""

    local_port: str
    protocol: NeighbourProtocol
    remote_name: str
    remote_port: str
    remote_address: str = ""
    remote_platform: str = ""


class UnknownPublic(BaseModel):
    mac: str
    vendor: str
    ip: str
    site: str
    state: UnknownState
    first_seen: datetime
    last_seen: datetime
    switch: str | None = None
    port: str | None = None
    vlan: int | None = None


class MissingPublic(BaseModel):
    asset: str
    hostname: str | None
    site: str | None
    last_seen: datetime | None
    days_unseen: int


class Location(BaseModel):
    mac: str | None
    ip: str | None
    vendor: str
    asset: str | None
    site: str | None
    switch: str | None
    port: str | None
    vlan: int | None
    last_seen: datetime | None
    how: SeenBy | None


class NeighbourPublic(BaseModel):
    device: str
    local_port: str
    protocol: NeighbourProtocol
    remote_name: str
    remote_port: str
    remote_address: str
    remote_platform: str
    site: str
    last_seen: datetime
    # the register's name for the neighbour (an SNMP device, else an asset) when it knows
    # it: LLDP/CDP give the name the device calls itself (sysName)
    remote_device: str = ""


def _short(hostname: str) -> str:
    return hostname.strip().lower().split(".")[0]


class _Matcher:
    """The register's identifiers, loaded once per reconciliation."""

    def __init__(self, session: Session) -> None:
        self.by_mac = dict(session.exec(select(AssetMac.mac, AssetMac.asset_id)).all())
        self.by_host: dict[str, int] = {}
        for asset_id, hostname in session.exec(
            select(Asset.id, Asset.hostname).where(col(Asset.hostname).is_not(None))
        ):
            if hostname and asset_id is not None:
                self.by_host.setdefault(_short(hostname), asset_id)
        self.by_ip = {ip: aid for aid, ip in session.exec(
            select(AssetPresence.asset_id, AssetPresence.ip).where(AssetPresence.ip != ""))}

    def match(self, obs: Observation) -> int | None:
        if obs.mac:
            return self.by_mac.get(obs.mac)  # a MAC the register does not know is unknown
        if obs.hostname and _short(obs.hostname) in self.by_host:
            return self.by_host[_short(obs.hostname)]
        return self.by_ip.get(obs.ip) if obs.ip else None


def record_observations(session: Session, site: str, observations: Iterable[Observation], *,
                        actor: str, now: datetime | None = None) -> ReconcileSummary:
    """Store sightings and reconcile them with the register (one transaction)."""
    now = now or utcnow()
    matcher = _Matcher(session)
    summary = ReconcileSummary()
    managed = _device_addresses(session)
    for obs in observations:
        summary.seen += 1
        asset_id = matcher.match(obs)
        _upsert_sighting(session, site, obs, asset_id, now, managed.get(obs.ip))
        if asset_id is not None:
            summary.matched += 1
            _mark_present(session, asset_id, site, obs, now)
        elif obs.mac:
            summary.unknown_seen += 1
            if _flag_unknown(session, site, obs, now, actor):
                summary.new_unknown += 1
    _resolve_registered(session, actor, now)
    session.flush()
    return summary


def _device_addresses(session: Session) -> dict[str, int]:
    """Managed devices by each of their addresses: a sighting of one is attached to it."""
    from muniops.inventory.models.devices import Device

    out: dict[str, int] = {}
    for d in session.exec(select(Device)):
        for address in (d.address, *d.addresses):
            if d.id is not None:
                out.setdefault(address, d.id)
    return out


def _upsert_sighting(session: Session, site: str, obs: Observation, asset_id: int | None,
                     now: datetime, device_id: int | None = None) -> None:
    row = session.exec(select(Sighting).where(
        Sighting.site == site, Sighting.ip == obs.ip, Sighting.mac == obs.mac)).first()
    if row is None:
        row = Sighting(site=site, ip=obs.ip, mac=obs.mac, how=obs.how, first_seen=now)
        session.add(row)
    row.last_seen, row.how, row.asset_id = now, obs.how, asset_id
    row.device_id = device_id if device_id is not None else row.device_id
    row.vendor = obs.vendor or row.vendor


def _mark_present(session: Session, asset_id: int, site: str, obs: Observation,
                  now: datetime) -> None:
    row = session.get(AssetPresence, asset_id)
    if row is None:
        row = AssetPresence(asset_id=asset_id, last_seen=now, how=obs.how)
        session.add(row)
    row.last_seen, row.how, row.site = now, obs.how, site
    row.ip = obs.ip or row.ip
    row.mac = obs.mac or row.mac


def _flag_unknown(session: Session, site: str, obs: Observation, now: datetime,
                  actor: str) -> bool:
    row = session.exec(select(UnknownDevice).where(UnknownDevice.mac == obs.mac)).first()
    if row is not None:
        row.last_seen, row.site = now, site
        row.ip = obs.ip or row.ip
        row.vendor = obs.vendor or row.vendor
        if row.state == UnknownState.REGISTERED:  # its asset lost the MAC: unknown again
            row.state = UnknownState.UNAPPROVED
        return False
    row = UnknownDevice(mac=obs.mac, site=site, ip=obs.ip, vendor=obs.vendor,
                        first_seen=now, last_seen=now)
    session.add(row)
    session.flush()
    audit.record(session, actor, "discovery.unknown", UNKNOWN, row.id,
                 after=audit.snapshot(row))
    return True


def _resolve_registered(session: Session, actor: str, now: datetime) -> None:
    """A flagged MAC that an asset now carries is registered: no longer unapproved."""
    flagged = session.exec(select(UnknownDevice)
                           .join(AssetMac, col(AssetMac.mac) == UnknownDevice.mac)
                           .where(UnknownDevice.state == UnknownState.UNAPPROVED))
    for row in flagged:
        before = audit.snapshot(row)
        row.state, row.decided_at, row.decided_by = UnknownState.REGISTERED, now, actor
        audit.record(session, actor, "discovery.registered", UNKNOWN, row.id, before=before,
                     after=audit.snapshot(row))


def ignore_unknown(session: Session, mac: str, *, actor: str, note: str = "",
                   scope: Scope = EVERYWHERE) -> UnknownDevice:
    """A technician accepts a device the register will not hold (a visitor's phone...);
    a liaison only one seen in its district."""
    mac = normalize_mac(mac)
    row = session.exec(select(UnknownDevice).where(UnknownDevice.mac == mac)).first()
    names = site_names(session, scope)
    if row is None or (names is not None and row.site not in names):
        raise NotFound("unknown device", mac)
    before = audit.snapshot(row)
    row.state, row.decided_by, row.decided_at, row.note = (UnknownState.IGNORED, actor,
                                                            utcnow(), note)
    session.flush()
    audit.record(session, actor, "discovery.ignore", UNKNOWN, row.id, before=before,
                 after=audit.snapshot(row))
    return row


def _edge_ports(session: Session, macs: Sequence[str]) -> dict[str, MacPort]:
    """Where each MAC is plugged in: of the switches that learnt it, the port that is not a
    link to another device (no LLDP/CDP neighbour) and carries the fewest MACs."""
    if not macs:
        return {}
    uplinks = {(d, p) for d, p in session.exec(select(Neighbour.device, Neighbour.local_port))}
    load = {(s, p): n for s, p, n in session.exec(
        select(MacPort.switch, MacPort.port, func.count()).group_by(
            col(MacPort.switch), col(MacPort.port)))}
    best: dict[str, MacPort] = {}
    for row in session.exec(select(MacPort).where(col(MacPort.mac).in_(list(macs)))):
        key = ((row.switch, row.port) in uplinks, load.get((row.switch, row.port), 0))
        current = best.get(row.mac)
        if current is None or key < ((current.switch, current.port) in uplinks,
                                     load.get((current.switch, current.port), 0)):
            best[row.mac] = row
    return best


def list_unknown(session: Session, site: str | None = None, include_ignored: bool = False,
                 scope: Scope = EVERYWHERE) -> list[UnknownPublic]:
    """Unapproved devices (MACs no asset carries), with their switch port where known."""
    registered = set(session.exec(select(AssetMac.mac)))
    stmt = select(UnknownDevice).order_by(col(UnknownDevice.site), col(UnknownDevice.mac))
    names = site_names(session, scope)
    if names is not None:
        stmt = stmt.where(col(UnknownDevice.site).in_(names))
    if not include_ignored:
        stmt = stmt.where(UnknownDevice.state == UnknownState.UNAPPROVED)
    if site:
        stmt = stmt.where(UnknownDevice.site == site)
    rows = [r for r in session.exec(stmt) if r.mac not in registered]
    ports = _edge_ports(session, [r.mac for r in rows])
    out = []
    for r in rows:
        port = ports.get(r.mac)
        out.append(UnknownPublic(
            mac=r.mac, vendor=r.vendor, ip=r.ip, site=r.site, state=r.state,
            first_seen=r.first_seen, last_seen=r.last_seen,
            switch=port.switch if port else None, port=port.port if port else None,
            vlan=port.vlan if port else None))
    return out


def list_missing(session: Session, after_days: int, now: datetime | None = None,
                 scope: Scope = EVERYWHERE) -> list[MissingPublic]:
    """Deployed assets discovery could recognise but has not seen for ``after_days``."""
    now = now or utcnow()
    cutoff = now - timedelta(days=after_days)
    with_mac = set(session.exec(select(AssetMac.asset_id)))
    sites = {sid: name for sid, name in session.exec(select(Site.id, Site.name))}
    presence = {p.asset_id: p.last_seen for p in session.exec(select(AssetPresence))}
    out = []
    stmt = select(Asset).where(Asset.status == AssetStatus.DEPLOYED)
    if scope.district is not None:
        stmt = stmt.join(Site, col(Site.id) == Asset.site_id).where(
            Site.district == scope.district)
    for asset in session.exec(stmt.order_by(col(Asset.asset_tag), col(Asset.id))):
        if asset.id not in with_mac and not asset.hostname:
            continue
        seen = presence.get(asset.id or 0)
        since = seen or asset.created_at
        if since >= cutoff:
            continue
        out.append(MissingPublic(asset=label(asset), hostname=asset.hostname,
                                 site=sites.get(asset.site_id) if asset.site_id else None,
                                 last_seen=seen, days_unseen=(now - since).days))
    return out


def record_forwarding(session: Session, switch: str, site: str, entries: Iterable[FdbEntry],
                      now: datetime | None = None) -> int:
    """Replace what ``switch`` last reported in its forwarding table."""
    from muniops.inventory.devices import id_of

    now = now or utcnow()
    device_id = id_of(session, switch)
    existing = {r.mac: r for r in session.exec(select(MacPort).where(MacPort.switch == switch))}
    seen: set[str] = set()
    for e in entries:
        row = existing.get(e.mac)
        if row is None:
            row = MacPort(switch=switch, mac=e.mac, port=e.port)
            session.add(row)
            existing[e.mac] = row
        row.port, row.vlan, row.site, row.last_seen = e.port, e.vlan, site, now
        row.device_id = device_id
        seen.add(e.mac)
    for mac, row in existing.items():
        if mac not in seen:
            session.delete(row)
    session.flush()
    return len(seen)


def record_neighbours(session: Session, device: str, site: str, links: Iterable[Link],
                      now: datetime | None = None) -> int:
    """Replace the neighbours ``device`` last reported."""
    from muniops.inventory.devices import id_of

    now = now or utcnow()
    device_id = id_of(session, device)
    for old in session.exec(select(Neighbour).where(Neighbour.device == device)):
        session.delete(old)
    session.flush()
    count = 0
    unique: set[tuple[str, str, str, str]] = set()
    for link in links:
        key = (link.local_port, link.protocol.value, link.remote_name, link.remote_port)
        if key in unique:
            continue
        unique.add(key)
        session.add(Neighbour(device=device, device_id=device_id, site=site, last_seen=now,
                              **link.__dict__))
        count += 1
    session.flush()
    return count


def topology(session: Session, site: str | None = None,
             scope: Scope = EVERYWHERE) -> list[NeighbourPublic]:
    """LLDP/CDP neighbours; a liaison's: those its district's devices report."""
    stmt = select(Neighbour).order_by(col(Neighbour.device), col(Neighbour.local_port),
                                      col(Neighbour.remote_name))
    names = site_names(session, scope)
    if names is not None:
        stmt = stmt.where(col(Neighbour.site).in_(names))
    if site:
        stmt = stmt.where(Neighbour.site == site)
    known = _registered_names(session)
    out = []
    for n in session.exec(stmt):
        name = (known.get(("address", n.remote_address)) if n.remote_address else None) \
            or known.get(("name", _short(n.remote_name))) or ""
        out.append(NeighbourPublic(**n.model_dump(exclude={"id"}), remote_device=name))
    return out


def _registered_names(session: Session) -> dict[tuple[str, str], str]:
    """What the register calls a device, by address and by (short) name: devices by
    their address and polled sysName, assets by host name (their tag, else serial)."""
    from muniops.inventory.assets import label
    from muniops.inventory.models.devices import Device

    names: dict[tuple[str, str], str] = {}
    for asset in session.exec(select(Asset).where(col(Asset.hostname).is_not(None),
                                                  Asset.hostname != "")):
        names.setdefault(("name", _short(asset.hostname or "")), label(asset))
    for device in session.exec(select(Device)):
        names[("address", device.address)] = device.name
        sys_name = (device.facts or {}).get("sys_name")
        if sys_name:
            names[("name", _short(str(sys_name)))] = device.name
    return names


def record_sweep(session: Session, run: SweepRun) -> None:
    session.add(run)
    session.flush()


def _macs_for(session: Session, ref: str) -> list[str]:
    """MAC, IP, hostname or asset tag → the MACs it names."""
    try:
        return [normalize_mac(ref)]
    except ValueError:
        pass
    macs = [m for m in session.exec(select(Sighting.mac).where(
        Sighting.ip == ref, Sighting.mac != "").order_by(col(Sighting.last_seen).desc()))]
    if macs:
        return list(dict.fromkeys(macs))
    asset = session.exec(select(Asset).where(
        (func.lower(Asset.hostname) == ref.lower()) | (Asset.asset_tag == ref))).first()
    if asset is None and "." in ref:
        asset = session.exec(select(Asset).where(
            func.lower(Asset.hostname) == _short(ref))).first()
    if asset is not None:
        return list(session.exec(select(AssetMac.mac).where(AssetMac.asset_id == asset.id)))
    return []


def locate(session: Session, ref: str, scope: Scope = EVERYWHERE) -> list[Location]:
    """Where a device is: its switch port, site, last address and whose asset it is; for
    a liaison only where it was seen in its district."""
    names = site_names(session, scope)
    found = _locate(session, ref)
    if names is not None:
        found = [loc for loc in found if loc.site in names]
        if not found:
            raise NotFound("device", f"{ref!r} (never seen on the network)")
    return found


def _locate(session: Session, ref: str) -> list[Location]:
    macs = _macs_for(session, ref.strip())
    if not macs:
        return _locate_ip_only(session, ref.strip())
    ports = _edge_ports(session, macs)
    owners = dict(session.exec(select(AssetMac.mac, AssetMac.asset_id)
                               .where(col(AssetMac.mac).in_(macs))).all())
    out = []
    for mac in macs:
        sighting = session.exec(select(Sighting).where(Sighting.mac == mac)
                                .order_by(col(Sighting.last_seen).desc())).first()
        port = ports.get(mac)
        if sighting is None and port is None:
            continue
        asset = session.get(Asset, owners[mac]) if mac in owners else None
        out.append(Location(
            mac=mac, ip=sighting.ip if sighting else None,
            vendor=sighting.vendor if sighting else "",
            asset=label(asset) if asset else None,
            site=(port.site if port and port.site else sighting.site if sighting else None),
            switch=port.switch if port else None, port=port.port if port else None,
            vlan=port.vlan if port else None,
            last_seen=max(t for t in (sighting.last_seen if sighting else None,
                                      port.last_seen if port else None) if t is not None),
            how=sighting.how if sighting else SeenBy.SNMP_FDB))
    if not out:
        raise NotFound("device", f"{ref!r} (never seen on the network)")
    return out


def _locate_ip_only(session: Session, ip: str) -> list[Location]:
    """A routed host answers pings with its IP only: its site is all that is known."""
    row = session.exec(select(Sighting).where(Sighting.ip == ip)
                       .order_by(col(Sighting.last_seen).desc())).first()
    if row is None:
        raise NotFound("device", repr(ip))
    asset = session.get(Asset, row.asset_id) if row.asset_id else None
    return [Location(mac=None, ip=row.ip, vendor=row.vendor, asset=label(asset) if asset else None,
                     site=row.site, switch=None, port=None, vlan=None, last_seen=row.last_seen,
                     how=row.how)]


def unknown_by_site(session: Session) -> dict[str, int]:
    registered = set(session.exec(select(AssetMac.mac)))
    counts: dict[str, int] = {}
    for mac, site in session.exec(select(UnknownDevice.mac, UnknownDevice.site).where(
            UnknownDevice.state == UnknownState.UNAPPROVED)):
        if mac not in registered:
            counts[site] = counts.get(site, 0) + 1
    return counts


def last_sweeps(session: Session) -> list[SweepRun]:
    """The latest sweep of each (site, subnet)."""
    latest = (select(SweepRun.site, SweepRun.subnet, func.max(SweepRun.id).label("id"))
              .group_by(col(SweepRun.site), col(SweepRun.subnet)).subquery())
    return list(session.exec(select(SweepRun).join(latest, col(SweepRun.id) == latest.c.id)))
