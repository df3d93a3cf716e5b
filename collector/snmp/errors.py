"""Typed SNMP errors. Messages name the device address and what went wrong, never a
community or a key: they end up in logs, the CLI and the store."""

from __future__ import annotations


class SnmpError(Exception):
    """Base of every SNMP failure the session raises."""


class SnmpTimeout(SnmpError):
    """The agent did not answer within timeout × (retries + 1)."""


class SnmpAuthError(SnmpError):
    """The agent refused our credentials (wrong community answers nothing, so that shows as
    a timeout; a wrong v3 user or key shows here)."""


class SnmpProtocolError(SnmpError):
    """The agent answered with an error status, or with something we cannot decode."""


class SnmpTooBig(SnmpProtocolError):
    """The response would not fit in one message: ask for fewer repetitions."""
