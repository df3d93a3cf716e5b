"""Top-level commands: ``init``, ``serve``, and the ``config`` group."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from muniops.collector.cli.context import state
from muniops.collector.cli.options import Json
from muniops.collector.cli.output import console, done, emit_json

config_app = typer.Typer(help="The collector's configuration.", no_args_is_help=True)


def init(json: Json = False) -> None:
    """Create the store, or upgrade it to this version (keeping every row)."""
    from muniops.inventory import migrate  # alembic loads slowly; only init needs it

    db = state.database(check_schema=False)
    before = migrate.current_revisions(db.engine)
    migrate.upgrade(db.engine)
    after = migrate.current_revisions(db.engine)
    where = db.engine.url.render_as_string(hide_password=True)
    if json:
        emit_json({"database": where, "from": sorted(before), "to": sorted(after)})
    elif before == after:
        done(f"store {where} is up to date")
    else:
        done(f"store {where} {'upgraded' if before else 'created'} "
             f"({', '.join(sorted(before)) or 'empty'} → {', '.join(sorted(after))})")


def serve(
    listen: Annotated[str | None, typer.Option(help="HOST:PORT (default from the config).")] = None,
) -> None:
    """Run the collector: API, /metrics and periodic jobs, until SIGTERM."""
    from muniops.collector.core.service import Collector

    settings = state.settings
    logging.getLogger().setLevel(settings.logging.level)
    db = state.database()
    Collector(settings, db).serve(listen)


@config_app.command("check")
def check(json: Json = False) -> None:
    """Validate the configuration without starting anything."""
    settings = state.settings
    shown = settings.model_dump(mode="json")
    if json:
        emit_json({"source": settings.source, "settings": shown})
        return
    done(f"{settings.source}: configuration is valid")
    console.print_json(data=shown)


def _device_config_commands() -> None:
    """``config history/diff/get``: the SSH feature's stored device configurations."""
    from muniops.collector.ssh import cli as ssh_cli

    config_app.command("history")(ssh_cli.history)
    config_app.command("diff")(ssh_cli.diff)
    config_app.command("get")(ssh_cli.get)


_device_config_commands()
