"""District collectors behind WAN links, one central store: the outbox a district collector
forwards to its central exactly once and in order, the copy of the central's devices,
profiles, playbooks and policies it keeps, and the central's routes that receive them."""

from muniops.collector.core.feature import Command, Feature

FEATURE = Feature(
    name="district",
    summary="District collectors: outbox forwarding to the central, the central's copy",
    panel="Service",
    config="district",
    runtime="muniops.collector.district.runtime:DistrictRuntime",
    routers=("muniops.collector.district.routes:router",),
    commands=(
        Command("district", "muniops.collector.district.cli:app",
                "District collectors: their outbox, forwarding and copy of the central."),
    ),
)
