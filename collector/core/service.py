"""``muniops serve``: one process with the HTTP API (and /metrics) and the job scheduler.

The features come from ``collector/features.py``; each one's runtime is made here once,
its metric collectors registered, its jobs scheduled in their pools, its routers
mounted. SIGTERM or SIGINT stops it gracefully: uvicorn finishes the requests in flight,
then the scheduler waits for the running jobs, then the store is closed."""

from __future__ import annotations

import logging
import signal
from collections.abc import Sequence

import uvicorn
from fastapi import FastAPI

from muniops.collector.api.app import create_app
from muniops.collector.core.addresses import split_address
from muniops.collector.core.credentials import CredentialStore
from muniops.collector.core.exposition import Registry
from muniops.collector.core.feature import Feature, Runtime
from muniops.collector.core.scheduler import Scheduler
from muniops.collector.core.settings import Settings
from muniops.collector.core.turns import once_across_workers, this_process
from muniops.collector.features import FEATURES
from muniops.inventory.db import Database

log = logging.getLogger(__name__)


class Collector:
    """Everything the running service shares: settings, store, credentials, metrics, the
    features' runtimes and the scheduler."""

    def __init__(self, settings: Settings, db: Database | None = None,
                 features: Sequence[Feature] = FEATURES) -> None:
        settings.validate_sections()  # a mistake in any section is said at start
        self.settings = settings
        self.db = db or Database(settings.db_url)
        self.credentials = CredentialStore(settings.credentials_file)
        self.registry = Registry()
        self.scheduler = Scheduler(self.registry)
        self.runtimes: dict[str, Runtime] = {}
        for feature in features:
            runtime = feature.make_runtime(self)
            if runtime is None:
                continue
            self.runtimes[feature.name] = runtime
            for collector in runtime.metrics():
                self.registry.register(collector)
            for job in runtime.jobs():
                if job.once_per_store and not self.db.is_sqlite:
                    job = once_across_workers(job, self.db, this_process())
                self.scheduler.add(job)
        self.app: FastAPI = create_app(settings, self.db, self.registry,
                                       routers=[r for f in features for r in f.routers])
        self.app.state.runtimes = self.runtimes

    def serve(self, listen: str | None = None) -> None:
        api = self.settings.api
        listen = listen or api.listen
        api.check_transport(listen)
        host, port = split_address(listen)
        tls = api.tls_cert is not None and api.tls_key is not None
        config = uvicorn.Config(self.app, host=host, port=port,
                                log_level=self.settings.logging.level.lower(),
                                access_log=False, lifespan="off",
                                ssl_certfile=str(api.tls_cert) if tls else None,
                                ssl_keyfile=str(api.tls_key) if tls else None)
        server = uvicorn.Server(config)
        # uvicorn shuts down gracefully on SIGTERM/SIGINT, then re-raises the signal to the
        # handler that was there before it; ours lets the process finish its own stop.
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda signum, _frame: log.info("signal %d: stopping", signum))
        self.scheduler.start()
        log.info("muniops collector listening on %s://%s:%s", "https" if tls else "http",
                 host, port)
        try:
            for runtime in self.runtimes.values():  # long-running listeners (events)
                runtime.start()
            server.run()
        finally:
            self.close()

    def close(self) -> None:
        self.scheduler.stop()
        for runtime in self.runtimes.values():
            runtime.close()
        self.db.dispose()
        log.info("muniops collector stopped")
