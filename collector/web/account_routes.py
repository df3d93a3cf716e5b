"""``/api/v1/accounts``: web accounts as ``muniops accounts`` manages them, for admins.
A password travels only in a request body (never a path or a query, which logs keep)."""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import BaseModel, Field, SecretStr

from muniops.collector.api.auth import DB, Admin
from muniops.collector.api.parity import cli
from muniops.inventory import accounts
from muniops.inventory.models import Role

router = APIRouter(prefix="/api/v1/accounts", tags=["accounts"])


class AccountCreate(BaseModel):
    username: str = Field(min_length=1, max_length=120)
    role: Role
    password: SecretStr
    person: str | None = None  # employee id, e-mail or name
    district: str | None = None  # a liaison's
    team: str = ""
    site: str | None = None


class PasswordChange(BaseModel):
    password: SecretStr


@router.get("", openapi_extra=cli("accounts list"))
def list_accounts(caller: Admin, db: DB) -> list[dict[str, object]]:
    """Accounts (never their passwords)."""
    with db.read() as s:
        return accounts.list_accounts(s)


@router.post("", status_code=status.HTTP_201_CREATED, openapi_extra=cli("accounts create"))
def create_account(body: AccountCreate, caller: Admin, db: DB) -> dict[str, object]:
    with db.write() as s:
        account = accounts.create_account(
            s, body.username, body.role, actor=caller.actor, person=body.person,
            password=body.password.get_secret_value(), district=body.district,
            team=body.team, site=body.site)
        return {"username": account.username, "role": account.role.value,
                "district": account.district}


@router.post("/{username}/disable", openapi_extra=cli("accounts disable"))
def disable_account(username: str, caller: Admin, db: DB) -> dict[str, str]:
    """Disable an account; its sessions end."""
    with db.write() as s:
        accounts.disable_account(s, username, actor=caller.actor)
    return {"username": username, "state": "disabled"}


@router.post("/{username}/enable", openapi_extra=cli("accounts enable"))
def enable_account(username: str, caller: Admin, db: DB) -> dict[str, str]:
    with db.write() as s:
        accounts.enable_account(s, username, actor=caller.actor)
    return {"username": username, "state": "enabled"}


@router.put("/{username}/password", openapi_extra=cli("accounts password"))
def set_password(username: str, body: PasswordChange, caller: Admin, db: DB) -> dict[str, str]:
    with db.write() as s:
        accounts.set_password(s, username, body.password.get_secret_value(),
                              actor=caller.actor)
    return {"username": username, "state": "password changed"}
