"""The ``district:`` section: whether this collector is the central one (the default) or a
district collector behind a WAN link, and how a district reaches its central."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator


class DistrictSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["central", "district"] = "central"
    name: str = Field(default="", max_length=120)  # this district collector's own name
    central_url: str = ""  # https://central.example:8470
    enrolment_secret: SecretStr | None = None  # a site's agent enrolment secret
    ca_file: Path | None = None  # the CA the central's certificate is signed by
    forward_every_seconds: int = Field(default=5, ge=1)
    batch_size: int = Field(default=200, ge=1, le=5000)
    # under the central's api.max_body_bytes (8 MiB by default): full reports are large
    batch_max_bytes: int = Field(default=4 * 1024 * 1024, ge=64 * 1024)
    pull_every_seconds: int = Field(default=300, ge=10)
    timeout_seconds: float = Field(default=20, gt=0)
    # the longest cut of the WAN link the outbox and Prometheus' WAL are sized for
    longest_outage_hours: int = Field(default=72, ge=1)
    # several collectors of one LAN on one PostgreSQL share the SNMP polls and the
    # scheduled SSH runs through device leases (collector/district/sharing.py)
    share_devices: bool = False

    @model_validator(mode="after")
    def _district_needs(self) -> DistrictSettings:
        if self.role != "district":
            return self
        missing = [k for k in ("name", "central_url") if not getattr(self, k)]
        if self.enrolment_secret is None:
            missing.append("enrolment_secret")
        if missing:
            raise ValueError(f"role district needs {', '.join(missing)}")
        if not self.central_url.startswith("https://"):
            raise ValueError("central_url must start with https:// (the token crosses the WAN)")
        return self
