"""``/api/v1/agents/claims``: the same operations as ``muniops agents claims``, scoped to
the caller's district (a claim of an asset outside it is "not found")."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from muniops.collector.api.auth import DB, AnyCaller, Writer
from muniops.collector.api.parity import cli
from muniops.inventory import agent_claims

router = APIRouter(prefix="/api/v1/agents/claims", tags=["agents"])
ClaimId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("", openapi_extra=cli("agents claims"))
def list_claims(caller: AnyCaller, db: DB,
                state: Annotated[Literal["pending", "confirmed", "rejected", "all"],
                                 Query()] = "pending") -> list[agent_claims.ClaimRow]:
    with db.read() as s:
        return agent_claims.list_claims(s, caller.scope, None if state == "all" else state)


@router.post("/{claim_id}/confirm", openapi_extra=cli("agents claims confirm"))
def confirm_claim(claim_id: ClaimId, caller: Writer, db: DB) -> agent_claims.ClaimRow:
    with db.write() as s:
        return agent_claims.decide(s, claim_id, confirm=True, actor=caller.actor,
                                   scope=caller.scope)


@router.post("/{claim_id}/reject", openapi_extra=cli("agents claims reject"))
def reject_claim(claim_id: ClaimId, caller: Writer, db: DB) -> agent_claims.ClaimRow:
    with db.write() as s:
        return agent_claims.decide(s, claim_id, confirm=False, actor=caller.actor,
                                   scope=caller.scope)
