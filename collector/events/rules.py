"""Trap names and syslog rules, read from YAML data files (``config/events/``): which
notification OID is which event, which message is a configuration change. Adding a
vendor's trap or message is adding an entry there, not code."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from muniops.inventory.errors import ConfigError
from muniops.inventory.validation import problems

Severity = Literal["info", "warning", "critical"]
Action = Literal["none", "backup", "poll"]
_OID = r"^\d+(\.\d+)+$"
_KIND = r"^[a-z][a-z0-9_]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ValueKind(_Strict):
    kind: str = Field(pattern=_KIND)
    severity: Severity = "info"


class ByValue(_Strict):
    of: str = Field(pattern=_OID)
    values: dict[str, ValueKind]


class TrapRule(_Strict):
    oid: str = Field(pattern=_OID)
    name: str
    kind: str = Field(pattern=_KIND)
    severity: Severity = "info"
    subject: list[str] = Field(default_factory=list)
    by_value: ByValue | None = None
    action: Action = "poll"


class SyslogRule(_Strict):
    name: str
    match: str
    kind: str = Field(pattern=_KIND)
    severity: str | None = None
    action: Action = "none"

    @field_validator("match")
    @classmethod
    def _regex(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from None
        return value


class _TrapFile(_Strict):
    traps: list[TrapRule]


class _SyslogFile(_Strict):
    rules: list[SyslogRule]


def _read(path: Path, model: type[_TrapFile] | type[_SyslogFile]) -> Any:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such rules file") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {'; '.join(problems(exc))}") from None


@dataclass(frozen=True)
class TrapEvent:
    kind: str
    name: str
    severity: str
    subject: str
    action: Action


class TrapRules:
    """The named notifications; a later file overrides an earlier one's OID."""

    def __init__(self, rules: Sequence[TrapRule]) -> None:
        self.by_oid = {r.oid: r for r in rules}

    @classmethod
    def load(cls, files: Sequence[Path]) -> TrapRules:
        return cls([r for f in files for r in _read(f, _TrapFile).traps])

    def classify(self, trap_oid: str, varbinds: Sequence[tuple[str, str]]) -> TrapEvent | None:
        """The event a notification is, from its OID and its (oid, value) varbinds."""
        rule = self.by_oid.get(trap_oid)
        if rule is None:
            return None
        kind, severity = rule.kind, rule.severity
        if rule.by_value is not None:
            chosen = next((rule.by_value.values.get(v) for o, v in varbinds
                           if _under(o, rule.by_value.of)), None)
            if chosen is not None:
                kind, severity = chosen.kind, chosen.severity
        return TrapEvent(kind, rule.name, severity, _subject(rule.subject, varbinds),
                         rule.action)


def _under(oid: str, prefix: str) -> bool:
    return oid == prefix or oid.startswith(prefix + ".")


def _subject(prefixes: Sequence[str], varbinds: Sequence[tuple[str, str]]) -> str:
    for prefix in prefixes:
        for oid, value in varbinds:
            if _under(oid, prefix) and value:
                return value if prefix != IF_INDEX else f"ifIndex {value}"
    return ""


IF_INDEX = "1.3.6.1.2.1.2.2.1.1"


@dataclass(frozen=True)
class SyslogMatch:
    rule: str
    kind: str
    severity: str | None
    subject: str
    detail: str
    action: Action


class SyslogRules:
    def __init__(self, rules: Sequence[SyslogRule]) -> None:
        self.rules = [(r, re.compile(r.match)) for r in rules]

    @classmethod
    def load(cls, files: Sequence[Path]) -> SyslogRules:
        return cls([r for f in files for r in _read(f, _SyslogFile).rules])

    def match(self, message: str) -> SyslogMatch | None:
        for rule, regex in self.rules:
            m = regex.search(message)
            if m is not None:
                groups = m.groupdict()
                return SyslogMatch(rule.name, rule.kind, rule.severity,
                                   (groups.get("subject") or "").strip(),
                                   (groups.get("detail") or "").strip(), rule.action)
        return None
