"""``muniops``: the admin CLI. Command groups are plural nouns (``muniops assets list``);
each lives in its own module and is registered in ``GROUPS``."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import click
import typer
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError, OperationalError

from muniops import __version__
from muniops.collector.cli import agents as agents_cli  # endpoint agents
from muniops.collector.cli import assets, discover, people, repairs, sites, system, tokens
from muniops.collector.cli import devices as devices_cli  # SNMP devices, poll, links
from muniops.collector.cli import licences as licences_cli  # software licences
from muniops.collector.cli import playbooks as playbooks_cli  # SSH playbooks, config
from muniops.collector.cli import pm as pm_cli
from muniops.collector.cli import reports as reports_cli
from muniops.collector.cli.context import NotInitialised, state
from muniops.collector.cli.output import error
from muniops.collector.settings import ConfigError
from muniops.inventory.errors import (
    AccessDenied,
    Conflict,
    ImportRejected,
    InvalidInput,
    InventoryError,
    NotFound,
)

app = typer.Typer(
    name="muniops",
    help="Network and IT-asset operations for a municipality's IT department.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

# `muniops --help` lists commands under these headings
REGISTER, NETWORK, ENDPOINTS, MAINTENANCE, SERVICE = (
    "Asset register", "Network", "Endpoints", "Maintenance and reports", "Service")

GROUPS: list[tuple[typer.Typer, str, str]] = [
    (sites.app, "sites", REGISTER),
    (people.app, "people", REGISTER),
    (assets.app, "assets", REGISTER),
    (repairs.app, "repairs", REGISTER),
    (devices_cli.app, "devices", NETWORK),
    (playbooks_cli.app, "playbook", NETWORK),
    (playbooks_cli.compliance_app, "compliance", NETWORK),
    (discover.app, "discover", NETWORK),
    (agents_cli.app, "agents", ENDPOINTS),
    (agents_cli.av_app, "av", ENDPOINTS),
    (agents_cli.host_app, "host", ENDPOINTS),
    (agents_cli.software_app, "software", ENDPOINTS),
    (licences_cli.app, "licences", ENDPOINTS),
    (pm_cli.app, "pm", MAINTENANCE),
    (reports_cli.app, "report", MAINTENANCE),
    (tokens.app, "tokens", SERVICE),
]
for group, name, panel in GROUPS:
    app.add_typer(group, name=name, rich_help_panel=panel)
system.register(app, SERVICE)
devices_cli.register(app, NETWORK)  # top-level poll, links (SNMP)
discover.register(app, NETWORK)  # top-level unknown, locate, topology

# exit codes a script can rely on (documented in the README)
EXIT_CODES: dict[type[Exception], int] = {
    NotFound: 3,
    Conflict: 4,
    InvalidInput: 5,
    ImportRejected: 5,
    AccessDenied: 6,
    ConfigError: 7,
    NotInitialised: 8,
}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"muniops {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    config: Annotated[Path | None, typer.Option(
        "--config", "-c", envvar="MUNIOPS_CONFIG", help="Configuration file (YAML).",
        show_default=False)] = None,
    actor: Annotated[str | None, typer.Option(
        "--actor", envvar="MUNIOPS_ACTOR", help="Name recorded in the audit log.",
        show_default="cli:$USER")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log details.")] = False,
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version.")] = False,
) -> None:
    state.reset(config, actor)
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def invoke(argv: list[str] | None = None) -> int:
    """Run one command line and turn muniops' errors into messages and exit codes."""
    try:
        result = app(args=argv, standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        error("aborted")
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except (InventoryError, ConfigError, NotInitialised) as exc:
        error(str(exc))
        return next((code for cls, code in EXIT_CODES.items() if isinstance(exc, cls)), 1)
    except ValidationError as exc:
        error("; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'value'}: "
                        f"{str(e['msg']).removeprefix('Value error, ')}" for e in exc.errors()))
        return 5
    except IntegrityError as exc:
        error(f"conflicts with what is stored (written at the same time?): {exc.orig}")
        return 4
    except OperationalError as exc:
        error(f"database: {exc.orig or exc}")
        return 1
    finally:
        state.reset(None, None)
    return result if isinstance(result, int) else 0


def run() -> None:
    """Console-script entry."""
    raise SystemExit(invoke())
