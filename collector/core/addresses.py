"""The one parser of ``HOST``, ``HOST:PORT`` and ``[v6]:PORT`` addresses, for devices
(SNMP, SSH, discovery sources) and for the API's listen address."""

from __future__ import annotations

import re

_ADDRESS = re.compile(r"\[([^\]]+)\](?::(\d+))?|([^:\s\[\]]+)(?::(\d+))?|([0-9a-fA-F:]+)")


def split_address(value: str, default_port: int | None = None) -> tuple[str, int]:
    """Host and port of ``value``; without a port, ``default_port`` (none: an error).
    A bare IPv6 address takes the default port; with a port it needs brackets."""
    m = _ADDRESS.fullmatch(value.strip())
    if not m:
        raise ValueError(f"expected HOST or HOST:PORT, got {value!r}")
    host = m.group(1) or m.group(3) or m.group(5)
    given = m.group(2) or m.group(4)
    if given is None and default_port is None:
        raise ValueError(f"expected HOST:PORT, got {value!r}")
    port = int(given) if given is not None else int(default_port or 0)
    if not 0 < port < 65536:
        raise ValueError(f"port out of range in {value!r}")
    return host, port
