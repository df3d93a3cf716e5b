"""A scrape that costs milliseconds at city scale.

prometheus-client formats every sample on every scrape (about 20–30 µs each): 500 switches
× 48 interfaces is ~250,000 readings, seconds of CPU holding the GIL that the poller and
the agent ingest need. So a collector with per-interface families keeps them as
``VersionedBlocks``: each device's samples are formatted once per poll (keyed by the poll
result) and a scrape only joins the blocks. Such a collector is ``Prerendered``: it still
builds real families in ``collect()`` (so ``generate_latest`` and ``get_sample_value``
work in tests), and gives the same text from ``exposition()``, the fast path
``Registry.exposition`` (what /metrics serves) takes."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

from prometheus_client import CollectorRegistry, disable_created_metrics, generate_latest
from prometheus_client.core import Metric
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

# Counters' ``*_created`` series only matter to OpenMetrics consumers; in Prometheus' text
# format each becomes one more gauge series per label set, so the collector does without.
disable_created_metrics()


@dataclass(frozen=True)
class Family:
    """One metric family of preformatted samples; ``name`` is the sample name (``_total``
    for a counter). Its label set may vary from sample to sample (a profile's readings)."""

    name: str
    type: Literal["gauge", "counter"]
    help: str

    def __post_init__(self) -> None:
        if self.type == "counter" and not self.name.endswith("_total"):
            raise ValueError(f"counter {self.name} must end in _total")

    def header(self) -> str:
        text = self.help.replace("\\", r"\\").replace("\n", r"\n")
        return f"# HELP {self.name} {text}\n# TYPE {self.name} {self.type}\n"

    def line(self, labels: Mapping[str, str], value: float) -> str:
        pairs = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
        return f"{self.name}{{{pairs}}} {floatToGoString(value)}\n"


def _escape(value: str) -> str:
    if "\\" not in value and "\n" not in value and '"' not in value:
        return value
    return value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")


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
    """A collector that can give its exposition text directly (one that keeps
    VersionedBlocks); ``collect()`` must describe the same samples."""

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
