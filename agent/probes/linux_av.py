"""Antivirus on Linux: ClamAV, Microsoft Defender for Endpoint (``mdatp``), Bitdefender
(``bduitool``). Each is recognised by its own tool; a product found reports its state."""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from muniops.agent.probes import clamav
from muniops.agent.probes.base import ProbeUnavailable, run

BDUITOOL = Path("/opt/bitdefender-security-tools/bin/bduitool")


def parse_mdatp_health(text: str) -> dict[str, Any]:
    """``mdatp health --output json``; managed settings are ``{"value": ...}`` objects."""
    data = json.loads(text)
    if not isinstance(data, dict) or "appVersion" not in data:
        raise ValueError("not mdatp health output")

    def value(key: str) -> Any:
        item = data.get(key)
        return item.get("value") if isinstance(item, dict) else item

    updated = str(data.get("definitionsUpdated"))
    status = (data.get("definitionsStatus") or {}).get("$type")
    return {
        "product": "Microsoft Defender for Endpoint", "vendor": "Microsoft", "source": "mdatp",
        "product_version": data.get("appVersion"),
        "engine_version": data.get("engineVersion"),
        "signature_version": data.get("definitionsVersion"),
        "signature_time": (datetime.fromtimestamp(int(updated) / 1000, UTC)
                           .isoformat(timespec="seconds") if updated.isdigit() else None),
        "enabled": bool(data.get("healthy")) and not value("passiveModeEnabled"),
        "realtime": bool(value("realTimeProtectionEnabled")),
        "up_to_date": status == "upToDate" if status else None,
    }


_BD_TIME = re.compile(r"(\d{4}-\d{2}-\d{2}) at (\d{2}:\d{2}:\d{2}) GMT([+-]\d+)")


def _bd_time(text: str) -> str | None:
    match = _BD_TIME.search(text)
    if not match:
        return None
    zone = timezone(timedelta(hours=int(match.group(3))))
    when = datetime.fromisoformat(f"{match.group(1)}T{match.group(2)}").replace(tzinfo=zone)
    return when.astimezone(UTC).isoformat(timespec="seconds")


def parse_bduitool(text: str) -> dict[str, Any]:
    """``bduitool get ps`` ("Key: value" lines)."""
    fields = {}
    for line in text.splitlines():
        key, sep, val = line.strip().lstrip("- ").partition(":")
        if sep:
            fields[key.strip().lower()] = val.strip()
    if "product version" not in fields:
        raise ValueError("not bduitool output")
    new_content = fields.get("new security content available", "").lower()
    return {
        "product": "Bitdefender Endpoint Security Tools", "vendor": "Bitdefender",
        "source": "bduitool", "product_version": fields["product version"],
        "engine_version": fields.get("engines version"),
        "signature_version": None,
        "signature_time": _bd_time(fields.get("last security content update", "")),
        "enabled": fields.get("antimalware status", "").lower() == "on",
        "realtime": fields.get("antimalware status", "").lower() == "on",
        "up_to_date": new_content == "no" if new_content else None,
    }


def antivirus() -> dict[str, Any]:
    products: list[dict[str, Any]] = []
    problems: list[str] = []
    clam = clamav.probe()
    if clam is not None:
        products.append(clam)
    for tool, argv, parse in (
        ("mdatp", ["mdatp", "health", "--output", "json"], parse_mdatp_health),
        (str(BDUITOOL), [str(BDUITOOL), "get", "ps"], parse_bduitool),
    ):
        if not shutil.which(tool):
            continue
        try:
            products.append(parse(run(argv, timeout=60)))
        except (ProbeUnavailable, ValueError) as exc:
            problems.append(f"{Path(tool).name}: {exc}")
    state = "found" if products else ("unknown" if problems else "none")
    return {"state": state, "products": products, "problems": problems,
            "checked": ["clamav", "mdatp", "bduitool"]}
