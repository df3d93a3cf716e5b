"""CPU-ms per full report, parse and store apart, in process: what a shared machine
changes least (wall-clock rates move with the neighbours' load).

``python -m bench.ingest_cpu N [sqlite | postgresql+psycopg://app@127.0.0.1:PORT] [distinct]``
prints one JSON line: ``parse_ms`` (gunzip, JSON, pydantic), ``store_ms`` (this process,
batches of 32 as the writer thread makes them, each host's first report), ``server_ms``
(PostgreSQL's own processes), and ``again_*`` for a second full report per host with one
package changed and one removed. Every host reports this machine's ~840 packages, so
hosts share one stored list (``inventory.software_sets``: the common case of one image);
``distinct`` gives each host one package of its own, the worst case: every host its own
stored list, written whole on its first report and edited on the second. Compare two
checkouts by alternating runs (the same machine, the same minute)."""

from __future__ import annotations

import datetime as dt
import json
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psutil

from bench.agent import _fleet_reports, tree_cpu
from muniops.collector.agents import reading
from muniops.collector.agents.writer import Pending, apply_batch
from muniops.inventory import agents, sites
from muniops.inventory.agent_schema import Report
from muniops.inventory.db import Database, sqlite_url
from muniops.inventory.migrate import upgrade
from muniops.inventory.schemas import SiteCreate
from muniops.lab.agents import run_agent


def _store(db: Database, ids: list[int], reports: list[Report]) -> None:
    items = [Pending(aid, r) for aid, r in zip(ids, reports, strict=True)]
    for i in range(0, len(items), 32):
        apply_batch(db, items[i:i + 32])
    for item in items:
        item.done.result()


def main(n: int, target: str, distinct: bool = False) -> dict[str, float | str]:
    tmp = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    base = json.loads(run_agent(tmp / "state", "inventory", "--print").stdout)
    fulls = [full for full, _beats in _fleet_reports(base, n)]
    server: list[psutil.Process] = []
    if target == "sqlite":
        url = sqlite_url(tmp)
    else:
        from muniops.lab.postgres import create_database
        url = create_database(target, f"b_{uuid.uuid4().hex[:12]}")
        port = target.rsplit(":", 1)[1]
        server = [p for p in psutil.process_iter(["cmdline"])
                  if f"-p {port}" in " ".join(p.info["cmdline"] or [])]
    db = Database(url)
    upgrade(db.engine)
    with db.write() as s:
        sites.add_site(s, SiteCreate(name="Bench"), actor="bench")
        _, plain = agents.create_enrollment_secret(s, "Bench", actor="bench")
    with db.write() as s:
        ids = [agents.enroll(s, plain, f"pc-{i:05d}")[0].id or 0 for i in range(n)]
    c0 = time.process_time()
    parsed = [reading.parse(reading.expand(full, "gzip", 64 << 20)) for full in fulls]
    parse = time.process_time() - c0
    for i, r in enumerate(parsed if distinct else []):
        assert r.software is not None
        r.software.append({"name": f"host-tool-{i}", "version": "1.0"})
    c1, s0 = time.process_time(), tree_cpu(server)
    _store(db, ids, parsed)
    c2, s1 = time.process_time(), tree_cpu(server)
    again = []
    for r in parsed:
        doc = r.model_dump(mode="json")
        doc["report_id"] = str(uuid.uuid4())
        doc["created_at"] = (r.created_at + dt.timedelta(seconds=60)).isoformat()
        doc["software"][0]["version"] = (doc["software"][0].get("version") or "") + ".1"
        doc["software"].pop()
        again.append(Report.model_validate(doc))
    c3, s2 = time.process_time(), tree_cpu(server)
    _store(db, ids, again)
    c4, s3 = time.process_time(), tree_cpu(server)
    db.dispose()
    ms = 1000 / n
    return {"target": target.split(":")[0], "packages": len(base["software"]),
            "lists": "distinct" if distinct else "shared",
            "parse_ms": round(parse * ms, 2), "store_ms": round((c2 - c1) * ms, 2),
            "server_ms": round((s1 - s0) * ms, 2), "again_store_ms": round((c4 - c3) * ms, 2),
            "again_server_ms": round((s3 - s2) * ms, 2)}


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 160,
                          sys.argv[2] if len(sys.argv) > 2 else "sqlite",
                          "distinct" in sys.argv[3:])))
