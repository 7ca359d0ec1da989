"""Introductions between partnerships and what hangs on them: their events, conversation and
reminders, and the admins' reviews and partnerships' dismissals of suggested pairs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .accounts import Partnership, User
from .base import Model, Timestamps, UTCDateTime, _in, utcnow

REVIEW_DECISIONS = ("endorsed", "rejected")
# Introduction states; the allowed transitions live in services/introductions.py.
INTRO_STATES = ("requested", "awaiting_admin", "accepted", "declined", "withdrawn", "completed")
OPEN_INTRO_STATES = ("requested", "awaiting_admin", "accepted")
# Reminders the worker sends once per introduction (services/reminders.py).
REMINDER_KINDS = ("mentor_reminder", "admin_unanswered", "followup")


class Introduction(Timestamps, Model):
    __tablename__ = "introduction"
    __table_args__ = (
        CheckConstraint(_in("state", INTRO_STATES), name="state_known"),
        CheckConstraint("mentee_id <> mentor_id", name="not_self"),
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="rating_range"),
        # At most one open introduction per pair, enforced by the database.
        Index(
            "uq_introduction_open_pair",
            "mentee_id",
            "mentor_id",
            unique=True,
            sqlite_where=text(_in("state", OPEN_INTRO_STATES)),
            postgresql_where=text(_in("state", OPEN_INTRO_STATES)),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mentee_id: Mapped[int] = mapped_column(
        ForeignKey("partnership.id", ondelete="CASCADE"), index=True
    )
    mentor_id: Mapped[int] = mapped_column(
        ForeignKey("partnership.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    message: Mapped[str] = mapped_column(Text, default="", nullable=False)
    response: Mapped[str] = mapped_column(Text, default="", nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    by_admin: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rating: Mapped[int | None] = mapped_column(SmallInteger)
    feedback: Mapped[str] = mapped_column(Text, default="", nullable=False)

    mentee: Mapped[Partnership] = relationship(foreign_keys=[mentee_id])
    mentor: Mapped[Partnership] = relationship(foreign_keys=[mentor_id])
    created_by: Mapped[User | None] = relationship()
    events: Mapped[list[IntroductionEvent]] = relationship(
        back_populates="introduction", cascade="all, delete-orphan", order_by="IntroductionEvent.id"
    )


class IntroductionEvent(Model):
    """One recorded transition of an introduction: who moved it from which state to which."""

    __tablename__ = "introduction_event"
    __table_args__ = (CheckConstraint(_in("to_state", INTRO_STATES), name="to_state_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    introduction_id: Mapped[int] = mapped_column(
        ForeignKey("introduction.id", ondelete="CASCADE"), index=True
    )
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    introduction: Mapped[Introduction] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


MESSAGE_SIDES = (
    "mentee",
    "mentor",
    "admin",
)  # who wrote a message in an introduction's conversation


class IntroductionMessage(Model):
    """One plain-text message in an introduction's conversation (services/conversations.py)."""

    __tablename__ = "introduction_message"
    __table_args__ = (
        CheckConstraint(_in("author_side", MESSAGE_SIDES), name="author_side_known"),
        CheckConstraint("length(body) > 0", name="body_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    introduction_id: Mapped[int] = mapped_column(
        ForeignKey("introduction.id", ondelete="CASCADE"), nullable=False, index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    author_side: Mapped[str] = mapped_column(String(8), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)

    introduction: Mapped[Introduction] = relationship()
    author: Mapped[User | None] = relationship()


class MatchReview(Timestamps, Model):
    """An admin's decision on a mentee–mentor pair. Rejected pairs are never suggested again."""

    __tablename__ = "match_review"
    __table_args__ = (
        CheckConstraint(_in("decision", REVIEW_DECISIONS), name="decision_known"),
        CheckConstraint("mentee_id <> mentor_id", name="not_self"),
        UniqueConstraint("mentee_id", "mentor_id", name="uq_match_review_pair"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mentee_id: Mapped[int] = mapped_column(
        ForeignKey("partnership.id", ondelete="CASCADE"), index=True
    )
    mentor_id: Mapped[int] = mapped_column(
        ForeignKey("partnership.id", ondelete="CASCADE"), index=True
    )
    decision: Mapped[str] = mapped_column(String(10), nullable=False)
    note: Mapped[str] = mapped_column(Text, default="", nullable=False)
    reviewer_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    mentee: Mapped[Partnership] = relationship(foreign_keys=[mentee_id])
    mentor: Mapped[Partnership] = relationship(foreign_keys=[mentor_id])
    reviewer: Mapped[User | None] = relationship()


class Dismissal(Model):
    """A partnership said a suggested mentor is not relevant: hidden for that partnership only."""

    __tablename__ = "dismissal"
    __table_args__ = (CheckConstraint("partnership_id <> mentor_id", name="not_self"),)

    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnership.id", ondelete="CASCADE"), primary_key=True
    )
    mentor_id: Mapped[int] = mapped_column(
        ForeignKey("partnership.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class Reminder(Model):
    """A reminder sent about an introduction: at most one of each kind, enforced by the database,
    written in the same transaction as its outbox message (services/reminders.py)."""

    __tablename__ = "reminder"
    __table_args__ = (
        CheckConstraint(_in("kind", REMINDER_KINDS), name="kind_known"),
        UniqueConstraint("introduction_id", "kind", name="uq_reminder_introduction_kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    introduction_id: Mapped[int] = mapped_column(
        ForeignKey("introduction.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
