"""Installed software on Linux, from the package manager's own database."""

from __future__ import annotations

import shutil
from typing import Any

from muniops.agent.probes.base import ProbeUnavailable, run

DPKG_FORMAT = "${db:Status-Abbrev}\\t${Package}\\t${Version}\\t${Architecture}\\t${Maintainer}\\n"
RPM_FORMAT = "%{NAME}\\t%{VERSION}-%{RELEASE}\\t%{ARCH}\\t%{VENDOR}\\n"


def parse_dpkg(text: str) -> list[dict[str, Any]]:
    """Installed packages only (status ``ii``/``hi``), not removed ones that left config."""
    out = []
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) < 4 or parts[0].strip() not in ("ii", "hi"):
            continue
        out.append({"name": parts[1], "version": parts[2], "arch": parts[3],
                    "publisher": parts[4] if len(parts) > 4 and parts[4] else None,
                    "source": "dpkg"})
    return out


def parse_rpm(text: str) -> list[dict[str, Any]]:
    out = []
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and parts[0] != "gpg-pubkey":
            vendor = parts[3] if len(parts) > 3 and parts[3] != "(none)" else None
            out.append({"name": parts[0], "version": parts[1], "arch": parts[2],
                        "publisher": vendor, "source": "rpm"})
    return out


def software() -> list[dict[str, Any]]:
    if shutil.which("dpkg-query"):
        return parse_dpkg(run(["dpkg-query", "-W", "-f", DPKG_FORMAT]))
    if shutil.which("rpm"):
        return parse_rpm(run(["rpm", "-qa", "--queryformat", RPM_FORMAT]))
    raise ProbeUnavailable("neither dpkg-query nor rpm is installed")
