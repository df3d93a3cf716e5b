"""Events devices send on their own: SNMP traps and informs, syslog; the device events
they become (an immediate poll, a backup on a configuration change), and alerts routed
to each district's people through Alertmanager (e-mail, webhooks) and back as events."""

from muniops.collector.core.feature import Command, Feature

FEATURE = Feature(
    name="events",
    summary="SNMP traps and syslog in; alerts out to each district by e-mail and webhook",
    panel="Network",
    config="events",
    runtime="muniops.collector.events.runtime:EventsRuntime",
    routers=("muniops.collector.events.routes:router",),
    commands=(
        Command("events", "muniops.collector.events.cli:events",
                "Device events: traps, syslog messages and alerts, newest first.",
                group=False),
        Command("alerts", "muniops.collector.events.cli:app",
                "Alert routing: the Alertmanager configuration for each district."),
    ),
)
