"""The product rule file: raw software names as agents report them → the products the
licence register counts, with what each needs (a licence, nothing, or it is denied).

Names are normalised before matching (lower case, no ™/®/(TM)/(R), no architecture or
language tags, one space), so one pattern serves "Microsoft Office Professional Plus
2010" from a Windows XP registry and the same product reported by a newer agent."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from muniops.inventory.errors import InvalidInput

BUILTIN_RULES = Path(__file__).resolve().parents[1] / "config" / "software" / "products.yaml"


class Need(StrEnum):
    REQUIRED = "required"
    FREE = "free"
    DENIED = "denied"


class VersionFrom(StrEnum):
    MAJOR = "major"
    NAME = "name"


class ProductRule(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=120)
    name: str = ""
    licence: Need = Need.REQUIRED
    version: VersionFrom = VersionFrom.MAJOR
    match: list[re.Pattern[str]] = Field(min_length=1)

    @field_validator("match", mode="before")
    @classmethod
    def _compile(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = [value]
        out = []
        for pattern in value or []:
            try:
                out.append(re.compile(pattern))
            except re.error as exc:
                raise ValueError(f"pattern {pattern!r}: {exc}") from None
        return out


class Rules(BaseModel):
    model_config = ConfigDict(extra="forbid")

    products: list[ProductRule] = Field(default_factory=list)

    @field_validator("products")
    @classmethod
    def _unique(cls, value: list[ProductRule]) -> list[ProductRule]:
        seen: set[str] = set()
        for rule in value:
            if rule.key in seen:
                raise ValueError(f"product {rule.key!r} is listed twice")
            seen.add(rule.key)
        return value

    def get(self, key: str) -> ProductRule | None:
        return next((r for r in self.products if r.key == key), None)


def load_rules(path: Path | None = None) -> Rules:
    """The rule file (the built-in one by default); a wrong file is an error naming it."""
    path = path or BUILTIN_RULES
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return Rules.model_validate(data)
    except OSError as exc:
        raise InvalidInput("rules", f"{path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise InvalidInput("rules", f"{path}: not YAML: {exc}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise InvalidInput("rules", f"{path}: {where}: {first['msg']}") from None


_MARKS = re.compile(r"\((tm|r|c)\)|[™®©]", re.IGNORECASE)
_TAGS = re.compile(r"\((x64|x86|64-bit|32-bit|x64 edition|remove only|[a-z]{2}(-[a-z]{2})?|"
                   r"x86 [a-z]{2}-[a-z]{2}|x64 [a-z]{2}-[a-z]{2})\)", re.IGNORECASE)


def normalise(name: str) -> str:
    """``Mozilla Firefox 57.0.2 (fr)`` → ``mozilla firefox 57.0.2``."""
    text = _TAGS.sub(" ", _MARKS.sub(" ", name))
    return " ".join(text.lower().split())


def major(version: str) -> str:
    found = re.match(r"\s*(\d+)", version or "")
    return found.group(1) if found else ""


class LicenceSettings(BaseModel):
    """``licences:`` in the configuration."""

    model_config = ConfigDict(extra="forbid")

    rules: Path | None = None  # the product rule file; default: the built-in one
    expiring_days: int = Field(default=60, ge=1, le=3650)


class Match(BaseModel):
    product: str
    need: Need
    version: str  # as licences state it: a major version or a year, "" when unknown
    edition: str = ""


def classify(rules: Rules, name: str, version: str) -> Match | None:
    """The product a reported package is, or None when the rule file does not know it."""
    norm = normalise(name)
    for rule in rules.products:
        for pattern in rule.match:
            found = pattern.search(norm)
            if found is None:
                continue
            groups = found.groupdict()
            v = (groups.get("v") or "") if rule.version == VersionFrom.NAME else major(version)
            return Match(product=rule.key, need=rule.licence, version=v,
                         edition=groups.get("edition") or "")
    return None
