"""``muniops serve``: one process with the HTTP API (and /metrics) and the job runner.

SIGTERM or SIGINT stops it gracefully: uvicorn finishes the requests in flight, then the
job runner finishes the job it is running, then the store is closed."""

from __future__ import annotations

import logging
import signal

import uvicorn
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from muniops.collector import agents as agent_feature  # endpoint agents: metrics, job
from muniops.collector import jobs as _builtin_jobs  # noqa: F401  (registers the jobs)
from muniops.collector.api.app import create_app
from muniops.collector.discovery import jobs as _discovery_jobs  # noqa: F401
from muniops.collector.discovery.metrics import DiscoveryMetrics
from muniops.collector.metrics import make_registry
from muniops.collector.playbook_metrics import PlaybookMetrics  # SSH playbooks (+ job)
from muniops.collector.pm import PmMetrics  # preventive maintenance: metrics, job
from muniops.collector.scheduler import JobRunner
from muniops.collector.settings import Settings
from muniops.collector.snmp import job as snmp_job  # SNMP polling: metrics, job
from muniops.inventory.db import Database

log = logging.getLogger(__name__)


class Collector:
    """Everything the running service shares: settings, store, metrics, jobs."""

    def __init__(self, settings: Settings, db: Database | None = None) -> None:
        self.settings = settings
        self.db = db or Database(settings.db_url)
        self.registry: CollectorRegistry = make_registry(self.db)
        self.registry.register(DiscoveryMetrics(self.db, settings.discovery))
        self.registry.register(PmMetrics(self.db))
        self.registry.register(PlaybookMetrics(self.db))
        snmp_job.attach(self)
        self.jobs = JobRunner(self, self.registry)
        self.app: FastAPI = create_app(settings, self.db, self.registry)
        agent_feature.install(self.app, self.registry, self.db, settings.agents)

    def serve(self, listen: str | None = None) -> None:
        host, _, port = (listen or self.settings.api.listen).rpartition(":")
        config = uvicorn.Config(self.app, host=host.strip("[]"), port=int(port),
                                log_level=self.settings.logging.level.lower(),
                                access_log=False, lifespan="off")
        server = uvicorn.Server(config)
        # uvicorn shuts down gracefully on SIGTERM/SIGINT, then re-raises the signal to the
        # handler that was there before it; ours lets the process finish its own stop.
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda signum, _frame: log.info("signal %d: stopping", signum))
        self.jobs.start()
        log.info("muniops collector listening on %s:%s", host, port)
        try:
            server.run()
        finally:
            self.jobs.stop()
            self.db.dispose()
            log.info("muniops collector stopped")
