"""The demo's preventive maintenance: the plan made at start (the collector's job then keeps
it in step every 15 minutes), so ``muniops pm due`` and the PM reports have data at once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from muniops.collector.core.settings import load_settings
from muniops.inventory import pm
from muniops.inventory.db import Database


@contextmanager
def demo(config_path: Path) -> Iterator[None]:
    settings = load_settings(config_path)
    db = Database(settings.db_url)
    try:
        with db.write() as s:
            result = pm.sync_plan(s, settings.pm, actor="demo")
            pm.refresh_states(s)
    finally:
        db.dispose()
    print(f"pm: {result.created} task(s) planned, {result.kept} kept "
          "(try: muniops -c config/demo.yaml pm due --days 30; "
          "muniops -c config/demo.yaml report pm-schedule --lang fa --calendar jalali -o pm.pdf)")
    yield
