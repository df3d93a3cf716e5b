"""Local accounts, processes, PCI controllers and package repositories: what a help desk
asks about after hardware and software (who can log in, what runs, what is plugged in,
where updates come from). Environment variables are left out on purpose: they carry
secrets."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import psutil

from muniops.agent.probes.base import ProbeUnavailable

PCI = Path("/sys/bus/pci/devices")
PCI_IDS = [Path("/usr/share/misc/pci.ids"), Path("/usr/share/hwdata/pci.ids")]
APT_SOURCES = [Path("/etc/apt/sources.list"), Path("/etc/apt/sources.list.d")]
YUM_REPOS = Path("/etc/yum.repos.d")


def local_users() -> list[dict[str, Any]]:
    if sys.platform == "win32":
        raise ProbeUnavailable("read from Win32_UserAccount on Windows")
    import pwd

    return [{"name": p.pw_name, "uid": p.pw_uid, "home": p.pw_dir, "shell": p.pw_shell,
             "login": not p.pw_shell.endswith(("nologin", "false"))} for p in pwd.getpwall()]


def local_groups() -> list[dict[str, Any]]:
    if sys.platform == "win32":
        raise ProbeUnavailable("not read on Windows yet")
    import grp

    return [{"name": g.gr_name, "gid": g.gr_gid, "members": list(g.gr_mem)}
            for g in grp.getgrall()]


def processes() -> list[dict[str, Any]]:
    out = []
    for p in psutil.process_iter(["pid", "name", "username", "memory_info", "create_time"]):
        info = p.info
        mem = info.get("memory_info")
        out.append({"pid": info["pid"], "name": info.get("name"),
                    "user": info.get("username"), "rss_bytes": mem.rss if mem else None})
    return out


def _pci_names() -> dict[tuple[str, str | None], str]:
    """Vendor and device names from pci.ids, when the system has the file."""
    names: dict[tuple[str, str | None], str] = {}
    path = next((p for p in PCI_IDS if p.exists()), None)
    if path is None:
        return names
    vendor = ""
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line or line.startswith("#") or line.startswith("C "):
            continue
        if not line.startswith("\t"):
            vendor, _, name = line.partition("  ")
            names[(vendor, None)] = name
        elif not line.startswith("\t\t"):
            device, _, name = line.strip().partition("  ")
            names[(vendor, device)] = name
    return names


def controllers(root: Path = PCI) -> list[dict[str, Any]]:
    if not root.is_dir():
        raise ProbeUnavailable(f"{root} does not exist")
    names = _pci_names()
    out = []
    for dev in sorted(root.iterdir()):
        def read(name: str, d: Path = dev) -> str:
            return (d / name).read_text().strip().removeprefix("0x")

        vendor, device = read("vendor"), read("device")
        out.append({"address": dev.name, "vendor_id": vendor, "device_id": device,
                    "class": read("class")[:4], "vendor": names.get((vendor, None)),
                    "name": names.get((vendor, device))})
    return out


_APT_LINE = re.compile(r"^\s*(deb(?:-src)?)\s+(.+)$")


def repositories() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    files: list[Path] = []
    for source in APT_SOURCES:
        files += sorted(source.glob("*")) if source.is_dir() else [source]
    for f in files:
        try:
            text = f.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for line in text.splitlines():
            if m := _APT_LINE.match(line):
                out.append({"manager": "apt", "file": str(f), "line": f"{m[1]} {m[2]}"})
            elif line.startswith("URIs:"):
                out.append({"manager": "apt", "file": str(f), "line": line[5:].strip()})
    if YUM_REPOS.is_dir():
        for f in sorted(YUM_REPOS.glob("*.repo")):
            for line in f.read_text(encoding="utf-8", errors="replace").splitlines():
                if line.startswith(("baseurl=", "mirrorlist=", "metalink=")):
                    out.append({"manager": "yum", "file": str(f), "line": line})
    return out


def firewall() -> dict[str, Any]:
    """Whether a host firewall filters traffic: ufw, firewalld, or any nftables/iptables
    rule. Needs root for nft/iptables; an unreadable source is named, not guessed."""
    import shutil

    from muniops.agent.probes.base import run

    found: dict[str, Any] = {"sources": {}, "unreadable": []}
    if shutil.which("ufw"):
        try:
            found["sources"]["ufw"] = "Status: active" in run(["ufw", "status"], timeout=20)
        except ProbeUnavailable as exc:
            found["unreadable"].append(str(exc))
    found["sources"]["firewalld"] = any(
        p.info["name"] == "firewalld" for p in psutil.process_iter(["name"]))
    if shutil.which("nft"):
        try:
            rules = [line for line in run(["nft", "list", "ruleset"], timeout=20).splitlines()
                     if line.strip() and not line.strip().startswith(("table", "chain",
                                                                       "type", "}", "policy"))]
            found["sources"]["nftables"] = bool(rules)
        except ProbeUnavailable as exc:
            found["unreadable"].append(str(exc))
    found["status"] = "on" if any(found["sources"].values()) else (
        "unknown" if found["unreadable"] else "off")
    return found


def agent_info() -> dict[str, Any]:
    """The program that made the report: for telling agent versions and builds apart."""
    import platform

    from muniops.agent import __version__

    return {"name": "muniops-agent", "version": __version__,
            "python": platform.python_version(), "executable": sys.executable}
