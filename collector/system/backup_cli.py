"""``muniops backup`` and ``muniops restore``: the whole store, while the collector runs.
The work is in ``muniops.inventory.backup``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from muniops.collector.cli.context import state
from muniops.collector.cli.options import Json
from muniops.collector.cli.output import done, emit_json


def backup(
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Backup file (default: <data_dir>/backups/muniops-<UTC time>"
        ".db, or .pgdump for PostgreSQL).", show_default=False)] = None,
    json: Json = False,
) -> None:
    """Back up the store (SQLite's online backup; pg_dump for PostgreSQL) while it runs."""
    from muniops.inventory import backup as ops

    settings = state.settings
    state.database()  # a store that exists and is this version's
    target = output or ops.default_path(settings.data_dir / "backups", settings.db_url)
    result = ops.backup(settings.db_url, target)
    if json:
        emit_json(result.__dict__ | {"path": str(result.path)})
        return
    done(f"store backed up to {result.path} ({result.size_bytes:,} bytes, schema "
         f"{', '.join(result.revisions)})")


def restore(
    file: Annotated[Path, typer.Argument(help="A file `muniops backup` wrote.",
                                         show_default=False)],
    yes: Annotated[bool, typer.Option(
        "--yes", help="Replace the store without asking.")] = False,
    json: Json = False,
) -> None:
    """Replace the whole store with a backup (in one step; the collector may keep running).
    Then run `muniops init` if the backup is from an older version."""
    from muniops.inventory import audit, backup as ops, schema_version

    settings = state.settings
    where = state.database(check_schema=False).engine.url.render_as_string(hide_password=True)
    if not yes:
        if not sys.stdin.isatty():
            raise typer.BadParameter("restore replaces the whole store: confirm with --yes",
                                     param_hint="--yes")
        if not typer.confirm(f"Replace everything in {where} with {file}?"):
            raise typer.Abort()
    result = ops.restore(settings.db_url, file)
    db = state.database(check_schema=False)
    db.engine.dispose()  # connections opened before the restore may cache the old schema
    current = schema_version.is_up_to_date(db.engine)
    if current:
        with db.write() as s:
            audit.record(s, state.actor, "store.restore", "store", None,
                         after={"file": str(file), "schema": result.revisions})
    if json:
        emit_json({"restored_from": str(file), "schema": result.revisions,
                   "needs_init": not current})
        return
    done(f"store {where} restored from {file} (schema {', '.join(result.revisions)})"
         + ("" if current else "; run `muniops init` to upgrade it to this version"))
