"""The collector's own housekeeping jobs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import text

from muniops.collector.scheduler import job

if TYPE_CHECKING:
    from muniops.collector.service import Collector


@job("store-maintenance", every_seconds=3600)
def store_maintenance(collector: Collector) -> None:
    """Keep SQLite's WAL file short and its query planner's statistics fresh."""
    if not collector.db.is_sqlite:
        return
    with collector.db.engine.connect() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        conn.execute(text("PRAGMA optimize"))
