"""``muniops devices``: the register of managed network devices. Every command calls an
operation of ``muniops.inventory.devices`` (the API calls the same ones)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from muniops.collector.cli.context import state
from muniops.collector.cli.options import Json
from muniops.collector.cli.output import console, done, emit_json, fields, table
from muniops.collector.devices.common import known, row
from muniops.collector.devices.legacy import import_config
from muniops.inventory import devices
from muniops.playbooks.text import redact

app = typer.Typer(help="Managed network devices: what is polled, backed up and read, in one "
                       "place.", no_args_is_help=True)

Address = Annotated[str | None, typer.Option(help="Management address (host name or IP).")]
Also = Annotated[list[str] | None, typer.Option(
    "--also-address", help="Another address the device owns (repeatable).")]
SiteOpt = Annotated[str | None, typer.Option(help="Site the device is at ('' clears it).")]
AssetOpt = Annotated[str | None, typer.Option(
    "--asset", help="Asset tag of the asset it is ('' unlinks; SNMP and SSH facts link it "
                    "by serial on their own).")]
Kind = Annotated[str | None, typer.Option(help="switch, router, access_point, ups...")]
Platform = Annotated[str | None, typer.Option(help="SSH platform (collector/ssh/platforms.yaml).")]
Tag = Annotated[list[str] | None, typer.Option("--tag", help="A tag (repeatable).")]
Enabled = Annotated[bool | None, typer.Option(
    "--enabled/--disabled", help="A disabled device is neither polled, backed up nor read.")]
SnmpCred = Annotated[str | None, typer.Option(
    help="SNMP credential's name in the credentials file ('' drops the SNMP role).")]
SnmpPort = Annotated[int | None, typer.Option(help="SNMP port (default 161).")]
SnmpPoll = Annotated[bool | None, typer.Option(
    "--poll/--no-poll", help="Poll it over SNMP (--no-poll: only read its tables).")]
Profile = Annotated[str | None, typer.Option(
    help="SNMP profile name(s), comma-separated ('' detects again).")]
Interval = Annotated[int | None, typer.Option(help="Seconds between SNMP polls.")]
SshCred = Annotated[str | None, typer.Option(
    help="SSH login's name in the credentials file ('' drops the SSH role).")]
SshPort = Annotated[int | None, typer.Option(help="SSH port (default 22).")]
Playbook = Annotated[list[str] | None, typer.Option(
    "--playbook", help="Only these playbooks run on it (repeatable; default: any).")]
Tables = Annotated[str | None, typer.Option(
    help="Discovery tables to read over SNMP, comma-separated: arp,fdb,neighbours ('' none).")]


def _fields(address: str | None, also: list[str] | None, site: str | None, asset: str | None,
            kind: str | None, platform: str | None, tag: list[str] | None,
            enabled: bool | None, snmp_credential: str | None, snmp_port: int | None,
            poll: bool | None, snmp_profile: str | None, snmp_interval: int | None,
            ssh_credential: str | None, ssh_port: int | None, playbook: list[str] | None,
            tables: str | None) -> dict[str, Any]:
    given = {"address": address, "addresses": also, "site": site, "asset_tag": asset,
             "kind": kind, "platform": platform, "tags": tag, "enabled": enabled,
             "snmp_credential": snmp_credential, "snmp_port": snmp_port, "snmp_poll": poll,
             "snmp_profile": snmp_profile, "snmp_interval": snmp_interval,
             "ssh_credential": ssh_credential, "ssh_port": ssh_port,
             "ssh_playbooks": playbook,
             "tables": None if tables is None else [t for t in tables.split(",") if t]}
    return {k: v for k, v in given.items() if v is not None}


@app.command("add")
def add(name: str, address: Annotated[str, typer.Option(help="Management address.")],
        also: Also = None, site: SiteOpt = None, asset: AssetOpt = None, kind: Kind = None,
        platform: Platform = None, tag: Tag = None, enabled: Enabled = None,
        snmp_credential: SnmpCred = None, snmp_port: SnmpPort = None, poll: SnmpPoll = None,
        snmp_profile: Profile = None, snmp_interval: Interval = None,
        ssh_credential: SshCred = None, ssh_port: SshPort = None, playbook: Playbook = None,
        tables: Tables = None, json: Json = False) -> None:
    """Register a device: name its roles by their credentials (SNMP, SSH) and tables."""
    data = devices.DeviceCreate(name=name, **_fields(
        address, also, site, asset, kind, platform, tag, enabled, snmp_credential, snmp_port,
        poll, snmp_profile, snmp_interval, ssh_credential, ssh_port, playbook, tables))
    with state.database().write() as s:
        device = devices.add_device(s, data, actor=state.actor,
                                    known=known(state.settings, profile=snmp_profile))
        shown = row(device, devices.site_names(s))
    if json:
        emit_json(shown)
    else:
        done(f"device {name} added ({address}; roles: {shown['roles'] or 'none'})")


@app.command("update")
def update(name: str, address: Address = None, also: Also = None, site: SiteOpt = None,
           asset: AssetOpt = None, kind: Kind = None, platform: Platform = None,
           tag: Tag = None, enabled: Enabled = None, snmp_credential: SnmpCred = None,
           snmp_port: SnmpPort = None, poll: SnmpPoll = None, snmp_profile: Profile = None,
           snmp_interval: Interval = None, ssh_credential: SshCred = None,
           ssh_port: SshPort = None, playbook: Playbook = None, tables: Tables = None,
           json: Json = False) -> None:
    """Change what is given; everything else stays."""
    changes = devices.DeviceFields(**_fields(
        address, also, site, asset, kind, platform, tag, enabled, snmp_credential, snmp_port,
        poll, snmp_profile, snmp_interval, ssh_credential, ssh_port, playbook, tables))
    with state.database().write() as s:
        device = devices.update_device(s, name, changes, actor=state.actor,
                                       known=known(state.settings, profile=snmp_profile))
        shown = row(device, devices.site_names(s))
    if json:
        emit_json(shown)
    else:
        done(f"device {name} updated")


@app.command("remove")
def remove(name: str) -> None:
    """Forget a device: it is no longer polled, backed up or read. Its configuration
    history, facts and events stay under its name."""
    with state.database().write() as s:
        devices.remove_device(s, name, actor=state.actor)
    done(f"device {name} removed")


@app.command("list")
def list_(site: Annotated[str | None, typer.Option(help="Only this site's devices.")] = None,
          role: Annotated[str | None, typer.Option(help="snmp, ssh or discovery.")] = None,
          json: Json = False) -> None:
    """Devices with their roles and their last SNMP poll."""
    with state.database().read() as s:
        sites = devices.site_names(s)
        rows = [row(d, sites) for d in devices.list_devices(s, site=site, role=role)]
    if json:
        emit_json(rows)
    else:
        table(rows, ["name", "address", "site", "roles", "kind", "state", "last_poll",
                     "platform", "errors", "reason"], title="Devices")


@app.command("show")
def show(name: str, json: Json = False) -> None:
    """Everything known about one device: SNMP state and events, last backup and diff
    (secrets redacted), compliance, facts, neighbours, where it was seen, its asset and
    the asset's PM tasks."""
    with state.database().read() as s:
        device = devices.get_device(s, name)
        info = devices.detail(s, device, redact=redact)
        info["device"] = row(device, devices.site_names(s))
    if json:
        emit_json(info)
        return
    fields(info["device"], title=f"device {name}")
    asset = info["asset"]
    if asset:
        console.print(f"asset: {asset['asset_tag'] or asset['serial']} ({asset['kind']}, "
                      f"{asset['status']})")
    facts = {k: v for k, v in (info["snmp"]["facts"] or {}).items()
             if not isinstance(v, list | dict)}
    if facts:
        fields(facts, title="SNMP facts")
    table(info["snmp"]["events"], ["at", "kind", "subject", "detail"], title="SNMP events")
    table(info["device_events"], ["at", "source", "kind", "subject", "detail"],
          title="traps, syslog and alerts")
    if info["backup"]:
        backup = info["backup"]
        fields({k: backup[k] for k in ("latest_version", "last_attempt_at", "last_success_at",
                                       "last_change_at", "last_cause", "last_error")},
               title="configuration backup")
        if backup["diff"]:
            console.print(backup["diff"], markup=False, highlight=False)
    if info["facts"]:
        fields({k: info["facts"][k] for k in ("platform", "model", "serial", "version",
                                               "uptime", "collected_at")}, title="SSH facts")
    table(info["compliance"], ["playbook", "rule", "severity", "passed", "detail"],
          title="compliance")
    table(info["neighbours"], ["local_port", "protocol", "remote_name", "remote_port"],
          title="neighbours")
    table(info["sightings"], ["site", "ip", "mac", "how", "last_seen"], title="seen at")
    table(info["pm_tasks"], ["due_date", "state", "team"], title="PM tasks of its asset")


@app.command("import")
def import_(path: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
            json: Json = False) -> None:
    """Add or update devices from a CSV or XLSX file (header: name, address, site,
    snmp_credential, ssh_credential, platform, tables...). One bad row and nothing is
    imported; every bad row is listed."""
    with state.database().write() as s:
        result = devices.import_devices(s, path, actor=state.actor, known=known(state.settings))
    if json:
        emit_json(result)
    else:
        done(f"{result.rows} row(s): {len(result.created)} added, {len(result.updated)} "
             f"updated, {len(result.unchanged)} unchanged")


@app.command("import-config")
def import_config_(json: Json = False) -> None:
    """Bring the devices the config file still lists (playbooks.devices,
    discovery.sites.*.snmp: deprecated) into the register; 'muniops serve' does it too."""
    warnings = import_config(state.settings, state.database())
    if json:
        emit_json({"warnings": warnings})
    elif not warnings:
        done("the config lists no devices: nothing to import")
    else:
        for warning in warnings:
            console.print(f"[yellow]warning:[/yellow] {warning}", markup=True)
        done("imported; remove those keys from the config file")


@app.command("promote")
def promote(mac: Annotated[str, typer.Argument(help="MAC of an unknown device discovery found.")],
            name: Annotated[str, typer.Option(help="The device's name in the register.")],
            address: Address = None, site: SiteOpt = None, asset: AssetOpt = None,
            kind: Kind = None, platform: Platform = None, tag: Tag = None,
            snmp_credential: SnmpCred = None, snmp_port: SnmpPort = None,
            snmp_profile: Profile = None, ssh_credential: SshCred = None,
            ssh_port: SshPort = None, tables: Tables = None, json: Json = False) -> None:
    """Register an unknown device found by discovery (address and site default to where
    it was seen); it leaves the unknown list."""
    given = _fields(address, None, site, asset, kind, platform, tag, None, snmp_credential,
                    snmp_port, None, snmp_profile, None, ssh_credential, ssh_port, None, tables)
    data = devices.DeviceFields(**given)
    with state.database().write() as s:
        device = devices.promote(s, mac, name, data, actor=state.actor,
                                 known=known(state.settings, profile=snmp_profile))
        shown = row(device, devices.site_names(s))
    if json:
        emit_json(shown)
    else:
        done(f"{mac} registered as device {name} ({shown['address']})")
