"""Column types shared by every table: UTC timestamps and enums stored as their slugs."""

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect


def aware_time(text: object, what: str) -> datetime:
    """An ISO time sent by another process (a forwarded item), which must carry its zone:
    ``ValueError`` naming ``what`` otherwise."""
    at = datetime.fromisoformat(str(text))
    if at.tzinfo is None:
        raise ValueError(f"{what} {text!r} has no time zone")
    return at


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC: the only clock the store uses."""
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Store datetimes in UTC and always hand back aware ones (SQLite forgets the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: muniops stores aware UTC datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # SQLite without type affinity
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_type(enum_cls: type[StrEnum]) -> sa.Enum:
    """A portable VARCHAR enum that stores the lowercase slug (the value), not the name."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )
