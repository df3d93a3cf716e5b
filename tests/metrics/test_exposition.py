"""The collector's registry: the fast exposition /metrics serves says exactly what
prometheus-client would, and a scrape never holds up the API or the producers."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.registry import Collector

import muniops.collector.register.metrics  # noqa: F401  (the collector's exposition: no _created)
from muniops.collector.core.exposition import Family, Owner, Registry, VersionedBlocks
from muniops.inventory import devices
from muniops.inventory.db import Database
from muniops.lab import prometheus

RX = Family("muniops_interface_receive_bytes_total", "counter", "Bytes received.")
UP = Family("muniops_interface_oper_up", "gauge", "1 when the link is up.")


def samples(text: str) -> set[tuple[str, tuple[tuple[str, str], ...], float]]:
    return {(s.name, tuple(sorted(s.labels.items())), s.value)
            for fam in text_string_to_metric_families(text) for s in fam.samples}


class Ports(Collector):
    """A Prerendered collector as a feature writes one: per-device state replaced by each
    poll, its samples kept in VersionedBlocks."""

    def __init__(self) -> None:
        self.latest: dict[str, list[tuple[Family, dict[str, str], float]]] = {}
        self.blocks = VersionedBlocks()

    def poll(self, device: str, ports: dict[str, float], site: str = "City Hall") -> None:
        rows = []
        for port, up in ports.items():
            labels = {"device": device, "interface": port, "site": site}
            rows += [(RX, labels, 1e12 + len(rows)), (UP, labels, up)]
        self.latest[device] = rows

    def _owners(self) -> list[Owner]:
        return [(d, rows, lambda rows=rows: rows) for d, rows in self.latest.items()]

    def exposition(self) -> str:
        self.blocks.refresh(self._owners())
        return self.blocks.text()

    def collect(self) -> Iterator[Metric]:
        families: dict[str, Metric] = {}
        for rows in self.latest.values():
            for family, labels, value in rows:
                base = family.name.removesuffix("_total")
                metric = families.setdefault(family.name, Metric(base, family.help, family.type))
                metric.add_sample(family.name, labels, value)
        yield from families.values()


def filled() -> Ports:
    ports = Ports()
    for d in range(3):
        ports.poll(f"sw-{d}", {f"Gi0/{i}": i % 2 for i in range(4)})
    return ports


def test_fast_exposition_equals_prometheus_client() -> None:
    registry = Registry()
    registry.register(filled())
    jobs = Counter("muniops_job_failures_total", "Failures.", ["job_name"], registry=registry)
    jobs.labels("poll").inc(2)
    fast = registry.exposition().decode()
    assert samples(fast) == samples(generate_latest(registry).decode())
    assert len(samples(fast)) == 3 * 4 * 2 + 1


def test_label_values_are_escaped() -> None:
    ports = Ports()
    ports.poll("sw\\1", {'Gi0/1 "uplink"': 1}, site="line\nbreak")
    registry = Registry()
    registry.register(ports)
    found = [s for f in text_string_to_metric_families(registry.exposition().decode())
             for s in f.samples]
    assert {tuple(sorted(s.labels.items())) for s in found} == {
        (("device", "sw\\1"), ("interface", 'Gi0/1 "uplink"'), ("site", "line\nbreak"))}


@pytest.mark.skipif(not prometheus.available(), reason="Debian's promtool is not installed")
def test_fast_exposition_passes_promtool() -> None:
    registry = Registry()
    registry.register(filled())
    prometheus.promtool("check", "metrics", stdin=registry.exposition())


def test_blocks_follow_each_new_poll_and_drop_devices_gone() -> None:
    ports = filled()
    first = ports.exposition()
    ports.poll("sw-0", {"Gi0/9": 1})
    text = ports.exposition()
    assert 'device="sw-0",interface="Gi0/0"' in first
    assert 'device="sw-0",interface="Gi0/0"' not in text
    assert 'muniops_interface_oper_up{device="sw-0",interface="Gi0/9",site="City Hall"} 1.0' in text
    del ports.latest["sw-1"]
    assert 'device="sw-1"' not in ports.exposition()
    assert ports.exposition().count("# TYPE muniops_interface_oper_up gauge") == 1


def test_an_unchanged_device_is_not_formatted_again() -> None:
    calls: list[str] = []
    blocks = VersionedBlocks()
    version = object()

    def rows(device: str) -> list[tuple[Family, dict[str, str], float]]:
        calls.append(device)
        return [(UP, {"device": device}, 1)]

    blocks.refresh([("sw-0", version, lambda: rows("sw-0"))])
    blocks.refresh([("sw-0", version, lambda: rows("sw-0"))])
    assert calls == ["sw-0"]
    blocks.refresh([("sw-0", object(), lambda: rows("sw-0"))])
    assert calls == ["sw-0", "sw-0"]


def test_a_counter_family_must_end_in_total() -> None:
    with pytest.raises(ValueError, match="_total"):
        Family("muniops_polls", "counter", "Polls.")


class SlowCollector(Collector):
    """A collector that takes its time, like a store under load."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.started = threading.Event()

    def collect(self) -> Iterator[Metric]:
        self.started.set()
        time.sleep(self.seconds)
        yield GaugeMetricFamily("muniops_slow", "A slow family.", value=1)


def test_a_slow_scrape_does_not_hold_up_the_api_or_producers(sqlite_db: Database,
                                                             tmp_path: Path) -> None:
    """/metrics runs in FastAPI's threadpool: while it renders, /healthz answers and a
    producer (a poll) can hand over new state."""
    import uvicorn

    from muniops.collector.api.app import create_app
    from muniops.collector.core.exposition import Registry
    from muniops.collector.core.settings import Settings
    from muniops.collector.register.metrics import InventoryMetrics
    from muniops.lab.net import free_port, tcp_open, wait_until

    registry = Registry()
    registry.register(InventoryMetrics(sqlite_db))
    slow = SlowCollector(3.0)
    registry.register(slow)
    ports = Ports()
    registry.register(ports)
    port = free_port()
    app = create_app(Settings(data_dir=tmp_path), sqlite_db, registry)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: tcp_open(port), what="uvicorn")
        finished: list[str] = []

        def scrape() -> None:
            httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=30)
            finished.append("metrics")

        scraper = threading.Thread(target=scrape)
        scraper.start()
        assert slow.started.wait(10)
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=30).status_code == 200
        ports.poll("sw-0", {"Gi0/1": 1})
        ports.blocks.refresh(ports._owners())
        finished.append("healthz and producer")
        scraper.join(30)
        assert finished == ["healthz and producer", "metrics"]
    finally:
        server.should_exit = True
        thread.join(10)



@pytest.fixture(scope="module")
def polled() -> list[Any]:
    """Real polls, by the SNMP feature's poller, of recordings served by snmpsim."""
    import asyncio

    from pydantic import SecretStr

    from muniops.collector.core.credentials import SnmpCommunity
    from muniops.collector.core.settings import Settings
    from muniops.collector.snmp.poller import DeviceSpec, poll_many
    from muniops.collector.snmp.profiles import ProfileSet
    from muniops.collector.snmp.runner import snmp_settings
    from muniops.collector.snmp.session import SnmpTarget
    from muniops.lab.snmpsim import RECORDINGS, running_snmpsim

    names = ["iosxe_c9300", "airos_airos8", "apc_smt750x-nmc2", "jetdirect_m252dw"]
    profiles = ProfileSet.load(snmp_settings(Settings()).all_profile_dirs())
    with running_snmpsim(RECORDINGS) as port:
        specs = [DeviceSpec(n, SnmpTarget("127.0.0.1", port, SnmpCommunity(
            type="snmp_v2c", community=SecretStr(n)), timeout=5), site="City Hall",
            budget_seconds=60) for n in names]
        results = asyncio.run(poll_many(specs, profiles))
    assert all(r.state != "down" for r in results), [r.reason for r in results]
    return list(results)


def snmp_collector(db: Database, tmp_path: Path, results: list[Any]) -> Any:
    from muniops.collector.core.service import Collector
    from muniops.collector.core.settings import Settings
    from muniops.collector.snmp.runtime import SnmpRuntime

    collector = Collector(Settings(data_dir=tmp_path), db)
    snmp_runtime = collector.runtimes["snmp"]
    assert isinstance(snmp_runtime, SnmpRuntime)
    runner = snmp_runtime.runner
    with db.write() as s:  # the metrics show registered devices only
        for res in results:
            devices.add_device(s, devices.DeviceCreate(name=res.device, address="127.0.0.1",
                                                   snmp_credential="c"), actor="test")
    for res in results:
        runner.tracker.observe(res, None, None, None)
        runner.sites[res.device] = "City Hall"
        runner.latest[res.device] = res
    (snmp,) = [c for c in collector.registry.collectors() if type(c).__name__ == "SnmpMetrics"]
    return collector, runner, snmp


def test_snmp_fast_path_says_what_collect_says(polled: list[Any], sqlite_db: Database,
                                               tmp_path: Path) -> None:
    collector, _runner, snmp = snmp_collector(sqlite_db, tmp_path, polled)
    fast = snmp.exposition()
    slow = generate_latest(collector.registry).decode()
    assert samples(fast) <= samples(slow)
    only_snmp = {s for s in samples(slow) if s[0].startswith("muniops_snmp_")}
    assert samples(fast) == only_snmp
    assert any(s[0] == "muniops_snmp_interface_received_bytes_total" for s in samples(fast))
    assert samples(collector.registry.exposition().decode()) == samples(slow)


def test_snmp_fast_path_follows_a_new_poll(polled: list[Any], sqlite_db: Database,
                                           tmp_path: Path) -> None:
    import copy

    _collector, runner, snmp = snmp_collector(sqlite_db, tmp_path, polled)
    before = snmp.exposition()
    newer = copy.copy(runner.latest["apc_smt750x-nmc2"])
    newer.readings = [copy.copy(r) for r in newer.readings]
    charge = next(r for r in newer.readings if r.metric == "muniops_snmp_ups_battery_charge_ratio")
    charge.value = 0.125
    runner.latest["apc_smt750x-nmc2"] = newer
    after = snmp.exposition()
    assert "0.125" not in before and 'device="apc_smt750x-nmc2",site="City Hall"} 0.125' in after
    runner.latest.pop("jetdirect_m252dw")
    assert 'device="jetdirect_m252dw"' not in snmp.exposition()
