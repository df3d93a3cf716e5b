"""Endpoint agents on the collector's side: enrolment and report ingest (API), the fleet
views (CLI), metrics and the ledger's pruning. The agent itself is ``muniops.agent``."""

from muniops.collector.core.feature import Command, Feature

_CLI = "muniops.collector.agents.cli"

FEATURE = Feature(
    name="agents",
    summary="Endpoint agents: enrolment, reports, antivirus, software",
    panel="Endpoints",
    config="agents",
    runtime="muniops.collector.agents.runtime:AgentsRuntime",
    routers=("muniops.collector.agents.routes:router",
             "muniops.collector.agents.routes:fleet_router",
             "muniops.collector.agents.claims_routes:router"),
    commands=(
        Command("agents", f"{_CLI}:app", "Endpoint agents: who reports, who went quiet, their "
                                         "tokens."),
        Command("av", f"{_CLI}:av_app", "Antivirus compliance of the fleet under the policy."),
        Command("host", f"{_CLI}:host_app", "One host as its agent reports it."),
        Command("software", f"{_CLI}:software_app", "Installed software across the fleet; "
                                                    "flagged software."),
    ),
)
