"""What partnerships share with each other beyond introductions: their stories, and the
Praktijk-in-zicht sessions they offer and sign up for."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain import LANGUAGES
from .accounts import Partnership, User
from .base import Model, Timestamps, UTCDateTime, _in

# A story's outcome, language and visibility (shared/profile-format.md).
STORY_OUTCOMES = ("worked", "partly", "did_not_work")
STORY_VISIBILITIES = ("public", "members")


class Story(Timestamps, Model):
    """What a partnership tried, what stood in the way and what worked: shared to be read.

    ``tips`` lists the seed document's five tips (1–5) the story touches; ``members`` stories
    are shown to signed-in members only and never quoted by the engine."""

    __tablename__ = "story"
    __table_args__ = (
        CheckConstraint(_in("outcome", STORY_OUTCOMES), name="outcome_known"),
        CheckConstraint(_in("language", LANGUAGES), name="language_known"),
        CheckConstraint(_in("visibility", STORY_VISIBILITIES), name="visibility_known"),
        CheckConstraint("length(title) BETWEEN 1 AND 200", name="title_length"),
        CheckConstraint("position >= 0", name="position_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnership.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    tips: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    outcome: Mapped[str] = mapped_column(String(16), nullable=False)
    language: Mapped[str] = mapped_column(String(2), nullable=False)
    visibility: Mapped[str] = mapped_column(String(10), default="public", nullable=False)

    partnership: Mapped[Partnership] = relationship(back_populates="stories")

    def __repr__(self) -> str:
        return f"<Story {self.partnership_id}#{self.position}>"


# Praktijk-in-zicht sessions (services/practice_sessions.py).
SESSION_KINDS = ("visit", "online", "workshop")
SIGNUP_STATES = ("confirmed", "waiting", "cancelled")
ACTIVE_SIGNUP_STATES = ("confirmed", "waiting")


class PracticeSession(Timestamps, Model):
    """A session a partnership offers to sit in on: a visit, an online hour, a workshop.

    Times are stored in UTC and entered and shown in Europe/Amsterdam; ``sequence`` is bumped
    by every change the signed-up partnerships hear about (the .ics SEQUENCE)."""

    __tablename__ = "practice_session"
    __table_args__ = (
        CheckConstraint(_in("kind", SESSION_KINDS), name="kind_known"),
        CheckConstraint(_in("language", LANGUAGES), name="language_known"),
        CheckConstraint("capacity BETWEEN 1 AND 500", name="capacity_range"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("length(title) BETWEEN 1 AND 200", name="title_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnership.id", ondelete="CASCADE"), nullable=False, index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)  # what you will see
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    place: Mapped[str] = mapped_column(String(300), default="", nullable=False)
    online_url: Mapped[str] = mapped_column(String(500), default="", nullable=False)
    capacity: Mapped[int] = mapped_column(Integer, nullable=False)
    language: Mapped[str] = mapped_column(String(2), nullable=False)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sequence: Mapped[int] = mapped_column(Integer, default=0, nullable=False)

    partnership: Mapped[Partnership] = relationship()
    created_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<PracticeSession {self.id} {self.title!r}>"


class SessionSignup(Timestamps, Model):
    """A partnership signed up for a session: confirmed, on the waiting list (in ``id`` order),
    or cancelled. At most one active (confirmed or waiting) sign-up per partnership and session."""

    __tablename__ = "session_signup"
    __table_args__ = (
        CheckConstraint(_in("state", SIGNUP_STATES), name="state_known"),
        Index(
            "uq_session_signup_active",
            "session_id",
            "partnership_id",
            unique=True,
            sqlite_where=text(_in("state", ACTIVE_SIGNUP_STATES)),
            postgresql_where=text(_in("state", ACTIVE_SIGNUP_STATES)),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("practice_session.id", ondelete="CASCADE"), nullable=False, index=True
    )
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnership.id", ondelete="CASCADE"), nullable=False, index=True
    )
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )  # who signed up
    state: Mapped[str] = mapped_column(String(10), nullable=False)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    session: Mapped[PracticeSession] = relationship()
    partnership: Mapped[Partnership] = relationship()
    user: Mapped[User | None] = relationship()
