"""The licence check at city scale: HOSTS hosts each reporting the recorded Windows XP
software list plus PACKAGES generated package names, checked against the product rule
file. ``python -m bench.licences [HOSTS] [PACKAGES] [DISTINCT]`` (default 5,000 × 200, 1):
DISTINCT different lists among the hosts (each list one package apart), stored as ingest
stores them (``inventory.software_sets``): 1 is one image everywhere, HOSTS is every host
its own list.

Reference, in the same run: reading the same rows with one Core SELECT (no matching):
the floor of looking at every installation at all."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert, select

from muniops.agent.probes import windows
from muniops.inventory import licences, migrate, software_sets
from muniops.inventory.db import Database, sqlite_url
from muniops.inventory.models import Asset, AssetKind, AssetStatus, HostFacts
from muniops.inventory.software_rules import load_rules
from muniops.inventory.types import utcnow

XP = (Path(__file__).resolve().parent.parent / "tests" / "agent" / "fixtures" / "windows"
      / "registry" / "xp-Uninstall.reg")


def main(hosts: int = 5000, extra: int = 200, distinct: int = 1) -> None:
    keys = windows.parse_reg_export(XP.read_bytes().decode("utf-16"))
    recorded = [(p["name"], p["version"] or "")
                for p in windows.software(windows.Recorded(registry=keys))]
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(sqlite_url(Path(tmp)))
        migrate.upgrade(db.engine)
        with db.write() as s:
            s.execute(insert(Asset), [{"asset_tag": f"PC-{n}", "kind": AssetKind.PC,
                                       "status": AssetStatus.DEPLOYED, "vendor": "",
                                       "model": "", "location": "", "notes": "",
                                       "created_at": utcnow(), "updated_at": utcnow()}
                                      for n in range(hosts)])
            ids = [r[0] for r in s.execute(select(Asset.id))]
            base = [*((n, v, "") for n, v in recorded),
                    *((f"package-{i}", "1.0", "") for i in range(extra))]
            lists = [sorted([*base, (f"host-tool-{k}", "1.0", "")]) for k in range(distinct)]
            stored: dict[int, int] = {}
            for n, aid in enumerate(ids):
                k = n % distinct
                packages = lists[k]
                if k not in stored:
                    stored[k] = software_sets.assign(s, aid, None, packages,
                                                     software_sets.digest(packages))
                s.add(HostFacts(asset_id=aid, reported_at=utcnow(), software_set_id=stored[k],
                                software_digest=software_sets.digest(packages)))
        rows = hosts * len(lists[0])
        print(f"{hosts:,} hosts × {len(lists[0])} packages = {rows:,} installations, "
              f"{distinct:,} distinct lists")
        rules = load_rules()
        with db.read() as s:
            t = time.perf_counter()
            hs = software_sets.host_software()
            n = sum(1 for _ in s.execute(select(hs.c.asset_id, hs.c.name, hs.c.version)))
            floor = time.perf_counter() - t
            t = time.perf_counter()
            result = licences.check(s, rules, utcnow().date())
            took = time.perf_counter() - t
        print(f"read every row (Core, no matching): {floor:.2f} s for {n:,}")
        print(f"licences.check: {took:.2f} s — {len(result.installs):,} installations, "
              f"{len(result.unlicensed):,} without licence, {len(result.denied):,} denied")
        db.dispose()


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:4]))
