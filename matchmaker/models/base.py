"""What every model module shares: the declarative base, the UTC timestamp type and helpers."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import DateTime, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

if TYPE_CHECKING:
    # ``db.Model`` is a class Flask-SQLAlchemy builds at run time from ``Base`` (extensions.py);
    # mypy cannot take a base class from an attribute, so it checks the models against ``Base``,
    # the declarative base (with the same metadata) that ``db.Model`` is made from.
    from ..extensions import Base as Model
else:
    Model = db.Model

MAX_ID = 2**31 - 1  # ids are 32-bit in the database; a larger number names nothing

M = TypeVar("M")


def get_by_id(model: type[M], ident: object) -> M | None:
    """``db.session.get`` that answers None for ids no database row can have."""
    if not isinstance(ident, int) or isinstance(ident, bool) or not 1 <= ident <= MAX_ID:
        return None
    return db.session.get(model, ident)


def utcnow() -> datetime:
    """The current time, time-zone aware, in UTC."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back time-zone aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc) if value is not None else None

    def process_result_value(self, value: Any | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False
    )
