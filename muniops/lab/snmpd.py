"""Debian's Net-SNMP ``snmpd`` on 127.0.0.1 with a private config: a v2c community and a
v3 authPriv user (SHA/AES). Also runs ``snmpget``/``snmpbulkwalk`` against it, as the
reference the tests compare with."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from muniops.lab.net import free_port, stop, wait_until
from muniops.lab.netns import exec_argv, run_in
from muniops.lab.snmpsim import answers

SNMPD = os.environ.get("MUNIOPS_SNMPD", "/usr/sbin/snmpd")
HEAVY = (".1.3.6.1.2.1.25.4", ".1.3.6.1.2.1.25.5", ".1.3.6.1.2.1.6", ".1.3.6.1.2.1.7",
         ".1.3.6.1.2.1.49", ".1.3.6.1.2.1.50", ".1.3.6.1.2.1.4.22", ".1.3.6.1.2.1.4.35",
         ".1.3.6.1.2.1.4.24", ".1.3.6.1.2.1.4.31.3")


@dataclass(frozen=True)
class Snmpd:
    port: int  # the first of ``ports``
    state_dir: Path
    community: str
    v3_user: str
    v3_auth: str
    v3_priv: str
    ports: tuple[int, ...] = ()  # every port it listens on (one agent, many "devices")

    def env(self) -> dict[str, str]:
        return dict(os.environ, SNMP_PERSISTENT_DIR=str(self.state_dir), MIBS="",
                    SNMPCONFPATH=str(self.state_dir))

    def tool(self, name: str, *args: str, v3: bool = False) -> str:
        """Run a Net-SNMP tool (``snmpget``, ``snmpbulkwalk``...) against this agent."""
        auth = (["-v3", "-l", "authPriv", "-u", self.v3_user, "-a", "SHA", "-A", self.v3_auth,
                 "-x", "AES", "-X", self.v3_priv] if v3 else ["-v2c", "-c", self.community])
        out = subprocess.run([name, *auth, "-On", "-Oe", "-t", "10",
                              *args[:-1], f"udp:127.0.0.1:{self.port}", args[-1]]
                             if args else [name, *auth, f"udp:127.0.0.1:{self.port}"],
                             env=self.env(), capture_output=True, text=True, check=True)
        return out.stdout


def _free_run(count: int, start: int = 20000) -> tuple[int, ...]:
    """``count`` consecutive UDP ports on 127.0.0.1 that nothing uses right now."""
    base = start
    while base + count < 65000:
        run = tuple(range(base, base + count))
        taken = next((p for p in run if not _udp_free(p)), None)
        if taken is None:
            return run
        base = taken + 1
    raise RuntimeError(f"no run of {count} free UDP ports")


def _udp_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def available() -> bool:
    return Path(SNMPD).exists() and shutil.which("snmpbulkwalk") is not None


@contextmanager
def running_snmpd(community: str = "public", v3_user: str = "opsv3",
                  v3_auth: str = "authpass123", v3_priv: str = "privpass123",
                  extra_config: str = "", ports: int = 1,
                  netns: str | None = None, port: int | None = None) -> Iterator[Snmpd]:
    """Start snmpd; yields how to reach it. Stopped by PID at the end. With ``ports`` > 1
    the one agent listens on that many consecutive ports from its first, free ones;
    ``port``: this one (the same device started again after it was stopped, or 161 in a
    namespace, whose ports are its own). In network namespace ``netns`` it listens on that
    namespace's 127.0.0.1 and shows that namespace's interfaces in IF-MIB."""
    work = Path(tempfile.mkdtemp(prefix="muniops-snmpd-"))
    state = work / "state"
    state.mkdir()
    conf = work / "snmpd.conf"
    conf.write_text(
        f"rocommunity {community} 127.0.0.1 -V all\n"
        f'createUser {v3_user} SHA "{v3_auth}" AES "{v3_priv}"\n'
        f"rouser {v3_user} priv -V all\n"
        "view all included .1\n"
        # tables of the host's processes and connections: on a busy machine snmpd takes
        # seconds to rebuild them, which tests and benchmarks would measure instead of us
        + "".join(f"view all excluded {oid}\n" for oid in HEAVY) + extra_config,
        encoding="utf-8")
    conf.chmod(0o600)
    port = port or free_port(socket.SOCK_DGRAM)
    all_ports = (port,) if ports == 1 else _free_run(ports)
    port = all_ports[0]
    pidfile = work / "snmpd.pid"
    env = dict(os.environ, SNMP_PERSISTENT_DIR=str(state), MIBS="")
    # its log goes to a file: a pipe nobody reads fills up and then snmpd stops answering
    log = (work / "snmpd.log").open("wb")
    argv = [SNMPD, "-f", "-Lf", str(work / "snmpd.log"), "-C", "-c", str(conf), "-p",
            str(pidfile), ",".join(f"udp:127.0.0.1:{p}" for p in all_ports)]
    if netns is not None:
        argv = exec_argv(netns, argv)
    proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
    agent = Snmpd(port, state, community, v3_user, v3_auth, v3_priv, all_ports)
    try:
        def ready() -> bool:
            if proc.poll() is not None:
                raise RuntimeError(f"snmpd exited with {proc.returncode}")
            if netns is not None:
                return run_in(netns, lambda: answers(port, community))
            return answers(port, community)

        wait_until(ready, timeout=20, what="snmpd")
        yield agent
    finally:
        stop(proc, 5)
        log.close()
        shutil.rmtree(work, ignore_errors=True)
