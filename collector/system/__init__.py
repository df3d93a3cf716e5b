"""The service itself: ``init``, ``serve``, ``config``, API tokens, ``/healthz``,
``/metrics``, who-am-I, the audit log, and the store's housekeeping job."""

from muniops.collector.core.feature import Command, Feature

FEATURE = Feature(
    name="system",
    summary="The service: store, configuration, tokens, health, metrics, audit",
    panel="Service",
    runtime="muniops.collector.system.runtime:SystemRuntime",
    routers=("muniops.collector.system.routes:router",),
    commands=(
        Command("init", "muniops.collector.system.cli:init",
                "Create the store, or upgrade it to this version (keeping every row).",
                group=False),
        Command("serve", "muniops.collector.system.cli:serve",
                "Run the collector: API, /metrics and periodic jobs, until SIGTERM.",
                group=False),
        Command("config", "muniops.collector.system.cli:config_app",
                "The collector's configuration; devices' stored configurations."),
        Command("tokens", "muniops.collector.system.tokens_cli:app",
                "API tokens for people and scripts (shown once, stored hashed)."),
    ),
)
