"""``muniops poll`` (a one-shot poll of a registered device or of any address) and
``muniops links`` (the wireless links between sites). The devices themselves are managed
with ``muniops devices`` (``collector/devices/``)."""

from __future__ import annotations

import asyncio
import os
from typing import Annotated, Any

import typer
from pydantic import SecretStr

from muniops.collector.cli.context import state
from muniops.collector.cli.options import Json
from muniops.collector.cli.output import console, emit_json, error, fields, table
from muniops.collector.core.addresses import split_address
from muniops.collector.core.credentials import SnmpCommunity, SnmpV3
from muniops.collector.snmp.links import link_rows
from muniops.collector.snmp.poller import DeviceSpec, PollResult, poll_device
from muniops.collector.snmp.profiles import ProfileSet
from muniops.collector.snmp.runner import SnmpRunner, caps, poll_json, snmp_settings
from muniops.collector.snmp.session import SnmpTarget
from muniops.collector.snmp.tracking import STATE_FACT
from muniops.inventory import devices as register
from muniops.inventory.errors import InvalidInput

SNMP_PORT = 161

def _address(value: str) -> tuple[str, int]:
    try:
        return split_address(value, SNMP_PORT)
    except ValueError as exc:
        raise InvalidInput("address", str(exc)) from None


def _print_result(res: PollResult, json: bool) -> None:
    if json:
        emit_json(_json_result(res))
        return
    colour = {"up": "green", "partial": "yellow"}.get(res.state, "red")
    console.print(f"[bold]{res.device}[/bold] [{colour}]{res.state}[/{colour}] "
                  f"{res.reason} — {res.kind}, profiles {', '.join(res.profiles) or '-'}, "
                  f"{res.duration:.2f}s, {res.stats.pdus} PDUs, {res.stats.retries} retries",
                  highlight=False)
    scalar_facts = {k: v for k, v in res.facts.items()
                    if not isinstance(v, list | dict) and k != STATE_FACT}
    if scalar_facts:
        fields(scalar_facts)
    rows = [{"metric": r.metric, "labels": ",".join(f"{k}={v}" for k, v in r.labels.items()),
             "value": f"{r.value:g}"} for r in res.readings]
    table(rows, ["metric", "labels", "value"])


def poll(
    names: Annotated[list[str] | None, typer.Argument(help="Registered device names.")] = None,
    address: Annotated[str | None, typer.Option(
        help="Poll HOST[:PORT] directly instead of a registered device.")] = None,
    community: Annotated[str | None, typer.Option(
        envvar="MUNIOPS_SNMP_COMMUNITY", help="v1/v2c community (or $MUNIOPS_SNMP_COMMUNITY).",
        show_default=False)] = None,
    version: Annotated[str, typer.Option(help="1, 2c or 3.")] = "2c",
    v3_user: Annotated[str | None, typer.Option(help="SNMPv3 user name.")] = None,
    auth_protocol: Annotated[str, typer.Option(help="sha, sha224, sha256, sha384, sha512, "
                                                    "md5.")] = "sha",
    priv_protocol: Annotated[str, typer.Option(help="aes128, aes192, aes256, des.")] = "aes128",
    auth_key_env: Annotated[str, typer.Option(
        help="Environment variable holding the v3 auth key.")] = "MUNIOPS_SNMP_AUTH_KEY",
    priv_key_env: Annotated[str, typer.Option(
        help="Environment variable holding the v3 privacy key.")] = "MUNIOPS_SNMP_PRIV_KEY",
    profile: Annotated[str | None, typer.Option(help="Profile name(s); default: detect.")
                       ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds per request.")] = 2.0,
    redetect: Annotated[bool, typer.Option(help="Detect the profiles again.")] = False,
    json: Json = False,
) -> None:
    """Poll now: registered devices by name (recording the outcome like the collector), or
    any agent with --address (nothing recorded)."""
    settings = state.settings
    if address is None:
        if not names:
            raise InvalidInput("name", "give device names, or --address")
        runner = SnmpRunner(settings, state.database())
        report = runner.run(names, redetect=redetect)
        for skipped in report.skipped:
            error(skipped)
        if json:
            emit_json([_json_result(r) for r in report.results])
        else:
            for res in report.results:
                _print_result(res, False)
        if report.skipped or any(r.state == "down" for r in report.results):
            raise typer.Exit(1)
        return
    host, port = _address(address)
    cred = _adhoc_credential(version, community, v3_user, auth_protocol, priv_protocol,
                             auth_key_env, priv_key_env)
    cfg = snmp_settings(settings)
    profiles = ProfileSet.load(cfg.all_profile_dirs())
    target = SnmpTarget(host, port, cred, timeout=timeout, retries=cfg.retries,
                        max_repetitions=cfg.max_repetitions, **caps(cfg))
    chosen = tuple(profile.split(",")) if profile else None
    spec = DeviceSpec(address, target, chosen, "", cfg.device_budget_seconds)
    res = asyncio.run(poll_device(spec, profiles))
    _print_result(res, json)
    if res.state == "down":
        raise typer.Exit(1)


def _json_result(res: PollResult) -> dict[str, Any]:
    return poll_json(res)


def _adhoc_credential(version: str, community: str | None, user: str | None, auth: str,
                      priv: str, auth_env: str, priv_env: str) -> SnmpCommunity | SnmpV3:
    if version in ("1", "2c"):
        if not community:
            raise InvalidInput("community", "--community (or $MUNIOPS_SNMP_COMMUNITY) is needed "
                               "for SNMP v1/v2c")
        return SnmpCommunity(type="snmp_v1" if version == "1" else "snmp_v2c",
                             community=SecretStr(community))
    if version != "3":
        raise InvalidInput("version", f"expected 1, 2c or 3, got {version!r}")
    if not user:
        raise InvalidInput("v3-user", "needed for SNMPv3")
    missing = [v for v in (auth_env, priv_env) if not os.environ.get(v)]
    if missing:
        raise InvalidInput("environment", f"{', '.join(missing)} not set (the v3 keys are read "
                           "from the environment, never from the command line)")
    return SnmpV3.model_validate({
        "type": "snmp_v3", "username": user, "auth_protocol": auth, "priv_protocol": priv,
        "auth_key": os.environ[auth_env], "priv_key": os.environ[priv_env]})


def links(
    poll_now: Annotated[bool, typer.Option("--poll", help="Poll both ends first.")] = False,
    json: Json = False,
) -> None:
    """Each configured wireless link: ok, degraded or down, and why."""
    cfg = snmp_settings(state.settings)
    if poll_now and cfg.links:
        ends = {e.device for link in cfg.links for e in (link.a, link.b)}
        with state.database().read() as s:
            registered = {d.name for d in register.polled(s)}
        SnmpRunner(state.settings, state.database()).run(sorted(ends & registered))
    with state.database().read() as s:
        rows = link_rows(s, cfg)
    if json:
        emit_json(rows)
        return
    for shown in rows:
        readings = shown["readings"]
        assert isinstance(readings, dict)
        shown["signal"] = " / ".join(
            f"{v['signal_dbm']:g}" if "signal_dbm" in v else "-"
            for v in (readings.get(str(shown["device_a"]), {}),
                      readings.get(str(shown["device_b"]), {})))
    table(rows, ["name", "site_a", "site_b", "state", "signal", "reason", "updated_at"],
          title="Wireless links")
