"""``muniops backups``: each host's backups and their state, and what an agent is asked
to check."""

from __future__ import annotations

from typing import Annotated

import typer

from muniops.collector.cli.context import state
from muniops.collector.cli.options import Json
from muniops.collector.cli.output import emit_json, table
from muniops.inventory import agents, backups
from muniops.inventory.errors import InvalidInput

app = typer.Typer(help="Backups: each host's backups, their state, the agents' policy.",
                  invoke_without_command=True)

COLUMNS = ["host", "site", "backup", "source", "state", "last_success_at", "age_hours",
           "size_bytes", "change_ratio", "reason"]


@app.callback()
def default(ctx: typer.Context) -> None:
    """``muniops backups`` alone lists them all (``list`` filters)."""
    if ctx.invoked_subcommand is None:
        list_()


@app.command("list")
def list_(
    state_: Annotated[str | None, typer.Option("--state", help="Only this state.")] = None,
    site: Annotated[str | None, typer.Option(help="Only this site.")] = None,
    json: Json = False,
) -> None:
    """Every backup the policy expects on every reporting host, with its state."""
    if state_ is not None and state_ not in backups.STATES:
        raise InvalidInput("state", f"expected one of {', '.join(backups.STATES)}")
    with state.database().read() as s:
        rows = backups.backup_rows(s, state.settings.backups)
    rows = [r for r in rows if (state_ is None or r.state == state_)
            and (site is None or r.site == site)]
    if json:
        emit_json(rows)
        return
    table(rows, COLUMNS, title="Backups")


@app.command("policy")
def policy(
    agent: Annotated[str, typer.Argument(help="Agent id, id prefix or hostname.")],
) -> None:
    """The backups an agent is asked to check (what it fetches), as JSON."""
    with state.database().read() as s:
        emit_json(backups.policy_for_agent(s, agents.get_agent(s, agent),
                                           state.settings.backups))
