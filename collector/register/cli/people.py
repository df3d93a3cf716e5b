"""``muniops people``: employees who hold equipment."""

from __future__ import annotations

from typing import Annotated

import typer

from muniops.collector.cli.context import state
from muniops.collector.cli.options import Json
from muniops.collector.cli.output import done, emit_json, table
from muniops.inventory import assets, sites
from muniops.inventory.schemas import PersonCreate

app = typer.Typer(help="People who can be assigned equipment.", no_args_is_help=True)


@app.command("add")
def add(
    name: str,
    employee_id: Annotated[str | None, typer.Option(help="Staff number (unique).")] = None,
    email: str = "",
    department: str = "",
    site: Annotated[str | None, typer.Option(help="Site where the person works.")] = None,
    json: Json = False,
) -> None:
    """Register a person."""
    data = PersonCreate(name=name, employee_id=employee_id, email=email, department=department,
                        site=site)
    with state.database().write() as s:
        person = sites.add_person(s, data, actor=state.actor)
        person_id = person.id
    if json:
        emit_json({"id": person_id, **data.model_dump()})
    else:
        done(f"{name} added")


@app.command("list")
def list_(json: Json = False) -> None:
    """List people and what each one holds."""
    with state.database().read() as s:
        rows = sites.list_people(s)
    if json:
        emit_json(rows)
    else:
        table(rows, ["name", "employee_id", "department", "site", "holding"], title="People")


@app.command("leave")
def leave(
    person: Annotated[str, typer.Argument(help="Employee id or name.")],
    hand_to: Annotated[str | None, typer.Option(
        help="Who takes over the equipment (default: back to stock).")] = None,
) -> None:
    """A staff change: hand over everything the person holds, then mark them inactive."""
    with state.database().write() as s:
        handed = assets.person_leaves(s, person, actor=state.actor, hand_to=hand_to)
    where = f"to {hand_to}" if hand_to else "back to stock"
    done(f"{person} left; {len(handed)} asset(s) {where}: {', '.join(handed) or '-'}")
