"""``muniops playbook list/show/run``, ``muniops compliance``, and the configuration
backups' ``history``, ``diff`` and ``get`` (commands of the ``config`` group)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import SecretStr

from muniops.collector.cli.context import state
from muniops.collector.cli.options import Json
from muniops.collector.cli.output import emit_json, err_console, error, table
from muniops.collector.core.addresses import split_address
from muniops.collector.core.credentials import SshLogin
from muniops.collector.district.outbound import offline_sender
from muniops.collector.ssh.platforms import platforms
from muniops.collector.ssh.runs import (
    config_redactor,
    filter_devices,
    registered_devices,
    run_and_record,
)
from muniops.inventory import configs
from muniops.playbooks.loader import PlaybookError, builtin_playbooks, load_playbook
from muniops.playbooks.model import Playbook
from muniops.playbooks.runner import Device, DeviceResult, Runner, selected
from muniops.playbooks.text import redact

app = typer.Typer(help="Declarative SSH playbooks: backups, facts, compliance, PM health.",
                  no_args_is_help=True)
compliance_app = typer.Typer(help="Failing compliance checks across the fleet.",
                             invoke_without_command=True)

PLAYBOOK_INVALID = 5


def _load(ref: str) -> Playbook:
    try:
        return load_playbook(ref)
    except PlaybookError as exc:
        error(str(exc))
        raise typer.Exit(PLAYBOOK_INVALID) from None


@app.command("list")
def list_(json: Json = False) -> None:
    """The built-in playbooks."""
    rows = [{"name": p.name, "description": p.description,
             "platforms": p.targets.platforms, "steps": len(p.steps), "checks": len(p.checks)}
            for p in builtin_playbooks()]
    if json:
        emit_json(rows)
    else:
        table(rows, ["name", "platforms", "steps", "checks", "description"], title="Playbooks")


@app.command("show")
def show(name: Annotated[str, typer.Argument(help="A built-in name or a YAML file.")],
         json: Json = False) -> None:
    """A playbook's steps and checks (validated: errors name the line and field)."""
    playbook = _load(name)
    if json:
        emit_json(playbook.model_dump(mode="json"))
        return
    table([{"step": s.name, "send": s.send if isinstance(s.send, str) else
            ", ".join(f"{k}: {v}" for k, v in s.send.items()),
            "parse": s.parse if isinstance(s.parse, str) else "own template", "keep": s.keep}
           for s in playbook.steps], ["step", "send", "parse", "keep"],
          title=f"{playbook.name}: {playbook.description}")
    if playbook.checks:
        table([c.model_dump(mode="json") for c in playbook.checks],
              ["id", "severity", "step", "title", "remediation"], title="Checks")


def _ad_hoc(address: str, platform: str, username: str, password_env: str | None,
            enable_env: str | None, key_file: Path | None) -> tuple[Device, SshLogin]:
    if platform not in platforms():
        raise typer.BadParameter(f"unknown platform {platform!r}; known: "
                                 f"{', '.join(sorted(platforms()))}", param_hint="--platform")
    try:
        host, port = split_address(address, 22)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--address") from None

    def secret(var: str | None, option: str) -> SecretStr | None:
        if var is None:
            return None
        if var not in os.environ:
            raise typer.BadParameter(f"environment variable {var} is not set",
                                     param_hint=option)
        return SecretStr(os.environ[var])

    login = SshLogin(type="ssh", username=username,
                     password=secret(password_env, "--password-env"),
                     enable_secret=secret(enable_env, "--enable-secret-env"), key_file=key_file)
    return Device(address, host, platform, port=port), login


def _variables(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"expected NAME=VALUE, got {pair!r}", param_hint="--var")
        out[key] = value
    return out


def _print_result(playbook: Playbook, r: DeviceResult) -> None:
    failed = [c for c in r.checks if not c.passed]
    if not r.ok:
        err_console.print(f"[red]✗[/red] {r.device}: {r.cause} — {r.error}", highlight=False)
    else:
        note = f", {len(failed)} check(s) failing" if failed else ""
        err_console.print(f"[green]✓[/green] {r.device} in {r.duration_s:.1f}s{note}",
                          highlight=False)


@app.command("run")
def run(
    name: Annotated[str, typer.Argument(help="A built-in name or a YAML file.")],
    target: Annotated[list[str] | None, typer.Option(
        "--target", "-t", help="A device name, or site=, kind=, tag=, platform= "
        "(repeatable; default: every device the playbook targets).")] = None,
    address: Annotated[str | None, typer.Option(
        help="An ad-hoc device instead of the registered ones: HOST[:PORT].")] = None,
    platform: Annotated[str, typer.Option(help="The ad-hoc device's platform.")] = "cisco_ios",
    username: Annotated[str | None, typer.Option(help="The ad-hoc device's user.")] = None,
    password_env: Annotated[str | None, typer.Option(
        help="Environment variable holding the ad-hoc device's password.")] = None,
    enable_secret_env: Annotated[str | None, typer.Option(
        help="Environment variable holding its enable secret.")] = None,
    key_file: Annotated[Path | None, typer.Option(help="Its SSH private key.")] = None,
    var: Annotated[list[str] | None, typer.Option(
        "--var", help="Set a playbook variable: NAME=VALUE (repeatable).")] = None,
    workers: Annotated[int | None, typer.Option(help="Devices at once.")] = None,
    dry_run: Annotated[bool, typer.Option(
        help="Show what would be sent to which device; connect to nothing.")] = False,
    show_secrets: Annotated[bool, typer.Option(
        help="Do not redact secrets in the output.")] = False,
    json: Json = False,
) -> None:
    """Run a playbook now; exit status 1 when a device could not be completed."""
    playbook = _load(name)
    settings = state.settings
    variables = _variables(var or [])
    login = None
    if address is not None:
        if username is None:
            raise typer.BadParameter("an ad-hoc device needs --username", param_hint="--username")
        device, login = _ad_hoc(address, platform, username, password_env, enable_secret_env,
                                key_file)
        devices = [device]
        if not selected(playbook.targets, devices):
            error(f"playbook {playbook.name} does not target platform {platform}")
            raise typer.Exit(PLAYBOOK_INVALID)
    else:
        devices = selected(playbook.targets, filter_devices(
            registered_devices(state.database(), playbook.name), target or []))
    if dry_run:
        _dry_run(playbook, devices, variables, json)
        return
    if not devices:
        error(f"no registered device matches playbook {playbook.name} and the targets given")
        raise typer.Exit(3)
    fixed_login = login
    _, results = run_and_record(
        settings, state.database(), name, devices=devices, actor=state.actor,
        variables=variables, workers=workers,
        login_for=(lambda _d: fixed_login) if fixed_login is not None else None,
        progress=None if json else lambda r: _print_result(playbook, r),
        forward=offline_sender(settings) if address is None else None)
    if json:
        emit_json([r.public(playbook, secrets=show_secrets) for r in results])
    else:
        _summary(playbook, results, show_secrets)
    if any(not r.ok for r in results):
        raise typer.Exit(1)


def _dry_run(playbook: Playbook, devices: list[Device], variables: dict[str, str],
             json: bool) -> None:
    runner = Runner(playbook, lambda d: SshLogin(type="ssh", username=""), variables=variables)
    rows = [{"device": d.name, "address": f"{d.host}:{d.port}", "platform": d.platform,
             "step": step.name, "command": command}
            for d in devices for step, command in runner.plan(d)]
    if json:
        emit_json(rows)
    else:
        table(rows, ["device", "address", "platform", "step", "command"],
              title=f"{playbook.name}: would send (dry run)")


def _summary(playbook: Playbook, results: list[DeviceResult], secrets: bool) -> None:
    rows: list[dict[str, Any]] = []
    for r in results:
        failing = [c for c in r.checks if not c.passed]
        rows.append({"device": r.device, "outcome": "ok" if r.ok else r.cause,
                     "seconds": f"{r.duration_s:.1f}",
                     "captured": ", ".join(filter(None, [
                         "config" if r.config else "", *(f"{k}={v}" for k, v in r.facts.items()),
                         *(f"evidence:{k}" for k in r.evidence)])),
                     "checks": f"{len(r.checks) - len(failing)}/{len(r.checks)} passed"
                     if r.checks else "", "error": r.error or ""})
    table(rows, ["device", "outcome", "seconds", "captured", "checks", "error"],
          title=f"{playbook.name}")
    failing_rows = [{"device": r.device, "severity": c.severity.value, "check": c.rule,
                     "detail": c.detail if secrets else redact(c.detail, playbook.redact),
                     "remediation": c.remediation}
                    for r in results for c in r.checks if not c.passed]
    if failing_rows:
        table(failing_rows, ["device", "severity", "check", "detail", "remediation"],
              title="Failing checks")


@compliance_app.callback()
def compliance(
    device: Annotated[str | None, typer.Option(help="Only this device.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Passing checks too.")] = False,
    json: Json = False,
) -> None:
    """Failing compliance checks across the fleet, most severe first."""
    with state.database().read() as s:
        rows = configs.compliance_results(s, failing_only=not all_, device=device)
    data = [r.model_dump(mode="json", exclude={"id"}) for r in rows]
    if json:
        emit_json(data)
    else:
        columns = ["device", "severity", "rule", "detail", "remediation"]
        table(data, [*columns[:3], "passed", *columns[3:]] if all_ else columns,
              title="Compliance" if all_ else "Failing checks")


def history(device: Annotated[str, typer.Argument(help="Device name.")],
            json: Json = False) -> None:
    """A device's stored configuration versions (one per real change)."""
    with state.database().read() as s:
        rows = configs.history(s, device)
    data = [{"version": r.version, "collected_at": r.collected_at, "lines": r.lines,
             "sha256": r.sha256, "playbook": r.playbook} for r in rows]
    if json:
        emit_json(data)
    else:
        for row in data:
            row["sha256"] = str(row["sha256"])[:12]
        table(data, ["version", "collected_at", "lines", "sha256", "playbook"],
              title=f"Configuration history of {device}")


def diff(
    device: Annotated[str, typer.Argument(help="Device name.")],
    from_: Annotated[int | None, typer.Option("--from", help="Older version "
                                              "(default: the one before --to).")] = None,
    to: Annotated[int | None, typer.Option(help="Newer version (default: latest).")] = None,
    show_secrets: Annotated[bool, typer.Option(help="Do not redact secrets.")] = False,
    json: Json = False,
) -> None:
    """The unified diff between two versions of a device's configuration."""
    with state.database().read() as s:
        old, new = configs.versions_to_compare(s, device, from_, to)
    text = configs.unified_diff(old, new, config_redactor(new, show_secrets))
    if json:
        emit_json({"device": device, "from": old.version, "to": new.version, "diff": text})
    else:
        sys.stdout.write(text or f"versions {old.version} and {new.version} are the same\n")


def get(
    device: Annotated[str, typer.Argument(help="Device name.")],
    version: Annotated[int | None, typer.Option(help="Version (default: latest).")] = None,
    show_secrets: Annotated[bool, typer.Option(help="Do not redact secrets.")] = False,
    json: Json = False,
) -> None:
    """Print a stored configuration version."""
    with state.database().read() as s:
        row = configs.get_version(s, device, version)
    text = config_redactor(row, show_secrets)(row.text)
    if json:
        emit_json({"device": device, "version": row.version, "collected_at": row.collected_at,
                   "sha256": row.sha256, "text": text})
    else:
        sys.stdout.write(text)
