"""Debian's OpenSSH server on 127.0.0.1 with a private host key, config and client key:
the real Linux server the playbooks' paramiko side is tested against."""

from __future__ import annotations

import contextlib
import getpass
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from muniops.lab.net import free_port, tcp_open, wait_until

SSHD = Path("/usr/sbin/sshd")


def available() -> bool:
    return SSHD.exists() and shutil.which("ssh-keygen") is not None


@dataclass(frozen=True)
class OpenSsh:
    port: int
    username: str
    key_file: Path  # the client's private key, authorised on this server


def _keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)],
                   check=True, capture_output=True)


@contextlib.contextmanager
def running_openssh() -> Iterator[OpenSsh]:
    """Start sshd (key authentication only) for the current user; stop it on exit."""
    root = Path(tempfile.mkdtemp(prefix="muniops-sshd-"))
    host_key, client_key = root / "host_ed25519", root / "client_ed25519"
    _keygen(host_key)
    _keygen(client_key)
    (root / "authorized_keys").write_text(client_key.with_suffix(".pub").read_text())
    port = free_port()
    config = root / "sshd_config"
    config.write_text("\n".join([
        f"Port {port}", "ListenAddress 127.0.0.1", f"HostKey {host_key}",
        f"PidFile {root / 'sshd.pid'}", f"AuthorizedKeysFile {root / 'authorized_keys'}",
        "PasswordAuthentication no", "KbdInteractiveAuthentication no", "UsePAM no",
        "StrictModes no", "PermitRootLogin prohibit-password", "LogLevel ERROR", ""]))
    Path("/run/sshd").mkdir(parents=True, exist_ok=True)
    log = open(root / "sshd.log", "w")  # noqa: SIM115 (closed with the process)
    proc = subprocess.Popen([str(SSHD), "-D", "-e", "-f", str(config)], stdout=log,
                            stderr=subprocess.STDOUT)
    log.close()
    try:
        wait_until(lambda: tcp_open(port) or proc.poll() is not None, 15, "sshd")
        if proc.poll() is not None:
            raise RuntimeError(f"sshd exited: {(root / 'sshd.log').read_text()[-500:]}")
        yield OpenSsh(port, getpass.getuser(), client_key)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        shutil.rmtree(root, ignore_errors=True)
