"""The collector's side of the endpoint agents apart from the API: Prometheus metrics
(built from the store on each scrape, plus in-process counters of reports) and the job
that forgets report UUIDs older than the ledger's retention."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from fastapi import FastAPI
from prometheus_client import CollectorRegistry, Counter
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector as PromCollector
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import select

from muniops.collector.scheduler import job
from muniops.inventory import agents, fleet
from muniops.inventory.agent_policy import AgentSettings
from muniops.inventory.db import Database
from muniops.inventory.models import Agent
from muniops.inventory.types import utcnow

if TYPE_CHECKING:
    from muniops.collector.service import Collector

log = logging.getLogger(__name__)

AGENT_STATES = ("active", "stale", "never_seen", "revoked")
REJECT_REASONS = ("malformed", "schema_version", "too_large", "unauthorized")


@dataclass
class ReportCounters:
    received: Counter
    rejected: Counter


class AgentMetrics(PromCollector):
    """Agents by state, last-seen times, antivirus compliance and signature age, flagged
    software. Labels are bounded: state, device (a host name), kind."""

    def __init__(self, db: Database, settings: AgentSettings) -> None:
        self.db = db
        self.settings = settings

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
            for a in s.exec(select(Agent)):
                counts[fleet.agent_state(a, now, stale)] += 1
                if a.last_seen_at is not None and a.revoked_at is None:
                    seen.add_metric([a.hostname], a.last_seen_at.timestamp())
            for state, n in counts.items():
                by_state.add_metric([state], n)
            rows = fleet.av_compliance(s, self.settings.antivirus)
            av.add_metric(["compliant"], sum(r.compliant for r in rows))
            av.add_metric(["noncompliant"], sum(not r.compliant for r in rows))
            for r in rows:
                if r.signature_age_days is not None:
                    age.add_metric([r.hostname or r.asset], r.signature_age_days * 86400)
            hosts: dict[str, set[str]] = {"denied": set(), "unapproved": set()}
            for f in fleet.flagged_hosts(s, self.settings.software):
                hosts[f.flag].add(f.asset)
            for kind, names in hosts.items():
                flagged.add_metric([kind], len(names))
        yield from (by_state, seen, av, age, flagged)


def install(app: FastAPI, registry: CollectorRegistry, db: Database,
            settings: AgentSettings) -> None:
    """Register the agent metrics on the collector's registry; the API counts reports."""
    registry.register(AgentMetrics(db, settings))
    received = Counter("muniops_agent_reports_total",
                       "Agent reports answered 200, by kind and outcome (accepted or duplicate).",
                       ["kind", "outcome"], registry=registry)
    rejected = Counter("muniops_agent_reports_rejected_total",
                       "Agent reports refused, by reason.", ["reason"], registry=registry)
    for reason in REJECT_REASONS:
        rejected.labels(reason)
    app.state.agent_counters = ReportCounters(received, rejected)


@job("agent-ledger-prune", every_seconds=24 * 3600)
def prune_ledger(collector: Collector) -> None:
    """Forget report UUIDs older than ``agents.ledger_days``; an agent's spool never holds
    a report that long."""
    with collector.db.write() as s:
        n = agents.prune_ledger(s, collector.settings.agents.ledger_days)
    log.info("agent ledger: forgot %d report ids", n)
