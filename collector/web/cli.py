"""``muniops accounts``: web accounts for people of the register. Passwords are read
from a prompt or standard input, never from the command line (where ``ps`` shows them)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from muniops.collector.cli.context import state
from muniops.collector.cli.options import Json
from muniops.collector.cli.output import done, emit_json, table
from muniops.inventory import accounts
from muniops.inventory.models import Role

app = typer.Typer(help="Web accounts and their roles.", no_args_is_help=True)

PasswordStdin = Annotated[bool, typer.Option(
    "--password-stdin", help="Read the password from standard input (for scripts).")]


def _password(from_stdin: bool) -> str:
    if from_stdin or not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    value: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


@app.command("create")
def create(
    username: str,
    role: Annotated[Role, typer.Option(help="What the account may do.")],
    person: Annotated[str | None, typer.Option(
        help="The person of the register (employee id, e-mail or name).")] = None,
    district: Annotated[str | None, typer.Option(help="For liaisons: their district.")] = None,
    team: Annotated[str, typer.Option(help="PM team whose tasks 'My work' shows.")] = "",
    site: Annotated[str | None, typer.Option(help="Site whose tasks 'My work' shows.")] = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """Create a local account (signing in with a password stored as an argon2 hash)."""
    password = _password(password_stdin)
    with state.database().write() as s:
        account = accounts.create_account(s, username, role, actor=state.actor, person=person,
                                          password=password, district=district, team=team,
                                          site=site)
        role_value = account.role.value
    done(f"account {username} ({role_value}{' of ' + district if district else ''}) created")


@app.command("list")
def list_(json: Json = False) -> None:
    """List accounts (never their passwords)."""
    with state.database().read() as s:
        rows = accounts.list_accounts(s)
    if json:
        emit_json(rows)
    else:
        table(rows, ["username", "role", "district", "person", "source", "team", "site",
                     "last_sign_in_at", "disabled_at"], title="Web accounts")


@app.command("disable")
def disable(username: str) -> None:
    """Disable an account: its sessions end at once."""
    with state.database().write() as s:
        accounts.disable_account(s, username, actor=state.actor)
    done(f"account {username} disabled")


@app.command("enable")
def enable(username: str) -> None:
    """Enable a disabled account again."""
    with state.database().write() as s:
        accounts.enable_account(s, username, actor=state.actor)
    done(f"account {username} enabled")


@app.command("password")
def password(username: str, password_stdin: PasswordStdin = False) -> None:
    """Set a local account's password."""
    value = _password(password_stdin)
    with state.database().write() as s:
        accounts.set_password(s, username, value, actor=state.actor)
    done(f"password of {username} changed")
