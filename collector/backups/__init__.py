"""Backups of the servers, checked by their agents: the state of each host's backups under
the ``backups:`` policy, its metrics, the ``backups`` CLI and API, and the policy each
agent fetches. What agents found is kept by ``muniops.inventory.backups``."""

from muniops.collector.core.feature import Command, Feature

FEATURE = Feature(
    name="backups",
    summary="Backups: every server's backups checked against the policy",
    panel="Maintenance and reports",
    config="backups",
    runtime="muniops.collector.backups.runtime:BackupsRuntime",
    routers=("muniops.collector.backups.routes:router",
             "muniops.collector.backups.routes:agent_router"),
    commands=(Command("backups", "muniops.collector.backups.cli:app",
                      "Backups: each host's backups, their state, the agents' policy."),),
)
