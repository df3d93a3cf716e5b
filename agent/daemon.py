"""``muniops-agent run``: a full inventory every few hours and a heartbeat every few
minutes, each with jitter so that a fleet booted together does not report together.

The daemon itself only keeps time: each inventory, heartbeat and retry runs as a short-lived
``muniops-agent send``/``flush`` child process, which spools the report before sending it.
So the resident process stays as small as a Python interpreter can be, a probe that hangs
or leaks cannot take the daemon with it, and the spool is the only hand-over."""

from __future__ import annotations

import logging
import random
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

log = logging.getLogger(__name__)

FULL, HEARTBEAT, RETRY = "full", "heartbeat", "retry"
# exit codes of the child commands (see cli.py)
DELIVERED, PENDING, NOT_ENROLLED, UNAUTHORIZED = 0, 2, 3, 4


@dataclass
class Schedule:
    inventory_every: float = 4 * 3600
    heartbeat_every: float = 300
    jitter: float = 0.1  # a fraction of each interval
    retry_every: float = 60
    child_timeout: float = 600
    set_aside_after: int = 5  # see spool.SET_ASIDE_AFTER (not imported: the daemon stays small)

    def next_in(self, every: float) -> float:
        return every * (1 + random.uniform(-self.jitter, self.jitter))


class Daemon:
    def __init__(self, state_dir: Path, schedule: Schedule) -> None:
        self.state_dir = state_dir
        self.schedule = schedule
        self.stop = threading.Event()
        self.child: subprocess.Popen[bytes] | None = None

    def _signal(self, signum: int, _frame: FrameType | None) -> None:
        log.info("signal %d: stopping", signum)
        self.stop.set()

    def _argv(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "muniops.agent.cli", "--state-dir", str(self.state_dir),
                *args]

    def _child(self, *args: str) -> int:
        """Run one agent command to its end (a stop request lets it finish)."""
        self.child = subprocess.Popen(self._argv(*args), stdout=subprocess.DEVNULL)
        try:
            return self.child.wait(timeout=self.schedule.child_timeout)
        except subprocess.TimeoutExpired:
            log.error("muniops-agent %s did not finish in %.0fs; killed", args[0],
                      self.schedule.child_timeout)
            self.child.kill()
            return self.child.wait()
        finally:
            self.child = None

    def run(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._signal)
        s = self.schedule
        now = time.monotonic()
        # the first inventory comes soon after start, spread over a tenth of a heartbeat
        due = {FULL: now + random.uniform(0, s.jitter) * s.heartbeat_every,
               HEARTBEAT: now + s.next_in(s.heartbeat_every), RETRY: float("inf")}
        every = {FULL: s.inventory_every, HEARTBEAT: s.heartbeat_every}
        while not self.stop.is_set():
            kind = min(due, key=lambda k: due[k])
            wait = due[kind] - time.monotonic()
            if wait > 0:
                self.stop.wait(min(wait, 60))
                continue
            aside = ("--set-aside-after", str(s.set_aside_after))
            code = (self._child("flush", *aside) if kind == RETRY
                    else self._child("send", "--kind", kind, *aside))
            if kind != RETRY:
                due[kind] = time.monotonic() + s.next_in(every[kind])
            if code == PENDING:
                due[RETRY] = time.monotonic() + s.next_in(s.retry_every)
            elif code in (NOT_ENROLLED, UNAUTHORIZED):
                log.error("the collector does not accept this agent (exit %d); enroll again",
                          code)
                due[RETRY] = float("inf")
            else:
                due[RETRY] = float("inf")
