"""The playbook format: what a YAML playbook may say, validated strictly.

A playbook targets devices (by platform, kind, site, tag), runs ordered steps (a command
per platform, how to parse its output, what to keep), then checks (patterns that must or
must not appear, parsed values that must satisfy a condition), each with a severity and a
remediation hint. ``{{ name }}`` in commands and check values is one of its variables."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from muniops.collector.ssh.platforms import platforms
from muniops.inventory.models.configs import Severity

VAR = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
SLUG = r"^[a-z0-9][a-z0-9_-]*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _regex(value: str) -> str:
    try:
        re.compile(VAR.sub("x", value))
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from None
    return value


class Targets(Strict):
    """Which devices: every listed criterion must hold; an empty list matches any."""

    platforms: list[str] = []
    kinds: list[str] = []
    sites: list[str] = []
    tags: list[str] = []

    @field_validator("platforms")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(platforms()))
        if unknown:
            raise ValueError(f"unknown platform(s) {', '.join(unknown)}; known: "
                             f"{', '.join(sorted(platforms()))}")
        return value


class OwnTemplate(Strict):
    """A TextFSM template written in the playbook, for outputs ntc-templates lacks. Its
    Value names are used in lowercase, as ntc-templates' are."""

    template: str


class Redaction(Strict):
    """Lines matching ``pattern`` are shown with the match replaced (groups kept)."""

    pattern: str
    replace: str = r"\1 <redacted>"

    _check = field_validator("pattern")(classmethod(lambda cls, v: _regex(v)))


class Step(Strict):
    name: str = Field(pattern=SLUG)
    # the command, or one per platform; a platform without one skips the step
    send: str | dict[str, str]
    parse: Literal["none", "textfsm"] | OwnTemplate = "none"
    keep: Literal["output", "config", "facts", "evidence"] = "output"
    # fact name -> format string over the first parsed row, e.g. "{hardware[0]}"
    facts: dict[str, str] = {}
    timeout: float | None = Field(default=None, gt=0)

    @field_validator("send")
    @classmethod
    def _platforms(cls, value: str | dict[str, str]) -> str | dict[str, str]:
        if isinstance(value, dict):
            unknown = sorted(set(value) - set(platforms()))
            if unknown:
                raise ValueError(f"unknown platform(s) {', '.join(unknown)}")
        return value

    @model_validator(mode="after")
    def _facts_need_parsing(self) -> Step:
        if self.facts and self.parse == "none":
            raise ValueError("facts need a parsed output: set parse")
        if self.keep == "facts" and not self.facts:
            raise ValueError("keep: facts needs a facts mapping")
        return self

    def command_for(self, platform: str) -> str | None:
        return self.send if isinstance(self.send, str) else self.send.get(platform)


class Condition(Strict):
    """Every parsed row's ``field`` compared with ``value``; ``label`` names a failing row."""

    field: str
    op: Literal["eq", "ne", "lt", "le", "gt", "ge", "matches"]
    value: str | int | float
    label: str | None = None


class Check(Strict):
    id: str = Field(pattern=SLUG)
    title: str
    severity: Severity
    step: str
    must_match: str | None = None
    must_not_match: str | None = None
    where: Condition | None = None
    remediation: str = ""

    _patterns = field_validator("must_match", "must_not_match")(
        classmethod(lambda cls, v: v if v is None else _regex(v)))

    @model_validator(mode="after")
    def _one_test(self) -> Check:
        given = [x for x in (self.must_match, self.must_not_match, self.where) if x is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of must_match, must_not_match, where")
        return self


class Playbook(Strict):
    name: str = Field(pattern=SLUG)
    description: str = ""
    targets: Targets = Targets()
    vars: dict[str, str | int | float] = {}
    timeout: float = Field(default=30.0, gt=0)  # each command's output
    # configuration lines that change without anyone changing the configuration
    volatile: list[str] = []
    # secrets: hidden in diffs, listings and --json unless asked
    redact: list[Redaction] = []
    steps: list[Step] = Field(min_length=1)
    checks: list[Check] = []

    _volatile = field_validator("volatile")(
        classmethod(lambda cls, v: [_regex(p) for p in v]))

    @model_validator(mode="after")
    def _consistent(self) -> Playbook:
        names = [s.name for s in self.steps]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"step names must be unique: {', '.join(dupes)}")
        ids = [c.id for c in self.checks]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"check ids must be unique: {', '.join(dupes)}")
        if sum(s.keep == "config" for s in self.steps) > 1:
            raise ValueError("only one step can keep the configuration")
        for i, check in enumerate(self.checks):
            if check.step not in names:
                raise ValueError(f"checks[{i}].step: no step named {check.step!r}")
        for where, text in self._templated():
            for var in VAR.findall(text):
                if var not in self.vars:
                    raise ValueError(f"{where}: unknown variable {var!r}; "
                                     f"declare it under vars")
        return self

    def _templated(self) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for i, s in enumerate(self.steps):
            sends = [s.send] if isinstance(s.send, str) else list(s.send.values())
            out += [(f"steps[{i}].send", c) for c in sends]
        for i, c in enumerate(self.checks):
            for name in ("must_match", "must_not_match"):
                if getattr(c, name):
                    out.append((f"checks[{i}].{name}", getattr(c, name)))
            if c.where is not None and isinstance(c.where.value, str):
                out.append((f"checks[{i}].where.value", c.where.value))
        return out


def render(text: str, variables: dict[str, Any]) -> str:
    """Put the variables' values in place of ``{{ name }}``."""
    return VAR.sub(lambda m: str(variables[m.group(1)]), text)
