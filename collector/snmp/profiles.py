"""Device profiles: YAML files saying what to read from a kind of device and how to name it.

A profile matches a device by sysObjectID prefix, sysDescr pattern, or a probe OID whose
subtree is not empty (a standard MIB any vendor may implement, such as Printer-MIB).
Every matching profile applies; ``base`` profiles apply to every device. Adding a device
kind is adding a file: nothing here knows a vendor."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from muniops.inventory.validation import indented, problems

_METRIC = re.compile(r"^muniops_snmp_[a-z0-9_]+$")
_LABEL = re.compile(r"^[a-z_][a-z0-9_]*$")
_OID = re.compile(r"^\.?[0-2](\.\d+)+$")
# labels the poller sets itself
RESERVED_LABELS = frozenset({"device", "site", "kind", "profile", "state"})  # state: enums


class ProfileError(ValueError):
    """A profile file is invalid; the message names the file and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _oid(value: str) -> str:
    if not _OID.match(value):
        raise ValueError(f"not a numeric OID: {value!r}")
    return value.lstrip(".")


class RowMatch(_Strict):
    """Rows of a table whose ``by`` column's text matches ``pattern`` (a full match)."""

    by: str
    pattern: str

    @field_validator("by")
    @classmethod
    def _by(cls, value: str) -> str:
        return _oid(value)

    @field_validator("pattern")
    @classmethod
    def _pattern(cls, value: str) -> str:
        re.compile(value)
        return value


class MetricSpec(_Strict):
    """One number read from a scalar OID or a table column."""

    name: str
    oid: str
    # read when ``oid`` is absent: a 32-bit counter standing in for a 64-bit one
    fallback: str | None = None
    type: Literal["gauge", "counter"] = "gauge"
    bits: Literal[32, 64] = 64  # counters: the width of ``oid`` (``fallback`` is 32)
    scale: float = 1.0
    fallback_scale: float | None = None  # None: ``scale``
    multiply_by: str | None = None  # tables: another column's value (hrStorage units)
    divide_by: str | None = None  # tables: another column's value (supply capacity)
    minus: list[str] = Field(default_factory=list)  # columns subtracted before scaling
    fallback_minus: list[str] | None = None  # subtracted from ``fallback`` (None: ``minus``)
    minus_if_present: list[str] = Field(default_factory=list)  # subtracted when answered
    # other rows of the same table whose value of this metric is subtracted (memory used
    # minus the "Memory buffers" and "Cached memory" rows of hrStorage)
    minus_rows: RowMatch | None = None
    # ENTITY-SENSOR style: a column whose enum picks a power of ten (``exponents``) and a
    # column giving the number of decimal places in the value
    exponent_from: str | None = None
    exponents: dict[int, int] = Field(default_factory=dict)
    precision_from: str | None = None
    # an enumeration: the reading keeps the code as its value and gets a ``state`` label
    states: dict[int, str] = Field(default_factory=dict)
    only_states: bool = False  # emit only when the value is one of ``states``
    skip: list[float] = Field(default_factory=list)  # raw values meaning "no reading"
    skip_below: float | None = None  # raw values below this mean "no reading"
    # the scaled value is a power in milliwatts, exposed in dBm (optics in µW: scale 0.001)
    to_dbm: bool = False
    # the value is an 802.11 channel number, exposed as its centre frequency in Hz
    channel_to_hertz: bool = False
    # the value is an OCTET STRING of flags (a BITS syntax), read as a big-endian integer
    octets_as_integer: bool = False
    help: str = Field(min_length=3)
    labels: dict[str, str] = Field(default_factory=dict)  # constant labels
    events: bool = False  # record a change of this value as an event (interface up/down)

    @field_validator("oid", "fallback", "multiply_by", "divide_by", "exponent_from",
                     "precision_from")
    @classmethod
    def _oids(cls, value: str | None) -> str | None:
        return None if value is None else _oid(value)

    @field_validator("minus", "fallback_minus", "minus_if_present")
    @classmethod
    def _minus(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else [_oid(v) for v in value]

    @field_validator("states")
    @classmethod
    def _states(cls, value: dict[int, str]) -> dict[int, str]:
        for name in value.values():
            if not re.match(r"^[a-z][a-z0-9_]*$", name):
                raise ValueError(f"state names are snake_case: {name!r}")
        return value

    def columns(self) -> list[str]:
        """Every column this metric reads besides its own OID."""
        cols = [c for c in (self.fallback, self.multiply_by, self.divide_by,
                            self.exponent_from, self.precision_from) if c]
        cols += self.minus + (self.fallback_minus or []) + self.minus_if_present
        if self.minus_rows is not None:
            cols.append(self.minus_rows.by)
        return cols

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _METRIC.match(value):
            raise ValueError(f"metric names start with muniops_snmp_ and are snake_case: "
                             f"{value!r}")
        return value

    @field_validator("labels")
    @classmethod
    def _labels(cls, value: dict[str, str]) -> dict[str, str]:
        for key in value:
            if not _LABEL.match(key) or key in RESERVED_LABELS:
                raise ValueError(f"bad or reserved label name {key!r}")
        return value


class TableSpec(_Strict):
    """A conceptual table: its rows are the index suffixes under each column."""

    name: str
    # label names for the index; one name takes the whole index ("1" or "1.2")
    index: list[str] = Field(default_factory=lambda: ["index"])
    # label -> column OID(s) read as text; the first non-empty one wins
    labels: dict[str, list[str]] = Field(default_factory=dict)
    metrics: list[MetricSpec] = Field(default_factory=list)
    facts: dict[str, str] = Field(default_factory=dict)  # fact column -> column OID
    # rows whose ``require`` fact is empty are left out of the facts (empty slots)
    require: str | None = None
    # only rows whose columns' text fully matches these patterns (a sensor type, a class)
    where: dict[str, str] = Field(default_factory=dict)
    # labels that firmware sends as a hex dump ("42 6C 61 63 6B") are decoded
    decode_hex: bool = False
    # the index is a string (length, then one arc per character: an SSID, a name): its
    # last index label gets the text
    text_index: bool = False
    # label -> {code: name}: a label read from an enumerated column (a sensor's locale)
    label_values: dict[str, dict[str, str]] = Field(default_factory=dict)

    @field_validator("where")
    @classmethod
    def _where(cls, value: dict[str, str]) -> dict[str, str]:
        for pattern in value.values():
            re.compile(pattern)
        return {_oid(k): v for k, v in value.items()}

    @field_validator("index")
    @classmethod
    def _index(cls, value: list[str]) -> list[str]:
        for key in value:
            if not _LABEL.match(key) or key in RESERVED_LABELS:
                raise ValueError(f"bad or reserved index label name {key!r}")
        return value

    @field_validator("labels", mode="before")
    @classmethod
    def _label_lists(cls, value: object) -> object:
        if isinstance(value, dict):
            return {k: [v] if isinstance(v, str) else v for k, v in value.items()}
        return value

    @field_validator("labels")
    @classmethod
    def _labels(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for key in value:
            if not _LABEL.match(key) or key in RESERVED_LABELS:
                raise ValueError(f"bad or reserved label name {key!r}")
        return {k: [_oid(o) for o in v] for k, v in value.items()}

    @field_validator("facts")
    @classmethod
    def _facts(cls, value: dict[str, str]) -> dict[str, str]:
        return {k: _oid(v) for k, v in value.items()}

    def columns(self) -> list[str]:
        """Every column OID this table reads."""
        cols = [o for oids in self.labels.values() for o in oids]
        for m in self.metrics:
            cols += [m.oid, *m.columns()]
        cols += list(self.facts.values()) + list(self.where)
        return list(dict.fromkeys(cols))


class Match(_Strict):
    sys_object_id: list[str] = Field(default_factory=list)  # prefixes
    sys_descr: list[str] = Field(default_factory=list)  # regular expressions (search)
    probe: list[str] = Field(default_factory=list)  # subtrees that must not be empty
    # subtrees that must all answer besides one of the above (a MikroTik with radios)
    requires: list[str] = Field(default_factory=list)
    # subtrees that must not answer (an airMAX radio is not an airFiber)
    excludes: list[str] = Field(default_factory=list)

    @field_validator("sys_object_id", "probe", "requires", "excludes")
    @classmethod
    def _oids(cls, value: list[str]) -> list[str]:
        return [_oid(v) for v in value]

    @field_validator("sys_descr")
    @classmethod
    def _regexes(cls, value: list[str]) -> list[str]:
        for pattern in value:
            _regex(pattern)
        return value


def _regex(pattern: str, groups: int = 0) -> re.Pattern[str]:
    """A compiled pattern; a ValueError (so a named field error) if it is not one."""
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"not a regular expression ({exc}): {pattern!r}") from None
    if compiled.groups < groups:
        raise ValueError(f"needs a (group) for the value: {pattern!r}")
    return compiled


class FactSpec(_Strict):
    """A fact read from the first row of a walked column (the chassis of ENTITY-MIB),
    optionally only rows whose other columns match ``where``, optionally the first group
    of ``pattern`` in the text."""

    walk: str
    where: dict[str, str] = Field(default_factory=dict)
    pattern: str | None = None

    @field_validator("walk")
    @classmethod
    def _walk(cls, value: str) -> str:
        return _oid(value)

    @field_validator("where")
    @classmethod
    def _where(cls, value: dict[str, str]) -> dict[str, str]:
        for pattern in value.values():
            _regex(pattern)
        return {_oid(k): v for k, v in value.items()}


class Profile(_Strict):
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    description: str = ""
    family: str = ""  # the device family in docs/devices.md ("Cisco IOS", "UPS")
    # an AssetKind slug: what a matched device is; None for a standard MIB any device
    # may answer (it composes with the vendor profile and names no kind)
    kind: str | None = None
    base: bool = False  # applies to every device
    priority: int = 0  # the matching profile with the highest priority names the kind
    interval_seconds: int | None = Field(default=None, ge=10)
    match: Match = Match()
    facts: dict[str, str] = Field(default_factory=dict)  # fact -> scalar OID
    # fact -> regular expression on sysDescr whose first group is the value
    descr_facts: dict[str, str] = Field(default_factory=dict)
    walk_facts: dict[str, FactSpec] = Field(default_factory=dict)
    # fact -> {raw value: what is shown}: an enumeration's names (hikEntityType 2 is
    # "NVR") or a platform's usual name ("x86_64" is "Generic x86 64-bit"); a value not
    # listed is kept as read
    fact_values: dict[str, dict[str, str]] = Field(default_factory=dict)
    # a file (beside the profile) of product names by sysObjectID: the model when no
    # other fact names it (products/cisco.yaml, generated from CISCO-PRODUCTS-MIB)
    products: str | None = None
    product_names: dict[str, str] = Field(default_factory=dict)  # filled from ``products``
    scalars: list[MetricSpec] = Field(default_factory=list)
    tables: list[TableSpec] = Field(default_factory=list)

    @field_validator("facts")
    @classmethod
    def _facts(cls, value: dict[str, str]) -> dict[str, str]:
        return {k: _oid(v) for k, v in value.items()}

    @field_validator("kind")
    @classmethod
    def _kind(cls, value: str | None) -> str | None:
        from muniops.inventory.models.enums import AssetKind

        if value is not None and value not in {k.value for k in AssetKind}:
            raise ValueError(f"not an asset kind: {value!r} "
                             f"(one of {', '.join(k.value for k in AssetKind)})")
        return value

    @field_validator("descr_facts")
    @classmethod
    def _descr_facts(cls, value: dict[str, str]) -> dict[str, str]:
        for pattern in value.values():
            _regex(pattern, groups=1)
        return value

    def metrics(self) -> Iterable[MetricSpec]:
        yield from self.scalars
        for table in self.tables:
            yield from table.metrics


@dataclass(frozen=True)
class Identity:
    """What detection reads first from any device."""

    sys_object_id: str
    sys_descr: str
    probes: frozenset[str]  # probe OIDs whose subtree answered


def _products(path: Path) -> dict[str, str]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        prefix = _oid(str(data["prefix"]))
        return {f"{prefix}.{int(n)}": str(name) for n, name in data["names"].items()}
    except (OSError, yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        raise ProfileError(f"{path}: not a products file (prefix, names): {exc}") from None


def _load_file(path: Path) -> Profile:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ProfileError(f"{path}: not valid YAML: {exc}") from None
    if isinstance(raw, dict) and raw.get("products"):
        raw["product_names"] = _products(path.parent / str(raw["products"]))
    try:
        return Profile.model_validate(raw)
    except ValidationError as exc:
        raise ProfileError(indented(f"{path}: invalid profile", problems(exc))) from None


class ProfileSet:
    """Every profile from the given folders (a later folder's file overrides an earlier
    one with the same profile name), checked for consistent metric definitions."""

    def __init__(self, profiles: Iterable[Profile]) -> None:
        self.by_name: dict[str, Profile] = {}
        for profile in profiles:
            self.by_name[profile.name] = profile
        self.metric_specs: dict[str, MetricSpec] = {}
        for profile in self.by_name.values():
            for spec in profile.metrics():
                first = self.metric_specs.setdefault(spec.name, spec)
                if first.type != spec.type:
                    raise ProfileError(f"profile {profile.name}: metric {spec.name} is a "
                                       f"{spec.type} here but a {first.type} elsewhere")

    @classmethod
    def load(cls, dirs: Iterable[Path]) -> ProfileSet:
        found: list[Profile] = []
        for folder in dirs:
            if not folder.is_dir():
                raise ProfileError(f"{folder}: no such profile folder")
            found.extend(_load_file(p) for p in sorted(folder.glob("*.yaml")))
        return cls(found)

    def probe_oids(self) -> list[str]:
        return sorted({oid for p in self.by_name.values()
                       for oid in p.match.probe + p.match.requires + p.match.excludes})

    def match(self, ident: Identity) -> list[Profile]:
        """The profiles that apply, the one naming the kind first."""
        scored: list[tuple[int, int, str, Profile]] = []
        oid = ident.sys_object_id.lstrip(".")
        for profile in self.by_name.values():
            m = profile.match
            best = -1
            for prefix in m.sys_object_id:
                if oid == prefix or oid.startswith(prefix + "."):
                    best = max(best, len(prefix))
            if best < 0 and any(re.search(p, ident.sys_descr) for p in m.sys_descr):
                best = 0
            if best < 0 and any(p in ident.probes for p in m.probe):
                best = 0
            if best >= 0 and (any(p not in ident.probes for p in m.requires)
                              or any(p in ident.probes for p in m.excludes)):
                best = -1
            if best < 0 and profile.base:
                best = -2
            if best >= -2 and (best > -1 or profile.base):
                scored.append((profile.priority if not profile.base else -1000, best,
                               profile.name, profile))
        scored.sort(key=lambda t: (-t[0], -t[1], t[2]))
        return [t[3] for t in scored]

    def resolve(self, names: Iterable[str]) -> list[Profile]:
        out = []
        for name in names:
            if name not in self.by_name:
                raise ProfileError(f"no profile named {name!r}")
            out.append(self.by_name[name])
        return out
