"""How much gzip saves on the district → central link: batches of agent reports as the
district's outbox sends them (``batch_size`` 200, cut at ``batch_max_bytes`` 4 MiB),
heartbeats only and full inventories only, made from this machine's own report; the JSON
bytes and the gzip bytes (level 6, as ``link.py`` sends them) of each batch.

``python -m bench.district_gzip``"""

from __future__ import annotations

import gzip
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.scale import _base_report, _hour_of_reports
from muniops.collector.district.config import DistrictSettings
from muniops.collector.district.outbox import Outbox


def _batch(folder: Path, items: list[dict[str, Any]]) -> dict[str, Any]:
    box = Outbox(folder / "outbox.sqlite3")
    for body in items:
        box.put("agent.report", f"agent.report:{body['report']['report_id']}", body)
    settings = DistrictSettings()
    batch = box.peek(settings.batch_size, settings.batch_max_bytes)
    box.close()
    plain = json.dumps({"items": [q.wire() for q in batch]}, default=str).encode()
    started = time.perf_counter()
    packed = gzip.compress(plain, compresslevel=6)
    took = time.perf_counter() - started
    return {"items": len(batch), "json_bytes": len(plain), "gzip_bytes": len(packed),
            "ratio": round(len(plain) / len(packed), 1), "gzip_ms": round(took * 1000, 1)}


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="muniops-bench-gzip-") as tmp:
        root = Path(tmp)
        base = _base_report(root)
        hour = _hour_of_reports(base, 500, fulls=True)
        beats = [i for i in hour if i["report"]["kind"] == "heartbeat"]
        fulls = [i for i in hour if i["report"]["kind"] != "heartbeat"]
        (root / "beats").mkdir()
        (root / "fulls").mkdir()
        print(json.dumps({"heartbeats": _batch(root / "beats", beats),
                          "full_inventories": _batch(root / "fulls", fulls)}, indent=1))


if __name__ == "__main__":
    main()
