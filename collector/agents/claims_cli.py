"""``muniops agents claims``: cross-district claims refused at ingest, for a technician to
confirm (the agent is bound to the asset) or reject (it stays refused)."""

from __future__ import annotations

from typing import Annotated

import typer

from muniops.collector.cli.context import state
from muniops.collector.cli.options import Json
from muniops.collector.cli.output import done, emit_json, table
from muniops.inventory import agent_claims

claims_app = typer.Typer(help="Claims of another district's asset, refused until a "
                              "technician confirms them.")

COLUMNS = ["id", "state", "asset_tag", "asset_district", "agent_hostname", "agent_district",
           "matched_by", "reports", "last_at"]


@claims_app.callback(invoke_without_command=True)
def claims_list(
    ctx: typer.Context,
    every: Annotated[bool, typer.Option("--all", help="Decided claims too.")] = False,
    json: Json = False,
) -> None:
    """List pending claims (an agent reported the serial, SMBIOS UUID or MAC of another
    district's asset)."""
    if ctx.invoked_subcommand is not None:
        return
    with state.database().read() as s:
        rows = agent_claims.list_claims(s, state=None if every else agent_claims.PENDING)
    if json:
        emit_json(rows)
    else:
        table(rows, COLUMNS, title="Agent claims")


def _decide(claim: int, confirm: bool, json: bool) -> None:
    with state.database().write() as s:
        row = agent_claims.decide(s, claim, confirm=confirm, actor=state.actor)
    if json:
        emit_json(row)
    else:
        done(f"claim {row.id} {row.state}: agent {row.agent_hostname} "
             f"{'now reports for' if confirm else 'stays refused'} {row.asset_tag or row.asset_id}")


@claims_app.command("confirm")
def confirm(claim: Annotated[int, typer.Argument(help="The claim's id.", min=1,
                                                  max=2**63 - 1)],
            json: Json = False) -> None:
    """Confirm a claim: the agent is bound to the asset; its next full report applies."""
    _decide(claim, True, json)


@claims_app.command("reject")
def reject(claim: Annotated[int, typer.Argument(help="The claim's id.", min=1,
                                                 max=2**63 - 1)],
           json: Json = False) -> None:
    """Reject a claim: the agent's reports stay applied to nothing, and are not asked
    about again."""
    _decide(claim, False, json)
