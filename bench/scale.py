"""District → central forwarding, measured on real processes: a central ``muniops serve``
over HTTPS and a district collector, each on its own store.

1. Catch-up after a one-hour outage of a district with DEVICES devices and AGENTS agents:
   the district's outbox is filled with what an hour of its agents delivers to it
   (a heartbeat every 5 min and a full inventory every 4 h each — the agent's defaults —
   made from this machine's own report, renamed per host), then the central is started and
   the district forwards; the time until the central has applied the last item is the
   catch-up time, and items / time the forwarding throughput.
2. The same with only heartbeats, at two batch sizes: items per second.

With the agents' reports, the outbox holds the hour's SNMP polls of DEVICES devices
(registered at the central in the district's site), one ``snmp.poll`` item per device
per poll at the default 5-minute interval, as the district's SNMP job sends them.

``python -m bench.scale [--agents 500] [--devices 200] [--postgres]``"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import select

from bench.agent import SECTIONS
from muniops.collector.district.outbound import key_of
from muniops.collector.district.outbox import Outbox
from muniops.inventory import devices as register_device, snmp
from muniops.inventory.db import Database
from muniops.inventory.models import DistrictApplied
from muniops.inventory.models.devices import DeviceState
from muniops.lab import postgres
from muniops.lab.agents import run_agent
from muniops.lab.district import make_central, make_district, register

HEARTBEAT_EVERY, INVENTORY_EVERY, POLL_EVERY = 300, 4 * 3600, 300
Timed = tuple[float, str, str, dict[str, Any]]  # when, kind, idempotency key, body


def _base_report(tmp: Path) -> dict[str, Any]:
    out = run_agent(tmp / "probe", "inventory", "--print")
    assert out.returncode == 0, out.stderr
    report: dict[str, Any] = json.loads(out.stdout)
    return report


def _hour_of_reports(base: dict[str, Any], agents: int, fulls: bool) -> list[Timed]:
    """What ``agents`` agents deliver to their district in one hour."""
    start = datetime.now(UTC) - timedelta(hours=1)
    hosts = [(str(uuid.uuid4()), f"pc-{i:05d}") for i in range(agents)]
    items: list[Timed] = []
    beat_base = {**base, "kind": "heartbeat",
                 **{k: None for k in SECTIONS if k in base
                    and k not in ("health", "agent_version", "created_at")}}

    def timed(t: float, body: dict[str, Any]) -> Timed:
        return t, "agent.report", f"agent.report:{body['report']['report_id']}", body

    for n, (uid, name) in enumerate(hosts):
        offset = n * HEARTBEAT_EVERY / agents  # agents are spread over the interval
        for t in range(int(offset), 3600, HEARTBEAT_EVERY):
            items.append(timed(t, _item(beat_base, uid, name, start + timedelta(seconds=t))))
        if fulls and n % (INVENTORY_EVERY // 3600) == 0:
            t = offset % 3600
            full = {**base, "identity": {**base["identity"], "hostname": name,
                                         "serial": f"BENCH-{n:05d}",
                                         "smbios_uuid": str(uuid.uuid4())}}
            items.append(timed(t, _item(full, uid, name, start + timedelta(seconds=t))))
    return items


def _device_names(devices: int) -> list[str]:
    return [f"sw-{i:04d}" for i in range(devices)]


def _hour_of_polls(devices: int) -> list[Timed]:
    """An hour of the district's SNMP polls: each device up, with the facts a switch's
    poll stores (as ``collector/snmp/runner.py`` forwards them)."""
    start = datetime.now(UTC) - timedelta(hours=1)
    items: list[Timed] = []
    for n, name in enumerate(_device_names(devices)):
        offset = n * POLL_EVERY / max(1, devices)
        for t in range(int(offset), 3600, POLL_EVERY):
            at = start + timedelta(seconds=t)
            facts = {"sys_name": name, "sys_descr": "Cisco IOS Software, C2960X Software "
                     "(C2960X-UNIVERSALK9-M), Version 15.2(7)E4, RELEASE SOFTWARE (fc2)",
                     "sys_object_id": "1.3.6.1.4.1.9.1.1208", "sys_location": "North Office",
                     "serial": f"FOC{n:08d}", "model": "WS-C2960X-48FPD-L",
                     "firmware": "15.2(7)E4", "interfaces": 52}
            outcome = snmp.PollOutcome(
                device=name, state=DeviceState.UP, reason="", at=at, duration=0.4, pdus=9,
                retries=0, errors=0, max_repetitions=25, uptime_ticks=100 * (86400 + t),
                detected_profile="cisco-ios", facts=facts)
            items.append((t, "snmp.poll", key_of("snmp.poll", name, at.isoformat()),
                          snmp.outcome_json(outcome)))
    return items


def _item(base: dict[str, Any], uid: str, name: str, at: datetime) -> dict[str, Any]:
    report = {**base, "report_id": str(uuid.uuid4()), "created_at": at.isoformat(),
              "host": {**(base.get("host") or {}), "hostname": name}}
    return {"agent": {"uid": uid, "hostname": name, "smbios_uuid": None,
                      "machine_id": None}, "report": report}


def _applied(db: Database) -> int:
    with db.read() as s:
        return int(s.exec(select(func.count()).select_from(DistrictApplied)).one())


def _refused(db: Database) -> int:
    with db.read() as s:
        return int(s.exec(select(func.count()).select_from(DistrictApplied)
                          .where(DistrictApplied.outcome == "refused")).one())


def _run(tmp: Path, items: list[Timed], batch: int, db_url: str | None, devices: int
         ) -> dict[str, float]:
    central = make_central(tmp / "central", db_url)
    secret = central.secret_for("North Office", "north")
    with register(central.database_url) as s:  # the district's devices, not polled here
        for name in _device_names(devices):
            register_device.add_device(s, register_device.DeviceCreate(
                name=name, address="127.0.0.1", site="North Office"), actor="bench")
    district = make_district(tmp / "north", central, "north-1", secret, site="North Office",
                             district="north", batch_size=batch)
    outbox = Outbox(district.data_dir / "district" / "outbox.sqlite3")
    for _t, kind, key, body in sorted(items, key=lambda x: x[0]):
        outbox.put(kind, key, body)
    size = outbox.path.stat().st_size + Path(f"{outbox.path}-wal").stat().st_size
    outbox.close()
    db = Database(central.database_url)
    try:
        central.process.start(timeout=120)
        district.process.start(timeout=120)
        started = time.monotonic()
        while _applied(db) < len(items):
            time.sleep(0.2)
        took = time.monotonic() - started
        refused = _refused(db)
    finally:
        district.process.stop()
        central.process.stop()
        db.dispose()
    return {"items": len(items), "polls": sum(k == "snmp.poll" for _t, k, _k, _b in items),
            "refused": refused, "seconds": round(took, 1),
            "items_per_second": round(len(items) / took, 1),
            "outbox_bytes_per_item": round(size / len(items))}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench.scale")
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--postgres", action="store_true", help="the central on PostgreSQL")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="muniops-scale-") as name:
        tmp = Path(name)
        base = _base_report(tmp)
        results: dict[str, Any] = {"agents": args.agents, "devices": args.devices,
                                   "central_store": "postgresql" if args.postgres else "sqlite"}
        pg = postgres.running_postgres() if args.postgres else None
        base_url = pg.__enter__() if pg else None
        try:
            def url(tag: str) -> str | None:
                return postgres.create_database(base_url, tag) if base_url else None

            hour = _hour_of_reports(base, args.agents, fulls=True) + _hour_of_polls(
                args.devices)
            results["catch_up_one_hour"] = _run(tmp / "hour", hour, 200, url("hour"),
                                                args.devices)
            beats = _hour_of_reports(base, args.agents, fulls=False)
            for batch in (50, 500):
                results[f"heartbeats_batch_{batch}"] = _run(tmp / f"b{batch}", beats, batch,
                                                            url(f"b{batch}"), 0)
        finally:
            if pg:
                pg.__exit__(None, None, None)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
