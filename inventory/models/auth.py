"""API tokens. Only a SHA-256 of the token is stored; the token is shown once, at creation."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from muniops.inventory.models.enums import Role
from muniops.inventory.types import UTCDateTime, enum_type, utcnow


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=sa.Column(sa.String(120), unique=True, nullable=False))
    token_hash: str = Field(sa_column=sa.Column(sa.String(64), unique=True, nullable=False))
    prefix: str = Field(max_length=16)  # first characters, to recognise a token in listings
    role: Role = Field(sa_type=enum_type(Role))
    district: str | None = Field(default=None, max_length=120)  # liaisons only
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
