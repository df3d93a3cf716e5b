"""The PM policy: which assets get preventive maintenance, how often, by which team, with
which checklist. It is the ``pm:`` section of the configuration; the first policy whose
kinds or asset-tag patterns match an asset applies, else ``default``."""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from muniops.inventory.models.enums import AssetKind


class AssetLike(Protocol):
    """What a policy looks at: an asset row, or the planner's few columns of one."""

    @property
    def kind(self) -> AssetKind: ...

    @property
    def asset_tag(self) -> str | None: ...


DEFAULT_CHECKLIST = [
    "clean dust from fans and vents",
    "check cables and connectors",
    "check health indicators and logs",
]


class PmRule(BaseModel):
    """How one group of assets is maintained. ``interval_months: 0`` means no PM."""

    model_config = ConfigDict(extra="forbid")

    name: str = "default"
    kinds: list[AssetKind] = Field(default_factory=list)
    # shell-style patterns on the asset tag, e.g. "SRV-*"
    tags: list[str] = Field(default_factory=list)
    interval_months: int = Field(default=6, ge=0, le=60)
    lead_days: int = Field(default=14, ge=0, le=365)
    team: str = Field(default="hardware", min_length=1, max_length=120)
    checklist: list[str] = Field(default_factory=lambda: list(DEFAULT_CHECKLIST))

    def matches(self, asset: AssetLike) -> bool:
        if asset.kind in self.kinds:
            return True
        return bool(asset.asset_tag) and any(
            fnmatchcase(asset.asset_tag or "", pattern) for pattern in self.tags
        )


class PmSettings(BaseModel):
    """``pm:`` in the configuration."""

    model_config = ConfigDict(extra="forbid")

    default: PmRule = PmRule()
    policies: list[PmRule] = Field(default_factory=list)
    # most PM tasks one team is given in one week (the scheduler spreads below it)
    max_per_week: int = Field(default=50, ge=1)
    # weekdays PM visits are due on (Monday=0); Iran's week is [5, 6, 0, 1, 2]
    work_days: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4], min_length=1)
    # the team that opens repair tickets from failed checklist items names this vendor
    repair_vendor: str = Field(default="internal workshop", min_length=1, max_length=200)

    @field_validator("work_days")
    @classmethod
    def _weekdays(cls, value: list[int]) -> list[int]:
        if any(not 0 <= d <= 6 for d in value):
            raise ValueError("weekdays are 0 (Monday) to 6 (Sunday)")
        return sorted(set(value))

    @model_validator(mode="after")
    def _unique_names(self) -> PmSettings:
        names = [p.name for p in self.policies]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"policy names must be unique: {', '.join(dupes)}")
        for index, rule in enumerate(self.policies):
            if not rule.kinds and not rule.tags:
                raise ValueError(f"policies[{index}] ({rule.name}): give kinds or tags")
        return self

    def rule_for(self, asset: AssetLike) -> PmRule:
        return next((p for p in self.policies if p.matches(asset)), self.default)
