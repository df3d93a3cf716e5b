"""Fake Cisco IOS devices over SSH (fakenos), for the tests, the demo and the benchmark.

fakenos pins ``paramiko<=4`` while muniops uses paramiko 5, so it runs from its own venv
(``.venv-fakenos``, created here on first use) as a separate process
(``fakenos_server.py``). Devices are NOS definitions (YAML files in ``fakenos/``);
changing a device's configuration is restarting the process with another definition, on
the same ports."""

from __future__ import annotations

import contextlib
import copy
import fcntl
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from muniops.lab.net import free_port, tcp_open, wait_until
from muniops.lab.netns import exec_argv, run_in

ROOT = Path(__file__).resolve().parents[2]
VENV = Path(os.environ.get("MUNIOPS_FAKENOS_VENV", ROOT / ".venv-fakenos"))
NOS_DIR = Path(__file__).resolve().parent / "fakenos"
SERVER = Path(__file__).resolve().parent / "fakenos_server.py"
FAKENOS_REQUIREMENT = "fakenos==1.2.1"

Nos = dict[str, Any]


def python() -> Path:
    """fakenos' interpreter, creating its venv the first time (once across processes)."""
    exe = VENV / "bin" / "python"
    VENV.parent.mkdir(parents=True, exist_ok=True)
    with open(VENV.parent / ".venv-fakenos.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        ok = exe.exists() and subprocess.run([str(exe), "-c", "import fakenos"],
                                             capture_output=True).returncode == 0
        if not ok:
            base = getattr(sys, "_base_executable", sys.executable)
            subprocess.run([base, "-m", "venv", "--clear", str(VENV)], check=True)
            subprocess.run([str(exe), "-m", "pip", "install", "-q", FAKENOS_REQUIREMENT],
                           check=True)
    return exe


def load_nos(name: str) -> Nos:
    """A NOS definition from ``fakenos/NAME.yaml``."""
    data: Nos = yaml.safe_load((NOS_DIR / f"{name}.yaml").read_text(encoding="utf-8"))
    return data


def running_config(nos: Nos) -> str:
    return str(nos["commands"]["show running-config"]["output"])


def with_running_config(nos: Nos, text: str) -> Nos:
    """A copy of ``nos`` whose ``show running-config`` answers ``text``."""
    changed = copy.deepcopy(nos)
    changed["commands"]["show running-config"]["output"] = text
    return changed


@dataclass
class FakeDevice:
    """One fake device; ``nos`` names a file in ``fakenos/`` or is a definition."""

    name: str
    nos: str | Nos = "cisco_ios_access"
    username: str = "netadmin"
    password: str = "lab-only-password"
    serial: str = "FOC2101X0AB"
    port: int = field(default_factory=free_port)

    def definition(self) -> Nos:
        nos = load_nos(self.nos) if isinstance(self.nos, str) else copy.deepcopy(self.nos)
        for cmd in nos["commands"].values():
            if isinstance(cmd.get("output"), str):
                cmd["output"] = cmd["output"].replace("{serial}", self.serial)
        return nos


class FakeLab:
    """A fakenos process serving ``devices`` on 127.0.0.1."""

    def __init__(self, devices: list[FakeDevice], netns: str | None = None) -> None:
        self.devices = {d.name: d for d in devices}
        self.workdir = Path(tempfile.mkdtemp(prefix="muniops-fakenos-"))
        self.proc: subprocess.Popen[str] | None = None
        self.netns = netns  # serve on that network namespace's 127.0.0.1 instead

    def _open(self, port: int) -> bool:
        if self.netns is None:
            return tcp_open(port)
        return run_in(self.netns, lambda: tcp_open(port))

    def port(self, name: str) -> int:
        return self.devices[name].port

    def start(self, timeout: float = 60.0) -> None:
        spec = {"hosts": {d.name: {"port": d.port, "username": d.username,
                                   "password": d.password, "nos": d.definition()}
                          for d in self.devices.values()}}
        path = self.workdir / "spec.json"
        path.write_text(json.dumps(spec), encoding="utf-8")
        path.chmod(0o600)
        log = open(self.workdir / "fakenos.log", "w")  # noqa: SIM115 (closed with the process)
        argv = [str(python()), "-P", str(SERVER), str(path)]
        self.proc = subprocess.Popen(exec_argv(self.netns, argv) if self.netns else argv,
                                     text=True, stdout=subprocess.PIPE, stderr=log)
        log.close()
        assert self.proc.stdout is not None
        ready = threading.Event()
        threading.Thread(target=lambda: ready.set() if self.proc and self.proc.stdout
                         and self.proc.stdout.readline().strip() == "ready" else None,
                         daemon=True).start()
        wait_until(lambda: ready.is_set() or self.proc is None or self.proc.poll() is not None,
                   timeout, "fakenos")
        if not ready.is_set():
            raise RuntimeError(f"fakenos did not start: see {self.workdir / 'fakenos.log'}")
        wait_until(lambda: all(self._open(d.port) for d in self.devices.values()), timeout,
                   "fakenos ports")

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self.proc = None
        wait_until(lambda: not any(self._open(d.port) for d in self.devices.values()), 10,
                   "fakenos ports to close")

    def restart(self, **changes: str | Nos) -> None:
        """Serve other definitions for some devices (``name=nos``), on the same ports."""
        self.stop()
        for name, nos in changes.items():
            self.devices[name].nos = nos
        self.start()


@contextlib.contextmanager
def running_fakenos(devices: list[FakeDevice], netns: str | None = None
                    ) -> Iterator[FakeLab]:
    lab = FakeLab(devices, netns)
    try:
        lab.start()
        yield lab
    finally:
        lab.stop()
        shutil.rmtree(lab.workdir, ignore_errors=True)


@contextlib.contextmanager
def hanging_device() -> Iterator[int]:
    """A port that accepts TCP connections and then never says a word: a hung device."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                held.append(server.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join(2)
        for conn in held:
            conn.close()
        server.close()
