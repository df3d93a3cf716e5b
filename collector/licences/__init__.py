"""Software licences: the register of licences and keys, matched against the software the
agents report (installations without a licence, over-deployed, expiring, denied). The
records and the matching live in ``muniops.inventory.licences``."""

from muniops.collector.core.feature import Command, Feature

FEATURE = Feature(
    name="licences",
    summary="Software licences against what the agents report",
    panel="Endpoints",
    config="licences",
    runtime="muniops.collector.licences.runtime:LicencesRuntime",
    routers=("muniops.collector.licences.routes:router",),
    commands=(Command("licences", "muniops.collector.licences.cli:app",
                      "Software licences: seats, keys, who has them, what is installed."),),
)
