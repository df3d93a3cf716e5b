"""SNMP polling: the client session (the only module that speaks pysnmp), device profiles
as YAML data, the poller, wireless link state and the events a poll records."""

from muniops.collector.core.feature import Command, Feature

FEATURE = Feature(
    name="snmp",
    summary="SNMP polling of switches, routers, wireless bridges, UPSes and printers",
    panel="Network",
    config="snmp",
    runtime="muniops.collector.snmp.runtime:SnmpRuntime",
    routers=("muniops.collector.snmp.routes:router",),
    commands=(
        Command("poll", "muniops.collector.snmp.cli:poll",
                "Poll devices now and show what they answered.", group=False),
        Command("links", "muniops.collector.snmp.cli:links",
                "Wireless links between buildings, both ends side by side.", group=False),
    ),
)
