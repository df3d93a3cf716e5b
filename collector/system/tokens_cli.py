"""``muniops tokens``: API tokens for people, dashboards and scripts."""

from __future__ import annotations

from typing import Annotated

import typer

from muniops.collector.cli.context import state
from muniops.collector.cli.options import Json
from muniops.collector.cli.output import console, done, emit_json, table
from muniops.inventory import tokens
from muniops.inventory.models import Role

app = typer.Typer(help="API tokens and their roles.", no_args_is_help=True)


@app.command("create")
def create(
    name: str,
    role: Annotated[Role, typer.Option(help="What the token may do.")],
    district: Annotated[str | None, typer.Option(help="For liaisons: their district.")] = None,
    json: Json = False,
) -> None:
    """Create a token. It is printed once and stored only as a hash."""
    with state.database().write() as s:
        token, plain = tokens.create_token(s, name, role, actor=state.actor, district=district)
        role_value = token.role.value
    if json:
        emit_json({"name": name, "role": role_value, "district": district, "token": plain})
        return
    done(f"token {name} ({role_value}{' of ' + district if district else ''}) created")
    console.print("Store it now; it cannot be shown again:")
    console.print(plain, highlight=False, markup=False, soft_wrap=True)


@app.command("list")
def list_(json: Json = False) -> None:
    """List tokens (never the tokens themselves)."""
    with state.database().read() as s:
        rows = tokens.list_tokens(s)
    if json:
        emit_json(rows)
    else:
        table(rows, ["name", "prefix", "role", "district", "created_at", "last_used_at",
                     "revoked_at"], title="API tokens")


@app.command("revoke")
def revoke(name: str) -> None:
    """Revoke a token: it stops working at once."""
    with state.database().write() as s:
        tokens.revoke_token(s, name, actor=state.actor)
    done(f"token {name} revoked")
