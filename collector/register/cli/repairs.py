"""``muniops repairs``: warranty and repair tickets."""

from __future__ import annotations

from typing import Annotated

import typer

from muniops.collector.cli.context import state
from muniops.collector.cli.options import Json
from muniops.collector.cli.output import done, emit_json, table
from muniops.inventory import repairs
from muniops.inventory.models import RepairOutcome
from muniops.inventory.schemas import RepairClose, RepairOpen

app = typer.Typer(help="Parts sent to vendors under warranty or for repair.",
                  no_args_is_help=True)


@app.command("open")
def open_(
    asset: Annotated[str, typer.Argument(help="Asset tag, serial, or #id.")],
    part: Annotated[str, typer.Option(help="What was sent, e.g. 'power supply'.")],
    vendor: Annotated[str, typer.Option(help="Who it was sent to.")],
    problem: str = "",
    reference: Annotated[str, typer.Option(help="Vendor's RMA or case number.")] = "",
    no_warranty: Annotated[bool, typer.Option(help="A paid repair.")] = False,
    keep_in_service: Annotated[bool, typer.Option(
        help="The asset keeps working while the part is away.")] = False,
    json: Json = False,
) -> None:
    """Open a ticket: a part went to the vendor."""
    data = RepairOpen(part=part, vendor=vendor, problem=problem, vendor_reference=reference,
                      under_warranty=not no_warranty, keep_in_service=keep_in_service)
    with state.database().write() as s:
        ticket = repairs.open_ticket(s, asset, data, actor=state.actor)
        ticket_id = ticket.id
    if json:
        emit_json({"id": ticket_id, "asset": asset, **data.model_dump()})
    else:
        done(f"repair ticket {ticket_id} opened for {asset} ({part} → {vendor})")


@app.command("close")
def close(
    ticket: Annotated[int, typer.Argument(help="Ticket number.")],
    outcome: Annotated[RepairOutcome, typer.Option(help="What came back.")],
    note: str = "",
) -> None:
    """Close a ticket: the part is back (or is not coming back)."""
    with state.database().write() as s:
        repairs.close_ticket(s, ticket, RepairClose(outcome=outcome, note=note),
                             actor=state.actor)
    done(f"repair ticket {ticket} closed: {outcome.value}")


@app.command("list")
def list_(
    all_: Annotated[bool, typer.Option("--all", help="Closed tickets too.")] = False,
    json: Json = False,
) -> None:
    """List open tickets, oldest first, with their age."""
    with state.database().read() as s:
        rows = repairs.list_tickets(s, open_only=not all_)
    if json:
        emit_json(rows)
    else:
        table(rows, ["id", "asset", "site", "part", "vendor", "vendor_reference", "sent_at",
                     "age_days", "outcome"], title="Repair tickets")
