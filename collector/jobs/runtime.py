"""The jobs feature inside ``muniops serve``: it holds the registry (never a module global)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from muniops.collector.core.feature import Runtime
from muniops.collector.jobs.registry import JobRegistry

if TYPE_CHECKING:
    from muniops.collector.core.service import Collector


class JobsRuntime(Runtime):
    def __init__(self, collector: Collector) -> None:
        super().__init__(collector)
        self.registry = JobRegistry()

    def close(self) -> None:
        self.registry.close()
