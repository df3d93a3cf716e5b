"""Polling devices: detect each device's profiles, read what they name, turn it into
readings (numbers with labels) and facts (text for the register).

``poll_device`` never raises: whatever the device does (no answer, errors, garbage, a
table without end, a reboot), the result says the state and the reason. ``poll_many``
bounds the concurrency; ``poll_cycle`` spreads a large cycle over worker processes, since
one core decodes a few hundred thousand varbinds a second at best."""

from __future__ import annotations

import asyncio
import logging
import math
import re
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from muniops.collector.snmp.errors import SnmpAuthError, SnmpError, SnmpTimeout
from muniops.collector.snmp.profiles import (
    FactSpec,
    Identity,
    MetricSpec,
    Profile,
    ProfileSet,
    TableSpec,
)
from muniops.collector.snmp.session import SessionStats, SnmpSession, SnmpTarget, SnmpValue

log = logging.getLogger(__name__)

SYS_DESCR, SYS_OBJECT_ID, SYS_UPTIME = "1.3.6.1.2.1.1.1.0", "1.3.6.1.2.1.1.2.0", "1.3.6.1.2.1.1.3.0"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LEADING_NUMBER = re.compile(r"^\s*(-?\d+(?:\.\d+)?)(?:\s*[A-Za-z%]+)?\s*$")  # "15 PERCENT"
_HEX_DUMP = re.compile(r"^[0-9A-Fa-f]{2}(?:[ :.-]?[0-9A-Fa-f]{2})+$")


@dataclass(frozen=True)
class DeviceSpec:
    """What to poll; picklable, so worker processes can take a share of a cycle."""

    name: str
    target: SnmpTarget
    profiles: tuple[str, ...] | None = None  # None: detect
    site: str = ""
    budget_seconds: float = 30.0


@dataclass
class Reading:
    profile: str
    metric: str
    labels: dict[str, str]
    value: float  # scaled
    raw: int | float  # as the device sent it
    type: str  # gauge | counter
    bits: int  # counters: 32 or 64
    events: bool = False
    oid: str = ""  # the instance read


@dataclass
class PollResult:
    device: str
    state: str  # up | partial | down
    reason: str = ""
    started_at: float = 0.0  # epoch seconds
    duration: float = 0.0
    stats: SessionStats = field(default_factory=SessionStats)
    profiles: list[str] = field(default_factory=list)
    kind: str = "other"
    readings: list[Reading] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    uptime_ticks: int | None = None
    max_repetitions: int = 0
    varbinds: int = 0


def text(value: SnmpValue) -> str:
    """A value as display text: UTF-8 (or Latin-1) without control characters, binary as
    colon-separated hex (MAC addresses)."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        raw = value.rstrip(b"\x00")
        try:
            decoded = raw.decode("utf-8")
        except UnicodeDecodeError:
            decoded = raw.decode("latin-1")
        if _CONTROL.search(decoded):
            return ":".join(f"{b:02x}" for b in value)
        return decoded.strip()
    return str(value)


def unhex(label: str) -> str:
    """A description some firmware sends as a hex dump of its text ("42 6C 61 63 6B"),
    decoded; any other text unchanged."""
    if not _HEX_DUMP.match(label):
        return label
    raw = bytes.fromhex(re.sub(r"[ :.-]", "", label)).rstrip(b"\x00")
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return label
    if not decoded.strip() or _CONTROL.search(decoded):
        return label  # binary (a MAC address written as hex), not text
    return decoded.strip()


def channel_mhz(channel: int) -> int | None:
    """The centre frequency of an 802.11 channel (2.4 and 5 GHz bands), in MHz."""
    if channel == 14:
        return 2484
    if 1 <= channel <= 13:
        return 2407 + 5 * channel
    if 32 <= channel <= 177:
        return 5000 + 5 * channel
    return None


def number(value: SnmpValue) -> int | float | None:
    """A value as a number; agents sometimes send numbers as strings ("0.15"), some with
    their unit ("15 PERCENT", "512 MB")."""
    if isinstance(value, int):
        return value
    if isinstance(value, bytes):
        try:
            found = _LEADING_NUMBER.match(value.decode("ascii"))
        except UnicodeDecodeError:
            return None
        if found is None:
            return None
        parsed = float(found.group(1))
        return int(parsed) if parsed.is_integer() else parsed
    return None


async def identify(session: SnmpSession, profiles: ProfileSet) -> tuple[Identity, int | None]:
    """sysObjectID, sysDescr, sysUpTime and which probe subtrees exist."""
    got = await session.get([SYS_OBJECT_ID, SYS_DESCR, SYS_UPTIME])
    probes = profiles.probe_oids()
    found: set[str] = set()
    if probes:
        for probe, (oid, _) in zip(probes, await session.get_next(probes), strict=True):
            if oid.startswith(probe + "."):
                found.add(probe)
    uptime = got[SYS_UPTIME]
    return (Identity(text(got[SYS_OBJECT_ID]), text(got[SYS_DESCR]), frozenset(found)),
            uptime if isinstance(uptime, int) else None)


def _scaled(spec: MetricSpec, raw: int | float, fallback: bool) -> float:
    scale = spec.fallback_scale if fallback and spec.fallback_scale is not None else spec.scale
    return raw * scale


def index_text(arcs: str) -> str:
    """A string index ("6.87.73.70.73.79.71": its length, then its characters) as text;
    the arcs unchanged when they are not one."""
    parts = arcs.split(".")
    try:
        values = [int(p) for p in parts]
    except ValueError:
        return arcs
    if len(values) < 2 or values[0] != len(values) - 1 or not all(31 < v < 256 for v in
                                                                   values[1:]):
        return arcs
    return text(bytes(values[1:])) or arcs


def _index_labels(table: TableSpec, index: str) -> dict[str, str]:
    if table.text_index:
        labels = {table.index[0]: index}
        labels[table.index[-1]] = index_text(index)
        return labels
    if len(table.index) == 1:
        return {table.index[0]: index}
    arcs = index.split(".")
    head = len(table.index) - 1
    labels = dict(zip(table.index[:head], arcs[:head], strict=False))
    labels[table.index[-1]] = ".".join(arcs[head:])
    return labels


def table_rows(table: TableSpec, rows: dict[str, list[tuple[str, SnmpValue]]]
               ) -> dict[str, dict[str, SnmpValue]]:
    """{index: {column OID: value}} from walked columns (every row, ``where`` or not)."""
    out: dict[str, dict[str, SnmpValue]] = {}
    for column in table.columns():
        cut = len(column) + 1
        for oid, value in rows.get(column, ()):
            out.setdefault(oid[cut:], {})[column] = value
    return out


def _matches(where: dict[str, str], row: dict[str, SnmpValue]) -> bool:
    return all(re.fullmatch(pattern, text(row.get(col))) for col, pattern in where.items())


def _walk_fact(spec: FactSpec, walked: dict[str, list[tuple[str, SnmpValue]]]) -> str:
    cut = len(spec.walk) + 1
    others = {col: {oid[len(col) + 1:]: v for oid, v in walked.get(col, ())}
              for col in spec.where}
    for oid, value in walked.get(spec.walk, ()):
        index = oid[cut:]
        if not all(re.fullmatch(p, text(others[c].get(index))) for c, p in spec.where.items()):
            continue
        found = text(value)
        if spec.pattern is not None:
            m = re.search(spec.pattern, found)
            found = m.group(1) if m else ""
        if found:
            return found
    return ""


def extract(profiles: Sequence[Profile], scalars: dict[str, SnmpValue],
            walked: dict[str, list[tuple[str, SnmpValue]]]
            ) -> tuple[list[Reading], dict[str, Any]]:
    """Readings and facts from what was read, as the profiles describe them."""
    readings: list[Reading] = []
    facts: dict[str, Any] = {}
    descr = text(scalars.get(SYS_DESCR))
    for profile in profiles:
        found: dict[str, str] = {}
        for name, oid in profile.facts.items():
            if (value := text(scalars.get(oid))) and name not in facts:
                found.setdefault(name, value)
        for name, pattern in profile.descr_facts.items():
            if name not in facts and (m := re.search(pattern, descr)) and m.group(1).strip():
                found.setdefault(name, m.group(1).strip())
        for name, fact in profile.walk_facts.items():
            if name not in facts and name not in found and (value := _walk_fact(fact, walked)):
                found[name] = value
        for name, value in found.items():
            facts[name] = profile.fact_values.get(name, {}).get(value, value)
        for spec in profile.scalars:
            reading = _reading(profile, spec, scalars, {}, "", {})
            if reading is not None:
                readings.append(reading)
        for table in profile.tables:
            rows = table_rows(table, walked)
            fact_rows = []
            for index, row in rows.items():
                if table.where and not _matches(table.where, row):
                    continue
                labels = _index_labels(table, index)
                for label, oids in table.labels.items():
                    labels[label] = next((t for o in oids if (t := text(row.get(o)))), "")
                    if table.decode_hex:
                        labels[label] = unhex(labels[label])
                    if label in table.label_values:
                        labels[label] = table.label_values[label].get(labels[label],
                                                                      labels[label])
                for spec in table.metrics:
                    reading = _reading(profile, spec, row, labels, index, rows)
                    if reading is not None:
                        readings.append(reading)
                if table.facts:
                    fact_row = {k: text(row.get(o)) for k, o in table.facts.items()}
                    if table.require is None or fact_row.get(table.require):
                        fact_rows.append({"index": index, **fact_row})
            if fact_rows and table.name not in facts:
                facts[table.name] = fact_rows
    if "model" not in facts:
        oid = text(scalars.get(SYS_OBJECT_ID)).lstrip(".")
        if name := next((p.product_names[oid] for p in profiles if oid in p.product_names), ""):
            facts["model"] = name
    return readings, facts


def _value(spec: MetricSpec, row: dict[str, SnmpValue]) -> tuple[int | float, bool] | None:
    """The raw number of a metric in a row (or its fallback), or None."""
    if spec.octets_as_integer:
        octets = row.get(spec.oid)
        return (int.from_bytes(octets, "big"), False) if isinstance(octets, bytes) else None
    raw = number(row.get(spec.oid))
    if raw is not None:
        return raw, False
    if spec.fallback is not None and (raw := number(row.get(spec.fallback))) is not None:
        return raw, True
    return None


def _unscaled(spec: MetricSpec, row: dict[str, SnmpValue], raw: int | float,
              fallback: bool = False) -> float | None:
    """The raw value with the row's other columns applied (minus, multiply, divide)."""
    value = float(raw)
    minus = spec.fallback_minus if fallback and spec.fallback_minus is not None else spec.minus
    for col in minus:
        other = number(row.get(col))
        if other is None:
            return None
        value -= other
    for col in spec.minus_if_present:
        value -= number(row.get(col)) or 0
    if spec.multiply_by is not None:
        factor = number(row.get(spec.multiply_by))
        if factor is None:
            return None
        value *= factor
    if spec.divide_by is not None:
        divisor = number(row.get(spec.divide_by))
        if not divisor or divisor <= 0:
            return None
        value /= divisor
    return value


def _reading(profile: Profile, spec: MetricSpec, row: dict[str, SnmpValue],
             labels: dict[str, str], index: str,
             rows: dict[str, dict[str, SnmpValue]]) -> Reading | None:
    got = _value(spec, row)
    if got is None:
        return None
    raw, fallback = got
    if raw in spec.skip or (spec.skip_below is not None and raw < spec.skip_below):
        return None
    oid = spec.fallback if fallback and spec.fallback else spec.oid
    instance = f"{oid}.{index}" if index else oid
    if spec.states:
        code = int(raw)
        if spec.only_states and code not in spec.states:
            return None
        state = spec.states.get(code, f"unknown_{code}")
        return Reading(profile.name, spec.name, {**labels, **spec.labels, "state": state},
                       float(code), raw, spec.type, spec.bits, spec.events, instance)
    unscaled = _unscaled(spec, row, raw, fallback)
    if unscaled is None:
        return None
    if spec.minus_rows is not None:
        for other_index, other in rows.items():
            if other_index == index or not re.fullmatch(spec.minus_rows.pattern,
                                                        text(other.get(spec.minus_rows.by))):
                continue
            got_other = _value(spec, other)
            part = _unscaled(spec, other, *got_other) if got_other else None
            if part is not None:
                unscaled -= part
    exponent = 0
    if spec.exponent_from is not None:
        scale_code = number(row.get(spec.exponent_from))
        exponent += spec.exponents.get(int(scale_code), 0) if scale_code is not None else 0
    if spec.precision_from is not None:
        places = number(row.get(spec.precision_from))
        exponent -= int(places) if places is not None and 0 < places < 10 else 0
    value = _scaled(spec, unscaled, fallback) * (10.0 ** exponent if exponent else 1)
    if spec.channel_to_hertz:
        mhz = channel_mhz(int(value))
        if mhz is None:
            return None
        value = mhz * 1e6
    if spec.to_dbm:
        if value <= 0:
            return None  # no light: no dBm value
        value = 10 * math.log10(value)
    value = float(f"{value:.12g}")  # no 23.400000000000002
    return Reading(profile.name, spec.name, {**labels, **spec.labels}, value, raw, spec.type,
                   32 if fallback else spec.bits, spec.events, instance)


def _needed(profiles: Sequence[Profile]) -> tuple[list[str], list[str]]:
    scalars: list[str] = [SYS_DESCR, SYS_OBJECT_ID, SYS_UPTIME]
    columns: list[str] = []
    for p in profiles:
        scalars += p.facts.values()
        for s in p.scalars:
            scalars += [s.oid, *s.columns()]
        for t in p.tables:
            columns += t.columns()
        for f in p.walk_facts.values():
            columns += [f.walk, *f.where]
    return list(dict.fromkeys(scalars)), list(dict.fromkeys(columns))


async def poll_device(spec: DeviceSpec, profiles: ProfileSet) -> PollResult:
    """One poll of one device. Never raises."""
    started, t0 = time.time(), time.monotonic()
    deadline = t0 + spec.budget_seconds
    result = PollResult(spec.name, "down", started_at=started)
    session = None
    try:
        session = SnmpSession(spec.target)
        result.stats = session.stats
        async with session:
            await asyncio.wait_for(_poll(session, spec, profiles, result, deadline),
                                   timeout=spec.budget_seconds + spec.target.timeout)
    except TimeoutError:
        result.state = "partial" if result.readings or result.facts else "down"
        result.reason = "time budget exceeded"
    except SnmpAuthError as exc:
        result.state, result.reason = "down", f"authentication: {exc}"
    except SnmpTimeout as exc:
        result.state, result.reason = "down", str(exc)
    except SnmpError as exc:
        result.state, result.reason = "down", str(exc)
    except Exception as exc:  # a bug or a profile problem must not stop the other devices
        log.exception("poll of %s failed", spec.name)
        result.state, result.reason = "down", f"internal error: {type(exc).__name__}: {exc}"
    result.duration = time.monotonic() - t0
    if session is not None:
        result.max_repetitions = session.max_repetitions
        result.varbinds = session.stats.varbinds
    return result


async def _poll(session: SnmpSession, spec: DeviceSpec, profiles: ProfileSet,
                result: PollResult, deadline: float) -> None:
    if spec.profiles is None:
        ident, _ = await identify(session, profiles)
        chosen = profiles.match(ident)
    else:
        chosen = profiles.resolve(spec.profiles)
    result.profiles = [p.name for p in chosen]
    result.kind = next((p.kind for p in chosen if p.kind is not None), "other")
    scalar_oids, columns = _needed(chosen)
    scalars = await session.get(scalar_oids)
    uptime = scalars.get(SYS_UPTIME)
    result.uptime_ticks = uptime if isinstance(uptime, int) else None
    walked = await session.walk_columns(columns, deadline=deadline) if columns else None
    rows = walked.rows if walked else {}
    result.readings, result.facts = extract(chosen, scalars, rows)
    if walked is not None and walked.partial:
        result.state, result.reason = "partial", walked.partial
    else:
        result.state = "up"


async def poll_many(specs: Sequence[DeviceSpec], profiles: ProfileSet,
                    concurrency: int = 64) -> list[PollResult]:
    """Poll devices with at most ``concurrency`` in flight; results in the given order."""
    gate = asyncio.Semaphore(concurrency)

    async def one(spec: DeviceSpec) -> PollResult:
        async with gate:
            return await poll_device(spec, profiles)

    return list(await asyncio.gather(*(one(s) for s in specs)))


_Packed = tuple[PollResult, list[tuple[Any, ...]]]


def _worker(specs: list[DeviceSpec], dirs: list[str], concurrency: int) -> list[_Packed]:
    profiles = ProfileSet.load([Path(d) for d in dirs])
    out = []
    for res in asyncio.run(poll_many(specs, profiles, concurrency)):
        # plain tuples cross the process boundary at twice the speed of dataclasses
        packed = [(r.profile, r.metric, r.labels, r.value, r.raw, r.type, r.bits, r.events,
                   r.oid) for r in res.readings]
        res.readings = []
        out.append((res, packed))
    return out


def _unpack(item: _Packed) -> PollResult:
    res, packed = item
    res.readings = [Reading(*fields) for fields in packed]
    return res


def poll_cycle(specs: Sequence[DeviceSpec], profile_dirs: Sequence[Path], *,
               concurrency: int = 64, workers: int = 1) -> list[PollResult]:
    """One cycle over ``specs``: in this process, or shared among ``workers`` processes
    (each with its own event loop and ``concurrency``). Results in the given order."""
    if workers <= 1 or len(specs) < 2 * workers:
        return asyncio.run(poll_many(specs, ProfileSet.load(profile_dirs), concurrency))
    shards = [list(specs[i::workers]) for i in range(workers)]
    dirs = [str(d) for d in profile_dirs]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        parts = list(pool.map(_worker, shards, [dirs] * workers, [concurrency] * workers))
    out: list[PollResult] = [None] * len(specs)  # type: ignore[list-item]
    for i, part in enumerate(parts):
        for j, item in enumerate(part):
            out[i + j * workers] = _unpack(item)
    return out
