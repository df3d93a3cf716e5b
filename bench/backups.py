"""Backups and indicators at city scale: 5,000 reporting servers with two backups each,
judged for one ``/metrics`` scrape and the daily report, and a year of KPI state changes.

``python -m bench.backups`` prints the times; the scrape must stay well under a second."""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest
from sqlalchemy import insert

from muniops.collector.backups.metrics import BackupMetrics
from muniops.collector.core.exposition import Registry
from muniops.collector.kpi.figures import figures
from muniops.inventory import backups, kpis, migrate
from muniops.inventory.agent_policy import AntivirusPolicy
from muniops.inventory.backup_policy import BackupSettings
from muniops.inventory.db import Database, sqlite_url
from muniops.inventory.kpi_policy import KpiSettings
from muniops.inventory.models import Agent, Asset, AssetKind, AssetStatus, Site
from muniops.inventory.models.backups import BackupSample, BackupStatus, KpiSample

HOSTS = 5000
NOW = datetime(2026, 12, 20, 12, 0, tzinfo=UTC)
DAY = date(2026, 12, 1)
SETTINGS = BackupSettings.model_validate({"policies": [
    {"name": "db", "source": "restic", "path": "/r", "applies_to": {"tags": ["SRV-*"]}},
    {"name": "files", "source": "borg", "path": "/b", "applies_to": {"tags": ["SRV-*"]}}]})
KPIS = KpiSettings.model_validate({"indicators": [
    {"name": "backup_success", "target": 0.95}, {"name": "antivirus_compliance",
                                                 "target": 0.95}]})


def _fill(db: Database) -> None:
    with db.write() as s:
        site = Site(name="City Hall", district="Center")
        s.add(site)
        s.flush()
        s.execute(insert(Asset), [{"asset_tag": f"SRV-{n}", "kind": AssetKind.SERVER,
                                   "status": AssetStatus.DEPLOYED, "site_id": site.id,
                                   "hostname": f"srv-{n}"} for n in range(HOSTS)])
        s.execute(insert(Agent), [{"uid": f"u{n}", "token_hash": f"h{n}", "prefix": "p",
                                   "asset_id": n + 1} for n in range(HOSTS)])
        s.execute(insert(BackupStatus), [
            {"asset_id": n + 1, "name": name, "source": "restic", "status": "found",
             "last_success_at": NOW - timedelta(hours=n % 40), "size_bytes": 10**9,
             "previous_size_bytes": 10**9 + n, "checked_at": NOW, "detail": "",
             "updated_at": NOW}
            for n in range(HOSTS) for name in ("db", "files")])
        s.execute(insert(BackupSample), [
            {"asset_id": n + 1, "name": "db", "made_at": NOW - timedelta(days=d),
             "size_bytes": 1} for n in range(HOSTS) for d in range(60)])
        s.execute(insert(KpiSample), [
            {"indicator": "antivirus", "subject": f"asset-{n}", "site_id": site.id,
             "at": NOW - timedelta(days=d * 30), "good": d % 2 == 0}
            for n in range(HOSTS) for d in range(12)])


def _timed(what: str, func: object) -> None:
    start = time.perf_counter()
    result = func()  # type: ignore[operator]
    print(f"{what}: {time.perf_counter() - start:.3f} s ({result})")


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(sqlite_url(Path(tmp)))
        migrate.upgrade(db.engine)
        _fill(db)
        registry = CollectorRegistry()
        registry.register(BackupMetrics(db, lambda: SETTINGS))
        _timed(f"prometheus-client formatting every sample, {HOSTS} hosts x 2 backups",
               lambda: f"{len(generate_latest(registry)):,} bytes")
        served = Registry()
        served.register(BackupMetrics(db, lambda: SETTINGS))
        _timed("/metrics, first scrape (formats every backup)",
               lambda: f"{len(served.exposition()):,} bytes")
        _timed("/metrics, next scrape (judges again, formats what changed)",
               lambda: f"{len(served.exposition()):,} bytes")
        with db.read() as s:
            _timed("backup rows (CLI, API, daily report)",
                   lambda: f"{len(backups.backup_rows(s, SETTINGS, now=NOW))} rows")
            ctx = kpis.Context(KPIS, SETTINGS, AntivirusPolicy())
            _timed("KPI figures, six-monthly period (backup success, antivirus)",
                   lambda: f"{len(figures(s, KPIS, ctx, 'six-monthly', DAY, NOW))} figures")
        db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
