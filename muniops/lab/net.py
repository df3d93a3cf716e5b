"""Ports and waiting, shared by every peer."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    """A port on 127.0.0.1 that nothing listens on right now (TCP, or UDP with SOCK_DGRAM)."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_until(check: Callable[[], bool], timeout: float = 20.0, what: str = "peer") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise TimeoutError(f"{what} was not ready within {timeout:.0f}s")


def tcp_open(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


def stop(proc: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """Stop a peer: SIGTERM, then SIGKILL if it has not gone after ``grace`` seconds."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def http_ready(url: str, proc: subprocess.Popen[bytes], log: Path, what: str,
               error: type[Exception] = RuntimeError) -> bool:
    """Whether a started peer answers 200 at ``url``; if it died instead, raise ``error``
    with the end of its log, so a wait fails at once with the reason."""
    if proc.poll() is not None:
        said = log.read_text(errors="replace")[-3000:] if log.exists() else ""
        raise error(f"{what} exited with {proc.returncode} before it was ready:\n{said}")
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False
