"""``muniops sites``: the municipality's buildings, by district."""

from __future__ import annotations

from typing import Annotated

import typer

from muniops.collector.cli.context import state
from muniops.collector.cli.options import Json
from muniops.collector.cli.output import done, emit_json, table
from muniops.inventory import sites
from muniops.inventory.schemas import SiteCreate, SitePublic, SiteUpdate

app = typer.Typer(help="Sites: city hall, district offices, other buildings.",
                  no_args_is_help=True)


@app.command("add")
def add(
    name: str,
    district: Annotated[str, typer.Option(help="District the site belongs to.")] = "",
    building: Annotated[str, typer.Option(help="Building name.")] = "",
    address: Annotated[str, typer.Option(help="Street address.")] = "",
    timezone: Annotated[str, typer.Option(help="IANA time zone, e.g. Asia/Tehran.")] = "UTC",
    notes: str = "",
    json: Json = False,
) -> None:
    """Register a site."""
    data = SiteCreate(name=name, district=district, building=building, address=address,
                      timezone=timezone, notes=notes)
    with state.database().write() as s:
        site = sites.add_site(s, data, actor=state.actor)
        public = SitePublic(**site.model_dump())
    if json:
        emit_json(public)
    else:
        done(f"site {site.name} added (district {site.district or '-'})")


@app.command("list")
def list_(json: Json = False) -> None:
    """List sites with their asset counts."""
    with state.database().read() as s:
        rows = sites.list_sites(s)
    if json:
        emit_json(rows)
    else:
        table(rows, ["name", "district", "building", "timezone", "asset_count"], title="Sites")


@app.command("update")
def update(
    name: str,
    district: Annotated[str | None, typer.Option(help="District the site belongs to.")] = None,
    building: Annotated[str | None, typer.Option(help="Building name.")] = None,
    address: Annotated[str | None, typer.Option(help="Street address.")] = None,
    timezone: Annotated[str | None, typer.Option(help="IANA time zone.")] = None,
    notes: Annotated[str | None, typer.Option(help="Notes.")] = None,
    json: Json = False,
) -> None:
    """Change a site's district, building, address, time zone or notes (not its name)."""
    data = SiteUpdate(district=district, building=building, address=address,
                      timezone=timezone, notes=notes)
    with state.database().write() as s:
        public = SitePublic(**sites.update_site(s, name, data, actor=state.actor).model_dump())
    if json:
        emit_json(public)
    else:
        done(f"site {name} updated")


@app.command("remove")
def remove(name: str) -> None:
    """Remove a site that holds nothing (people, assets, agents, devices)."""
    with state.database().write() as s:
        sites.remove_site(s, name, actor=state.actor)
    done(f"site {name} removed")
