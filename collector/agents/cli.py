"""``muniops agents``: enrolled endpoint agents, enrollment secrets, token revocation.
Also ``muniops av``, ``muniops host show`` and ``muniops software`` (registered below)."""

from __future__ import annotations

from typing import Annotated

import typer

from muniops.collector.cli.context import state
from muniops.collector.cli.options import Json
from muniops.collector.cli.output import console, done, emit_json, fields, table
from muniops.inventory import agents, assets, fleet
from muniops.inventory.models import Asset

app = typer.Typer(help="Endpoint agents: who reports, who went quiet, their tokens.")
av_app = typer.Typer(help="Antivirus compliance of the fleet under the configured policy.")
host_app = typer.Typer(help="One host as its agent reports it.", no_args_is_help=True)
software_app = typer.Typer(help="Installed software across the fleet; flagged software.")

AGENT_COLUMNS = ["hostname", "agent_id", "site", "asset", "state", "last_seen_at", "version",
                 "reports"]


@app.callback(invoke_without_command=True)
def agents_list(
    ctx: typer.Context,
    stale: Annotated[bool, typer.Option("--stale", help="Only agents gone quiet.")] = False,
    json: Json = False,
) -> None:
    """List agents with their last report; ``stale`` ones missed the configured window."""
    if ctx.invoked_subcommand is not None:
        return
    with state.database().read() as s:
        rows = fleet.list_agents(s, state.settings.agents.stale_after_minutes,
                                 stale_only=stale)
    if json:
        emit_json(rows)
    else:
        table([r.model_dump() | {"agent_id": r.agent_id[:8]} for r in rows], AGENT_COLUMNS,
              title="Agents")


@app.command("enroll-secret")
def enroll_secret(
    site: Annotated[str, typer.Argument(help="The site whose agents will use it.")],
    json: Json = False,
) -> None:
    """Create an enrollment secret for a site. It is printed once and stored as a hash."""
    with state.database().write() as s:
        _row, plain = agents.create_enrollment_secret(s, site, actor=state.actor)
    if json:
        emit_json({"site": site, "secret": plain})
        return
    done(f"enrollment secret for {site} created")
    console.print("Give it to the agents' installer; it cannot be shown again:")
    console.print(plain, highlight=False, markup=False, soft_wrap=True)


@app.command("revoke-secrets")
def revoke_secrets(site: str) -> None:
    """Revoke a site's enrollment secrets: no new agent can enroll with them."""
    with state.database().write() as s:
        n = agents.revoke_enrollment_secrets(s, site, actor=state.actor)
    done(f"{n} enrollment secret(s) of {site} revoked")


@app.command("revoke")
def revoke(agent: Annotated[str, typer.Argument(help="Agent id (or its first 8+ "
                                                     "characters) or host name.")]) -> None:
    """Revoke an agent's token: its reports are refused from now on."""
    with state.database().write() as s:
        row = agents.revoke_agent(s, agent, actor=state.actor)
        name, uid = row.hostname, row.uid
    done(f"agent {name} ({uid[:8]}) revoked")


@av_app.callback(invoke_without_command=True)
def av(
    ctx: typer.Context,
    all_hosts: Annotated[bool, typer.Option("--all", help="List compliant hosts too.")] = False,
    json: Json = False,
) -> None:
    """Fleet compliance, and each non-compliant host with the reason."""
    if ctx.invoked_subcommand is not None:
        return
    policy = state.settings.agents.antivirus
    with state.database().read() as s:
        rows = fleet.av_compliance(s, policy)
    compliant = sum(r.compliant for r in rows)
    shown = rows if all_hosts else [r for r in rows if not r.compliant]
    if json:
        emit_json({"hosts": len(rows), "compliant": compliant,
                   "noncompliant": len(rows) - compliant, "policy": policy.model_dump(),
                   "rows": shown})
        return
    console.print(f"{compliant} of {len(rows)} hosts compliant "
                  f"(signatures ≤ {policy.max_signature_age_days:g} days)")
    table([r.model_dump() | {"reasons": "; ".join(r.reasons)} for r in shown],
          ["asset", "hostname", "site", "products", "signature_age_days", "reasons"],
          title="Antivirus" if all_hosts else "Non-compliant hosts")


def _find_host(ref: str) -> Asset:
    with state.database().read() as s:
        return fleet.find_host(s, ref)


@host_app.command("show")
def host_show(
    ref: Annotated[str, typer.Argument(help="Asset tag, serial, #id or host name.")],
    json: Json = False,
) -> None:
    """A host's facts, its software and its change history."""
    asset = _find_host(ref)
    with state.database().read() as s:
        detail = fleet.host_detail(s, asset)
        if not json:
            from muniops.inventory import audit

            history = [h | {"changes": audit.describe(s, h["changes"])}
                       for h in detail["history"]]
    if json:
        emit_json(detail)
        return
    facts = detail["facts"] or {}
    ident, osi, cpu, mem = (facts.get(k) or {} for k in ("identity", "os", "cpu", "memory"))
    fields({"asset": assets.label(asset), "hostname": asset.hostname, "status": asset.status,
            "serial": ident.get("serial"), "model": f"{ident.get('manufacturer') or ''} "
            f"{ident.get('model') or ''}".strip(), "os": osi.get("name"),
            "cpu": cpu.get("model"), "cores": cpu.get("logical_cores"),
            "memory_gib": round(mem["total_bytes"] / 2**30, 1) if mem else None,
            "disks": [f"{d.get('model') or d['name']} {d['size_bytes'] / 1e9:.0f} GB"
                      for d in facts.get("disks") or []],
            "antivirus": [p.get("product") for p in (facts.get("antivirus") or {})
                          .get("products") or []],
            "software": len(detail["software"]), "reported_at": detail["reported_at"]},
           title=f"Host {asset.hostname or assets.label(asset)}")
    table(history, ["at", "actor", "action", "changes"], title="History")


@software_app.callback(invoke_without_command=True)
def software(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Option(help="Only packages whose name contains this.")]
    = None,
    flagged: Annotated[bool, typer.Option("--flagged",
                                          help="Hosts running denied or unapproved "
                                               "software.")] = False,
    json: Json = False,
) -> None:
    """Who runs what, by package; ``--flagged`` lists the hosts breaking the policy."""
    if ctx.invoked_subcommand is not None:
        return
    policy = state.settings.agents.software
    with state.database().read() as s:
        rows = fleet.flagged_hosts(s, policy) if flagged else []
        summary = [] if flagged else fleet.software_summary(s, policy, name)
    if flagged:
        if json:
            emit_json(rows)
        else:
            table(rows, ["asset", "hostname", "flag", "name", "version"],
                  title="Flagged software")
        return
    if json:
        emit_json(summary)
    else:
        table(summary, ["name", "versions", "hosts", "flag"], title="Software")


def _claims() -> None:  # ``muniops agents claims`` (collector/agents/claims_cli.py)
    from muniops.collector.agents.claims_cli import claims_app

    app.add_typer(claims_app, name="claims")


_claims()
