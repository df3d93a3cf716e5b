"""Performance indicators over a period, from what the store keeps: poll events (device
availability), sampled state changes (links, antivirus, configuration backups), PM tasks,
repair tickets, backups made and unknown devices resolved.

Each indicator is a numerator and a denominator per site (seconds up of seconds known,
tasks done of tasks due, days of tickets...), so a district's or the municipality's figure
is the sum of its sites' — the same sums the Prometheus recording rules make."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, col, select

from muniops.inventory.agent_policy import AntivirusPolicy, av_problems
from muniops.inventory.backup_policy import BackupSettings
from muniops.inventory.kpi_policy import Indicator, KpiSettings
from muniops.inventory.models import Asset, HostFacts, RepairTicket, Site
from muniops.inventory.models.backups import BackupSample, BackupStatus, KpiSample
from muniops.inventory.models.configs import ConfigBackupState
from muniops.inventory.models.devices import Device
from muniops.inventory.models.discovery import UnknownDevice
from muniops.inventory.models.pm import PmState, PmTask
from muniops.inventory.models.snmp import (
    LinkState,
    SnmpEvent,
    SnmpEventKind,
    WirelessLink,
)
from muniops.inventory.types import utcnow

DAY = 86400.0


@dataclass
class Tally:
    num: float = 0.0
    den: float = 0.0

    def add(self, num: float, den: float) -> None:
        self.num += num
        self.den += den

    @property
    def value(self) -> float | None:
        return self.num / self.den if self.den else None


PerSite = dict[int | None, Tally]  # by site id (None: no site)


@dataclass(frozen=True)
class Window:
    """A period: local calendar days [first, after) in ``tz``, and the same as UTC moments
    (the end cut at ``now`` for the period still running)."""

    first: date
    after: date
    tz: str
    now: datetime

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(0), ZoneInfo(self.tz)).astimezone(UTC)

    @property
    def end(self) -> datetime:
        full = datetime.combine(self.after, time(0), ZoneInfo(self.tz)).astimezone(UTC)
        return min(full, self.now)


@dataclass(frozen=True)
class Context:
    settings: KpiSettings
    backups: BackupSettings
    antivirus: AntivirusPolicy


def time_share(changes: Iterable[tuple[datetime, bool]], start: datetime, end: datetime
               ) -> tuple[float, float]:
    """Seconds good and seconds known in [start, end) from state changes in time order;
    before the first change the state is unknown and not counted."""
    good = known = 0.0
    state: bool | None = None
    t = start
    for at, value in changes:
        if at <= start:
            state = value
            continue
        if at >= end:
            break
        if state is not None:
            known += (at - t).total_seconds()
            good += (at - t).total_seconds() if state else 0.0
        state, t = value, at
    if state is not None and end > t:
        known += (end - t).total_seconds()
        good += (end - t).total_seconds() if state else 0.0
    return good, known


# ---- the indicators -------------------------------------------------------------------------

def device_availability(s: Session, w: Window, ind: Indicator, ctx: Context) -> PerSite:
    """Share of time each polled device answered, from its unreachable/reachable events
    (up from when it was added until an event says otherwise)."""
    out: PerSite = defaultdict(Tally)
    devices = [d for d in s.exec(select(Device).where(col(Device.enabled).is_(True)))
               if d.polled]
    events: dict[int, list[tuple[datetime, bool]]] = defaultdict(list)
    kinds = (SnmpEventKind.UNREACHABLE, SnmpEventKind.REACHABLE)
    for device_id, at, kind in s.exec(
            select(SnmpEvent.device_id, SnmpEvent.at, SnmpEvent.kind)
            .where(col(SnmpEvent.kind).in_(kinds), col(SnmpEvent.at) < w.end)
            .order_by(col(SnmpEvent.at), col(SnmpEvent.id))):
        events[device_id].append((at, kind == SnmpEventKind.REACHABLE))
    for d in devices:
        changes = [(d.created_at, True), *events.get(d.id or 0, [])]
        out[d.site_id].add(*time_share(changes, w.start, w.end))
    return out


def _sampled(indicator: str) -> Callable[[Session, Window, Indicator, Context], PerSite]:
    def compute(s: Session, w: Window, ind: Indicator, ctx: Context) -> PerSite:
        out: PerSite = defaultdict(Tally)
        per_subject: dict[str, list[tuple[datetime, bool]]] = defaultdict(list)
        site_of: dict[str, int | None] = {}
        for subject, site_id, at, good in s.exec(
                select(KpiSample.subject, KpiSample.site_id, KpiSample.at, KpiSample.good)
                .where(KpiSample.indicator == indicator, col(KpiSample.at) < w.end)
                .order_by(col(KpiSample.at), col(KpiSample.id))):
            per_subject[subject].append((at, good))
            site_of[subject] = site_id
        for subject, changes in per_subject.items():
            out[site_of[subject]].add(*time_share(changes, w.start, w.end))
        return out

    compute.__doc__ = f"Share of time good, from the sampled changes of {indicator!r}."
    return compute


def pm_completion(s: Session, w: Window, ind: Indicator, ctx: Context) -> PerSite:
    """PM tasks due in the period (up to today) that are done, of all due."""
    out: PerSite = defaultdict(Tally)
    last = min(w.after - timedelta(days=1), w.now.astimezone(ZoneInfo(w.tz)).date())
    for site_id, state, n in s.exec(
            select(Asset.site_id, PmTask.state, func.count())
            .join(Asset, col(Asset.id) == PmTask.asset_id)
            .where(col(PmTask.due_date) >= w.first, col(PmTask.due_date) <= last)
            .group_by(col(Asset.site_id), col(PmTask.state))):
        out[site_id].add(n if state == PmState.DONE else 0, n)
    return out


def _turnaround(warranty_only: bool) -> Callable[[Session, Window, Indicator, Context], PerSite]:
    def compute(s: Session, w: Window, ind: Indicator, ctx: Context) -> PerSite:
        out: PerSite = defaultdict(Tally)
        stmt = (select(Asset.site_id, RepairTicket.sent_at, RepairTicket.returned_at)
                .join(Asset, col(Asset.id) == RepairTicket.asset_id)
                .where(col(RepairTicket.returned_at) >= w.start,
                       col(RepairTicket.returned_at) < w.end))
        if warranty_only:
            stmt = stmt.where(col(RepairTicket.under_warranty).is_(True))
        for site_id, sent, returned in s.exec(stmt):
            if returned is not None:  # the filter says so; the type does not
                out[site_id].add((returned - sent).total_seconds() / DAY, 1)
        return out

    compute.__doc__ = ("Mean days at the vendor of warranty parts back in the period."
                       if warranty_only else
                       "Mean days from a repair ticket's opening to its close, for tickets "
                       "closed in the period.")
    return compute


def backup_success(s: Session, w: Window, ind: Indicator, ctx: Context) -> PerSite:
    """Of the period's backup slots (each ``every_hours`` of each host's backup, counted
    from the period's start), the share in which a backup was made."""
    out: PerSite = defaultdict(Tally)
    start, end = w.start, w.end
    made: dict[tuple[int, str], list[float]] = defaultdict(list)
    for asset_id, name, at in s.exec(select(BackupSample.asset_id, BackupSample.name,
                                            BackupSample.made_at)
                                     .where(col(BackupSample.made_at) >= start,
                                            col(BackupSample.made_at) < end)):
        made[(asset_id, name)].append((at - start).total_seconds())
    span = (end - start).total_seconds()
    for asset_id, name, site_id in s.exec(
            select(BackupStatus.asset_id, BackupStatus.name, Asset.site_id)
            .join(Asset, col(Asset.id) == BackupStatus.asset_id)):
        rule = ctx.backups.rule(name)
        if rule is None:
            continue
        every = rule.every_hours * 3600
        slots = int(span // every)
        hit = {int(offset // every) for offset in made[(asset_id, name)]}
        out[site_id].add(len({h for h in hit if h < slots}), slots)
    return out


def unknown_resolved(s: Session, w: Window, ind: Indicator, ctx: Context) -> PerSite:
    """Unknown devices first seen in the period that were decided within ``within_days``."""
    out: PerSite = defaultdict(Tally)
    sites = {name: sid for sid, name in s.exec(select(Site.id, Site.name))}
    limit = timedelta(days=ind.within_days)
    for site, first, decided in s.exec(
            select(UnknownDevice.site, UnknownDevice.first_seen, UnknownDevice.decided_at)
            .where(col(UnknownDevice.first_seen) >= w.start,
                   col(UnknownDevice.first_seen) < w.end)):
        ok = decided is not None and decided - first <= limit
        out[sites.get(site)].add(1 if ok else 0, 1)
    return out


INDICATORS: dict[str, Callable[[Session, Window, Indicator, Context], PerSite]] = {
    "device_availability": device_availability,
    "link_availability": _sampled("link"),
    "antivirus_compliance": _sampled("antivirus"),
    "config_backup_success": _sampled("config_backup"),
    "pm_completion": pm_completion,
    "repair_turnaround_days": _turnaround(False),
    "warranty_vendor_days": _turnaround(True),
    "backup_success": backup_success,
    "unknown_resolved": unknown_resolved,
}


def compute(session: Session, indicator: Indicator, window: Window, ctx: Context) -> PerSite:
    return dict(INDICATORS[indicator.name](session, window, indicator, ctx))


# ---- sampling the states the store keeps only as "now" -------------------------------------

def _states_now(session: Session, ctx: Context, now: datetime
                ) -> Iterable[tuple[str, str, int | None, bool]]:
    sites = {name: sid for sid, name in session.exec(select(Site.id, Site.name))}
    for link in session.exec(select(WirelessLink)):
        if link.state != LinkState.UNKNOWN:
            yield "link", link.name, sites.get(link.site_a), link.state != LinkState.DOWN
    family = col(HostFacts.facts)["os"]["family"].as_string()
    for asset_id, antivirus, site_id, os_family in session.exec(
            select(HostFacts.asset_id, HostFacts.antivirus, Asset.site_id, family)
            .join(Asset, col(Asset.id) == HostFacts.asset_id)):
        good = not av_problems(dict(antivirus or {}), str(os_family or "").lower(),
                               ctx.antivirus, now)
        yield "antivirus", f"asset-{asset_id}", site_id, good
    max_age = timedelta(hours=ctx.settings.config_backup_max_age_hours)
    for state in session.exec(select(ConfigBackupState)):
        good = (not state.last_cause and state.last_success_at is not None
                and now - state.last_success_at <= max_age)
        yield "config_backup", state.device, sites.get(state.site), good


def sample_states(session: Session, ctx: Context, now: datetime | None = None) -> int:
    """Record each link's, host's and device's state where it changed since the last
    sample (a change log, not a sample per minute: a city's year stays small)."""
    now = now or utcnow()
    latest = (select(KpiSample.indicator, KpiSample.subject, func.max(KpiSample.id))
              .group_by(col(KpiSample.indicator), col(KpiSample.subject)))
    ids = [row[2] for row in session.exec(latest)]
    last = {(r.indicator, r.subject): r.good for r in session.exec(
        select(KpiSample).where(col(KpiSample.id).in_(ids)))} if ids else {}
    written = 0
    for indicator, subject, site_id, good in _states_now(session, ctx, now):
        if last.get((indicator, subject)) is not good:
            session.add(KpiSample(indicator=indicator, subject=subject[:200], site_id=site_id,
                                  at=now, good=good))
            written += 1
    return written
