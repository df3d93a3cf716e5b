"""``muniops-agent run``: a full inventory every few hours and a heartbeat every few
minutes, each with jitter so that a fleet booted together does not report together.
Each report goes to the spool first, then delivery drains the spool."""

from __future__ import annotations

import logging
import random
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from muniops.agent import credentials, delivery, report
from muniops.agent.spool import Spool

log = logging.getLogger(__name__)


@dataclass
class Schedule:
    inventory_every: float = 4 * 3600
    heartbeat_every: float = 300
    jitter: float = 0.1  # a fraction of each interval
    retry_every: float = 60

    def next_in(self, every: float) -> float:
        return every * (1 + random.uniform(-self.jitter, self.jitter))


class Daemon:
    def __init__(self, state_dir: Path, schedule: Schedule, spool: Spool) -> None:
        self.state_dir = state_dir
        self.schedule = schedule
        self.spool = spool
        self.stop = threading.Event()

    def _signal(self, signum: int, _frame: FrameType | None) -> None:
        log.info("signal %d: stopping", signum)
        self.stop.set()

    def run(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._signal)
        creds = credentials.load(self.state_dir)
        now = time.monotonic()
        # the first inventory comes soon after start, spread over one heartbeat interval
        due = {report.FULL: now + random.uniform(0, self.schedule.jitter)
               * self.schedule.heartbeat_every,
               report.HEARTBEAT: now + self.schedule.next_in(self.schedule.heartbeat_every)}
        every = {report.FULL: self.schedule.inventory_every,
                 report.HEARTBEAT: self.schedule.heartbeat_every}
        retry_at = now
        while not self.stop.is_set():
            now = time.monotonic()
            for kind, when in due.items():
                if now >= when:
                    self.spool.put(report.gather(kind))
                    due[kind] = now + self.schedule.next_in(every[kind])
                    retry_at = now
            if now >= retry_at and self.spool.pending():
                retry_at = now + self._deliver(creds)
            wake = min([*due.values(), retry_at if self.spool.pending() else float("inf")])
            self.stop.wait(max(0.05, min(wake - time.monotonic(), 60)))

    def _deliver(self, creds: credentials.Credentials) -> float:
        """Drain the spool; answers how long to wait before trying again."""
        try:
            out = delivery.deliver(self.spool, creds)
        except delivery.Unauthorized as exc:
            log.error("%s; enroll again", exc)
            return self.schedule.inventory_every
        if out.accepted or out.duplicates:
            log.info("delivered %d report(s) (%d already known)", out.accepted + out.duplicates,
                     out.duplicates)
        if out.error:
            log.warning("%s; %d report(s) wait in the spool", out.error, out.remaining)
            return self.schedule.next_in(self.schedule.retry_every)
        return 0.0
