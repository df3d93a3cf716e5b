"""What muniops reads from a recording, compared with what LibreNMS expects of it.

A LibreNMS entry (a sensor, a wireless sensor, a processor, a memory pool, a storage
area, a printer supply, a port, an identity field) is *covered* when one of our readings
(or facts) gives the same value — within 1 % after an exact unit conversion — and is
paired with it: it read the same OID instance, or its description (labels and metric
name) names the same thing. Each reading covers one entry at most.

Used by ``tests/snmp/test_coverage.py`` (floors), ``scripts/snmp_coverage.py`` (the table
in ``docs/devices.md``) and ``bench/snmp.py``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from muniops.collector.snmp.poller import PollResult, Reading

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "librenms"
SNMPREC = FIXTURES / "snmprec"
EXPECTED = FIXTURES / "expected"
CATEGORIES = ("sensors", "wireless", "identity", "ports", "processors", "mempools",
              "storage", "supplies")
TOLERANCE = 0.01

# LibreNMS sensor class -> (our metric name pattern, factor from LibreNMS's unit to ours)
SENSOR_UNITS: dict[str, tuple[str, float]] = {
    "temperature": (r"_celsius$", 1), "voltage": (r"_volts$", 1),
    "current": (r"_amperes$", 1), "power": (r"_watts$", 1), "frequency": (r"_hertz$", 1),
    "fanspeed": (r"_rpm$", 1), "dbm": (r"_dbm$", 1), "humidity": (r"humidity_ratio$", 0.01),
    "percent": (r"_ratio$", 0.01), "charge": (r"_ratio$", 0.01), "load": (r"_ratio$", 0.01),
    "runtime": (r"_seconds$", 60), "delay": (r"_seconds$", 1),
    "count": (r"(?<!_celsius)(?<!_volts)(?<!_amperes)(?<!_watts)(?<!_ratio)$", 1),
    "power_consumed": (r"_joules_total$", 3.6e6), "snr": (r"_db$", 1),
    "airflow": (r"_cfm$", 1), "signal": (r"_dbm$", 1), "cooling": (r"_watts$", 1),
}
WIRELESS_UNITS: dict[str, tuple[str, float]] = {
    "clients": (r"(clients|stations)", 1), "ap-count": (r"access_points", 1),
    "utilization": (r"_ratio$", 0.01), "capacity": (r"_ratio$", 0.01),
    "frequency": (r"_hertz$", 1e6), "power": (r"_dbm$", 1),
    "rate": (r"bytes_per_second$", 0.125), "errors": (r"errors", 1),
    "ccq": (r"_ratio$", 0.01), "quality": (r"_ratio$", 0.01), "rssi": (r"(_dbm|_rssi)$", 1),
    "noise-floor": (r"_dbm$", 1), "snr": (r"_db$", 1), "sinr": (r"_db$", 1),
    "rsrp": (r"_dbm$", 1), "rsrq": (r"_db$", 1), "distance": (r"_meters$", 1000),
    "cell": (r"cell", 1), "channel": (r"channel$", 1), "mse": (r"_db$", 1),
    "xpi": (r"_db$", 1), "ssr": (r"_db$", 1),
}
CPU = "muniops_snmp_cpu_utilisation_ratio"
MEM_USED = "muniops_snmp_memory_used_bytes"
MEM_RATIO = "muniops_snmp_memory_utilisation_ratio"
STORAGE_USED = "muniops_snmp_storage_used_bytes"
SUPPLY_RATIO = "muniops_snmp_printer_supply_ratio"
SUPPLY_STATE = "muniops_snmp_printer_supply_state"
TRAY_RATIO = "muniops_snmp_printer_tray_ratio"
TRAY_STATE = "muniops_snmp_printer_tray_state"
IDENTITY = {"hardware": "model", "serial": "serial", "version": "software_version"}
_TOKEN = re.compile(r"[a-z0-9]+")
_NOISE = {"muniops", "snmp", "the", "of", "a", "value", "sensor"}


@dataclass
class Category:
    expected: int = 0
    covered: int = 0
    missing: list[str] = field(default_factory=list)


@dataclass
class Coverage:
    name: str
    categories: dict[str, Category] = field(default_factory=lambda: {c: Category()
                                                                     for c in CATEGORIES})
    by_class: dict[str, Category] = field(default_factory=dict)

    def counts(self) -> dict[str, list[int]]:
        return {c: [v.covered, v.expected] for c, v in self.categories.items()}


def recordings() -> list[str]:
    return sorted(p.stem for p in SNMPREC.glob("*.snmprec"))


def expected(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXPECTED / f"{name}.json").read_text("utf-8"))
    return data


def _rows(data: dict[str, Any], module: str, key: str) -> list[dict[str, Any]]:
    part = data.get(module) or {}
    stage = part.get("poller") or part.get("discovery") or {}
    rows = stage.get(key) or []
    return list(rows)


def tokens(text: str) -> set[str]:
    return set(_TOKEN.findall(text.lower())) - _NOISE


def _reading_tokens(r: Reading) -> set[str]:
    words = tokens(r.metric.replace("_", " "))
    for key, value in r.labels.items():
        if key != "state":
            words |= tokens(value)
    return words


def described(theirs: str, r: Reading) -> bool:
    """Whether a reading's labels and name say what LibreNMS's description says: the
    words of the shorter one are all in the other (numbers included, so "Fan 2" is not
    "Fan 1")."""
    want = tokens(theirs)
    if not want:  # a description without words ("/"): the same text
        return any(v.strip() == theirs.strip() for k, v in r.labels.items() if k != "state")
    ours = _reading_tokens(r)
    if not ours:
        return False
    # the labels' own words, leaving out the state and index numbers
    label_words = set().union(set(), *(tokens(v) for k, v in r.labels.items()
                                       if k != "state" and not v.replace(".", "").isdigit()))
    return want <= ours or (bool(label_words) and label_words <= want)


def close(ours: float, want: float) -> bool:
    return math.isclose(ours, want, rel_tol=TOLERANCE, abs_tol=1e-9)


def _oid(value: str | None) -> str:
    return (value or "").lstrip(".")


def _pair(entries: list[tuple[str, set[str], list[float], Callable[[Reading], bool]]],
          readings: list[Reading], cat: Category) -> None:
    """Greedy one-to-one pairing: same-OID pairs first (entries read from one OID before
    LibreNMS's sums of several), then by description."""
    used: set[int] = set()
    pending: list[tuple[str, set[str], list[float], Callable[[Reading], bool]]] = []
    for entry in sorted(entries, key=lambda e: len(e[1])):
        descr, oids, wants, fits = entry
        cat.expected += 1
        hit = next((i for i, r in enumerate(readings) if i not in used and r.oid in oids
                    and fits(r) and any(close(r.value, w) for w in wants)), None)
        if hit is None:
            pending.append(entry)
        else:
            used.add(hit)
            cat.covered += 1
    for descr, _oids, wants, fits in pending:
        hit = next((i for i, r in enumerate(readings) if i not in used and fits(r)
                    and any(close(r.value, w) for w in wants) and described(descr, r)), None)
        if hit is None:
            cat.missing.append(f"{descr} ({', '.join(f'{w:g}' for w in wants[:1])})")
        else:
            used.add(hit)
            cat.covered += 1


def _sensor_entries(rows: Iterable[dict[str, Any]], units: dict[str, tuple[str, float]],
                    oid_key: str, cats: dict[str, Category]
                    ) -> list[tuple[str, set[str], list[float], Callable[[Reading], bool]]]:
    out = []
    for s in rows:
        cls = s["sensor_class"]
        cats.setdefault(cls, Category())
        current = s.get("sensor_current")
        if current is None:
            continue
        if oid_key == "sensor_oids":
            oids = {_oid(o) for o in json.loads(s.get("sensor_oids") or "[]")}
        else:
            oids = {_oid(s.get("sensor_oid"))}
        descr = f"{s['sensor_descr']}"
        if cls == "state":
            out.append((descr, oids, [float(current)],
                        lambda r: "state" in r.labels))
            continue
        pattern, factor = units.get(cls, (r"^$", 1))
        mult, div = s.get("sensor_multiplier") or 1, s.get("sensor_divisor") or 1
        # LibreNMS keeps some values unscaled in its fixtures (divisor not applied yet)
        wants = list(dict.fromkeys([current * factor, current * mult / div * factor]))
        rx = re.compile(pattern)
        out.append((f"{cls}: {descr}", oids, wants,
                    lambda r, rx=rx: "state" not in r.labels and bool(rx.search(r.metric))))
    return out


def _by_class(entries: list[tuple[str, set[str], list[float], Callable[[Reading], bool]]],
              readings: list[Reading], total: Category, classes: dict[str, Category],
              cls_of: list[str]) -> None:
    for cls in dict.fromkeys(cls_of):
        mine = [e for e, c in zip(entries, cls_of, strict=True) if c == cls]
        cat = classes[cls]
        _pair(mine, readings, cat)
        total.expected += cat.expected
        total.covered += cat.covered
        total.missing += cat.missing


def _same(ours: str, theirs: str) -> bool:
    # case, spacing and punctuation apart ("FortiGate-500D" is "FortiGate 500D")
    a, b = (" ".join(re.sub(r"[^a-z0-9.()/+]+", " ", t.lower()).split()) for t in (ours, theirs))
    if not a or not b:
        return False
    return a == b or (min(len(a), len(b)) >= 3 and (a in b or b in a))


def compare(name: str, res: PollResult) -> Coverage:
    """The coverage of one recording's poll."""
    data = expected(name)
    cov = Coverage(name)
    readings = res.readings
    # sensors and wireless sensors, by class
    for cat_name, module, key, units, oid_key in (
            ("sensors", "sensors", "sensors", SENSOR_UNITS, "sensor_oid"),
            ("wireless", "wireless", "wireless_sensors", WIRELESS_UNITS, "sensor_oids")):
        rows = [s for s in _rows(data, module, key) if s.get("sensor_current") is not None]
        classes: dict[str, Category] = {}
        entries = _sensor_entries(rows, units, oid_key, classes)
        _by_class(entries, readings, cov.categories[cat_name], classes,
                  [s["sensor_class"] for s in rows])
        for cls, cat in classes.items():
            prefix = "wireless " if cat_name == "wireless" else ""
            cov.by_class[prefix + cls] = cat
    # identity
    ident = cov.categories["identity"]
    device = (_rows(data, "os", "devices") or [{}])[0]
    for theirs_key, ours_key in IDENTITY.items():
        want = device.get(theirs_key)
        if not want or not str(want).strip() or "<private>" in str(want):
            continue
        ident.expected += 1
        ours = str(res.facts.get(ours_key) or "")
        if _same(ours, str(want)):
            ident.covered += 1
        else:
            ident.missing.append(f"{theirs_key}: {want!r} (ours {ours!r})")
    # ports
    ports = cov.categories["ports"]
    ours_ports = {(r.labels.get("ifindex"), r.labels.get("interface")): r.value
                  for r in readings if r.metric == "muniops_snmp_interface_oper_status"}
    for p in _rows(data, "ports", "ports"):
        ports.expected += 1
        key = (str(p["ifIndex"]), p.get("ifName") or p.get("ifDescr"))
        if key in ours_ports or any(k[0] == key[0] for k in ours_ports):
            ports.covered += 1
        else:
            ports.missing.append(f"{key[0]} {key[1]}")
    # processors
    cpus = [r for r in readings if r.metric == CPU]
    _pair([(str(p.get("processor_descr") or "Processor"), {_oid(p.get("processor_oid"))},
            [float(p["processor_usage"]) / 100], lambda r: True)
           for p in _rows(data, "processors", "processors")
           if p.get("processor_usage") is not None], cpus, cov.categories["processors"])
    # memory pools: used bytes, or a percentage when that is all LibreNMS has
    mem = [r for r in readings if r.metric in (MEM_USED, MEM_RATIO)]
    entries = []
    for m in _rows(data, "mempools", "mempools"):
        oids = {_oid(m.get(k)) for k in ("mempool_used_oid", "mempool_perc_oid",
                                         "mempool_free_oid", "mempool_total_oid")} - {""}
        descr = str(m.get("mempool_descr") or "memory")
        if m.get("mempool_perc_oid") and m.get("mempool_perc") is not None:
            # LibreNMS reads a percentage (and makes up a total of 100)
            entries.append((descr, oids, [float(m["mempool_perc"]) / 100,
                                          float(m.get("mempool_used") or -1)],
                            lambda r: r.metric in (MEM_RATIO, MEM_USED)))
        elif m.get("mempool_used") is not None and m.get("mempool_total"):
            entries.append((descr, oids, [float(m["mempool_used"])],
                            lambda r: r.metric == MEM_USED))
        elif m.get("mempool_perc") is not None:
            entries.append((descr, oids, [float(m["mempool_perc"]) / 100],
                            lambda r: r.metric == MEM_RATIO))
    _pair(entries, mem, cov.categories["mempools"])
    # storage
    disks = [r for r in readings if r.metric == STORAGE_USED]
    _pair([(str(s.get("storage_descr")), {_oid(s.get("storage_used_oid"))},
            [float(s["storage_used"])], lambda r: True)
           for s in _rows(data, "storage", "storage") if s.get("storage_used") is not None],
          disks, cov.categories["storage"])
    # printer supplies and trays: a level as a ratio, or the special level as a state
    supplies = [r for r in readings if r.metric in (SUPPLY_RATIO, SUPPLY_STATE, TRAY_RATIO,
                                                    TRAY_STATE)]
    entries = []
    for s in _rows(data, "printer-supplies", "printer_supplies"):
        oid = _oid(s.get("supply_oid"))
        current = float(s.get("supply_current") or 0)
        entries.append((str(s.get("supply_descr")), {oid}, [current / 100, -3, -2, -1],
                        lambda r, oid=oid: (r.metric.endswith("_ratio")
                                            or r.oid == oid)))
    _pair(entries, supplies, cov.categories["supplies"])
    return cov


def total(covs: Iterable[Coverage]) -> dict[str, list[int]]:
    out = {c: [0, 0] for c in CATEGORIES}
    for cov in covs:
        for c, (got, want) in cov.counts().items():
            out[c][0] += got
            out[c][1] += want
    return out


def table(covs: list[Coverage]) -> str:
    """A Markdown table: one row per recording, covered/expected per category."""
    head = "| recording | " + " | ".join(CATEGORIES) + " |"
    lines = [head, "|" + "---|" * (len(CATEGORIES) + 1)]

    def cell(got: int, want: int) -> str:
        return f"{got}/{want}" if want else "–"

    for cov in covs:
        lines.append(f"| {cov.name} | " + " | ".join(cell(*cov.counts()[c])
                                                     for c in CATEGORIES) + " |")
    tot = total(covs)
    lines.append("| **total** | " + " | ".join(
        f"**{g}/{w} ({100 * g / w:.0f} %)**" if w else "–" for g, w in tot.values()) + " |")
    return "\n".join(lines)


def poll_all(port: int, profiles: Any, names: Iterable[str] | None = None,
             concurrency: int = 16) -> dict[str, PollResult]:
    """Poll each recording once, in this process, from one snmpsim on ``port``."""
    import asyncio

    from muniops.collector.core.credentials import SnmpCommunity
    from muniops.collector.snmp.poller import DeviceSpec, poll_many
    from muniops.collector.snmp.session import SnmpTarget

    specs = [DeviceSpec(n, SnmpTarget("127.0.0.1", port, SnmpCommunity(
        type="snmp_v2c", community=n), timeout=10, retries=1),  # type: ignore[arg-type]
        budget_seconds=120) for n in (names or recordings())]
    return {r.device: r for r in asyncio.run(poll_many(specs, profiles, concurrency))}
