"""Endpoint agents: enrollment secrets per site, enrolled agents and their tokens, the
ledger of accepted report UUIDs (exactly-once delivery), and each host's latest facts.

Agent tokens live here, apart from the people's ``api_token`` table: an agent is a machine
bound to one host and one site, with no role, and there are thousands of them."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# the tables this module's foreign keys name load with it (asset, site, person)
import muniops.inventory.models.core  # noqa: F401
from muniops.inventory.types import UTCDateTime, utcnow


class EnrollmentSecret(SQLModel, table=True):
    """A site's secret that agents present once to enroll; only its SHA-256 is kept."""

    __tablename__ = "agent_enrollment_secret"

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    secret_hash: str = Field(sa_column=sa.Column(sa.String(64), unique=True, nullable=False))
    prefix: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Agent(SQLModel, table=True):
    """One enrolled agent: its token's hash, its site, the asset it reports for."""

    id: int | None = Field(default=None, primary_key=True)
    uid: str = Field(sa_column=sa.Column(sa.String(36), unique=True, nullable=False))
    token_hash: str = Field(sa_column=sa.Column(sa.String(64), unique=True, nullable=False))
    prefix: str = Field(max_length=16)
    hostname: str = Field(default="", max_length=255, index=True)
    agent_version: str = Field(default="", max_length=40)
    # what the host said of itself at enrolment: a host enrolling again is this agent
    smbios_uuid: str | None = Field(default=None, max_length=64, index=True)
    machine_id: str | None = Field(default=None, max_length=64, index=True)
    site_id: int | None = Field(default=None, foreign_key="site.id", index=True)
    asset_id: int | None = Field(
        default=None,
        sa_column=sa.Column(sa.Integer, sa.ForeignKey("asset.id", ondelete="SET NULL"),
                            nullable=True, index=True),
    )
    enrolled_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_full_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reports_accepted: int = 0
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class AgentReport(SQLModel, table=True):
    """The ledger: one row per accepted report UUID, written in the same transaction as the
    report's effects, so a report delivered twice is applied once."""

    __tablename__ = "agent_report"

    id: int | None = Field(default=None, primary_key=True)
    report_id: str = Field(sa_column=sa.Column(sa.String(36), unique=True, nullable=False))
    agent_id: int = Field(
        sa_column=sa.Column(sa.Integer, sa.ForeignKey("agent.id", ondelete="CASCADE"),
                            nullable=False, index=True)
    )
    kind: str = Field(max_length=16)
    created_at: datetime = Field(sa_type=UTCDateTime)  # on the agent's clock
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class HostFacts(SQLModel, table=True):
    """The latest full report of an asset's agent, and the hardware it was compared on."""

    __tablename__ = "host_facts"

    asset_id: int = Field(
        sa_column=sa.Column(sa.Integer, sa.ForeignKey("asset.id", ondelete="CASCADE"),
                            primary_key=True)
    )
    agent_id: int | None = Field(default=None, foreign_key="agent.id", index=True)
    smbios_uuid: str | None = Field(default=None, max_length=64, index=True)
    facts: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    hardware: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    antivirus: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    # the latest health (load, memory, uptime) from any report: heartbeats write only this
    health: dict[str, Any] | None = Field(default=None, sa_type=sa.JSON)
    software_digest: str = Field(default="", max_length=64)
    # the host's packages, as its last full report listed them (None: never reported)
    software_set_id: int | None = Field(default=None, foreign_key="software_set.id",
                                        index=True)
    reported_at: datetime = Field(sa_type=UTCDateTime)  # the report's own time
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SoftwareSet(SQLModel, table=True):
    """One distinct list of installed packages, shared by every host that reports it.

    Hosts installed from one image report one list: it is stored once and each host's
    ``host_facts.software_set_id`` points at it, so a full report whose list some host
    already has writes no package row at all. ``digest`` is the SHA-256 of the sorted
    (name, version, publisher) list (``inventory.software_sets.digest``)."""

    __tablename__ = "software_set"

    id: int | None = Field(default=None, primary_key=True)
    digest: str = Field(sa_column=sa.Column(sa.String(64), unique=True, nullable=False))
    packages: int = 0


class SoftwareSetItem(SQLModel, table=True):
    """One package of a software set. Keyed by the package itself, with no surrogate id
    and (on SQLite) no rowid: a set's rows are appended to one b-tree, in set order."""

    __tablename__ = "software_set_item"
    __table_args__ = {"sqlite_with_rowid": False}

    set_id: int = Field(
        sa_column=sa.Column(sa.Integer, sa.ForeignKey("software_set.id", ondelete="CASCADE"),
                            primary_key=True)
    )
    name: str = Field(max_length=300, primary_key=True)
    version: str = Field(default="", max_length=120, primary_key=True)
    publisher: str = Field(default="", max_length=200, primary_key=True)
