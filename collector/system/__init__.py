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
        Command("backup", "muniops.collector.system.backup_cli:backup",
                "Back up the store while it runs (SQLite online backup; pg_dump).",
                group=False),
        Command("restore", "muniops.collector.system.backup_cli:restore",
                "Replace the store with a backup, in one step.", group=False),
        Command("config", "muniops.collector.system.cli:config_app",
                "The collector's configuration; devices' stored configurations."),
        Command("tls", "muniops.collector.system.cli:tls_app",
                "TLS for the API: a private CA and the collector's certificate."),
        Command("tokens", "muniops.collector.system.tokens_cli:app",
                "API tokens for people and scripts (shown once, stored hashed)."),
    ),
)
