"""The ``agents:`` section of the configuration: how stale an agent may be, how large a
report may be, the antivirus compliance policy and the software allow/deny lists."""

from __future__ import annotations

from datetime import datetime
from fnmatch import fnmatch
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AntivirusPolicy(Strict):
    """What "protected" means: a product installed and enabled, real-time scanning on (on the
    OS families listed), signatures no older than ``max_signature_age_days``."""

    max_signature_age_days: float = Field(default=3, gt=0)
    require_enabled: bool = True
    require_realtime_on: list[str] = Field(default_factory=lambda: ["windows"])


class SoftwarePolicy(Strict):
    """Case-insensitive shell patterns on the package name. A name matching ``deny`` is
    denied; when ``allow`` is not empty, a name matching none of it is unapproved."""

    allow: list[str] = Field(default_factory=list)
    deny: list[str] = Field(default_factory=list)

    def classify(self, name: str) -> str | None:
        """``denied``, ``unapproved`` or None (fine)."""
        lowered = name.lower()
        if any(fnmatch(lowered, p.lower()) for p in self.deny):
            return "denied"
        if self.allow and not any(fnmatch(lowered, p.lower()) for p in self.allow):
            return "unapproved"
        return None


class AgentSettings(Strict):
    stale_after_minutes: int = Field(default=30, ge=1)
    max_report_bytes: int = Field(default=4 * 1024 * 1024, gt=0)  # as sent (gzip)
    # once expanded; a full report of a PC with 800 packages is ~150 KB
    max_report_expanded_bytes: int = Field(default=8 * 1024 * 1024, gt=0)
    # reports expanded and parsed at once: bounds the memory a burst of big reports takes
    max_concurrent_parses: int = Field(default=4, ge=1, le=256)
    # processes that read and store full reports (collector/agents/pool.py): None is one
    # per core; 0 stores them in the API process (one core's worth: ~60-80 reports/s)
    ingest_workers: int | None = Field(default=None, ge=0, le=64)
    # how far ahead of the collector's clock an agent's clock may be
    max_clock_skew_minutes: int = Field(default=10, ge=0)
    ledger_days: int = Field(default=90, ge=1)  # how long report UUIDs are remembered
    antivirus: AntivirusPolicy = AntivirusPolicy()
    software: SoftwarePolicy = SoftwarePolicy()


def _age_days(when: str | None, now: datetime) -> float | None:
    if not when:
        return None
    try:
        parsed = datetime.fromisoformat(when)
    except ValueError:
        return None
    return (now - parsed).total_seconds() / 86400


def product_problems(product: dict[str, Any], os_family: str, policy: AntivirusPolicy,
                     now: datetime) -> list[str]:
    name = product.get("product") or "antivirus"
    out = []
    if policy.require_enabled and product.get("enabled") is False:
        out.append(f"{name} is disabled")
    if os_family in policy.require_realtime_on and product.get("realtime") is False:
        out.append(f"{name} real-time protection is off")
    age = _age_days(product.get("signature_time"), now)
    if age is None:
        if product.get("up_to_date") is False:
            out.append(f"{name} says its signatures are out of date")
        elif product.get("up_to_date") is None:
            out.append(f"{name} signature date unknown")
    elif age > policy.max_signature_age_days:
        out.append(f"{name} signatures are {age:.0f} days old "
                   f"(max {policy.max_signature_age_days:g})")
    return out


def av_problems(antivirus: dict[str, Any], os_family: str, policy: AntivirusPolicy,
                now: datetime) -> list[str]:
    """Why a host is not protected; empty when one product meets the whole policy."""
    if not antivirus:
        return ["no antivirus report yet"]
    products = antivirus.get("products") or []
    if not products:
        if antivirus.get("state") == "unknown":
            problems = "; ".join(antivirus.get("problems") or [])
            return [f"antivirus state unknown{': ' + problems if problems else ''}"]
        return ["no antivirus installed"]
    per_product = [product_problems(p, os_family, policy, now) for p in products]
    if any(not problems for problems in per_product):
        return []
    return min(per_product, key=len)


def signature_age_days(antivirus: dict[str, Any], now: datetime) -> float | None:
    """The freshest signature age among the host's products."""
    ages = [a for p in antivirus.get("products") or []
            if (a := _age_days(p.get("signature_time"), now)) is not None]
    return min(ages) if ages else None
