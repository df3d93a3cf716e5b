"""A muniops collector (``muniops serve``) as a separate process on a free port, the way it
runs in production, for tests and benchmarks that scrape it or post to it."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from muniops.lab.net import free_port, http_ready, stop, wait_until


@dataclass
class RunningCollector:
    url: str
    listen: str
    pid: int
    log: Path

    def metrics(self) -> str:
        with urllib.request.urlopen(f"{self.url}/metrics", timeout=30) as r:
            text: str = r.read().decode()
            return text


@contextmanager
def running_collector(config: Path, *, listen: str | None = None, timeout: float = 60,
                      env: dict[str, str] | None = None) -> Iterator[RunningCollector]:
    """``muniops --config CONFIG serve --listen LISTEN`` (a free port on 127.0.0.1 unless
    given); SIGTERM at the end."""
    listen = listen or f"127.0.0.1:{free_port()}"
    log = config.with_suffix(".serve.log")
    cli = Path(sys.executable).with_name("muniops")
    with log.open("wb") as out:
        proc = subprocess.Popen([str(cli), "--config", str(config), "serve", "--listen", listen],
                                stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, **(env or {})})
        running = RunningCollector(f"http://{listen}", listen, proc.pid, log)
        try:
            wait_until(lambda: http_ready(f"{running.url}/healthz", proc, log, "muniops serve"),
                       timeout=timeout,
                       what="muniops collector")
            yield running
        finally:
            stop(proc, 30)
