"""snmpsim's command responder serving SNMP recordings of real devices.

One responder serves every ``.snmprec`` file under its data directory; the community is
the file's path relative to that directory without the suffix (``ios_2960x``), so one
process stands in for as many devices as there are files (or links to one file)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from muniops.lab.net import free_port, stop, wait_until

RECORDINGS = Path(__file__).parent / "snmprec"


def _responder() -> str:
    found = Path(sys.executable).parent / "snmpsim-command-responder"
    return str(found) if found.exists() else "snmpsim-command-responder"


def answers(port: int, community: str, timeout: float = 0.5) -> bool:
    """Whether a v2c GET of sysUpTime.0 with ``community`` gets a response."""
    from muniops.collector.snmp import ber

    msg = ber.encode_request(1, community.encode(), ber.GET, 1, [(1, 3, 6, 1, 2, 1, 1, 3, 0)])
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        try:
            s.sendto(msg, ("127.0.0.1", port))
            s.recv(65535)
        except OSError:
            return False
    return True


@contextmanager
def running_snmpsim(data_dir: Path | str = RECORDINGS, port: int | None = None
                    ) -> Iterator[int]:
    """Start a responder on 127.0.0.1 serving ``data_dir`` (on ``port``, else a free one);
    yields its UDP port."""
    work = Path(tempfile.mkdtemp(prefix="muniops-snmpsim-"))
    port = port or free_port(socket.SOCK_DGRAM)
    log = work / "log"
    env = dict(os.environ, SNMPSIM_ALLOW_ROOT="true")
    proc = subprocess.Popen(
        [_responder(), f"--data-dir={data_dir}", f"--cache-dir={work / 'cache'}",
         f"--agent-udpv4-endpoint=127.0.0.1:{port}", f"--logging-method=file:{log}",
         "--log-level=error"],  # it logs every varbind at info: a third of its time
        env=env, stdout=subprocess.DEVNULL, stderr=(work / "stderr").open("wb"))
    try:
        def ready() -> bool:
            if proc.poll() is not None:
                err = (work / "stderr").read_text(errors="replace")
                raise RuntimeError(f"snmpsim exited with {proc.returncode}: {err[-500:]}")
            return answers(port, probe) if probe else log.exists()

        probe = next((p.relative_to(data_dir).with_suffix("").as_posix()
                      for p in sorted(Path(data_dir).rglob("*.snmprec"))), None)
        wait_until(ready, timeout=120, what="snmpsim")
        yield port
    finally:
        stop(proc, 5)
        shutil.rmtree(work, ignore_errors=True)
