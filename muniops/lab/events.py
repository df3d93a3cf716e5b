"""Senders of real SNMP notifications and syslog lines for the tests and the benchmark:
Net-SNMP's ``snmptrap``/``snmpinform`` and util-linux ``logger``, to 127.0.0.1 only."""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile

LINK_DOWN = "1.3.6.1.6.3.1.1.5.3"
COLD_START = "1.3.6.1.6.3.1.1.5.1"


def _env() -> dict[str, str]:
    state = os.environ.get("MUNIOPS_LAB_SNMP_DIR") or tempfile.mkdtemp(prefix="muniops-trap-")
    return {**os.environ, "MIBS": "", "SNMP_PERSISTENT_DIR": state, "SNMPCONFPATH": state}


def snmptrap(port: int, trap_oid: str, *varbinds: str, community: str = "public",
             version: str = "2c") -> subprocess.CompletedProcess[str]:
    """``snmptrap -v2c``; with ``version="1"``, ``trap_oid`` is ``ENTERPRISE GENERIC
    SPECIFIC`` (the agent address sent is 127.0.0.1)."""
    target = ["-c", community, f"127.0.0.1:{port}"]
    if version == "1":
        enterprise, generic, specific = trap_oid.split()
        head = ["-v1", *target, enterprise, "127.0.0.1", generic, specific, ""]
    else:
        head = [f"-v{version}", *target, "", trap_oid]
    return subprocess.run(["snmptrap", *head, *varbinds], capture_output=True, text=True,
                          env=_env(), timeout=30)


def snmpinform_v3(port: int, trap_oid: str, *varbinds: str, user: str, auth: str, priv: str,
                  auth_proto: str = "SHA", priv_proto: str = "AES",
                  timeout: float = 2) -> subprocess.CompletedProcess[str]:
    """An SNMPv3 authPriv inform; exit status 0 only when the receiver acknowledged it."""
    return subprocess.run(
        ["snmpinform", "-v3", "-l", "authPriv", "-u", user, "-a", auth_proto, "-A", auth,
         "-x", priv_proto, "-X", priv, "-r", "0", "-t", str(timeout), f"127.0.0.1:{port}", "",
         trap_oid, *varbinds], capture_output=True, text=True, env=_env(), timeout=60)


def captured_trap(trap_oid: str, *varbinds: str, community: str = "public") -> bytes:
    """The datagram ``snmptrap -v2c`` sends, caught on a socket of our own, so a burst
    can replay Net-SNMP's own bytes faster than a process per trap allows."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(10)
        done = snmptrap(sock.getsockname()[1], trap_oid, *varbinds, community=community)
        if done.returncode:
            raise RuntimeError(f"snmptrap failed: {done.stderr.strip()}")
        return sock.recv(65536)


def burst(port: int, datagram: bytes, count: int) -> None:
    """``count`` copies of ``datagram`` to 127.0.0.1:port as fast as one socket sends."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for _ in range(count):
            sock.sendto(datagram, ("127.0.0.1", port))


def logger(port: int, message: str, *, tcp: bool = False, rfc: str = "5424",
           tag: str = "muniops-test", priority: str = "user.notice") -> None:
    """util-linux ``logger --server 127.0.0.1 --port PORT`` over UDP or TCP (RFC 6587
    octet counting on TCP)."""
    args = ["logger", "--server", "127.0.0.1", "--port", str(port),
            *(["--tcp", "--octet-count"] if tcp else ["--udp"]), f"--rfc{rfc}",
            "-t", tag, "-p", priority]
    subprocess.run([*args, message], check=True, capture_output=True, timeout=30)
