"""The devices feature inside ``muniops serve``: before any job runs, the devices a
config file still lists are brought into the register (one release of grace)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from muniops.collector.core.feature import Runtime
from muniops.collector.devices.legacy import import_config

if TYPE_CHECKING:
    from muniops.collector.core.service import Collector


class DevicesRuntime(Runtime):
    def __init__(self, collector: Collector) -> None:
        super().__init__(collector)
        # made before the scheduler starts: the first poll and backup see these devices
        import_config(collector.settings, collector.db)
