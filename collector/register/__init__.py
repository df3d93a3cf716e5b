"""The asset register at the CLI and the API: sites, people, assets, repair tickets, and
its metrics. The records and every operation on them live in ``muniops.inventory``."""

from muniops.collector.core.feature import Command, Feature

_CLI = "muniops.collector.register.cli"

FEATURE = Feature(
    name="register",
    summary="Sites, people, assets and repair tickets",
    panel="Asset register",
    runtime="muniops.collector.register.runtime:RegisterRuntime",
    routers=("muniops.collector.register.routes:router",),
    commands=(
        Command("sites", f"{_CLI}.sites:app", "Sites: city hall, district offices, buildings."),
        Command("people", f"{_CLI}.people:app", "People who can be assigned equipment."),
        Command("assets", f"{_CLI}.assets:app", "The asset register: every piece of equipment."),
        Command("repairs", f"{_CLI}.repairs:app", "Faulty parts sent to vendors under warranty."),
    ),
)
