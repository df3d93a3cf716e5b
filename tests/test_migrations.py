"""Every model change has a migration, and upgrading keeps every row."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel, select

from muniops.inventory import migrate, schema_version
from muniops.inventory.db import Database
from muniops.inventory.models import Asset, Site, load_all

load_all()


def test_models_and_migrations_agree(db_url: str) -> None:
    db = Database(db_url)
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                SQLModel.metadata)
    db.dispose()
    assert diff == [], f"models differ from the migrations; add a migration: {diff}"


def test_upgrade_from_first_migration_keeps_rows(tmp_path, request) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import new_database_url

    for kind in ("sqlite", "postgresql"):
        db = Database(new_database_url(kind, tmp_path / kind, request))
        migrate.upgrade(db.engine, "0001")
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO site (name, district, building, address, timezone, "
                              "notes, created_at) VALUES ('City Hall', 'Center', '', '', 'UTC', "
                              "'', '2024-01-01 00:00:00')"))
            conn.execute(text("INSERT INTO asset (asset_tag, kind, status, vendor, model, "
                              "location, notes, created_at, updated_at, site_id) VALUES "
                              "('MUN-1', 'pc', 'deployed', 'Dell', 'X', '', '', "
                              "'2024-01-01 00:00:00', '2024-01-01 00:00:00', 1)"))
        assert migrate.current_revisions(db.engine) == {"0001"}
        migrate.upgrade(db.engine)
        assert schema_version.is_up_to_date(db.engine)
        # the quick check reads the same heads as alembic
        assert schema_version.head_revisions() == migrate.head_revisions()
        assert schema_version.current_revisions(db.engine) == migrate.current_revisions(db.engine)
        with db.read() as s:
            asset = s.exec(select(Asset)).one()
            site = s.exec(select(Site)).one()
        assert (asset.asset_tag, asset.kind, site.name) == ("MUN-1", "pc", "City Hall")
        assert asset.created_at.tzinfo is not None
        db.dispose()


def test_init_twice_is_harmless(cli) -> None:  # type: ignore[no-untyped-def]
    cli.ok("init")
    cli.ok("sites", "add", "City Hall")
    assert "up to date" in cli.ok("init").out
    assert [s["name"] for s in cli.ok("sites", "list", "--json").json()] == ["City Hall"]


def test_each_table_module_loads_the_tables_its_foreign_keys_name() -> None:
    """Tables load lazily, by module: a module whose foreign key names a table it does not
    load fails its first write in a command that loaded nothing else."""
    import subprocess
    import sys

    import muniops.inventory.models as models

    modules = sorted({getattr(models, name).__module__ for name in models.__all__})
    check = ("import importlib, sys\n"
             "from sqlmodel import SQLModel\n"
             "importlib.import_module(sys.argv[1])\n"
             "for table in SQLModel.metadata.tables.values():\n"
             "    for fk in table.foreign_keys:\n"
             "        fk.column\n")
    for module in modules:
        run = subprocess.run([sys.executable, "-c", check, module], capture_output=True,
                             text=True, check=False)
        assert run.returncode == 0, f"{module}: {run.stderr.strip().splitlines()[-1]}"
