"""Warranty and repair tickets: a part sent to a vendor and followed until it returns."""

from datetime import datetime

from sqlmodel import Field, SQLModel

# the tables this module's foreign keys name load with it (asset, site, person)
import muniops.inventory.models.core  # noqa: F401
from muniops.inventory.models.enums import AssetStatus, RepairOutcome
from muniops.inventory.types import UTCDateTime, enum_type, utcnow


class RepairTicket(SQLModel, table=True):
    __tablename__ = "repair_ticket"

    id: int | None = Field(default=None, primary_key=True)
    asset_id: int = Field(foreign_key="asset.id", index=True)
    part: str = Field(max_length=200)
    problem: str = Field(default="", max_length=2000)
    vendor: str = Field(max_length=200)
    vendor_reference: str = Field(default="", max_length=120)  # RMA / case number
    under_warranty: bool = True
    sent_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    returned_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    outcome: RepairOutcome | None = Field(default=None, sa_type=enum_type(RepairOutcome))
    outcome_note: str = Field(default="", max_length=2000)
    # the asset's state before the ticket, restored when the part comes back
    previous_status: AssetStatus = Field(sa_type=enum_type(AssetStatus))
    opened_by: str = Field(default="", max_length=120)
