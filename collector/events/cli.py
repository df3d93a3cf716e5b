"""``muniops events`` (what devices said and what was alerted, newest first) and
``muniops alerts config`` (Alertmanager's configuration for each district's people)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import select

from muniops.collector.cli.context import state
from muniops.collector.cli.options import Json
from muniops.collector.cli.output import done, emit_json, table
from muniops.collector.events import alerts
from muniops.collector.events.config import EventSettings
from muniops.inventory import events as store
from muniops.inventory.errors import InvalidInput
from muniops.inventory.models import Site
from muniops.inventory.models.events import EventSource

app = typer.Typer(help="Alert routing: the Alertmanager configuration for each district.",
                  no_args_is_help=True)


def events(
    device: Annotated[str | None, typer.Option(help="Only this device's events.")] = None,
    source: Annotated[str | None, typer.Option(help="trap, syslog or alert.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    json: Json = False,
) -> None:
    """Device events: traps, syslog messages and alerts, newest first."""
    try:
        src = EventSource(source) if source else None
    except ValueError:
        raise InvalidInput("source", f"{source!r}: expected one of "
                           f"{', '.join(s.value for s in EventSource)}") from None
    with state.database().read() as s:
        rows = [{"at": e.at, "source": e.source.value, "kind": e.kind, "severity": e.severity,
                 "device": e.device_name or f"unknown {e.sender}", "subject": e.subject,
                 "detail": e.detail}
                for e in store.list_events(s, device=device, source=src, limit=limit)]
    if json:
        emit_json(rows)
        return
    table(rows, ["at", "source", "kind", "severity", "device", "subject", "detail"],
          title="device events")


@app.command("config")
def config(
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write here (mode 600) instead of printing; only the file "
                               "holds an SMTP password given inline.")] = None,
) -> None:
    """Alertmanager's configuration: routes by district, e-mail, webhooks, inhibitions.

    Grouped by alert, site and device; a cut-off site silences its devices' alerts."""
    section = getattr(state.settings, "events", None)
    cfg = section.alerts if isinstance(section, EventSettings) else EventSettings().alerts
    with state.database().read() as s:
        by_district: dict[str, list[str]] = {}
        for site in s.exec(select(Site)):
            if site.district:
                by_district.setdefault(site.district, []).append(site.name)
    unknown = sorted(set(cfg.districts) - set(by_district))
    text = alerts.render(alerts.alertmanager_config(cfg, by_district,
                                                    reveal=output is not None))
    if output is None:
        typer.echo(text, nl=False)
    else:
        alerts.write(output, text)
        done(f"wrote {output}")
    if unknown:
        typer.echo(f"warning: no site in the register is in district(s) {', '.join(unknown)}",
                   err=True)
