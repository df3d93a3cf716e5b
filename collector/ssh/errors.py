"""What can go wrong talking to a device over SSH, as muniops' own types.

Messages name the device and the cause, never a secret (no password, no command output
that could hold one)."""

from __future__ import annotations


class SshError(Exception):
    """Base of every SSH failure; ``cause`` is a short slug for reports and metrics."""

    cause = "error"

    def __init__(self, device: str, detail: str) -> None:
        super().__init__(f"{device}: {detail}")
        self.device = device
        self.detail = detail


class AuthFailed(SshError):
    cause = "auth_failed"


class DeviceTimeout(SshError):
    cause = "timeout"


class DeviceUnreachable(SshError):
    cause = "unreachable"


class UnexpectedPrompt(SshError):
    cause = "unexpected_prompt"


class Disconnected(SshError):
    """The session closed in the middle of a command's output."""

    cause = "disconnected"


class UnknownPlatform(SshError):
    cause = "unknown_platform"
