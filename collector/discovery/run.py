"""One discovery run: choose the configured subnets to sweep (refusing anything else),
sweep them within the rate and time budget, and reconcile what answered with the register."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv4Network

from pydantic import BaseModel

from muniops.collector.discovery.config import DiscoverySettings, SubnetConfig
from muniops.collector.discovery.oui import registry
from muniops.collector.discovery.sweep import Pace, SweepError, SweepResult, prepare, sweep
from muniops.inventory import discovery
from muniops.inventory.db import Database
from muniops.inventory.errors import InvalidInput
from muniops.inventory.models.discovery import SeenBy, SweepRun
from muniops.inventory.types import utcnow

log = logging.getLogger(__name__)

METHODS = {"arp": SeenBy.ARP_SWEEP, "icmp": SeenBy.ICMP_ECHO}


@dataclass(frozen=True)
class Target:
    site: str
    subnet: SubnetConfig


class SubnetReport(BaseModel):
    site: str
    subnet: str
    method: str | None
    probed: int = 0
    targets: int = 0
    answered: int = 0
    complete: bool = False
    duration_seconds: float = 0.0
    matched: int = 0
    new_unknown: int = 0
    error: str | None = None


def plan(cfg: DiscoverySettings, site: str | None = None,
         subnet: str | None = None) -> list[Target]:
    """The subnets a run may sweep. Anything not listed in ``discovery.sites`` is refused."""
    if not cfg.sites:
        raise InvalidInput("discovery.sites", "no subnets are configured for discovery; "
                           "list each site's subnets in the configuration")
    if site is not None and site not in cfg.sites:
        raise InvalidInput("site", f"{site!r} is not listed in discovery.sites "
                           f"(configured: {', '.join(sorted(cfg.sites))}); refusing to sweep it")
    candidates = cfg.all_subnets() if site is None else [(site, s) for s in cfg.subnets_of(site)]
    if subnet is None:
        return [Target(s, net) for s, net in candidates]
    try:
        wanted = IPv4Network(subnet, strict=True)
    except ValueError as exc:
        raise InvalidInput("subnet", f"{subnet!r} is not an IPv4 network: {exc}") from None
    for s, net in candidates:
        if wanted.subnet_of(net.cidr):
            return [Target(s, net.model_copy(update={"cidr": wanted}))]
    where = f" of site {site!r}" if site else ""
    raise InvalidInput("subnet", f"{wanted} is not within any subnet{where} listed in the "
                       "discovery configuration; refusing to sweep it")


def _observations(result: SweepResult, cfg: DiscoverySettings) -> list[discovery.Observation]:
    oui = registry(cfg.oui_dir)
    how = METHODS[result.method]
    return [discovery.Observation(ip=r.ip, mac=r.mac, how=how,
                                  vendor=oui.vendor(r.mac) if r.mac else "")
            for r in result.replies]


def _sweep_one(db: Database, cfg: DiscoverySettings, target: Target, deadline: float,
               actor: str) -> SubnetReport:
    net = target.subnet
    report = SubnetReport(site=target.site, subnet=str(net.cidr), method=None)
    started_at = utcnow()
    try:
        result = sweep(net.cidr, net.method,
                       Pace(cfg.rate_pps, deadline, cfg.reply_timeout_seconds), net.interface)
    except (SweepError, OSError) as exc:  # this subnet failed; the others still run
        log.warning("sweep of %s (%s) failed: %s", net.cidr, target.site, exc)
        report.error = str(exc)
        return report
    report.method = result.method
    report.probed, report.targets = result.probed, result.targets
    report.answered, report.complete = len(result.replies), result.complete
    report.duration_seconds = round(result.duration_seconds, 3)
    with db.write() as s:
        summary = discovery.record_observations(s, target.site, _observations(result, cfg),
                                                actor=actor)
        discovery.record_sweep(s, SweepRun(
            site=target.site, subnet=str(net.cidr), method=METHODS[result.method],
            started_at=started_at, duration_seconds=result.duration_seconds,
            probed=result.probed, answered=len(result.replies), complete=result.complete))
    report.matched, report.new_unknown = summary.matched, summary.new_unknown
    return report


def run(db: Database, cfg: DiscoverySettings, targets: list[Target], *, actor: str,
        progress: Callable[[Target], None] | None = None) -> list[SubnetReport]:
    """Sweep ``targets`` one after the other within one time budget."""
    if targets:
        prepare()
    deadline = time.monotonic() + cfg.budget_seconds
    reports = []
    for target in targets:
        if progress is not None:
            progress(target)
        if time.monotonic() >= deadline:
            reports.append(SubnetReport(site=target.site, subnet=str(target.subnet.cidr),
                                        method=None, error="time budget spent; not swept"))
            continue
        reports.append(_sweep_one(db, cfg, target, deadline, actor))
    return reports
