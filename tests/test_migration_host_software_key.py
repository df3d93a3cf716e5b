"""Migration 0750 (host_software keyed by the package) keeps every row, both ways."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from muniops.inventory import migrate
from muniops.inventory.db import Database

ROWS = [(1, "7-Zip", "23.01", "Igor Pavlov"), (1, "Firefox", "128.0", "Mozilla"),
        (1, "zlib", "", ""), (2, "Firefox", "128.0", "Mozilla"), (2, "Firefox", "115.9", "")]


def _rows(db: Database) -> list[tuple[int, str, str, str]]:
    with db.engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(text(  # type: ignore[misc]
            "SELECT asset_id, name, version, publisher FROM host_software")))


def test_host_software_rows_survive_0750_and_its_downgrade(tmp_path, request) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import new_database_url

    for kind in ("sqlite", "postgresql"):
        db = Database(new_database_url(kind, tmp_path / kind, request))
        migrate.upgrade(db.engine, "0720")  # the revision before 0750
        with db.engine.begin() as conn:
            for n in (1, 2):
                conn.execute(text(
                    "INSERT INTO asset (asset_tag, kind, status, vendor, model, location, "
                    "notes, created_at, updated_at) VALUES (:tag, 'pc', 'deployed', '', '', "
                    "'', '', '2024-01-01 00:00:00', '2024-01-01 00:00:00')"), {"tag": f"T-{n}"})
            conn.execute(text("INSERT INTO host_software (asset_id, name, version, publisher)"
                              " VALUES (:a, :n, :v, :p)"),
                         [dict(zip("anvp", r, strict=True)) for r in ROWS])
        migrate.upgrade(db.engine, "0750")
        assert _rows(db) == sorted(ROWS)
        with pytest.raises(IntegrityError), db.engine.begin() as conn:  # now the key
            conn.execute(text("INSERT INTO host_software (asset_id, name, version, publisher)"
                              " VALUES (2, 'Firefox', '128.0', 'Mozilla')"))
        command.downgrade(migrate.alembic_config(db.engine), "0720")
        assert _rows(db) == sorted(ROWS)
        migrate.upgrade(db.engine, "0750")  # 0760 moves the rows into shared sets
        assert _rows(db) == sorted(ROWS)
        db.dispose()
