"""SMBIOS: the machine's identity, BIOS and memory modules, from ``/sys/class/dmi/id``
(readable without root for most fields) or ``dmidecode`` text (root; memory modules)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from muniops.agent.probes.base import ProbeUnavailable, clean, run

SYSFS_DMI = Path("/sys/class/dmi/id")

# sysfs file -> report field
SYSFS_FIELDS = {
    "product_uuid": "smbios_uuid",
    "product_serial": "serial",
    "sys_vendor": "manufacturer",
    "product_name": "model",
    "chassis_type": "chassis_type",
    "bios_vendor": "bios_vendor",
    "bios_version": "bios_version",
    "bios_date": "bios_date",
}

# SMBIOS 3.x chassis type codes (DSP0134 7.4.1), as dmidecode names them
CHASSIS_TYPES = {
    1: "Other", 2: "Unknown", 3: "Desktop", 4: "Low Profile Desktop", 5: "Pizza Box",
    6: "Mini Tower", 7: "Tower", 8: "Portable", 9: "Laptop", 10: "Notebook", 11: "Hand Held",
    12: "Docking Station", 13: "All In One", 14: "Sub Notebook", 15: "Space-saving",
    16: "Lunch Box", 17: "Main Server Chassis", 18: "Expansion Chassis", 19: "Sub Chassis",
    20: "Bus Expansion Chassis", 21: "Peripheral Chassis", 22: "RAID Chassis",
    23: "Rack Mount Chassis", 24: "Sealed-case PC", 25: "Multi-system", 26: "CompactPCI",
    27: "AdvancedTCA", 28: "Blade", 29: "Blade Enclosure", 30: "Tablet", 31: "Convertible",
    32: "Detachable", 33: "IoT Gateway", 34: "Embedded PC", 35: "Mini PC", 36: "Stick PC",
}

_HANDLE = re.compile(r"^Handle 0x[0-9A-Fa-f]+, DMI type (\d+),")
_SIZE = re.compile(r"^(\d+)\s*(bytes|kB|KB|MB|GB|TB)$")
_UNITS = {"bytes": 1, "kB": 1024, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}


def read_sysfs(root: Path = SYSFS_DMI) -> dict[str, Any]:
    """The identity fields the kernel exposes; a field it hides (root only) is left out."""
    if not root.is_dir():
        raise ProbeUnavailable(f"{root} does not exist (no SMBIOS on this machine)")
    out: dict[str, Any] = {}
    for name, field in SYSFS_FIELDS.items():
        try:
            value = clean((root / name).read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
        if value is not None:
            out[field] = value
    if "chassis_type" in out and out["chassis_type"].isdigit():
        out["chassis_type"] = CHASSIS_TYPES.get(int(out["chassis_type"]), "Unknown")
    return out


def parse_dmidecode(text: str) -> list[tuple[int, dict[str, str]]]:
    """``dmidecode`` output as (type, {key: value}) records; list-valued keys are skipped."""
    records: list[tuple[int, dict[str, str]]] = []
    current: dict[str, str] | None = None
    for line in text.splitlines():
        match = _HANDLE.match(line)
        if match:
            current = {}
            records.append((int(match.group(1)), current))
            continue
        if current is None or not line[:1].isspace():
            continue
        key, sep, value = line.strip().partition(":")
        if sep and value.strip():
            current[key.strip()] = value.strip()
    return records


def _first(records: list[tuple[int, dict[str, str]]], dmi_type: int) -> dict[str, str]:
    return next((r for t, r in records if t == dmi_type), {})


def identity_from_dmidecode(text: str) -> dict[str, Any]:
    records = parse_dmidecode(text)
    bios, system, chassis = _first(records, 0), _first(records, 1), _first(records, 3)
    fields = {
        "smbios_uuid": system.get("UUID"),
        "serial": system.get("Serial Number") or chassis.get("Serial Number"),
        "manufacturer": system.get("Manufacturer"),
        "model": system.get("Product Name"),
        "chassis_type": chassis.get("Type"),
        "bios_vendor": bios.get("Vendor"),
        "bios_version": bios.get("Version"),
        "bios_date": bios.get("Release Date"),
    }
    return {k: v for k, v in ((k, clean(v)) for k, v in fields.items()) if v is not None}


def size_bytes(text: str | None) -> int | None:
    match = _SIZE.match((text or "").strip())
    return int(match.group(1)) * _UNITS[match.group(2)] if match else None


def _speed(text: str | None) -> int | None:
    match = re.match(r"(\d+)", text or "")
    return int(match.group(1)) if match else None


def memory_modules(text: str) -> list[dict[str, Any]]:
    """Populated memory slots (DMI type 17) with size, type, speed and the part's identity."""
    modules = []
    for dmi_type, rec in parse_dmidecode(text):
        size = size_bytes(rec.get("Size")) if dmi_type == 17 else None
        if size is None:
            continue  # not a memory device, or an empty slot ("No Module Installed")
        modules.append({
            "slot": rec.get("Locator"),
            "size_bytes": size,
            "type": clean(rec.get("Type")),
            "form_factor": clean(rec.get("Form Factor")),
            "speed_mts": _speed(rec.get("Speed")),
            "manufacturer": clean(rec.get("Manufacturer")),
            "serial": clean(rec.get("Serial Number")),
            "part_number": clean(rec.get("Part Number")),
        })
    return modules


def dmidecode(section: str) -> str:
    """``dmidecode -t SECTION``; needs root and the dmidecode package."""
    return run(["dmidecode", "-t", section], timeout=30)
