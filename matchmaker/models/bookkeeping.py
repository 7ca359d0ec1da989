"""Rows the application keeps for itself: the data versions its caches follow, the profile
changes its index patches from, and the outbox its mail worker delivers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Model, UTCDateTime, _in, utcnow

OUTBOX_STATES = ("pending", "sent", "failed")


class DataVersion(Model):
    """One row: ``version`` is bumped in the same transaction as any change to profiles, so every
    worker and host can tell that its fitted index is stale; ``context_version`` likewise with any
    change to introductions, reviews or dismissals (what suggestions read besides the profiles)."""

    __tablename__ = "data_version"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    version: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    context_version: Mapped[int] = mapped_column(
        Integer, default=0, server_default="0", nullable=False
    )


class ProfileChange(Model):
    """Which partnership keys changed at which data version (written in the same transaction as
    the change, by services/matching.py), so every worker can patch its fitted index instead of
    refitting. A row without a key means "unknown or too many changes": refit."""

    __tablename__ = "profile_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    key: Mapped[str | None] = mapped_column(String(64))


class OutboxMessage(Model):
    """One email, written in the same transaction as the change that causes it; a worker
    delivers it (services/mail.py), retrying with backoff until it is sent or given up."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        CheckConstraint(_in("state", OUTBOX_STATES), name="state_known"),
        Index("ix_outbox_message_due", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipients: Mapped[list] = mapped_column(JSON, nullable=False)
    subject: Mapped[str] = mapped_column(String(300), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    language: Mapped[str | None] = mapped_column(String(8))
    message_id: Mapped[str] = mapped_column(
        String(255), nullable=False
    )  # the same on every attempt
    state: Mapped[str] = mapped_column(String(16), default="pending", nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # An iCalendar invitation sent along as a text/calendar attachment (session emails).
    calendar: Mapped[str | None] = mapped_column(Text)
