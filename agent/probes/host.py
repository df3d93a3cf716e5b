"""Portable facts from psutil and the standard library: OS, CPU, memory, disks,
filesystems, network interfaces, logged-in users, health. Linux-only details (disk model
and serial from sysfs, the CPU's name) come from files the kernel exposes to every user."""

from __future__ import annotations

import os
import platform
import re
import socket
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from muniops.agent.probes.base import ProbeUnavailable, clean

SYS_BLOCK = Path("/sys/block")
SYS_NET = Path("/sys/class/net")
_VIRTUAL_BLOCK = re.compile(r"^(loop|ram|zram|dm-|md|nbd|sr)\d")
# filesystems that hold no user data: not worth a row, and never "full"
_PSEUDO_FS = {"tmpfs", "devtmpfs", "squashfs", "overlay", "proc", "sysfs", "cgroup", "cgroup2",
              "nsfs", "autofs", "devpts", "mqueue", "tracefs", "debugfs", "fusectl", "ramfs"}


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def names() -> dict[str, Any]:
    return {"hostname": socket.gethostname(), "fqdn": socket.getfqdn()}


MACHINE_ID_FILES = (Path("/etc/machine-id"), Path("/var/lib/dbus/machine-id"))
SMBIOS_UUID_FILE = Path("/sys/class/dmi/id/product_uuid")  # readable by root only


def identity_keys() -> dict[str, str]:
    """What tells this host apart however it is renamed or reinstalled on the same board:
    the SMBIOS UUID and the OS's machine id, where readable. Sent at enrolment, so
    enrolling the same host again reuses its agent record."""
    keys: dict[str, str] = {}
    if os.name == "nt":  # pragma: no cover - Windows only
        import winreg  # type: ignore[import-not-found,unused-ignore]

        try:
            with winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE,  # type: ignore[attr-defined,unused-ignore]
                                r"SOFTWARE\Microsoft\Cryptography") as key:
                guid = winreg.QueryValueEx(key, "MachineGuid")[0]  # type: ignore[attr-defined,unused-ignore]
                keys["machine_id"] = str(guid).lower()
        except OSError:
            pass
    for path in MACHINE_ID_FILES:
        value = _read_clean(path)
        if value:
            keys["machine_id"] = value.lower()
            break
    value = _read_clean(SMBIOS_UUID_FILE)
    if value:
        keys["smbios_uuid"] = value.lower()
    return keys


def _read_clean(path: Path) -> str | None:
    try:
        return clean(path.read_text(encoding="ascii", errors="replace"))
    except OSError:
        return None


def _os_release(path: Path = Path("/etc/os-release")) -> dict[str, str]:
    out: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return out
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            out[key.strip()] = value.strip().strip('"')
    return out


def os_info() -> dict[str, Any]:
    rel = _os_release()
    return {
        "family": platform.system().lower(),
        "name": rel.get("PRETTY_NAME") or platform.system(),
        "version": rel.get("VERSION_ID") or platform.version(),
        "build": rel.get("BUILD_ID") or rel.get("VERSION_CODENAME"),
        "kernel": platform.release(),
        "arch": platform.machine(),
        "last_boot": iso(psutil.boot_time()),
    }


def _cpu_model() -> str | None:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("model name", "Processor", "cpu model"):
                return value.strip()
    except OSError:
        pass
    return platform.processor() or None


def cpu() -> dict[str, Any]:
    available = (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                 else psutil.cpu_count())
    return {
        "model": _cpu_model(),
        "physical_cores": psutil.cpu_count(logical=False),
        "logical_cores": psutil.cpu_count(logical=True),
        "available_cores": available,
    }


def memory_total() -> dict[str, Any]:
    vm = psutil.virtual_memory()
    return {"total_bytes": vm.total, "available_bytes": vm.available}


def _read(path: Path) -> str | None:
    try:
        return clean(path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return None


def linux_disks(root: Path = SYS_BLOCK) -> list[dict[str, Any]]:
    """Whole disks (not partitions, loops, RAM disks or device-mapper volumes)."""
    if not root.is_dir():
        raise ProbeUnavailable(f"{root} does not exist")
    disks = []
    for dev in sorted(root.iterdir()):
        if _VIRTUAL_BLOCK.match(dev.name):
            continue
        sectors = _read(dev / "size")
        disks.append({
            "name": dev.name,
            "model": _read(dev / "device" / "model"),
            "serial": _read(dev / "device" / "serial") or _read(dev / "serial"),
            "size_bytes": int(sectors) * 512 if sectors and sectors.isdigit() else 0,
            "rotational": _read(dev / "queue" / "rotational") == "1",
            "removable": _read(dev / "removable") == "1",
        })
    return disks


def filesystems() -> list[dict[str, Any]]:
    out = []
    for part in psutil.disk_partitions(all=False):
        if part.fstype in _PSEUDO_FS:
            continue
        try:
            usage = psutil.disk_usage(part.mountpoint)
        except OSError:
            continue  # an unreadable mount (a stale network share) is not this host's disk
        out.append({"mountpoint": part.mountpoint, "device": part.device, "fstype": part.fstype,
                    "size_bytes": usage.total, "used_bytes": usage.used,
                    "used_percent": usage.percent})
    return out


def _is_physical(name: str) -> bool | None:
    if not SYS_NET.is_dir():
        return None  # no sysfs (Windows, macOS): unknown
    return (SYS_NET / name / "device").exists()


def network() -> list[dict[str, Any]]:
    stats = psutil.net_if_stats()
    out = []
    for name, addrs in sorted(psutil.net_if_addrs().items()):
        mac = next((a.address for a in addrs if a.family == psutil.AF_LINK), None)
        st = stats.get(name)
        out.append({
            "name": name,
            "mac": mac.lower().replace("-", ":") if mac else None,
            "addresses": [a.address.split("%")[0] for a in addrs
                          if a.family in (socket.AF_INET, socket.AF_INET6)],
            "speed_mbps": st.speed if st and st.speed else None,
            "up": bool(st and st.isup),
            "physical": _is_physical(name),
        })
    return out


def users() -> list[dict[str, Any]]:
    return [{"name": u.name, "terminal": u.terminal, "host": u.host or None,
             "since": iso(u.started)} for u in psutil.users()]


def health() -> dict[str, Any]:
    out: dict[str, Any] = {"uptime_seconds": int(time.time() - psutil.boot_time()),
                           "memory_used_percent": psutil.virtual_memory().percent}
    if hasattr(os, "getloadavg"):
        out["load_1m"] = round(os.getloadavg()[0], 2)
    fill = [f["used_percent"] for f in filesystems()]
    out["disk_fill_max_percent"] = max(fill) if fill else None
    temps: list[dict[str, Any]] = []
    if hasattr(psutil, "sensors_temperatures"):
        for chip, readings in psutil.sensors_temperatures().items():
            temps += [{"sensor": f"{chip}/{r.label or i}", "celsius": r.current}
                      for i, r in enumerate(readings)]
    out["temperatures"] = temps
    return out
