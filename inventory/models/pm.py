"""Preventive maintenance: one task per asset and period, and the record of doing it."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# the tables this module's foreign keys name load with it (asset, site, person; repair_ticket)
import muniops.inventory.models.core
import muniops.inventory.models.repairs  # noqa: F401
from muniops.inventory.types import UTCDateTime, enum_type, utcnow


class PmState(StrEnum):
    """``planned`` until the lead time starts, then ``due``, ``overdue`` after the due day;
    ``done`` and ``skipped`` close a task."""

    PLANNED = "planned"
    DUE = "due"
    OVERDUE = "overdue"
    DONE = "done"
    SKIPPED = "skipped"


OPEN_STATES = (PmState.PLANNED, PmState.DUE, PmState.OVERDUE)


class CheckResult(StrEnum):
    OK = "ok"
    NOT_OK = "not_ok"


class PmTask(SQLModel, table=True):
    """One PM visit of one asset, due on a day (in the site's calendar)."""

    __tablename__ = "pm_task"
    # ids are never reused (SQLite would after a rebuild): a task number stays one task
    __table_args__ = (sa.UniqueConstraint("asset_id", "due_date"), {"sqlite_autoincrement": True})

    id: int | None = Field(default=None, primary_key=True)
    asset_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("asset.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    policy: str = Field(max_length=120)
    team: str = Field(max_length=120, index=True)
    due_date: date = Field(index=True)
    lead_days: int = 14
    interval_months: int = 6
    state: PmState = Field(default=PmState.PLANNED, sa_type=enum_type(PmState), index=True)
    skip_reason: str = Field(default="", max_length=1000)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by: str = Field(default="", max_length=120)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PmRecord(SQLModel, table=True):
    """What was done on a PM visit: who, when, each checklist item, and the evidence the
    store held about the asset at that moment (agent or SNMP health)."""

    __tablename__ = "pm_record"

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(
        sa_column=sa.Column(
            sa.Integer, sa.ForeignKey("pm_task.id", ondelete="CASCADE"), nullable=False,
            unique=True,
        )
    )
    asset_id: int = Field(foreign_key="asset.id", index=True)
    performed_by: str = Field(max_length=200)
    performed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    # [{"item": "clean fans", "result": "ok" | "not_ok", "note": "..."}]
    items: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    notes: str = Field(default="", max_length=4000)
    evidence: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    repair_ticket_id: int | None = Field(default=None, foreign_key="repair_ticket.id")
    recorded_by: str = Field(default="", max_length=120)
