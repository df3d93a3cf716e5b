"""What a playbook needs to know of SSH without loading netmiko or paramiko: where to log
in, and the one method a session offers. ``session.py`` implements it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from muniops.collector.core.credentials import SshLogin


@dataclass(frozen=True)
class SshTarget:
    """Where and how to log in. ``name`` is how the device is named in reports."""

    name: str
    host: str
    platform: str
    login: SshLogin = field(repr=False)
    port: int = 22
    timeout: float = 20.0  # connect, banner, auth, and each command's output


class SshSession(Protocol):
    def send_command(self, command: str, *, timeout: float | None = None) -> str: ...

    def close(self) -> None: ...
