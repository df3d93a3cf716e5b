"""A hostile SNMP agent (``muniops/lab/hostile_snmp.py``, encoded with pyasn1, not with the
codec under test): a table without end stops at the configured caps with the memory of the
polling process, the store and /metrics bounded; an answer in another SNMP version or a
Report PDU never makes a device "up"."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from pydantic import SecretStr

from muniops.collector.core.credentials import SnmpCommunity
from muniops.collector.core.settings import Settings
from muniops.collector.snmp.metrics import SnmpMetrics
from muniops.collector.snmp.poller import DeviceSpec, poll_device
from muniops.collector.snmp.profiles import ProfileSet
from muniops.collector.snmp.runner import SnmpRunner
from muniops.collector.snmp.session import SnmpSession, SnmpTarget
from muniops.inventory import devices
from muniops.inventory.db import Database
from muniops.inventory.models.snmp import DeviceState
from muniops.lab.hostile_snmp import running_hostile_agent

IF_DESCR = "1.3.6.1.2.1.2.2.1.2"


@pytest.fixture(scope="module")
def endless() -> Iterator[int]:
    with running_hostile_agent("endless") as port:
        yield port


class PeakRss:
    """The highest RSS of this process while the block runs, sampled every 20 ms."""

    def __enter__(self) -> PeakRss:
        self.before = self.peak = psutil.Process().memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        me = psutil.Process()
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, me.memory_info().rss)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.before) / 2**20


def test_endless_table_stops_at_the_value_cap_with_memory_store_and_metrics_bounded(
        endless: int, sqlite_db: Database, tmp_path: Path) -> None:
    creds = tmp_path / "creds.yaml"
    creds.write_text("h: {type: snmp_v2c, community: public}\n")
    creds.chmod(0o600)
    settings = Settings.model_validate({"credentials_file": creds, "snmp": {
        "timeout_seconds": 2, "retries": 0, "device_budget_seconds": 120,
        "device_max_values": 30_000}})
    with sqlite_db.write() as s:
        devices.add_device(s, devices.DeviceCreate(name="hostile", address="127.0.0.1",
                                                   snmp_port=endless, snmp_credential="h"),
                           actor="test")
    runner = SnmpRunner(settings, sqlite_db)
    t0 = time.monotonic()
    with PeakRss() as rss:
        report = runner.run()
    took = time.monotonic() - t0
    (res,) = report.results
    assert res.state == "partial" and res.reason == "value cap reached (30000 values)"
    assert took < 60, "the cap, not the 120 s budget, must stop the poll"
    assert 30_000 <= res.varbinds < 31_000  # at most one round past the cap
    assert rss.growth_mb < 200, f"polling grew RSS by {rss.growth_mb:.0f} MB"
    with sqlite_db.read() as s:
        device = devices.get_device(s, "hostile")
    assert device.state == DeviceState.PARTIAL
    assert "value cap" in device.state_reason
    text = SnmpMetrics(runner).exposition()
    samples = sum(1 for line in text.splitlines() if line and not line.startswith("#"))
    assert samples < 31_000 and len(text) < 10 * 2**20, (samples, len(text))
    assert 'muniops_snmp_device_up{device="hostile"' in text


def walk(port: int, column: str, **caps: int) -> tuple[int, str | None]:
    target = SnmpTarget("127.0.0.1", port, SnmpCommunity(type="snmp_v2c",
                        community=SecretStr("public")), timeout=2, retries=0, **caps)

    async def run() -> tuple[int, str | None]:
        async with SnmpSession(target) as s:
            got = await s.walk_columns([column], deadline=time.monotonic() + 60)
            return len(got.rows[column]), got.partial

    return asyncio.run(run())


def test_the_row_cap_stops_one_column(endless: int) -> None:
    rows, partial = walk(endless, IF_DESCR, max_rows=700)
    assert rows == 700 and partial == f"more than 700 rows under {IF_DESCR}"


def test_the_byte_cap_stops_the_walk(endless: int) -> None:
    rows, partial = walk(endless, IF_DESCR, max_bytes=200_000)
    assert partial == "byte cap reached (200000 bytes)"
    assert 200_000 / 2000 < rows < 2 * 200_000 / 200  # each ifDescr is ~210 bytes


@pytest.mark.parametrize(("mode", "reason"), [
    ("wrong-version", "answered in SNMP version v1 to a v2c request"),
    ("report", "answered with a Report PDU")])
def test_wrong_version_or_report_pdu_is_never_up(mode: str, reason: str,
                                                 profiles: ProfileSet) -> None:
    with running_hostile_agent(mode) as port:
        target = SnmpTarget("127.0.0.1", port, SnmpCommunity(
            type="snmp_v2c", community=SecretStr("public")), timeout=1, retries=0)
        res = asyncio.run(poll_device(DeviceSpec("h", target, None, budget_seconds=10),
                                      profiles))
    assert res.state == "down"
    assert res.reason.endswith(reason) and not res.readings and not res.facts
