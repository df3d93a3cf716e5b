"""Debian's Prometheus Alertmanager (``prometheus-alertmanager``) on a free 127.0.0.1 port
with a private data dir and no clustering, stopped by its PID."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from muniops.lab.net import free_port, http_ready, stop, wait_until

ALERTMANAGER = "prometheus-alertmanager"
AMTOOL = "amtool"


def available() -> bool:
    return shutil.which(ALERTMANAGER) is not None


def check_config(path: Path) -> str:
    """``amtool check-config``: its output; CalledProcessError with it when refused."""
    done = subprocess.run([AMTOOL, "check-config", str(path)], capture_output=True,
                          text=True, timeout=60, check=True)
    return done.stdout


@dataclass
class Alertmanager:
    url: str
    address: str  # HOST:PORT, for Prometheus' alerting section
    pid: int
    log: Path


@contextmanager
def running_alertmanager(config: Path, timeout: float = 30) -> Iterator[Alertmanager]:
    root = Path(tempfile.mkdtemp(prefix="muniops-am-"))
    port = free_port()
    log = root / "alertmanager.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [ALERTMANAGER, f"--config.file={config}", f"--storage.path={root / 'data'}",
             f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=",
             "--log.level=debug"], stdout=out, stderr=subprocess.STDOUT)
    running = Alertmanager(f"http://127.0.0.1:{port}", f"127.0.0.1:{port}", proc.pid, log)
    try:
        wait_until(lambda: http_ready(f"{running.url}/-/ready", proc, log, "alertmanager"),
                   timeout=timeout, what="alertmanager")
        yield running
    finally:
        stop(proc, 10)
        shutil.rmtree(root / "data", ignore_errors=True)
