"""The collector's own housekeeping inside ``muniops serve``."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text

from muniops.collector.core.feature import Job, Runtime


class SystemRuntime(Runtime):
    def jobs(self) -> Sequence[Job]:
        return [Job("store-maintenance", 3600, self.store_maintenance, once_per_store=True)]

    def store_maintenance(self) -> None:
        """Keep SQLite's WAL file short and its query planner's statistics fresh."""
        db = self.collector.db
        if not db.is_sqlite:
            return
        with db.engine.connect() as conn:
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            conn.execute(text("PRAGMA optimize"))
