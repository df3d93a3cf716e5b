"""``/api/v1/backups`` (people: each host's backups and their state) and
``/api/v1/agents/policy`` (an agent, by its token: the backups its host must check)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, status

from muniops.collector.api.auth import DB, AnyCaller
from muniops.collector.api.parity import cli
from muniops.inventory import agents, backups
from muniops.inventory.errors import InvalidInput

router = APIRouter(prefix="/api/v1/backups", tags=["backups"])
agent_router = APIRouter(prefix="/api/v1/agents", tags=["agents"])


@router.get("", openapi_extra=cli("backups", "backups list"))
def list_backups(caller: AnyCaller, request: Request, db: DB,
                 state: Annotated[str | None, Query()] = None,
                 site: Annotated[str | None, Query()] = None) -> list[backups.BackupRow]:
    """Every backup the policy expects, on the hosts the caller may see."""
    if state is not None and state not in backups.STATES:
        raise InvalidInput("state", f"expected one of {', '.join(backups.STATES)}")
    with db.read() as s:
        rows = backups.backup_rows(s, request.app.state.settings.backups, caller.scope)
    return [r for r in rows if (state is None or r.state == state)
            and (site is None or r.site == site)]


@agent_router.get("/policy", openapi_extra=cli("backups policy"))
def agent_policy(request: Request, db: DB) -> dict[str, object]:
    """What this agent's host must check; the agent keeps it until the next fetch."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    with db.read() as s:
        agent = agents.authenticate(s, token.strip()) if scheme.lower() == "bearer" else None
        if agent is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "unknown or revoked agent token",
                                headers={"WWW-Authenticate": "Bearer"})
        return backups.policy_for_agent(s, agent, request.app.state.settings.backups)
