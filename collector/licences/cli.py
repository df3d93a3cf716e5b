"""``muniops licences``: the software licence register and its check against what the
agents report. A key is never an argument (shell history, ``ps``): it is read from a file
or typed at a hidden prompt, and shown again only by ``licences key``, which is audited."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from muniops.collector.cli.context import state
from muniops.collector.cli.options import Json
from muniops.collector.cli.output import done, emit_json, table
from muniops.inventory import licences
from muniops.inventory.errors import InvalidInput
from muniops.inventory.licences import LicenceCreate
from muniops.inventory.software_rules import load_rules
from muniops.inventory.types import utcnow

app = typer.Typer(help="Software licences: seats, keys, who has them, what is installed.",
                  no_args_is_help=True)


def _key(key_file: Path | None, prompt: bool) -> str | None:
    if key_file is not None:
        try:
            return key_file.read_text(encoding="utf-8").strip() or None
        except OSError as exc:
            raise InvalidInput("key_file", f"{key_file}: {exc.strerror}") from None
    if prompt:
        if not sys.stdin.isatty():
            return sys.stdin.readline().strip() or None
        value: str = typer.prompt("Licence key", hide_input=True)
        return value.strip() or None
    return None


@app.command("add")
def add(
    product: Annotated[str, typer.Argument(help="Product key from the rule file.")],
    seats: Annotated[int, typer.Option(help="How many installations it allows.")],
    edition: str = "",
    version: Annotated[str, typer.Option(help="Version it covers (2021, 17…); empty: any.")]
    = "",
    purchased: Annotated[str | None, typer.Option(help="YYYY-MM-DD")] = None,
    expires: Annotated[str | None, typer.Option(help="YYYY-MM-DD (subscriptions).")] = None,
    vendor: str = "",
    reference: Annotated[str, typer.Option(help="Order or contract number.")] = "",
    key_file: Annotated[Path | None, typer.Option(help="Read the key from this file.")] = None,
    key: Annotated[bool, typer.Option("--key", help="Read the key from standard input.")]
    = False,
    json: Json = False,
) -> None:
    """Register a licence (its key from --key-file or --key on standard input)."""
    data = LicenceCreate.model_validate({
        "product": product, "seats": seats, "edition": edition, "version": version,
        "purchase_date": purchased, "expires_on": expires, "vendor": vendor,
        "reference": reference, "key": _key(key_file, key)})
    rules = load_rules(state.settings.licences.rules)
    with state.database().write() as s:
        licence = licences.add_licence(s, data, rules, actor=state.actor)
        number = licence.id
    if json:
        emit_json({"id": number})
    else:
        done(f"licence {number} added: {product}, {seats} seat(s)")


@app.command("list")
def list_(json: Json = False) -> None:
    """The licences (never their keys)."""
    with state.database().read() as s:
        rows = licences.list_licences(s)
    if json:
        emit_json(rows)
    else:
        table(rows, ["id", "product", "edition", "version", "seats", "assigned", "has_key",
                     "expires_on", "reference"], title=f"Licences ({len(rows)})")


@app.command("assign")
def assign(
    licence: Annotated[int, typer.Argument(help="Licence number.")],
    asset: Annotated[str | None, typer.Option(help="The host (asset tag or serial).")] = None,
    person: Annotated[str | None, typer.Option(help="The person (per-user licence).")] = None,
) -> None:
    """Give a seat of a licence to a host or to a person."""
    with state.database().write() as s:
        licences.assign_licence(s, licence, actor=state.actor, asset=asset, person=person)
    done(f"licence {licence} assigned to {asset or person}")


@app.command("key")
def key_(licence: Annotated[int, typer.Argument(help="Licence number.")]) -> None:
    """Show a licence's key (the reading is recorded in the audit log)."""
    with state.database().write() as s:
        secret = licences.reveal_key(s, licence, actor=state.actor)
    sys.stdout.write(secret + "\n")


@app.command("check")
def check(
    days: Annotated[int | None, typer.Option(help="Expiring within this many days.")] = None,
    json: Json = False,
) -> None:
    """Installations without a licence, over-deployed products, licences expiring, denied
    software (the full document: `muniops report licences`)."""
    settings = state.settings.licences
    rules = load_rules(settings.rules)
    with state.database().read() as s:
        result = licences.check(s, rules, utcnow().date(), days or settings.expiring_days)
    summary: dict[str, Any] = {
        "hosts": result.hosts, "unknown_packages": result.unknown_packages,
        "products": [vars(p) for p in sorted(result.products.values(), key=lambda p: p.product)],
        "unlicensed": [vars(i) for i in result.unlicensed],
        "over_deployed": [p.product for p in result.over_deployed()],
        "expiring": [{"licence": lic.id, "product": lic.product, "days_left": d}
                     for lic, d in result.expiring],
        "denied": [vars(i) for i in result.denied]}
    if json:
        emit_json(summary)
        return
    table(summary["products"], ["product", "installs", "seats", "unlicensed"],
          title=f"Licensed products on {result.hosts} host(s)")
    table(summary["unlicensed"], ["asset", "hostname", "site", "product", "version",
                                  "raw_name"], title="Installed without a licence")
    table(summary["denied"], ["asset", "hostname", "site", "product", "raw_name"],
          title="Software on the deny list")
    table(summary["expiring"], ["licence", "product", "days_left"], title="Licences expiring")
