"""Copy LibreNMS's recordings and expectations into tests/fixtures/librenms/, keeping of
each expectation only what the coverage test compares (a tenth of the size).

    python scripts/import_librenms_fixtures.py /work/shared/fixtures
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

DEST = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "librenms"
# module -> list key; ports keep only the fields compared
MODULES = {"os": "devices", "sensors": "sensors", "wireless": "wireless_sensors",
           "processors": "processors", "mempools": "mempools", "storage": "storage",
           "printer-supplies": "printer_supplies", "ports": "ports"}
PORT_FIELDS = ("ifIndex", "ifName", "ifDescr", "ifOperStatus", "ifType")


def _trim(data: dict) -> dict:  # type: ignore[type-arg]
    out: dict = {}  # type: ignore[type-arg]
    for module, key in MODULES.items():
        part = data.get(module)
        if not isinstance(part, dict):
            continue
        kept = {}
        for stage in ("discovery", "poller"):
            body = part.get(stage)
            if isinstance(body, dict) and isinstance(body.get(key), list):
                rows = body[key]
                if module == "ports":
                    rows = [{f: r.get(f) for f in PORT_FIELDS} for r in rows]
                kept[stage] = {key: rows}
                if module == "sensors" and "state_indexes" in body:
                    kept[stage]["state_indexes"] = body["state_indexes"]
        if kept:
            out[module] = kept
    return out


def _sorted(data: bytes) -> bytes:
    """Records in OID order: snmpsim answers GETNEXT in file order, and some hand-edited
    recordings list a table's rows out of order (a real agent never does)."""
    lines = [line for line in data.splitlines() if line.strip()]

    def key(line: bytes) -> tuple[int, ...]:
        oid = line.split(b"|", 1)[0].lstrip(b".")
        return tuple(int(arc) for arc in oid.split(b"."))

    return b"\n".join(sorted(lines, key=key)) + b"\n"


def main(source: str) -> None:
    src = Path(source)
    (DEST / "snmprec").mkdir(parents=True, exist_ok=True)
    (DEST / "expected").mkdir(parents=True, exist_ok=True)
    shutil.copy(src / "NOTICE.md", DEST / "NOTICE-upstream.md")
    for rec in sorted((src / "snmprec").glob("*.snmprec")):
        (DEST / "snmprec" / rec.name).write_bytes(_sorted(rec.read_bytes()))
        exp = src / "librenms-expected" / f"{rec.stem}.json"
        data = _trim(json.loads(exp.read_text(encoding="utf-8")))
        (DEST / "expected" / exp.name).write_text(
            json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
