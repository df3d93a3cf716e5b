"""Playbooks inside the collector: the register's SSH devices, running a playbook on them
and recording what it captured in the store, the nightly/weekly schedule, and metrics.

The CLI (``muniops playbook run``) and the scheduled job call the same ``run_and_record``."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from muniops.collector.core.credentials import CredentialStore, SshLogin
from muniops.collector.core.settings import Settings
from muniops.collector.district.outbound import Send
from muniops.collector.ssh import forwarding
from muniops.collector.ssh.config import WEEKDAYS, Schedule
from muniops.inventory import configs, devices as register, district
from muniops.inventory.db import Database
from muniops.inventory.models.configs import ConfigVersion
from muniops.inventory.types import utcnow
from muniops.playbooks.loader import PlaybookError, load_playbook
from muniops.playbooks.model import Playbook
from muniops.playbooks.runner import Device, DeviceResult, LoginLookup, Runner, selected
from muniops.playbooks.text import redact

log = logging.getLogger(__name__)


def registered_devices(db: Database, playbook: str | None = None) -> list[Device]:
    """The register's devices reached over SSH (enabled, asset not retired, and not left to
    a district collector), as the runner sees them; with ``playbook``, only those that do
    not limit themselves to others."""
    with db.read() as s:
        sites = register.site_names(s)
        served = district.served_devices(s)  # empty on a district's own store
        rows = [d for d in register.ssh_devices(s) if d.name not in served]
    return [Device(d.name, d.address, d.platform, port=d.ssh_port,
                   credential=d.ssh_credential or "", site=sites.get(d.site_id or 0, ""),
                   kind=d.kind, tags=tuple(d.tags))
            for d in rows if playbook is None or not d.ssh_playbooks
            or playbook in d.ssh_playbooks]


def filter_devices(devices: list[Device], targets: list[str]) -> list[Device]:
    """``--target`` values: a device name, or ``site=``, ``kind=``, ``tag=``, ``platform=``."""
    if not targets:
        return devices
    keep = []
    for d in devices:
        for t in targets:
            key, sep, value = t.partition("=")
            attr = {"site": d.site, "kind": d.kind, "platform": d.platform}
            if (not sep and d.name == t) or (sep and key == "tag" and value in d.tags) or (
                    sep and attr.get(key) == value):
                keep.append(d)
                break
    return keep


def config_redactor(version: ConfigVersion, secrets: bool) -> Callable[[str], str]:
    """How a stored configuration is shown: redacted by its playbook's rules unless
    ``secrets`` (an admin asked)."""
    if secrets:
        return lambda text: text
    try:
        rules = load_playbook(version.playbook).redact
    except PlaybookError:  # a playbook file that has gone: the default rules still apply
        rules = []
    return lambda text: redact(text, rules)


def ssh_logins(credentials: CredentialStore) -> LoginLookup:
    """A device's SSH login, checked when that device needs it."""

    def login_for(device: Device) -> SshLogin:
        return credentials.ssh(device.credential)

    return login_for


def record(db: Database, playbook: Playbook, result: DeviceResult, *, actor: str,
           forward: Send | None = None) -> None:
    """Write one device's result to the store: config version, facts, health, checks;
    on a district collector (``forward``), the backup and the checks go to its outbox too,
    first (``forwarding.py``)."""
    keeps = {s.keep for s in playbook.steps}
    now = utcnow()
    with db.write() as s:
        if "config" in keeps:
            if result.ok and result.config is not None:
                if forward is not None:
                    forwarding.backup(forward, s, playbook.name, result, actor=actor, at=now)
                configs.record_backup(s, result.device, result.config, playbook=playbook.name,
                                      actor=actor, site=result.site, at=now)
            elif not result.ok:
                if forward is not None:
                    forwarding.failure(forward, playbook.name, result, actor=actor, at=now)
                configs.record_backup_failure(s, result.device, cause=result.cause or "error",
                                              error=result.error or "", site=result.site,
                                              at=now)
        if not result.ok:
            return
        if result.facts:
            configs.record_facts(s, result.device, result.platform, result.facts, actor=actor)
        if "evidence" in keeps:
            configs.record_health(s, result.device, result.platform, {
                "playbook": playbook.name, "evidence": result.evidence,
                "checks": {c.rule: c.passed for c in result.checks}})
        if playbook.checks:
            if forward is not None:
                forwarding.compliance(forward, playbook.name, result, actor=actor, at=now)
            configs.record_compliance(s, result.device, playbook.name, result.checks,
                                      site=result.site, at=now)


@dataclass
class RunStats:
    """In-process figures of playbook runs, for /metrics."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    durations: dict[str, float] = field(default_factory=dict)
    failures: dict[tuple[str, str], int] = field(default_factory=dict)
    runs: dict[str, int] = field(default_factory=dict)

    def add(self, playbook: str, seconds: float, results: list[DeviceResult]) -> None:
        with self.lock:
            self.durations[playbook] = seconds
            self.runs[playbook] = self.runs.get(playbook, 0) + 1
            for r in results:
                if r.cause:
                    key = (playbook, r.cause)
                    self.failures[key] = self.failures.get(key, 0) + 1


def run_and_record(settings: Settings, db: Database | None, playbook_ref: str, *,
                   devices: Iterable[Device] | None = None, actor: str,
                   variables: dict[str, str] | None = None, workers: int | None = None,
                   login_for: LoginLookup | None = None,
                   credentials: CredentialStore | None = None,
                   stats: RunStats | None = None,
                   progress: Callable[[DeviceResult], None] | None = None,
                   forward: Send | None = None,
                   ) -> tuple[Playbook, list[DeviceResult]]:
    """Run a playbook on its target devices (or ``devices``), recording each result in
    the store as it completes (``db=None``: record nothing; ``devices`` must be given),
    and on a district collector queueing it for the central (``forward``)."""
    playbook = load_playbook(playbook_ref)
    if devices is None:
        if db is None:
            raise ValueError("run_and_record: without a store, name the devices")
        devices = registered_devices(db, playbook.name)
    chosen = selected(playbook.targets, devices)
    logins = login_for or ssh_logins(credentials or CredentialStore(settings.credentials_file))
    runner = Runner(playbook, logins,
                    workers=workers or settings.playbooks.workers, variables=variables,
                    connect_timeout=settings.playbooks.connect_timeout)
    started = time.monotonic()
    results = []
    for result in runner.run(chosen):
        if db is not None:
            record(db, playbook, result, actor=actor, forward=forward)
        if progress is not None:
            progress(result)
        results.append(result)
    if stats is not None:
        stats.add(playbook.name, time.monotonic() - started, results)
    return playbook, sorted(results, key=lambda r: r.device)


def due(entry: Schedule, after: datetime, until: datetime) -> bool:
    """Whether one of the entry's moments (UTC) falls in ``(after, until]``."""
    return moment(entry, after, until) is not None


def moment(entry: Schedule, after: datetime, until: datetime) -> datetime | None:
    """The latest of the entry's moments (UTC) in ``(after, until]``, if one is: what
    collectors sharing the devices agree a scheduled run is for."""
    hour, minute = (int(x) for x in entry.at.split(":"))
    day = after.replace(hour=hour, minute=minute, second=0, microsecond=0)
    found = None
    while day <= until:
        if day > after and WEEKDAYS[day.weekday()] in entry.days:
            found = day
        day += timedelta(days=1)
    return found
