"""Two real ``muniops serve`` collectors of one LAN on one real PostgreSQL share 12 devices
served by snmpsim (``district.share_devices: true``, a 10 s poll interval): no device is
polled by both in one interval, both do work, each one's /metrics shows only its own
devices; one is SIGKILLed and the other polls every device from one interval later on;
the survivor's graceful stop gives its leases back at once."""

from __future__ import annotations

import collections
import re
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml
from sqlmodel import select

from muniops.inventory import devices as register
from muniops.inventory.db import Database
from muniops.inventory.devices import DeviceCreate
from muniops.inventory.leases import DEVICES as DEVICE_ROWS, LEASES
from muniops.inventory.models.devices import Device
from muniops.inventory.types import utcnow
from muniops.lab import postgres
from muniops.lab.agents import CollectorProcess, write_config
from muniops.lab.district import muniops
from muniops.lab.snmpsim import RECORDINGS, running_snmpsim

INTERVAL, DEVICES = 10, 12
NAMES = {f"sw{i:02d}" for i in range(DEVICES)}
POLL = re.compile(r"leases: (\S+) polls (\S+) in slot (\d+)")


def _recordings(folder: Path) -> Path:
    """One snmpsim data folder: every device is the same real Linux recording under its
    own community (copies: snmpsim follows a link to its file, and names it by that)."""
    folder.mkdir()
    for name in NAMES:
        shutil.copy(RECORDINGS / "linux.snmprec", folder / f"{name}.snmprec")
    return folder


def _collector(folder: Path, url: str, credentials: Path) -> CollectorProcess:
    extra = {"credentials_file": str(credentials),
             "snmp": {"interval_seconds": INTERVAL, "timeout_seconds": 2, "retries": 1},
             "district": {"share_devices": True}}
    config = write_config(folder, url, yaml.safe_dump(extra))
    config.write_text(config.read_text().replace("level: WARNING", "level: DEBUG"))
    return CollectorProcess(config)


def _polls(*logs: Path) -> list[tuple[int, str, str]]:
    """(slot, device, holder) of every poll the collectors' logs say they took."""
    return [(int(m[3]), m[2], m[1]) for log in logs if log.exists()
            for m in POLL.finditer(log.read_text(errors="replace"))]


def _wait(what: str, check: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def _devices_in_metrics(text: str) -> set[str]:
    """The devices of a scrape's SNMP series; checked against its count of held ones."""
    held = re.search(r"^muniops_district_devices_held (\S+)$", text, re.M)
    devices = set(re.findall(r'^muniops_snmp_device_up\{device="([^"]+)"', text, re.M))
    assert held is not None and float(held[1]) == len(devices), held
    return devices


def test_two_collectors_share_a_lan_and_one_takes_over(pg_base: str, tmp_path: Path
                                                       ) -> None:
    import urllib.request

    url = postgres.create_database(pg_base, f"shared_{time.monotonic_ns()}")
    credentials = tmp_path / "credentials.yaml"
    credentials.write_text("".join(f"{n}: {{type: snmp_v2c, community: {n}}}\n"
                                   for n in sorted(NAMES)))
    credentials.chmod(0o600)
    a = _collector(tmp_path / "a", url, credentials)
    b = _collector(tmp_path / "b", url, credentials)
    muniops(a.config, "init")
    db = Database(url)
    with running_snmpsim(_recordings(tmp_path / "sim")) as port:
        with db.write() as s:
            for name in sorted(NAMES):
                register.add_device(s, DeviceCreate(name=name, address="127.0.0.1",
                                                    snmp_port=port, snmp_credential=name),
                                    actor="test")
        try:
            with ThreadPoolExecutor(2) as starting:  # both at once, like two hosts
                list(starting.map(lambda c: c.start(timeout=120), (a, b)))
            _wait("both collectors polling",
                  lambda: len({h for *_x, h in _polls(a.log, b.log)}) == 2, timeout=60)
            both_at = time.time()
            # a whole interval in which both poll: then each one's /metrics has its own
            _wait("a slot shared by both", lambda: time.time() >= (
                both_at // INTERVAL + 2) * INTERVAL + 1, timeout=3 * INTERVAL)
            shown = {c: _devices_in_metrics(urllib.request.urlopen(
                f"{c.url}/metrics", timeout=30).read().decode()) for c in (a, b)}
            with db.read() as s:
                held = {h: {row.device for row in s.execute(LEASES.select().where(
                    LEASES.c.holder == h, LEASES.c.expires_at >= utcnow(), DEVICE_ROWS))}
                    for h in {h for *_x, h in _polls(a.log, b.log)}}
            a_holder = next(h for *_x, h in _polls(a.log) if h)
            a.kill9()
            killed = time.time()
            first_after = int((killed + INTERVAL) // INTERVAL) + 1  # starts ≥ one interval on
            _wait("a whole interval after the takeover", lambda: time.time() >= (
                first_after + 1) * INTERVAL + 2, timeout=4 * INTERVAL)
            b_holder = next(h for h in held if h != a_holder)
        finally:
            a.kill9()
            b.stop()  # graceful: gives its leases back
    with db.read() as s:
        lapsed = {row.device: row.expires_at for row in s.execute(
            LEASES.select().where(LEASES.c.holder == b_holder, DEVICE_ROWS))}
        polled = {d.name: (d.state, d.last_poll_at) for d in s.exec(select(Device))}
    db.dispose()

    seen = _polls(a.log, b.log)
    per_slot = collections.Counter((slot, device) for slot, device, _ in seen)
    assert max(per_slot.values()) == 1, [k for k, n in per_slot.items() if n > 1]
    by_slot: dict[int, dict[str, set[str]]] = collections.defaultdict(
        lambda: collections.defaultdict(set))
    for slot, device, holder in seen:
        by_slot[slot // INTERVAL][holder].add(device)
    before = [s for s in by_slot if both_at // INTERVAL < s < killed // INTERVAL]
    assert any(len(by_slot[s][a_holder]) >= DEVICES // 3 and
               len(by_slot[s][b_holder]) >= DEVICES // 3 for s in before), dict(by_slot)
    # within one interval of the kill, the survivor polls every device
    assert by_slot[first_after][b_holder] == NAMES, dict(by_slot)

    # each collector's /metrics shows the devices it held, and only those
    assert shown[a] == held[a_holder] and shown[b] == held[b_holder]
    assert shown[a] and shown[b] and not shown[a] & shown[b]
    # the polls reached snmpsim and landed in the store
    assert {state for state, _at in polled.values()} == {"up"}
    # stopping gracefully gave every lease back: another collector takes them at once
    assert set(lapsed) == NAMES
    assert {at.year for at in lapsed.values()} == {1970}
