"""``muniops people``: employees who hold equipment."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from muniops.collector.cli.context import state
from muniops.collector.cli.options import Json
from muniops.collector.cli.output import done, emit_json, table
from muniops.collector.reports import build_documents
from muniops.collector.reports.cli import document_request, write_document
from muniops.collector.reports.options import DocCalendar, DocLang
from muniops.inventory import anonymise, assets, documents, sites
from muniops.inventory.errors import InvalidInput
from muniops.inventory.schemas import PersonCreate, PersonUpdate

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


@app.command("update")
def update(
    person: Annotated[str, typer.Argument(help="Employee id or name.")],
    name: Annotated[str | None, typer.Option(help="New name.")] = None,
    employee_id: Annotated[str | None, typer.Option(help="Staff number (unique).")] = None,
    email: Annotated[str | None, typer.Option(help="E-mail.")] = None,
    department: Annotated[str | None, typer.Option(help="Department.")] = None,
    site: Annotated[str | None, typer.Option(help="Site where the person works.")] = None,
    json: Json = False,
) -> None:
    """Change a person's details (only the options given change)."""
    given = {"name": name, "employee_id": employee_id, "email": email,
             "department": department, "site": site}
    data = PersonUpdate(**{k: v for k, v in given.items() if v is not None})
    with state.database().write() as s:
        public = sites.public_person(s, sites.update_person(s, person, data, actor=state.actor))
    if json:
        emit_json(public)
    else:
        done(f"{public.name} updated")


@app.command("remove")
def remove(person: Annotated[str, typer.Argument(help="Employee id or name.")]) -> None:
    """Remove a person registered by mistake; someone with history leaves instead."""
    with state.database().write() as s:
        name = sites.remove_person(s, person, actor=state.actor).name
    done(f"{name} removed")


@app.command("leave")
def leave(
    person: Annotated[str, typer.Argument(help="Employee id or name.")],
    hand_to: Annotated[str | None, typer.Option(
        help="Who takes over the equipment (default: back to stock).")] = None,
    handover: Annotated[Path | None, typer.Option(
        help="Also print the signed handover list to this file (.pdf, .html).")] = None,
    lang: DocLang = None,
    calendar: DocCalendar = None,
) -> None:
    """A staff change: hand over everything the person holds, then mark them inactive."""
    with state.database().write() as s:
        done_ = assets.person_leaves(s, person, actor=state.actor, hand_to=hand_to)
        number = done_.id or 0
        handed = [assets.label(i.asset) for i in documents.handover(s, handover_id=number).items]
    where = f"to {hand_to}" if hand_to else "back to stock"
    done(f"{person} left; {len(handed)} asset(s) {where}: {', '.join(handed) or '-'} "
         f"(handover {number})")
    if handover is not None:
        handover_(person=None, number=number, output=handover, lang=lang, calendar=calendar)


@app.command("handover")
def handover_(
    person: Annotated[str | None, typer.Argument(help="Employee id or name.")] = None,
    number: Annotated[int | None, typer.Option("--number", help="Handover number.")] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="File (.pdf, .html).")]
    = Path("handover.pdf"),
    lang: DocLang = None,
    calendar: DocCalendar = None,
) -> None:
    """Print the handover list of a person who left (their latest, or --number)."""
    req = document_request(calendar)
    with state.database().read() as s:
        report = build_documents.handover_list(s, req, person, number)
        h = documents.handover(s, person, number)
        people = [p for p in (h.person.id, h.successor.id if h.successor else None) if p]
    write_document(report, output, lang=lang, calendar=req.calendar, people=people)


@app.command("anonymise")
def anonymise_(
    person: Annotated[str, typer.Argument(help="Employee id or name of someone who left.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do it: it cannot be undone.")] = False,
) -> None:
    """Erase a departed person's name, staff number and e-mail (KVKK); their assets'
    history stays, under a pseudonym."""
    if not yes:
        raise InvalidInput("yes", "anonymising cannot be undone: add --yes")
    with state.database().write() as s:
        done_ = anonymise.anonymise(s, person, actor=state.actor)
        name = done_.name
    done(f"{person} anonymised as {name!r}")
