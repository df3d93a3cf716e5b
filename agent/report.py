"""The host report: every section gathered by its own probe, each failing alone.

A section that cannot be read is ``null`` in the report and its reason is in ``errors``
under the section's name; the rest of the report is unaffected."""

from __future__ import annotations

import logging
import sys
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from muniops.agent import __version__
from muniops.agent.probes import backups, dmi, host, linux_av, packages, system, windows
from muniops.agent.probes.base import ProbeUnavailable

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
FULL = "full"
HEARTBEAT = "heartbeat"
HEARTBEAT_SECTIONS = ("health",)
Errors = dict[str, str]
Probe = Callable[[Errors], Any]


def attempt(errors: Errors, name: str, func: Callable[[], Any]) -> Any:
    """Run one source; on failure record why under ``name`` and answer None."""
    try:
        return func()
    except ProbeUnavailable as exc:
        errors[name] = str(exc)
    except Exception as exc:  # a probe's bug or an odd host must not cost the whole report
        log.warning("probe %s failed: %s: %s", name, type(exc).__name__, exc)
        errors[name] = f"{type(exc).__name__}: {exc}"
    return None


# ---- Linux (and other POSIX) ----------------------------------------------------------------

def _linux_identity(errors: Errors) -> dict[str, Any]:
    ident = host.names()
    smbios = attempt(errors, "smbios", dmi.read_sysfs)
    if smbios is None:
        first = errors.pop("smbios")
        smbios = attempt(errors, "smbios", lambda: dmi.identity_from_dmidecode(
            dmi.dmidecode("system") + dmi.dmidecode("bios") + dmi.dmidecode("chassis")))
        if smbios is None:
            errors["smbios"] = f"{first}; {errors['smbios']}"
    return ident | (smbios or {})


def _linux_memory(errors: Errors) -> dict[str, Any]:
    modules = attempt(errors, "memory_modules", lambda: dmi.memory_modules(dmi.dmidecode("17")))
    return host.memory_total() | {"modules": modules}


LINUX: dict[str, Probe] = {
    "identity": _linux_identity,
    "os": lambda e: host.os_info(),
    "cpu": lambda e: host.cpu(),
    "memory": _linux_memory,
    "disks": lambda e: host.linux_disks(),
    "filesystems": lambda e: host.filesystems(),
    "network": lambda e: host.network(),
    "users": lambda e: host.users(),
    "software": lambda e: packages.software(),
    "antivirus": lambda e: linux_av.antivirus(),
    "health": lambda e: host.health(),
    "local_users": lambda e: system.local_users(),
    "local_groups": lambda e: system.local_groups(),
    "processes": lambda e: system.processes(),
    "controllers": lambda e: system.controllers(),
    "repositories": lambda e: system.repositories(),
    "firewall": lambda e: system.firewall(),
    "agent": lambda e: system.agent_info(),
}


# ---- Windows --------------------------------------------------------------------------------

def _windows(src: windows.Source) -> dict[str, Probe]:
    def memory(errors: Errors) -> dict[str, Any]:
        modules = attempt(errors, "memory_modules", lambda: windows.memory_modules(src))
        return host.memory_total() | {"modules": modules}

    def cpu(errors: Errors) -> dict[str, Any]:
        return host.cpu() | (attempt(errors, "cpu_model", lambda: windows.cpu(src)) or {})

    return {
        "identity": lambda e: host.names() | (attempt(e, "smbios",
                                                      lambda: windows.identity(src)) or {}),
        "os": lambda e: windows.os_info(src) | {"last_boot": host.os_info()["last_boot"]},
        "cpu": cpu,
        "memory": memory,
        "disks": lambda e: windows.disks(src),
        "filesystems": lambda e: host.filesystems(),
        "network": lambda e: host.network(),
        "users": lambda e: host.users(),
        "software": lambda e: windows.software(src),
        "antivirus": lambda e: windows.antivirus(src),
        "health": lambda e: host.health(),
        "local_users": lambda e: windows.local_users(src),
        "processes": lambda e: system.processes(),
        "firewall": lambda e: windows.firewall(src),
        "agent": lambda e: system.agent_info(),
    }


def probes() -> dict[str, Probe]:
    return _windows(windows.Live()) if sys.platform == "win32" else LINUX


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def gather(kind: str = FULL, only: dict[str, Probe] | None = None,
           backup_policy: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A report of ``kind`` (``full`` or ``heartbeat``) with a fresh UUID; a full one
    checks the backups ``backup_policy`` names (the collector's, kept by the agent)."""
    table = only if only is not None else probes()
    wanted = table if kind == FULL else {k: table[k] for k in HEARTBEAT_SECTIONS if k in table}
    errors: Errors = {}
    report: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "report_id": str(uuid.uuid4()),
        "kind": kind,
        "agent_version": __version__,
        "created_at": now_iso(),
        "host": host.names(),
    }
    for name, probe in wanted.items():
        report[name] = attempt(errors, name, lambda p=probe: p(errors))  # type: ignore[misc]
    if kind == FULL and backup_policy:
        report["backups"] = attempt(errors, "backups", lambda: backups.backups(backup_policy))
    report["errors"] = errors
    return report
