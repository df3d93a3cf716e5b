"""Discovery: what is on the municipal networks, what the register does not know, and where
it is plugged in. Active scapy sweeps, passive SNMP tables, reconciliation with the register."""

from muniops.collector.core.feature import Command, Feature

_CLI = "muniops.collector.discovery.cli"

FEATURE = Feature(
    name="discovery",
    summary="Discovery: sweeps, routers' and switches' tables, unknown and missing devices",
    panel="Network",
    config="discovery",
    runtime="muniops.collector.discovery.runtime:DiscoveryRuntime",
    routers=("muniops.collector.discovery.routes:router",),
    commands=(
        Command("discover", f"{_CLI}:app",
                "Discovery: what is on the networks, and what the register lacks."),
        Command("unknown", f"{_CLI}:unknown", "MACs the register does not know.", group=False),
        Command("locate", f"{_CLI}:locate", "Where a MAC, IP, host or asset is plugged in.",
                group=False),
        Command("topology", f"{_CLI}:topology", "LLDP/CDP neighbours as a table, DOT or JSON.",
                group=False),
    ),
)
