"""Web accounts, their sessions, failed sign-ins and the photos of PM visits.

An account is a person of the register given a role (the API tokens' roles and scope);
a directory (LDAP) account is made at its first sign-in and its role follows its groups.
Sessions and passwords are stored only as hashes."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

# the tables this module's foreign keys name load with it (person, site; pm_task)
import muniops.inventory.models.core
import muniops.inventory.models.pm  # noqa: F401
from muniops.inventory.models.enums import Role
from muniops.inventory.types import UTCDateTime, enum_type, utcnow


class WebAccount(SQLModel, table=True):
    __tablename__ = "web_account"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(sa_column=sa.Column(sa.String(120), unique=True, nullable=False))
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    role: Role = Field(sa_type=enum_type(Role))
    district: str | None = Field(default=None, max_length=120)  # liaisons only
    source: str = Field(default="local", max_length=16)  # local (password) or ldap
    password_hash: str | None = Field(default=None, max_length=255)  # argon2id; None: ldap
    team: str = Field(default="", max_length=120)  # "My work": the PM team and site
    site_id: int | None = Field(default=None, foreign_key="site.id")
    lang: str = Field(default="", max_length=8)  # "" = the reports' default
    calendar: str = Field(default="", max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_sign_in_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    disabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class WebSession(SQLModel, table=True):
    __tablename__ = "web_session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(sa_column=sa.Column(sa.String(64), unique=True, nullable=False))
    account_id: int = Field(foreign_key="web_account.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SignInFailure(SQLModel, table=True):
    """One refused sign-in: counted per user name and per address to slow guessing."""

    __tablename__ = "web_sign_in_failure"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=120, index=True)
    address: str = Field(max_length=64, index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class PmPhoto(SQLModel, table=True):
    """A photo taken during a PM visit, kept in the store with the record."""

    __tablename__ = "pm_photo"

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="pm_task.id", index=True)
    content_type: str = Field(max_length=64)
    size: int
    sha256: str = Field(max_length=64)
    data: bytes = Field(sa_type=sa.LargeBinary)
    uploaded_by: str = Field(max_length=120)
    uploaded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
