"""Coverage of LibreNMS's expectations on the recordings in tests/fixtures/librenms/.

    python scripts/snmp_coverage.py                 # the table, per recording and category
    python scripts/snmp_coverage.py --missing NAME  # what one recording lacks
    python scripts/snmp_coverage.py --floors        # rewrite tests/snmp/coverage_floors.json
                                                    # (refuses to lower a floor)
    python scripts/snmp_coverage.py --docs          # rewrite docs/devices.md
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from muniops.collector.snmp.config import BUILTIN_PROFILES  # noqa: E402
from muniops.collector.snmp.profiles import ProfileSet  # noqa: E402
from muniops.lab.snmpsim import running_snmpsim  # noqa: E402
from tests.snmp import librenms  # noqa: E402

FLOORS = ROOT / "tests" / "snmp" / "coverage_floors.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--missing", action="append", default=[])
    parser.add_argument("--floors", action="store_true")
    parser.add_argument("--docs", action="store_true")
    parser.add_argument("--classes", action="store_true")
    parser.add_argument("--profiles", type=Path, default=BUILTIN_PROFILES,
                        help="another profile folder (to measure an older set)")
    args = parser.parse_args()
    profiles = ProfileSet.load([args.profiles])
    with running_snmpsim(librenms.SNMPREC) as port:
        t0 = time.monotonic()
        polled = librenms.poll_all(port, profiles)
        took = time.monotonic() - t0
    covs = [librenms.compare(n, polled[n]) for n in librenms.recordings()]
    print(librenms.table(covs))
    print(f"\n{len(covs)} recordings polled in {took:.1f} s")
    if args.classes:
        merged: dict[str, list[int]] = {}
        for cov in covs:
            for cls, cat in cov.by_class.items():
                m = merged.setdefault(cls, [0, 0])
                m[0] += cat.covered
                m[1] += cat.expected
        for cls, (got, want) in sorted(merged.items()):
            print(f"  {cls:24} {got:4}/{want:<4}")
    for name in args.missing:
        cov = next(c for c in covs if c.name == name)
        res = polled[name]
        print(f"\n{name}: profiles {res.profiles}, kind {res.kind}, state {res.state} "
              f"{res.reason}")
        for cat_name, cat in cov.categories.items():
            for miss in cat.missing:
                print(f"  {cat_name}: {miss}")
    if args.floors:
        old = json.loads(FLOORS.read_text()) if FLOORS.exists() else {}
        new = {}
        for cov in covs:
            counts = {c: got for c, (got, _) in cov.counts().items() if got}
            for c, got in (old.get(cov.name) or {}).items():
                if counts.get(c, 0) < got:
                    sys.exit(f"{cov.name} {c}: {counts.get(c, 0)} is below its floor {got}")
            new[cov.name] = counts
        FLOORS.write_text(json.dumps(new, indent=1, sort_keys=True) + "\n")
        print(f"wrote {FLOORS}")
    if args.docs:
        from scripts.devices_doc import write

        write(covs, polled, profiles)


if __name__ == "__main__":
    main()
