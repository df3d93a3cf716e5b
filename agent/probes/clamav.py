"""ClamAV on Linux: engine version, signature database version and build time (read from
the 512-byte headers of the database files), freshclam's last run, whether clamd runs."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from muniops.agent.probes.base import ProbeUnavailable, run

DB_DIRS = [Path("/var/lib/clamav"), Path("/usr/local/share/clamav"), Path("/var/clamav")]
FRESHCLAM_LOGS = [Path("/var/log/clamav/freshclam.log"), Path("/var/log/freshclam.log")]
HEADER_SIZE = 512
_STARTED = re.compile(r"update process started at (.+)$")


def parse_header(raw: bytes) -> dict[str, Any]:
    """``ClamAV-VDB:<build time>:<version>:<sigs>:<flevel>:<md5>:<dsig>:<builder>:<epoch>``."""
    text = raw[:HEADER_SIZE].decode("ascii", "replace").rstrip("\x00 ")
    parts = text.split(":")
    if len(parts) < 4 or parts[0] != "ClamAV-VDB":
        raise ValueError("not a ClamAV database header")
    epoch = parts[8].strip() if len(parts) > 8 else ""
    built = (datetime.fromtimestamp(int(epoch), UTC).isoformat(timespec="seconds")
             if epoch.isdigit() else None)
    return {"version": int(parts[2]), "signatures": int(parts[3]) if parts[3].isdigit() else None,
            "build_time": built, "build_time_text": parts[1], "builder": parts[7]
            if len(parts) > 7 else None}


def databases(db_dir: Path) -> dict[str, dict[str, Any]]:
    """``{"daily": header, "main": header, ...}`` for the .cvd/.cld files present."""
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(db_dir.glob("*.c[lv]d")):
        with path.open("rb") as fh:
            try:
                header = parse_header(fh.read(HEADER_SIZE))
            except ValueError:
                continue
        header["file"] = path.name
        name = path.stem
        if name not in out or header["version"] > out[name]["version"]:
            out[name] = header
    return out


def last_freshclam_run(logs: list[Path] = FRESHCLAM_LOGS) -> str | None:
    for log in logs:
        try:
            lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for line in reversed(lines):
            match = _STARTED.search(line)
            if match:
                return match.group(1).strip()
    return None


def engine_version() -> str | None:
    if not shutil.which("clamscan"):
        return None
    first = run(["clamscan", "--version"], timeout=30).strip().split("/")[0]
    return first.removeprefix("ClamAV ").strip() or None


def _running(name: str) -> bool:
    return any(proc.info["name"] == name for proc in psutil.process_iter(["name"]))


def probe(db_dirs: list[Path] = DB_DIRS) -> dict[str, Any] | None:
    """ClamAV's state, or None when it is not installed."""
    installed = any(shutil.which(t) for t in ("clamscan", "clamd", "freshclam"))
    db_dir = next((d for d in db_dirs if d.is_dir()), None)
    if not installed and db_dir is None:
        return None
    dbs = databases(db_dir) if db_dir else {}
    newest = dbs.get("daily") or dbs.get("main")
    try:
        engine = engine_version()
    except ProbeUnavailable:
        engine = None
    clamd = _running("clamd")
    return {
        "product": "ClamAV", "vendor": "Cisco", "source": "clamav",
        "engine_version": engine,
        "signature_version": newest["version"] if newest else None,
        "signature_time": newest["build_time"] if newest else None,
        "databases": dbs,
        "database_dir": str(db_dir) if db_dir else None,
        "last_update_run": last_freshclam_run(),
        "enabled": clamd,
        "realtime": _running("clamonacc"),
        "up_to_date": None,  # judged by the collector's policy from signature_time
        "daemon_running": clamd,
    }
