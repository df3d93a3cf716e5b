"""One poll cycle end to end: the register's SNMP-polled devices → targets with their credentials →
poller → events and counters → the store → link states. The service's job and the CLI's
``muniops poll`` both run cycles through here."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from muniops.collector.core.credentials import CredentialStore, SnmpCommunity, SnmpV3
from muniops.collector.core.settings import Settings
from muniops.collector.district.outbound import Send, key_of
from muniops.collector.snmp import links as link_state
from muniops.collector.snmp.config import SnmpSettings
from muniops.collector.snmp.poller import DeviceSpec, PollResult, poll_cycle
from muniops.collector.snmp.profiles import ProfileSet
from muniops.collector.snmp.session import SnmpTarget
from muniops.collector.snmp.tracking import STATE_FACT, Tracker
from muniops.inventory import devices as register, district, snmp as store
from muniops.inventory.db import Database
from muniops.inventory.errors import ConfigError, InvalidInput
from muniops.inventory.models.devices import Device, DeviceState
from muniops.inventory.models.snmp import WirelessLink
from muniops.inventory.types import utcnow

log = logging.getLogger(__name__)


def snmp_settings(settings: Settings) -> SnmpSettings:
    section = getattr(settings, "snmp", None)
    return section if isinstance(section, SnmpSettings) else SnmpSettings()


def caps(cfg: SnmpSettings) -> dict[str, int]:
    """The section's per-device caps, as ``SnmpTarget`` fields."""
    return {"max_values": cfg.device_max_values, "max_rows": cfg.device_max_rows,
            "max_bytes": cfg.device_max_bytes}


@dataclass
class CycleReport:
    results: list[PollResult]
    links: list[WirelessLink] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # device: reason (no credential...)


class SnmpRunner:
    """Shared by the collector's job and the metrics collector (which reads ``latest``)."""

    def __init__(self, settings: Settings, db: Database,
                 credentials: CredentialStore | None = None) -> None:
        self.settings = settings
        self.credentials = credentials or CredentialStore(settings.credentials_file)
        self.config = snmp_settings(settings)
        self.db = db
        self.profile_dirs: list[Path] = self.config.all_profile_dirs()
        self.profiles = ProfileSet.load(self.profile_dirs)
        self._profiles_seen = self._profiles_stamp()
        self.tracker = Tracker()
        self.latest: dict[str, PollResult] = {}
        self.sites: dict[str, str] = {}
        self.polls: dict[str, dict[str, int]] = {}  # device -> polls/pdus/retries/errors
        self.links: list[WirelessLink] = []
        # on a district collector, each poll goes to the central too (``outbound.sender``)
        self.forward: Send | None = None
        self._lock = threading.Lock()

    def add_profile_dir(self, folder: Path) -> None:
        """Read profiles from ``folder`` too, after the configured ones (a district's copy
        of its central's); its files may change while the service runs."""
        self.profile_dirs.append(folder)
        self.profiles = ProfileSet.load(self.profile_dirs)
        self._profiles_seen = self._profiles_stamp()

    def _profiles_stamp(self) -> tuple[float, ...]:
        return tuple(d.stat().st_mtime for d in self.profile_dirs if d.exists())

    def _reload_profiles(self) -> None:
        """Read the profile folders again when one changed (a file added, replaced or
        removed), so due intervals and forced profiles follow them."""
        stamp = self._profiles_stamp()
        if stamp != self._profiles_seen:
            self.profiles = ProfileSet.load(self.profile_dirs)
            self._profiles_seen = stamp
            log.info("snmp: profiles read again (%d)", len(self.profiles.by_name))

    def interval_of(self, d: Device) -> int:
        """The device's poll interval: its own, else the section's, shortened by any of its
        profiles that asks for a shorter one."""
        interval = d.snmp_interval or self.config.interval_seconds
        for name in (d.snmp_profile or d.detected_profile or "").split(","):
            p = self.profiles.by_name.get(name)
            if p is not None and p.interval_seconds:
                interval = min(interval, p.interval_seconds)
        return interval

    def due(self, devices: Sequence[Device]) -> list[Device]:
        now = utcnow()
        return [d for d in devices if d.last_poll_at is None
                or d.last_poll_at + timedelta(seconds=self.interval_of(d)) <= now]

    def _spec(self, device: Device, cred: SnmpCommunity | SnmpV3, site: str) -> DeviceSpec:
        cfg = self.config
        target = SnmpTarget(device.address, device.snmp_port, cred,
                            timeout=cfg.timeout_seconds, retries=cfg.retries,
                            max_repetitions=device.max_repetitions or cfg.max_repetitions,
                            **caps(cfg))
        forced = device.snmp_profile or device.detected_profile
        names = tuple(n for n in forced.split(",") if n) if forced else None
        if names and any(n not in self.profiles.by_name for n in names):
            names = None  # a profile file was removed: detect again
        return DeviceSpec(device.name, target, names, site, cfg.device_budget_seconds)

    def run(self, names: Sequence[str] | None = None, *, only_due: bool = False,
            redetect: bool = False, take: Callable[[str, int], bool] | None = None
            ) -> CycleReport:
        """Poll the named devices (all enabled ones if None) and record the outcome.
        ``take(device, interval)``, for devices shared with other collectors, says which
        this process polls now (instead of the store's last poll time)."""
        with self._lock:
            return self._run(names, only_due, redetect, take)

    def _run(self, names: Sequence[str] | None, only_due: bool, redetect: bool,
             take: Callable[[str, int], bool] | None = None) -> CycleReport:
        self._reload_profiles()
        with self.db.read() as s:
            polled = register.polled(s)  # enabled, SNMP-polled, asset not retired
            if self.settings.district.role == "central":  # a district's devices are its own
                served = district.served_devices(s)
                polled = [d for d in polled if d.name not in served]
            if names is None:
                devices = polled
            else:
                devices = [register.get_device(s, n) for n in names]
                stopped = [d.name for d in devices if d.name not in {p.name for p in polled}]
                if stopped:
                    raise InvalidInput("device", f"not polled here (disabled, no SNMP role, "
                                       f"its asset is retired, or its district collector "
                                       f"polls it): {', '.join(stopped)}")
            sites = register.site_names(s)
        if names is None:
            self.forget(set(self.latest) - {d.name for d in devices})
        if take is not None:
            devices = [d for d in devices if take(d.name, self.interval_of(d))]
        elif only_due:
            devices = self.due(devices)
        report = CycleReport([])
        if not devices and not self.config.links:
            return report
        specs = []
        for d in devices:
            try:
                cred = self.credentials.snmp(d.snmp_credential or "")
            except ConfigError as exc:  # this device's credential only: the others go on
                report.skipped.append(f"{d.name}: {exc}")
                continue
            site = sites.get(d.site_id or 0, "")
            self.sites[d.name] = site
            spec = self._spec(d, cred, site)
            if redetect and not d.snmp_profile:
                spec = DeviceSpec(spec.name, spec.target, None, spec.site, spec.budget_seconds)
            specs.append(spec)
        results = poll_cycle(specs, self.profile_dirs, concurrency=self.config.concurrency,
                             workers=self.config.workers) if specs else []
        report.results = results
        by_name = {d.name: d for d in devices}
        outcomes = []
        for res in results:
            prev = by_name[res.device]
            events = self.tracker.observe(res, prev.state, prev.sys_uptime, prev.facts)
            self._count(res)
            outcomes.append(store.PollOutcome(
                device=res.device, state=DeviceState(res.state), reason=res.reason,
                at=utcnow(), duration=res.duration, pdus=res.stats.pdus,
                retries=res.stats.retries, errors=res.stats.errors + res.stats.timeouts,
                max_repetitions=res.max_repetitions or None, uptime_ticks=res.uptime_ticks,
                detected_profile=",".join(res.profiles) or None,
                facts=res.facts if res.state != "down" else None, events=events))
            self.latest[res.device] = res
        # a shared collector judges only the links both of whose ends it polls: an end
        # another collector polls is not "down" (docs/scale.md)
        report.links = [link_state.evaluate(link, self.config.thresholds, self.latest)
                        for link in self.config.links if take is None
                        or {link.a.device, link.b.device} <= self.latest.keys()]
        self.links = report.links
        if self.forward is not None:  # before the local write: nothing learned is lost
            for o in outcomes:
                self.forward("snmp.poll", key_of("snmp.poll", o.device, o.at.isoformat()),
                             store.outcome_json(o))
        with self.db.write() as s:
            store.record_polls(s, outcomes)
            if self.config.links:
                store.save_link_states(s, report.links,
                                       [link.name for link in self.config.links])
        for skipped in report.skipped:
            log.warning("snmp: %s", skipped)
        return report

    def forget_unregistered(self) -> None:
        """Forget the devices removed or disabled since their last poll (each scrape
        calls this, so their series are gone at the next scrape)."""
        with self.db.read() as s:
            registered = {d.name for d in register.polled(s)}
        self.forget(set(self.latest) - registered)

    def forget(self, devices: set[str], why: str = "no longer registered") -> None:
        """Drop what is kept of devices no longer registered (or polled here): their
        series leave /metrics with them."""
        for name in devices:
            self.latest.pop(name, None)
            self.sites.pop(name, None)
            self.polls.pop(name, None)
            self.tracker.forget(name)
        if devices:
            log.info("snmp: forgot %d device(s) %s", len(devices), why)

    def _count(self, res: PollResult) -> None:
        c = self.polls.setdefault(res.device, {"polls": 0, "pdus": 0, "retries": 0,
                                               "errors": 0, "partial": 0, "failed": 0})
        c["polls"] += 1
        c["pdus"] += res.stats.pdus
        c["retries"] += res.stats.retries
        c["errors"] += res.stats.errors + res.stats.timeouts
        c["partial"] += res.state == "partial"
        c["failed"] += res.state == "down"


def poll_json(res: PollResult) -> dict[str, Any]:
    """One device's poll as ``muniops poll --json`` and the API's poll job show it."""
    return {"device": res.device, "state": res.state, "reason": res.reason, "kind": res.kind,
            "profiles": res.profiles, "duration_s": round(res.duration, 3),
            "pdus": res.stats.pdus, "retries": res.stats.retries, "errors": res.stats.errors,
            "max_repetitions": res.max_repetitions,
            "facts": {k: v for k, v in res.facts.items() if k != STATE_FACT},
            "values": [{"profile": r.profile, "metric": r.metric, "labels": r.labels,
                        "value": r.value, "raw": r.raw, "oid": r.oid} for r in res.readings]}
