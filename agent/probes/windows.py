"""Every Windows source in one place: CIM classes through PowerShell (``wmic`` where there is
no PowerShell), the registry through ``winreg``, services through PowerShell.

The parsers take plain records (``list[dict]`` for a CIM class, ``{subkey: {value: data}}``
for a registry key), so the same code reads a live machine and the recorded real outputs
the tests replay (``wmic /format:list`` text, ``.reg`` exports, ``ConvertTo-Json``)."""

from __future__ import annotations

import json
import re
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Protocol

from muniops.agent.probes.base import ProbeUnavailable, clean, run

Records = list[dict[str, Any]]
Keys = dict[str, dict[str, Any]]

UNINSTALL = r"SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall"
UNINSTALL_32 = r"SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall"
DEFENDER_NS = "root/Microsoft/Windows/Defender"
SECURITY_CENTER_NS = "root/SecurityCenter2"


class Source(Protocol):
    """What the Windows probes read; a live machine or recordings."""

    def cim(self, cls: str, namespace: str = "root/cimv2") -> Records: ...

    def subkeys(self, path: str) -> Keys: ...

    def services(self, names: list[str]) -> dict[str, str]: ...


# ---- recorded formats ---------------------------------------------------------------------

def decode_text(raw: bytes) -> str:
    """wmic and regedit write UTF-16LE with a BOM; PowerShell may write UTF-8."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("utf-16-le", "replace")


def parse_wmic_list(text: str) -> Records:
    """``wmic ... /format:list``: ``Key=Value`` lines, instances separated by blank lines."""
    records: Records = []
    current: dict[str, Any] = {}
    for line in text.replace("\r", "").split("\n"):
        if not line.strip():
            if current:
                records.append(current)
                current = {}
            continue
        key, sep, value = line.partition("=")
        if sep:
            current[key.strip()] = value.strip() or None
    if current:
        records.append(current)
    return records


def parse_cim_json(text: str) -> Records:
    """``ConvertTo-Json`` gives one object for one instance and an array for several."""
    if not text.strip():
        return []
    data = json.loads(text)
    return [data] if isinstance(data, dict) else list(data)


_REG_STRING = re.compile(r'^"((?:[^"\\]|\\.)*)"$')


def _reg_value(raw: str) -> Any:
    match = _REG_STRING.match(raw)
    if match:
        return match.group(1).replace('\\"', '"').replace("\\\\", "\\")
    if raw.startswith("dword:"):
        return int(raw[6:], 16)
    kind, _, hexdata = raw.partition(":")
    data = bytes(int(b, 16) for b in hexdata.replace(" ", "").split(",") if b)
    if kind in ("hex(2)", "hex(7)"):  # REG_EXPAND_SZ, REG_MULTI_SZ: UTF-16LE
        text = data.decode("utf-16-le", "replace").rstrip("\x00")
        return text.split("\x00") if kind == "hex(7)" else text
    if kind == "hex(b)":
        return int.from_bytes(data, "little")
    return data.hex()


def parse_reg_export(text: str) -> Keys:
    """A regedit ``.reg`` export as ``{key path: {value name: data}}`` (``@`` is the default)."""
    keys: Keys = {}
    current: dict[str, Any] | None = None
    logical: list[str] = []
    for line in text.replace("\r", "").split("\n"):
        if logical or (line.endswith("\\") and not line.startswith("[")):
            logical.append(line.strip().rstrip("\\"))
            if line.endswith("\\"):
                continue
            line, logical = "".join(logical), []
        if line.startswith("[") and line.endswith("]"):
            current = keys.setdefault(line[1:-1], {})
            continue
        if current is None or "=" not in line:
            continue
        if line.startswith("@="):
            name, raw = "@", line[2:]
        else:
            match = re.match(r'^"((?:[^"\\]|\\.)*)"=(.*)$', line)
            if not match:
                continue
            name, raw = match.group(1), match.group(2)
        current[name] = _reg_value(raw)
    return keys


def children(keys: Keys, path: str) -> Keys:
    """The direct subkeys of ``path`` in an export, by their own name."""
    prefix = path.rstrip("\\").lower() + "\\"
    return {k[len(prefix):]: v for k, v in keys.items()
            if k.lower().startswith(prefix) and "\\" not in k[len(prefix):]}


@dataclass
class Recorded:
    """Recorded outputs: CIM classes by name, a registry export (HKLM paths), services."""

    classes: dict[str, Records] = field(default_factory=dict)
    registry: Keys = field(default_factory=dict)
    running: dict[str, str] = field(default_factory=dict)
    missing_namespaces: set[str] = field(default_factory=set)

    def cim(self, cls: str, namespace: str = "root/cimv2") -> Records:
        if namespace in self.missing_namespaces:
            raise ProbeUnavailable(f"CIM namespace {namespace} does not exist here")
        return self.classes.get(cls, [])

    def subkeys(self, path: str) -> Keys:
        return children(self.registry, "HKEY_LOCAL_MACHINE\\" + path)

    def services(self, names: list[str]) -> dict[str, str]:
        return {n: self.running[n] for n in names if n in self.running}


# ---- the live machine ---------------------------------------------------------------------

POWERSHELL = "powershell.exe"
_PS_PREFIX = ("$ProgressPreference='SilentlyContinue';"
              "[Console]::OutputEncoding=[Text.Encoding]::UTF8;")


def _powershell(script: str, timeout: float = 60) -> str:
    return run([POWERSHELL, "-NoProfile", "-NonInteractive", "-ExecutionPolicy", "Bypass",
                "-Command", _PS_PREFIX + script], timeout=timeout)


class Live:
    """This Windows machine."""

    def cim(self, cls: str, namespace: str = "root/cimv2") -> Records:
        if not shutil.which(POWERSHELL):  # Windows XP/2003: only wmic
            ns = namespace.replace("/", "\\")
            return parse_wmic_list(run(["wmic", f"/namespace:\\\\{ns}", "path", cls, "get",
                                        "/format:list"]))
        return parse_cim_json(_powershell(
            f"Get-CimInstance -Namespace {namespace} -ClassName {cls} -ErrorAction Stop | "
            "Select-Object -Property * -ExcludeProperty Cim*,PSComputerName | "
            "ConvertTo-Json -Depth 3 -Compress"))

    def subkeys(self, path: str) -> Keys:
        import winreg  # type: ignore[import-not-found,unused-ignore]

        out: Keys = {}
        try:
            root = winreg.OpenKey(winreg.HKEY_LOCAL_MACHINE, path, 0,  # type: ignore[attr-defined,unused-ignore]
                                  winreg.KEY_READ)  # type: ignore[attr-defined,unused-ignore]
        except OSError:
            return out
        with root:
            for i in range(winreg.QueryInfoKey(root)[0]):  # type: ignore[attr-defined,unused-ignore]
                name = winreg.EnumKey(root, i)  # type: ignore[attr-defined,unused-ignore]
                values: dict[str, Any] = {}
                with winreg.OpenKey(root, name) as sub:  # type: ignore[attr-defined,unused-ignore]
                    for j in range(winreg.QueryInfoKey(sub)[1]):  # type: ignore[attr-defined,unused-ignore]
                        vname, data, _kind = winreg.EnumValue(sub, j)  # type: ignore[attr-defined,unused-ignore]
                        values[vname or "@"] = data
                out[name] = values
        return out

    def services(self, names: list[str]) -> dict[str, str]:
        quoted = ",".join(f"'{n}'" for n in names)
        rows = parse_cim_json(_powershell(
            f"Get-Service -Name {quoted} -ErrorAction SilentlyContinue | "
            "Select-Object Name,@{n='Status';e={[string]$_.Status}} | ConvertTo-Json -Compress"))
        return {r["Name"]: r["Status"] for r in rows}


# ---- field extraction ---------------------------------------------------------------------

_DOTNET_DATE = re.compile(r"/Date\((-?\d+)\)/")
_WMI_DATE = re.compile(r"^(\d{14})\.\d+([+-]\d{3})$")


def wmi_time(value: Any) -> str | None:
    """WMI ``yyyymmddHHMMSS.ffffff+mmm``, PowerShell 5 ``/Date(ms)/``, or ISO → ISO UTC."""
    if value in (None, ""):
        return None
    text = str(value)
    if m := _DOTNET_DATE.search(text):
        return datetime.fromtimestamp(int(m.group(1)) / 1000, UTC).isoformat(timespec="seconds")
    if m := _WMI_DATE.match(text):
        zone = timezone(timedelta(minutes=int(m.group(2))))
        when = datetime.strptime(m.group(1), "%Y%m%d%H%M%S").replace(tzinfo=zone)
        return when.astimezone(UTC).isoformat(timespec="seconds")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        try:  # Security Center's timestamp: "Fri, 01 Sep 2023 08:00:00 GMT"
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC).isoformat(timespec="seconds")


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _first(records: Records) -> dict[str, Any]:
    return records[0] if records else {}


def _chassis(value: Any) -> str | None:
    from muniops.agent.probes.dmi import CHASSIS_TYPES

    if isinstance(value, list):
        value = value[0] if value else None
    code = _int(str(value).strip("{}")) if value is not None else None
    return CHASSIS_TYPES.get(code) if code else None


def identity(src: Source) -> dict[str, Any]:
    bios = _first(src.cim("Win32_BIOS"))
    system = _first(src.cim("Win32_ComputerSystem"))
    product = _first(src.cim("Win32_ComputerSystemProduct"))
    enclosure = _first(src.cim("Win32_SystemEnclosure"))
    fields = {
        "smbios_uuid": product.get("UUID"),
        "serial": bios.get("SerialNumber") or product.get("IdentifyingNumber"),
        "manufacturer": system.get("Manufacturer") or bios.get("Manufacturer"),
        "model": system.get("Model"),
        "chassis_type": _chassis(enclosure.get("ChassisTypes")),
        "bios_vendor": bios.get("Manufacturer"),
        "bios_version": bios.get("SMBIOSBIOSVersion") or bios.get("Version"),
        "bios_date": wmi_time(bios.get("ReleaseDate")),
        "domain": system.get("Domain"),
    }
    return {k: v for k, v in ((k, clean(str(v)) if v is not None else None)
                              for k, v in fields.items()) if v is not None}


def os_info(src: Source) -> dict[str, Any]:
    osr = _first(src.cim("Win32_OperatingSystem"))
    if not osr:
        raise ProbeUnavailable("Win32_OperatingSystem returned nothing")
    return {"family": "windows", "name": osr.get("Caption"), "version": osr.get("Version"),
            "build": osr.get("BuildNumber"), "kernel": osr.get("Version"),
            "arch": osr.get("OSArchitecture"), "last_boot": wmi_time(osr.get("LastBootUpTime")),
            "server": str(osr.get("ProductType")) in ("2", "3")}


def cpu(src: Source) -> dict[str, Any]:
    procs = src.cim("Win32_Processor")
    if not procs:
        raise ProbeUnavailable("Win32_Processor returned nothing")
    return {
        "model": (procs[0].get("Name") or "").strip() or None,
        "sockets": len(procs),
        "physical_cores": sum(_int(p.get("NumberOfCores")) or 0 for p in procs) or None,
        "logical_cores": sum(_int(p.get("NumberOfLogicalProcessors")) or 0 for p in procs)
        or None,
    }


# SMBIOSMemoryType codes (SMBIOS 7.18.2) for the kinds a fleet still has
MEMORY_TYPES = {17: "RDRAM", 18: "DDR", 19: "DDR2", 20: "DDR2", 24: "DDR3", 26: "DDR4",
                27: "LPDDR", 28: "LPDDR2", 29: "LPDDR3", 30: "LPDDR4", 34: "DDR5", 35: "LPDDR5"}


def memory_modules(src: Source) -> list[dict[str, Any]]:
    out = []
    for m in src.cim("Win32_PhysicalMemory"):
        kind = _int(m.get("SMBIOSMemoryType")) or _int(m.get("MemoryType"))
        out.append({
            "slot": m.get("DeviceLocator") or m.get("BankLabel"),
            "size_bytes": _int(m.get("Capacity")),
            "type": MEMORY_TYPES.get(kind or 0),
            "form_factor": None,
            "speed_mts": _int(m.get("Speed")),
            "manufacturer": clean(m.get("Manufacturer")),
            "serial": clean(m.get("SerialNumber")),
            "part_number": clean(m.get("PartNumber")),
        })
    return out


def disks(src: Source) -> list[dict[str, Any]]:
    return [{"name": d.get("DeviceID") or f"disk{d.get('Index')}", "model": clean(d.get("Model")),
             "serial": clean(d.get("SerialNumber")), "size_bytes": _int(d.get("Size")) or 0,
             "interface": d.get("InterfaceType"), "media": d.get("MediaType")}
            for d in src.cim("Win32_DiskDrive")]


def software(src: Source) -> list[dict[str, Any]]:
    """Both Uninstall hives (64- and 32-bit views); updates and system parts left out."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for path, arch in ((UNINSTALL, "x64"), (UNINSTALL_32, "x86")):
        for key, values in src.subkeys(path).items():
            name = values.get("DisplayName")
            if not name or values.get("SystemComponent") == 1 or values.get("ParentKeyName"):
                continue
            version = str(values.get("DisplayVersion") or "")
            out.setdefault((name, version), {
                "name": name, "version": version or None, "arch": arch,
                "publisher": values.get("Publisher") or None, "source": "registry",
                "install_date": values.get("InstallDate") or None, "key": key})
    return sorted(out.values(), key=lambda s: (s["name"].lower(), s["version"] or ""))


def local_users(src: Source) -> list[dict[str, Any]]:
    """Accounts of this machine (not the domain's), from ``Win32_UserAccount``."""
    return [{"name": u.get("Name"), "sid": u.get("SID"), "full_name": u.get("FullName") or None,
             "disabled": str(u.get("Disabled")).lower() == "true"}
            for u in src.cim("Win32_UserAccount")
            if str(u.get("LocalAccount")).lower() == "true"]


def firewall(src: Source) -> dict[str, Any]:
    """Windows Firewall profiles (``MSFT_NetFirewallProfile``): on when every profile is."""
    profiles = {str(p.get("Name")): str(p.get("Enabled")).lower() in ("true", "1")
                for p in src.cim("MSFT_NetFirewallProfile", "root/StandardCimv2")}
    if not profiles:
        raise ProbeUnavailable("MSFT_NetFirewallProfile returned nothing")
    return {"status": "on" if all(profiles.values()) else "off", "sources": profiles}


# ---- antivirus ----------------------------------------------------------------------------

def decode_product_state(state: int) -> dict[str, bool]:
    """Security Center's ``productState``: the middle byte 0x1X means on (real-time scanning);
    the low byte 0x00 means signatures are current. 0x061100: on and current."""
    scanner = (state >> 8) & 0xFF
    signatures = state & 0xFF
    on = scanner & 0xF0 == 0x10
    return {"enabled": on, "realtime": on, "up_to_date": signatures == 0x00}


def security_center(src: Source) -> Records:
    """Products registered with Security Center (workstations only)."""
    out = []
    for p in src.cim("AntiVirusProduct", SECURITY_CENTER_NS):
        state = _int(p.get("productState"))
        decoded = decode_product_state(state) if state is not None else {}
        out.append({"product": p.get("displayName"), "vendor": None, "source": "security_center",
                    "product_state": f"0x{state:06X}" if state is not None else None,
                    "signature_time": wmi_time(p.get("timestamp")), **decoded})
    return out


def defender(src: Source) -> dict[str, Any] | None:
    """Microsoft Defender's own status (``MSFT_MpComputerStatus``, what Get-MpComputerStatus
    reads); present on Windows Server too."""
    status = _first(src.cim("MSFT_MpComputerStatus", DEFENDER_NS))
    if not status:
        return None
    running = bool(status.get("AMServiceEnabled")) and bool(status.get("AntivirusEnabled"))
    age = _int(status.get("AntivirusSignatureAge"))
    return {"product": "Microsoft Defender Antivirus", "vendor": "Microsoft", "source": "defender",
            "product_version": status.get("AMProductVersion"),
            "engine_version": status.get("AMEngineVersion"),
            "signature_version": status.get("AntivirusSignatureVersion"),
            "signature_time": wmi_time(status.get("AntivirusSignatureLastUpdated")),
            "enabled": running, "realtime": bool(status.get("RealTimeProtectionEnabled")),
            "up_to_date": age is not None and age <= 1,
            "passive": str(status.get("AMRunningMode") or "").lower() == "passive mode"}


def _yyyymmdd(text: Any) -> str | None:
    match = re.search(r"(20\d{2})(\d{2})(\d{2})", str(text or ""))
    if not match:
        return None
    year, month, day = (int(g) for g in match.groups())
    return datetime(year, month, day, tzinfo=UTC).isoformat(timespec="seconds")


def _epoch(value: Any) -> str | None:
    seconds = _int(value)
    if not seconds or seconds == 0xFFFFFFFF:
        return None
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Vendor:
    """A third-party product: its services, and where its registry keeps version and
    signature date (as glpi-agent's Win32 AntiVirus module reads them)."""

    product: str
    services: list[str]
    key: str  # under HKLM; a key whose subkeys are read (the last path part is matched)
    subkey: str  # "" for the key itself, a glob-free name, or "*" for any subkey
    version: str
    signature: str
    signature_time: Callable[[dict[str, Any]], str | None]


VENDORS = [
    Vendor("ESET", ["ekrn"], r"SOFTWARE\ESET\ESET Security\CurrentVersion", "Info",
           "ProductVersion", "ScannerVersion", lambda v: _yyyymmdd(v.get("ScannerVersion"))),
    Vendor("McAfee", ["McShield", "mfemms", "mfefire"], r"SOFTWARE\WOW6432Node\McAfee",
           "AVEngine", "EngineVersionMajor", "AVDatVersion",
           lambda v: _yyyymmdd(str(v.get("AVDatDate") or "").replace("/", ""))),
    # Kaspersky Endpoint Security keeps its last update (epoch seconds) under protected\KES\Data
    Vendor("Kaspersky", ["AVP", "klnagent", "kavfs"],
           r"SOFTWARE\WOW6432Node\KasperskyLab\protected\KES", "Data", "ProductVersion",
           "LastSuccessfulUpdate",
           lambda v: _epoch(v.get("LastSuccessfulUpdate"))),
]


def vendor_products(src: Source) -> Records:
    """McAfee, Kaspersky, ESET: found by a running service or by their registry keys."""
    out = []
    for vendor in VENDORS:
        services = src.services(vendor.services)
        subkeys = src.subkeys(vendor.key)
        values = next((v for k, v in subkeys.items() if vendor.subkey in ("*", k)
                       and (vendor.signature in v or vendor.version in v)), None)
        if not services and values is None:
            continue
        values = values or {}
        running = any(s.lower() == "running" for s in services.values())
        out.append({"product": vendor.product, "vendor": vendor.product, "source": "vendor",
                    "product_version": values.get(vendor.version),
                    "signature_version": values.get(vendor.signature),
                    "signature_time": vendor.signature_time(values),
                    "enabled": running if services else None, "realtime": running or None,
                    "up_to_date": None, "services": services})
    return out


_GENERIC = {"antivirus", "security", "endpoint", "microsoft", "windows", "protection", "total",
            "internet", "for", "business"}


def _same_product(a: str | None, b: str | None) -> bool:
    """"Microsoft Defender Antivirus" is Security Center's "Windows Defender"."""
    words = [set((x or "").lower().split()) - _GENERIC for x in (a, b)]
    return bool(words[0] & words[1])


def antivirus(src: Source) -> dict[str, Any]:
    """All products, with "unknown" (not "none") when Security Center cannot be asked."""
    products: Records = []
    problems: list[str] = []
    center_answered = True
    try:
        products += security_center(src)
    except ProbeUnavailable as exc:
        center_answered = False
        problems.append(f"security center: {exc}")
    for probe in (defender, vendor_products):
        try:
            found = probe(src)
        except ProbeUnavailable as exc:
            problems.append(f"{probe.__name__}: {exc}")
            continue
        found_list = found if isinstance(found, list) else [found] if found else []
        for item in found_list:
            same = next((p for p in products if p["source"] == "security_center"
                         and _same_product(item["product"], p["product"])), None)
            if same is not None:  # Security Center's view plus the product's own details
                same.update({k: v for k, v in item.items() if v is not None
                             and k not in ("enabled", "realtime", "up_to_date")})
            else:
                products.append(item)
    state = "found" if products else "none" if center_answered else "unknown"
    return {"state": state, "products": products, "problems": problems,
            "security_center": "available" if center_answered else "absent"}


def is_windows() -> bool:
    return sys.platform == "win32"
