"""What a district collector forwards of its SSH playbooks: a new configuration version, a
backup attempt's outcome (so the central's backup state and its metrics follow the
district's runs), a device's compliance results. One pydantic model per kind, used by the
district to write the outbox item and by the central to read it back; the central stores
each through the same ``configs`` operation as a local run, on the central register's
device of that name, when that device is in the forwarding district.

A configuration's text carries the device's secrets, as a local backup does: the store
keeps them and redacts them when it shows a version. So an item's text is never put in an
error message or a log line here (a refusal names the field, never its value)."""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from sqlmodel import Session

from muniops.inventory import configs, district_scope
from muniops.inventory.errors import InvalidInput
from muniops.inventory.models import DistrictCollector
from muniops.inventory.models.configs import Severity
from muniops.inventory.validation import problems

VERSION, BACKUP, COMPLIANCE = "config.version", "config.backup", "compliance.result"
Name = Field(min_length=1, max_length=120)
M = TypeVar("M", bound=BaseModel)


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid")

    device: str = Name
    playbook: str = Name
    run: str = Field(default="", max_length=120)  # who ran it at the district (its actor)


class VersionItem(_Item):
    """A configuration version the district stored (it differed from its latest)."""

    text: str = Field(max_length=4 * 1024 * 1024)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    taken_at: AwareDatetime

    @model_validator(mode="after")
    def _hash_matches(self) -> VersionItem:
        if configs.sha256(self.text) != self.sha256:
            raise ValueError("the text does not match its sha256")
        return self

    def key_parts(self) -> tuple[str, str, str]:
        return self.device, self.sha256, self.taken_at.isoformat()


class BackupItem(_Item):
    """A backup attempt that made no new version: the same configuration again
    (``sha256``), or a failure (``cause``, ``error``)."""

    outcome: Literal["unchanged", "failed"]
    taken_at: AwareDatetime
    sha256: str = Field(default="", pattern=r"^([0-9a-f]{64})?$")
    cause: str = Field(default="", max_length=40)
    error: str = Field(default="", max_length=500)

    def key_parts(self) -> tuple[str, str, str]:
        return self.device, self.outcome, self.taken_at.isoformat()


class CheckItem(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule: str = Name
    title: str = Field(default="", max_length=300)
    severity: Severity
    passed: bool
    detail: str = Field(default="", max_length=1000)
    remediation: str = Field(default="", max_length=1000)


class ComplianceItem(_Item):
    """A device's compliance results for one playbook run (they replace the last ones)."""

    checked_at: AwareDatetime
    checks: list[CheckItem] = Field(max_length=1000)

    def key_parts(self) -> tuple[str, str, str]:
        return self.device, self.playbook, self.checked_at.isoformat()


def _read(model: type[M], body: dict[str, Any], what: str) -> M:
    """The item, or a refusal naming the fields that are wrong (never their values)."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        wrong = "; ".join(problems(exc, top="body"))
        raise InvalidInput("body", f"not a {what} item: {wrong}") from None


def _actor(district: DistrictCollector, run: str) -> str:
    """Who the audit log says stored it: the district collector, and who ran it there."""
    return (f"district:{district.name}" + (f" ({run})" if run else ""))[:120]


def apply_version(session: Session, district: DistrictCollector, body: dict[str, Any]
                  ) -> None:
    """Store the version as the central device's next one (``configs.record_backup``, as a
    local backup: its history, its diff and its backup state)."""
    item = _read(VersionItem, body, "configuration version")
    site = district_scope.device_site(session, district, item.device).name
    configs.record_backup(session, item.device, item.text, playbook=item.playbook,
                          actor=_actor(district, item.run), site=site,
                          at=item.taken_at)


def apply_backup(session: Session, district: DistrictCollector, body: dict[str, Any]
                 ) -> None:
    """A backup attempt with no new version: the backup state says when it was tried and
    whether it worked. An unchanged configuration the central does not hold as its latest
    is refused (the central lacks a version: that is not a success here)."""
    item = _read(BackupItem, body, "backup outcome")
    site = district_scope.device_site(session, district, item.device).name
    if item.outcome == "failed":
        configs.record_backup_failure(session, item.device, cause=item.cause or "error",
                                      error=item.error, site=site, at=item.taken_at)
        return
    configs.record_backup_unchanged(session, item.device, item.sha256, site=site,
                                    at=item.taken_at)


def apply_compliance(session: Session, district: DistrictCollector, body: dict[str, Any]
                     ) -> None:
    """Replace the central device's results for that playbook (``record_compliance``)."""
    item = _read(ComplianceItem, body, "compliance result")
    site = district_scope.device_site(session, district, item.device).name
    outcomes = [configs.CheckOutcome(c.rule, c.title, c.severity, c.passed, c.detail,
                                     c.remediation) for c in item.checks]
    configs.record_compliance(session, item.device, item.playbook, outcomes, site=site,
                              at=item.checked_at)
