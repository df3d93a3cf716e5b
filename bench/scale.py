"""District → central forwarding, measured on real processes: a central ``muniops serve``
over HTTPS and a district collector, each on its own store.

1. Catch-up after a one-hour outage of a district with DEVICES devices and AGENTS agents:
   the district's outbox is filled with what an hour of its agents delivers to it
   (a heartbeat every 5 min and a full inventory every 4 h each — the agent's defaults —
   made from this machine's own report, renamed per host), then the central is started and
   the district forwards; the time until the central has applied the last item is the
   catch-up time, and items / time the forwarding throughput.
2. The same with only heartbeats, at two batch sizes: items per second.

The outbox is filled with agent reports only: the district's SNMP polls (one item per
device per poll, see docs/scale.md) are not simulated here, so DEVICES only sizes the
report.

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
from muniops.collector.district.outbox import Outbox
from muniops.inventory.db import Database
from muniops.inventory.models import DistrictApplied
from muniops.lab import postgres
from muniops.lab.agents import run_agent
from muniops.lab.district import make_central, make_district

HEARTBEAT_EVERY, INVENTORY_EVERY = 300, 4 * 3600


def _base_report(tmp: Path) -> dict[str, Any]:
    out = run_agent(tmp / "probe", "inventory", "--print")
    assert out.returncode == 0, out.stderr
    report: dict[str, Any] = json.loads(out.stdout)
    return report


def _hour_of_reports(base: dict[str, Any], agents: int, fulls: bool) -> list[dict[str, Any]]:
    """What ``agents`` agents deliver to their district in one hour, oldest first."""
    start = datetime.now(UTC) - timedelta(hours=1)
    hosts = [(str(uuid.uuid4()), f"pc-{i:05d}") for i in range(agents)]
    items: list[tuple[float, dict[str, Any]]] = []
    beat_base = {**base, "kind": "heartbeat",
                 **{k: None for k in SECTIONS if k in base
                    and k not in ("health", "agent_version", "created_at")}}
    for n, (uid, name) in enumerate(hosts):
        offset = n * HEARTBEAT_EVERY / agents  # agents are spread over the interval
        for t in range(int(offset), 3600, HEARTBEAT_EVERY):
            items.append((t, _item(beat_base, uid, name, start + timedelta(seconds=t))))
        if fulls and n % (INVENTORY_EVERY // 3600) == 0:
            t = offset % 3600
            full = {**base, "identity": {**base["identity"], "hostname": name,
                                         "serial": f"BENCH-{n:05d}",
                                         "smbios_uuid": str(uuid.uuid4())}}
            items.append((t, _item(full, uid, name, start + timedelta(seconds=t))))
    return [body for _t, body in sorted(items, key=lambda x: x[0])]


def _item(base: dict[str, Any], uid: str, name: str, at: datetime) -> dict[str, Any]:
    report = {**base, "report_id": str(uuid.uuid4()), "created_at": at.isoformat(),
              "host": {**(base.get("host") or {}), "hostname": name}}
    return {"agent": {"uid": uid, "hostname": name, "smbios_uuid": None,
                      "machine_id": None}, "report": report}


def _applied(db: Database) -> int:
    with db.read() as s:
        return int(s.exec(select(func.count()).select_from(DistrictApplied)).one())


def _run(tmp: Path, items: list[dict[str, Any]], batch: int, db_url: str | None
         ) -> dict[str, float]:
    central = make_central(tmp / "central", db_url)
    secret = central.secret_for("North Office", "north")
    district = make_district(tmp / "north", central, "north-1", secret, site="North Office",
                             district="north", batch_size=batch)
    outbox = Outbox(district.data_dir / "district" / "outbox.sqlite3")
    for body in items:
        outbox.put("agent.report", f"agent.report:{body['report']['report_id']}", body)
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
    finally:
        district.process.stop()
        central.process.stop()
        db.dispose()
    return {"items": len(items), "seconds": round(took, 1),
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

            hour = _hour_of_reports(base, args.agents, fulls=True)
            results["catch_up_one_hour"] = _run(tmp / "hour", hour, 200, url("hour"))
            beats = _hour_of_reports(base, args.agents, fulls=False)
            for batch in (50, 500):
                results[f"heartbeats_batch_{batch}"] = _run(tmp / f"b{batch}", beats, batch,
                                                            url(f"b{batch}"))
        finally:
            if pg:
                pg.__exit__(None, None, None)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
