"""A scrape that costs milliseconds at city scale.

prometheus-client formats every sample on every scrape (about 20–30 µs each): 500 switches
× 48 interfaces plus 5,000 PCs is ~150,000 samples, several seconds of CPU holding the GIL
that the poller and the agent ingest need. So the high-cardinality families (per
interface, per host) are kept as ``SeriesCache``\\ s: the producer hands over an owner's
(a device's, a host's) rows when it learns them — once per poll or report — and they are
formatted then; a scrape only joins the formatted blocks. ``SeriesCache`` is still an
ordinary prometheus-client collector (``collect()`` builds the families), so
``generate_latest`` and ``get_sample_value`` work on it in tests; ``Registry.exposition``
is the fast path ``/metrics`` serves, and gives the same text."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import Metric
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

Labels = Sequence[str] | Mapping[str, str]
Rows = Iterable[tuple[Labels, float]]


@dataclass(frozen=True)
class Family:
    """One metric family of a SeriesCache; ``name`` is the sample name (``..._total`` for
    a counter). Rows give label values in the order of ``labels``, or a mapping of label
    names to values (for families whose label set varies, such as a profile's readings)."""

    name: str
    type: Literal["gauge", "counter"]
    help: str
    labels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.type == "counter" and not self.name.endswith("_total"):
            raise ValueError(f"counter {self.name} must end in _total")

    def header(self) -> str:
        text = self.help.replace("\\", r"\\").replace("\n", r"\n")
        return f"# HELP {self.name} {text}\n# TYPE {self.name} {self.type}\n"

    def label_map(self, values: Labels) -> dict[str, str]:
        if isinstance(values, Mapping):
            return dict(values)
        if len(values) != len(self.labels):
            raise ValueError(f"{self.name}: expected labels {self.labels}, got {values!r}")
        return dict(zip(self.labels, values, strict=True))

    def line(self, labels: Mapping[str, str], value: float) -> str:
        pairs = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
        return f"{self.name}{{{pairs}}} {floatToGoString(value)}\n"

    def empty(self) -> Metric:
        if self.type == "counter":
            return Metric(self.name.removesuffix("_total"), self.help, "counter")
        return Metric(self.name, self.help, "gauge")


def _escape(value: str) -> str:
    if "\\" not in value and "\n" not in value and '"' not in value:
        return value
    return value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")


class SeriesCache(Collector):
    """Families whose samples belong to owners (devices, hosts), formatted when an owner's
    rows change rather than on each scrape."""

    def __init__(self, *families: Family) -> None:
        self.families = {f.name: f for f in families}
        self._rows: dict[Hashable, dict[str, list[tuple[dict[str, str], float]]]] = {}
        self._text: dict[Hashable, dict[str, str]] = {}
        self._lock = threading.Lock()

    def put(self, owner: Hashable, rows: Mapping[str, Rows]) -> None:
        """Replace everything ``owner`` contributes: family name → (label values, value)."""
        unknown = set(rows) - set(self.families)
        if unknown:
            raise KeyError(f"not families of this cache: {sorted(unknown)}")
        kept = {name: [(self.families[name].label_map(v), float(x)) for v, x in r]
                for name, r in rows.items()}
        text = {name: "".join(self.families[name].line(v, x) for v, x in r)
                for name, r in kept.items()}
        with self._lock:
            self._rows[owner] = kept
            self._text[owner] = text

    def discard(self, owner: Hashable) -> None:
        with self._lock:
            self._rows.pop(owner, None)
            self._text.pop(owner, None)

    def owners(self) -> set[Hashable]:
        with self._lock:
            return set(self._rows)

    def exposition(self) -> str:
        """The text format of every family, from the blocks formatted at ``set`` time."""
        with self._lock:
            blocks = list(self._text.values())
        out = []
        for name, family in self.families.items():
            out.append(family.header())
            out.extend(b.get(name, "") for b in blocks)
        return "".join(out)

    def describe(self) -> Iterator[Metric]:
        for family in self.families.values():
            yield family.empty()

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            rows = list(self._rows.values())
        for name, family in self.families.items():
            metric = family.empty()
            for owned in rows:
                for labels, value in owned.get(name, ()):
                    metric.add_sample(family.name, labels, value)
            yield metric


Row = tuple[Family, Mapping[str, str], float]
Owner = tuple[Hashable, object, Callable[[], Iterable[Row]]]


class VersionedBlocks:
    """Each owner's samples formatted once per version of its state (a poll result, a
    report) and reused by every scrape until the next version: for a feature collector
    whose families come from data (SNMP profiles) rather than a fixed list."""

    def __init__(self) -> None:
        self._cache: dict[Hashable, tuple[object, dict[str, tuple[Family, str]]]] = {}
        self._lock = threading.Lock()

    def refresh(self, owners: Iterable[Owner]) -> None:
        """``owners``: (owner, version, rows) of every current owner; ``rows()`` is called
        only for a version not seen before (compared by identity). The producer calls this
        after it learns new state, so the scrape finds the text ready."""
        with self._lock:
            old = self._cache
        fresh = {}  # formatted outside the lock: a scrape meanwhile serves the old text
        for owner, version, rows in owners:
            hit = old.get(owner)
            fresh[owner] = hit if hit is not None and hit[0] is version else (
                version, _format(rows()))
        with self._lock:
            self._cache = fresh

    def text(self) -> str:
        with self._lock:
            blocks = list(self._cache.values())
        by_family: dict[str, tuple[Family, list[str]]] = {}
        for _version, families in blocks:
            for name, (family, text) in families.items():
                by_family.setdefault(name, (family, []))[1].append(text)
        return "".join(family.header() + "".join(texts) for family, texts in by_family.values())

    def exposition(self, owners: Iterable[Owner]) -> str:
        self.refresh(owners)
        return self.text()


def _format(rows: Iterable[Row]) -> dict[str, tuple[Family, str]]:
    lines: dict[str, tuple[Family, list[str]]] = {}
    for family, labels, value in rows:
        lines.setdefault(family.name, (family, []))[1].append(family.line(labels, value))
    return {name: (family, "".join(text)) for name, (family, text) in lines.items()}


def render(families: Iterable[Metric]) -> str:
    """Families built by a collector, in the text format (through prometheus-client)."""
    return generate_latest(_Families(families)).decode()


class _Families(Collector):
    def __init__(self, families: Iterable[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterator[Metric]:
        yield from self.families


@runtime_checkable
class Prerendered(Protocol):
    """A collector that can give its exposition text directly (a SeriesCache, or a feature
    collector that keeps one per device); ``collect()`` must describe the same samples."""

    def exposition(self) -> str: ...


class _Collectors(Collector):
    def __init__(self, collectors: Sequence[Collector]) -> None:
        self.collectors = collectors

    def collect(self) -> Iterator[Metric]:
        for collector in self.collectors:
            yield from collector.collect()


class Registry(CollectorRegistry):
    """The collector's registry: prometheus-client's, plus the fast exposition."""

    def __init__(self) -> None:
        super().__init__()
        self._in_order: list[Collector] = []
        self._order_lock = threading.Lock()

    def register(self, collector: Collector) -> None:
        super().register(collector)
        with self._order_lock:
            self._in_order.append(collector)

    def unregister(self, collector: Collector) -> None:
        super().unregister(collector)
        with self._order_lock:
            self._in_order.remove(collector)

    def collectors(self) -> list[Collector]:
        with self._order_lock:
            return list(self._in_order)

    def exposition(self) -> bytes:
        """What /metrics serves: ordinary collectors through prometheus-client, then the
        preformatted text of the Prerendered ones."""
        collectors = self.collectors()
        plain = [c for c in collectors if not isinstance(c, Prerendered)]
        cached = [c for c in collectors if isinstance(c, Prerendered)]
        return generate_latest(_Collectors(plain)) + "".join(
            c.exposition() for c in cached).encode()


def exposition(registry: CollectorRegistry) -> bytes:
    if isinstance(registry, Registry):
        return registry.exposition()
    return generate_latest(registry)
