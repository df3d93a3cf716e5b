"""``muniops discover``: sweep the configured subnets, read switches' and routers' tables;
and the top-level ``unknown``, ``locate`` and ``topology`` that show what was found."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from muniops.collector.cli.context import state
from muniops.collector.cli.options import Json
from muniops.collector.cli.output import console, done, emit_json, table
from muniops.inventory import discovery

app = typer.Typer(help="Discovery: what is on the networks, and what the register lacks.",
                  no_args_is_help=True)


@app.command("run")
def run(
    site: Annotated[str | None, typer.Option(help="Sweep only this site's subnets.")] = None,
    subnet: Annotated[str | None, typer.Option(
        help="Sweep only this CIDR (it must lie within a configured subnet).")] = None,
    json: Json = False,
) -> None:
    """Sweep the configured subnets (ARP when attached, ICMP when routed) and reconcile."""
    from muniops.collector.discovery import run as runner

    cfg = state.settings.discovery
    targets = runner.plan(cfg, site, subnet)
    db = state.database()

    def progress(target: runner.Target) -> None:
        if not json:
            console.print(f"sweeping {target.subnet.cidr} ({target.site})…", style="dim")

    reports = runner.run(db, cfg, targets, actor=state.actor, progress=progress)
    if json:
        emit_json(reports)
    else:
        table(reports, ["site", "subnet", "method", "probed", "targets", "answered", "matched",
                        "new_unknown", "duration_seconds", "error"], title="Discovery run")
    if any(r.error for r in reports):
        raise typer.Exit(1)


@app.command("poll")
def poll(
    site: Annotated[str | None, typer.Option(help="Only this site's devices.")] = None,
    json: Json = False,
) -> None:
    """Read ARP, forwarding and LLDP/CDP tables from the registered devices that name
    discovery tables (muniops devices add ... --tables arp,fdb,neighbours)."""
    from muniops.collector.discovery import passive

    cfg = state.settings.discovery
    reports = passive.poll_all(state.database(), state.settings, cfg, site, actor=state.actor)
    if json:
        emit_json(reports)
    else:
        table(reports, ["site", "device", "arp", "fdb", "neighbours", "error"],
              title="Passive discovery")
    if any(r.error for r in reports):
        raise typer.Exit(1)


@app.command("ignore")
def ignore(
    mac: str,
    note: Annotated[str, typer.Option(help="Why it is allowed (kept in the audit log).")] = "",
    json: Json = False,
) -> None:
    """Stop flagging an unknown device (the register will not hold it)."""
    with state.database().write() as s:
        row = discovery.ignore_unknown(s, mac, actor=state.actor, note=note)
        shown = {"mac": row.mac, "state": row.state.value, "note": row.note}
    if json:
        emit_json(shown)
    else:
        done(f"{shown['mac']} ignored")


@app.command("missing")
def missing(
    days: Annotated[int | None, typer.Option(
        help="Unseen for this many days (default: discovery.missing_after_days).")] = None,
    json: Json = False,
) -> None:
    """Deployed assets discovery has not seen for N days."""
    after = days if days is not None else state.settings.discovery.missing_after_days
    with state.database().read() as s:
        rows = discovery.list_missing(s, after)
    if json:
        emit_json(rows)
    else:
        table(rows, ["asset", "hostname", "site", "last_seen", "days_unseen"],
              title=f"Assets not seen for {after} days")


def unknown(
    site: Annotated[str | None, typer.Option(help="Only this site.")] = None,
    include_ignored: Annotated[bool, typer.Option(
        "--all", help="Also devices a technician ignored.")] = False,
    json: Json = False,
) -> None:
    """Devices seen on the network that the register does not know: unapproved."""
    with state.database().read() as s:
        rows = discovery.list_unknown(s, site, include_ignored)
    if json:
        emit_json(rows)
    else:
        table(rows, ["mac", "state", "vendor", "ip", "site", "switch", "port", "vlan",
                     "first_seen", "last_seen"], title="Unknown devices")


def locate(
    ref: Annotated[str, typer.Argument(metavar="MAC|IP|HOST",
                                       help="A MAC, an IP, a hostname or an asset tag.")],
    json: Json = False,
) -> None:
    """Where a device is plugged in: switch, port, site."""
    with state.database().read() as s:
        rows = discovery.locate(s, ref)
    if json:
        emit_json(rows)
    else:
        table(rows, ["mac", "ip", "vendor", "asset", "site", "switch", "port", "vlan",
                     "last_seen", "how"], title=f"Where is {ref}")


class TopologyFormat(StrEnum):
    TABLE = "table"
    DOT = "dot"
    JSON = "json"


def topology(
    site: Annotated[str | None, typer.Option(help="Only this site's devices.")] = None,
    fmt: Annotated[TopologyFormat, typer.Option(
        "--format", help="table, Graphviz DOT, or JSON.")] = TopologyFormat.TABLE,
    json: Json = False,
) -> None:
    """Neighbours reported over LLDP and CDP."""
    from muniops.collector.discovery.graph import to_dot

    with state.database().read() as s:
        rows = discovery.topology(s, site)
    if json or fmt is TopologyFormat.JSON:
        emit_json(rows)
    elif fmt is TopologyFormat.DOT:
        console.file.write(to_dot(rows))
    else:
        # the neighbour by its registered name where the register knows it, else as it
        # calls itself; its own name stays in "remote name"
        table([r.model_dump() | {"neighbour": r.remote_device or r.remote_name} for r in rows],
              ["device", "local_port", "neighbour", "remote_port", "protocol",
               "remote_address", "remote_name", "remote_platform", "site"], title="Topology")
