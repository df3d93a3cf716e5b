"""The register of managed network devices at the CLI and the API (``muniops devices``,
``/api/v1/devices``), and, for one release, the import of the devices a config file still
lists. The record and every operation on it live in ``muniops.inventory.devices``."""

from muniops.collector.core.feature import Command, Feature

FEATURE = Feature(
    name="devices",
    summary="Managed network devices: one record per switch, router, bridge, UPS, printer",
    panel="Network",
    runtime="muniops.collector.devices.runtime:DevicesRuntime",
    routers=("muniops.collector.devices.routes:router",),
    commands=(
        Command("devices", "muniops.collector.devices.cli:app",
                "Managed network devices: what is polled, backed up and read, in one place."),
    ),
)
