"""Claims refused across districts, waiting for a technician: an agent enrolled with one
district's secret that reported the serial, SMBIOS UUID or MAC of another district's
asset. Confirming one binds the agent to the asset; rejecting keeps it refused."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# the tables this module's foreign keys name load with it (agent; asset)
import muniops.inventory.models.agents
import muniops.inventory.models.core  # noqa: F401
from muniops.inventory.types import UTCDateTime, utcnow

PENDING, CONFIRMED, REJECTED = "pending", "confirmed", "rejected"


class AgentClaim(SQLModel, table=True):
    """One agent's refused claim of one asset (however many reports made it)."""

    __tablename__ = "agent_claim"
    __table_args__ = (sa.UniqueConstraint("agent_id", "asset_id", name="uq_agent_claim"),)

    id: int | None = Field(default=None, primary_key=True)
    agent_id: int = Field(sa_column=sa.Column(
        sa.Integer, sa.ForeignKey("agent.id", ondelete="CASCADE"), nullable=False, index=True))
    asset_id: int = Field(sa_column=sa.Column(
        sa.Integer, sa.ForeignKey("asset.id", ondelete="CASCADE"), nullable=False, index=True))
    matched_by: str = Field(max_length=16)  # serial, smbios_uuid, mac
    state: str = Field(default=PENDING, max_length=16, index=True)
    reports: int = 1  # refused reports that made this claim
    first_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_by: str = Field(default="", max_length=255)
