"""Cross-district claims a technician decides on. An agent that reports another district's
asset (by serial, SMBIOS UUID or MAC) is refused at ingest (``agents._claim``) and the
claim is kept here; a technician of the asset's district confirms it (the agent is bound
to the asset, so its next full report is applied there) or rejects it (it stays refused,
and later reports of the same claim do not ask again). Used by the CLI and the API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlmodel import Session, col, select

from muniops.inventory import audit
from muniops.inventory.errors import Conflict, InvalidInput, NotFound
from muniops.inventory.models import Asset, Site
from muniops.inventory.models.agent_claims import CONFIRMED, PENDING, REJECTED, AgentClaim
from muniops.inventory.models.agents import Agent
from muniops.inventory.scope import EVERYWHERE, Scope
from muniops.inventory.types import utcnow

STATES = (PENDING, CONFIRMED, REJECTED)


class ClaimRow(BaseModel):
    id: int
    state: str
    asset_id: int
    asset_tag: str | None
    asset_site: str | None
    asset_district: str | None
    agent_id: str
    agent_hostname: str
    agent_site: str | None
    agent_district: str | None
    matched_by: str
    reports: int
    first_at: datetime
    last_at: datetime
    decided_at: datetime | None
    decided_by: str


def record_refused(session: Session, agent: Agent, asset: Asset, matched_by: str) -> None:
    """Keep (or count again) the claim ``agent`` made of ``asset``, refused at ingest."""
    assert agent.id is not None and asset.id is not None
    claim = session.exec(select(AgentClaim).where(AgentClaim.agent_id == agent.id,
                                                  AgentClaim.asset_id == asset.id)).first()
    if claim is None:
        session.add(AgentClaim(agent_id=agent.id, asset_id=asset.id, matched_by=matched_by))
        return
    claim.reports += 1
    claim.last_at = utcnow()
    session.add(claim)


def _sites(session: Session) -> dict[int, Site]:
    return {s.id: s for s in session.exec(select(Site)) if s.id is not None}


def _row(claim: AgentClaim, asset: Asset, agent: Agent, sites: dict[int, Site]) -> ClaimRow:
    asset_site = sites.get(asset.site_id) if asset.site_id is not None else None
    agent_site = sites.get(agent.site_id) if agent.site_id is not None else None
    assert claim.id is not None
    return ClaimRow(
        id=claim.id, state=claim.state, asset_id=claim.asset_id, asset_tag=asset.asset_tag,
        asset_site=asset_site.name if asset_site else None,
        asset_district=asset_site.district if asset_site else None,
        agent_id=agent.uid, agent_hostname=agent.hostname,
        agent_site=agent_site.name if agent_site else None,
        agent_district=agent_site.district if agent_site else None,
        matched_by=claim.matched_by, reports=claim.reports, first_at=claim.first_at,
        last_at=claim.last_at, decided_at=claim.decided_at, decided_by=claim.decided_by)


def list_claims(session: Session, scope: Scope = EVERYWHERE, state: str | None = PENDING
                ) -> list[ClaimRow]:
    """Claims of assets in ``scope`` (the district whose asset is claimed decides), in
    ``state`` (None: every state), oldest first."""
    if state is not None and state not in STATES:
        raise InvalidInput("state", f"one of {', '.join(STATES)}, not {state!r}")
    query = (select(AgentClaim, Asset, Agent)
             .join(Asset, col(Asset.id) == AgentClaim.asset_id)
             .join(Agent, col(Agent.id) == AgentClaim.agent_id)
             .order_by(col(AgentClaim.first_at), col(AgentClaim.id)))
    if state is not None:
        query = query.where(AgentClaim.state == state)
    sites = _sites(session)
    return [_row(claim, asset, agent, sites) for claim, asset, agent in session.exec(query)
            if scope.covers(sites.get(asset.site_id) if asset.site_id is not None else None)]


def decide(session: Session, claim_id: int, *, confirm: bool, actor: str,
           scope: Scope = EVERYWHERE) -> ClaimRow:
    """Confirm (bind the agent to the asset) or reject a pending claim."""
    claim = session.get(AgentClaim, claim_id)
    asset = session.get(Asset, claim.asset_id) if claim is not None else None
    agent = session.get(Agent, claim.agent_id) if claim is not None else None
    sites = _sites(session)
    if (claim is None or asset is None or agent is None or not scope.covers(
            sites.get(asset.site_id) if asset.site_id is not None else None)):
        raise NotFound("claim", claim_id)  # outside the caller's district: not found
    if claim.state != PENDING:
        raise Conflict(f"claim {claim_id} was already {claim.state} by {claim.decided_by}")
    if confirm and agent.revoked_at is not None:
        raise Conflict(f"agent {agent.uid[:8]} is revoked: it cannot be bound to an asset")
    before = {"state": claim.state, "agent_asset_id": agent.asset_id}
    claim.state = CONFIRMED if confirm else REJECTED
    claim.decided_at = utcnow()
    claim.decided_by = actor
    if confirm:
        agent.asset_id = asset.id
        session.add(agent)
    session.add(claim)
    audit.record(session, actor, f"agent.claim_{claim.state}", "asset", asset.id,
                 before=before, after={"state": claim.state, "agent": agent.uid,
                                       "matched_by": claim.matched_by})
    session.flush()
    return _row(claim, asset, agent, sites)
