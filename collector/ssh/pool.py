"""Run one function per device on a bounded pool of threads.

SSH work is waiting on the network, so threads serve well; ``workers`` bounds how many
devices are talked to at once. A device's ``SshError`` becomes its own failed outcome; the
others go on (as nornir does per host)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Generic, TypeVar

from muniops.collector.ssh.errors import SshError

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Outcome(Generic[T, R]):
    item: T
    value: R | None = None
    error: SshError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def run_each(items: Iterable[T], func: Callable[[T], R], *, workers: int = 8
             ) -> Iterator[Outcome[T, R]]:
    """Yield each item's outcome as it completes, at most ``workers`` running at once."""
    items = list(items)
    if not items:
        return
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(items))),
                            thread_name_prefix="muniops-ssh") as pool:
        futures = {pool.submit(func, item): item for item in items}
        for future in as_completed(futures):
            item = futures[future]
            try:
                yield Outcome(item, value=future.result())
            except SshError as exc:
                yield Outcome(item, error=exc)
