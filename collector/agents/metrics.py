"""Prometheus metrics of the endpoint agents, built from the store on each scrape, and the
in-process counters of reports the API answers."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector as PromCollector
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from muniops.inventory import fleet
from muniops.inventory.agent_policy import AgentSettings, av_problems, signature_age_days
from muniops.inventory.db import Database
from muniops.inventory.models import Agent, Asset, HostFacts
from muniops.inventory.types import utcnow

log = logging.getLogger(__name__)

AGENT_STATES = ("active", "stale", "never_seen", "revoked")
REJECT_REASONS = ("malformed", "schema_version", "too_large", "unauthorized", "conflict")


class ReportCounters:
    """Reports the API answered, by kind and outcome, and those it refused, by reason."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.received = Counter(
            "muniops_agent_reports_total",
            "Agent reports answered 200, by kind and outcome (accepted or duplicate).",
            ["kind", "outcome"], registry=registry)
        self.rejected = Counter("muniops_agent_reports_rejected_total",
                                "Agent reports refused, by reason.", ["reason"],
                                registry=registry)
        for reason in REJECT_REASONS:
            self.rejected.labels(reason)


class _AvFacts(NamedTuple):
    updated_at: datetime
    device: str
    os_family: str
    antivirus: dict[str, Any]


class AgentMetrics(PromCollector):
    """Agents by state, last-seen times, antivirus compliance and signature age, flagged
    software. Labels are bounded: state, device (a host name), kind."""

    def __init__(self, db: Database, settings: AgentSettings) -> None:
        self.db = db
        self.settings = settings
        self._av: dict[int, _AvFacts] = {}
        self._av_lock = threading.Lock()

    def _av_hosts(self, s: Session) -> list[_AvFacts]:
        """Each host's antivirus facts and OS family. A host's JSON is read again only when
        its agent sent a new full report, so a scrape stays cheap at thousands of hosts;
        the policy is applied on every scrape, so ageing signatures are seen at once."""
        current = dict(s.exec(select(HostFacts.asset_id, HostFacts.updated_at)).all())
        with self._av_lock:
            changed = [a for a, at in current.items()
                       if (known := self._av.get(a)) is None or known.updated_at != at]
            family = col(HostFacts.facts)["os"]["family"].as_string()
            for start in range(0, len(changed), 500):
                chunk = changed[start:start + 500]
                names = {aid: hostname or tag or serial or f"#{aid}"
                         for aid, hostname, tag, serial in s.exec(
                             select(Asset.id, Asset.hostname, Asset.asset_tag, Asset.serial)
                             .where(col(Asset.id).in_(chunk)))}
                for aid, at, fam, antivirus in s.exec(
                        select(HostFacts.asset_id, HostFacts.updated_at, family,
                               HostFacts.antivirus).where(col(HostFacts.asset_id).in_(chunk))):
                    self._av[aid] = _AvFacts(at, names.get(aid, f"#{aid}"),
                                             (fam or "").lower(), dict(antivirus or {}))
            for gone in set(self._av) - set(current):
                del self._av[gone]
            return list(self._av.values())

    def collect(self) -> Iterator[Metric]:
        try:
            yield from self._families()
        except SQLAlchemyError as exc:
            log.warning("agent metrics: the store did not answer: %s", type(exc).__name__)

    def _families(self) -> Iterator[Metric]:
        by_state = GaugeMetricFamily("muniops_agents", "Enrolled agents by state.",
                                     labels=["state"])
        seen = GaugeMetricFamily("muniops_agent_last_seen_timestamp_seconds",
                                 "When each host's agent last delivered a report.",
                                 labels=["device"])
        av = GaugeMetricFamily("muniops_antivirus_hosts",
                               "Hosts by antivirus compliance with the configured policy.",
                               labels=["state"])
        compliant = GaugeMetricFamily("muniops_antivirus_compliant",
                                      "1 when the host's antivirus meets the policy, else 0.",
                                      labels=["device"])
        age = GaugeMetricFamily("muniops_antivirus_signature_age_seconds",
                                "Age of the freshest antivirus signatures on each host.",
                                labels=["device"])
        flagged = GaugeMetricFamily("muniops_software_flagged_hosts",
                                    "Hosts running denied or unapproved software.",
                                    labels=["kind"])
        now = utcnow()
        stale = timedelta(minutes=self.settings.stale_after_minutes)
        with self.db.read() as s:
            counts = dict.fromkeys(AGENT_STATES, 0)
            for hostname, last_seen, revoked in s.exec(
                    select(Agent.hostname, Agent.last_seen_at, Agent.revoked_at)):
                counts[fleet.state_of(revoked, last_seen, now, stale)] += 1
                if last_seen is not None and revoked is None:
                    seen.add_metric([hostname], last_seen.timestamp())
            for state, n in counts.items():
                by_state.add_metric([state], n)
            n_ok, hosts_av = 0, self._av_hosts(s)
            for h in hosts_av:
                ok = not av_problems(h.antivirus, h.os_family, self.settings.antivirus, now)
                n_ok += ok
                compliant.add_metric([h.device], 1 if ok else 0)
                days = signature_age_days(h.antivirus, now)
                if days is not None:
                    age.add_metric([h.device], round(days, 2) * 86400)
            av.add_metric(["compliant"], n_ok)
            av.add_metric(["noncompliant"], len(hosts_av) - n_ok)
            hosts: dict[str, set[str]] = {"denied": set(), "unapproved": set()}
            for f in fleet.flagged_hosts(s, self.settings.software):
                hosts[f.flag].add(f.asset)
            for kind, names in hosts.items():
                flagged.add_metric([kind], len(names))
        yield from (by_state, seen, av, compliant, age, flagged)
