"""``muniops district``: on the central, the district collectors and how far each has
forwarded; on a district collector, its outbox and the last good copy it holds."""

from __future__ import annotations

import time

import typer

from muniops.collector.cli.context import state
from muniops.collector.cli.options import Json
from muniops.collector.cli.output import emit_json, fields, table
from muniops.collector.district.outbox import OUTBOX, Outbox, folder_of
from muniops.collector.district.runtime import last_copy
from muniops.inventory import district

app = typer.Typer(help="District collectors behind WAN links.", no_args_is_help=True)

COLUMNS = ["name", "district", "last_seen_at", "last_seq", "items_applied", "revoked"]


@app.command("list")
def list_collectors(json: Json = False) -> None:
    """The district collectors enrolled at this central, with their progress."""
    with state.database().read() as s:
        rows = district.list_collectors(s)
    if json:
        emit_json(rows)
    else:
        table(rows, COLUMNS, title="District collectors")


@app.command("status")
def status(json: Json = False) -> None:
    """This district collector's outbox and the copy of the central it keeps."""
    settings = state.settings
    folder = folder_of(settings.data_dir)
    data: dict[str, object] = {"role": settings.district.role,
                               "name": settings.district.name,
                               "central_url": settings.district.central_url,
                               "enrolled": (folder / "token").exists()}
    if (folder / OUTBOX).exists():
        outbox = Outbox(folder / OUTBOX)
        count, oldest = outbox.depth()
        outbox.close()
        data["outbox_items"] = count
        data["outbox_oldest_age_seconds"] = round(time.time() - oldest, 1) if oldest else 0
    copy = last_copy(settings.data_dir)
    data["copy_devices"] = len(copy["devices"]) if copy else None
    data["copy_pulled_at"] = copy.get("pulled_at") if copy else None
    if json:
        emit_json(data)
    else:
        fields(data, title="District collector")
