"""``muniops sites``: the municipality's buildings, by district."""

from __future__ import annotations

from typing import Annotated

import typer

from muniops.collector.cli.context import state
from muniops.collector.cli.options import Json
from muniops.collector.cli.output import done, emit_json, table
from muniops.inventory import sites
from muniops.inventory.schemas import SiteCreate, SitePublic

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
