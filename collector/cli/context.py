"""What every command needs: the settings, the store, and who is acting."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass, field
from pathlib import Path

from muniops.collector.core.settings import Settings, load_settings
from muniops.inventory.db import Database
from muniops.inventory.errors import NotInitialised


@dataclass
class CliContext:
    config_path: Path | None = None
    actor: str = field(default_factory=lambda: os.environ.get("MUNIOPS_ACTOR")
                       or f"cli:{getpass.getuser()}")
    _settings: Settings | None = None
    _db: Database | None = None

    def reset(self, config_path: Path | None, actor: str | None) -> None:
        """Start a fresh invocation (tests run many in one process)."""
        if self._db is not None:
            self._db.dispose()
        self.config_path, self._settings, self._db = config_path, None, None
        self.actor = actor or os.environ.get("MUNIOPS_ACTOR") or f"cli:{getpass.getuser()}"

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config_path)
        return self._settings

    def database(self, *, check_schema: bool = True) -> Database:
        if self._db is None:
            self.settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._db = Database(self.settings.db_url)
            from muniops.inventory.schema_version import is_up_to_date

            if check_schema and not is_up_to_date(self._db.engine):
                raise NotInitialised(
                    "the database is not initialised or is older than this muniops: "
                    "run `muniops init`"
                )
        return self._db


state = CliContext()
