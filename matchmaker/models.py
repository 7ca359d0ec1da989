"""Database models (SQLAlchemy 2, typed). Constraints live in the database, not only in Python."""

from __future__ import annotations

from datetime import datetime, timezone

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db

SECTORS = ("po", "vo", "mbo", "so")
ROLES = ("member", "coordinator", "admin")
# A partnership's accounts: coordinators edit and act, members read and follow (services/permissions.py).
TEAM_ROLES = ("coordinator", "member")
REVIEW_DECISIONS = ("endorsed", "rejected")
# Introduction states; the allowed transitions live in services/introductions.py.
INTRO_STATES = ("requested", "awaiting_admin", "accepted", "declined", "withdrawn", "completed")
OPEN_INTRO_STATES = ("requested", "awaiting_admin", "accepted")
# A story's outcome, language and visibility (shared/profile-format.md).
STORY_OUTCOMES = ("worked", "partly", "did_not_work")
STORY_LANGUAGES = ("nl", "en")
STORY_VISIBILITIES = ("public", "members")
# Who may read a partnership's challenges text: everyone, or signed-in partnerships only.
CHALLENGE_VISIBILITIES = ("public", "members")
OUTBOX_STATES = ("pending", "sent", "failed")
# Reminders the worker sends once per introduction (services/reminders.py).
REMINDER_KINDS = ("mentor_reminder", "admin_unanswered", "followup")


MAX_ID = 2**31 - 1  # ids are 32-bit in the database; a larger number names nothing


def get_by_id(model, ident):
    """``db.session.get`` that answers None for ids no database row can have."""
    if not isinstance(ident, int) or isinstance(ident, bool) or not 1 <= ident <= MAX_ID:
        return None
    return db.session.get(model, ident)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back time-zone aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc) if value is not None else None

    def process_result_value(self, value, dialect):
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


class Partnership(Timestamps, db.Model):
    __tablename__ = "partnership"
    __table_args__ = (
        CheckConstraint("length(key) BETWEEN 1 AND 64", name="key_length"),
        CheckConstraint("founded BETWEEN 1950 AND 2200", name="founded_range"),
        CheckConstraint(
            "schools_count IS NULL OR schools_count BETWEEN 1 AND 1000", name="schools_range"
        ),
        CheckConstraint("mentor_capacity BETWEEN 0 AND 20", name="capacity_range"),
        CheckConstraint(
            "challenges_visibility IN ('public', 'members')", name="challenges_visibility_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    region: Mapped[str | None] = mapped_column(String(100))
    founded: Mapped[int] = mapped_column(Integer, nullable=False)
    schools_count: Mapped[int | None] = mapped_column(Integer)
    institutions: Mapped[list] = mapped_column(JSON, default=list, nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    challenges: Mapped[str] = mapped_column(Text, default="", nullable=False)
    challenges_visibility: Mapped[str] = mapped_column(
        String(10), default="public", server_default="public", nullable=False
    )
    experiences: Mapped[str] = mapped_column(Text, default="", nullable=False)
    open_to_mentor: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    mentor_capacity: Mapped[int] = mapped_column(Integer, default=2, nullable=False)
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    # Bumped by every profile edit (services/profiles.py); an edit based on an older version is
    # refused instead of silently overwriting the newer one (the form's hidden field, If-Match).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1", nullable=False)

    sector_rows: Mapped[list[PartnershipSector]] = relationship(
        back_populates="partnership", cascade="all, delete-orphan", lazy="selectin"
    )
    users: Mapped[list[User]] = relationship(back_populates="partnership")
    stories: Mapped[list[Story]] = relationship(
        back_populates="partnership",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="Story.position",
    )

    def challenges_visible_to(self, user) -> bool:
        """May ``user`` (None or anonymous: a visitor) read the challenges text? Members-only
        challenges are for signed-in accounts, as members-only stories are."""
        if self.challenges_visibility == "public":
            return True
        return bool(
            user is not None
            and getattr(user, "is_authenticated", False)
            and getattr(user, "active", False)
        )

    @property
    def sectors(self) -> list[str]:
        present = {row.sector for row in self.sector_rows}
        return [s for s in SECTORS if s in present]

    @sectors.setter
    def sectors(self, values: list[str]) -> None:
        wanted = [s for s in SECTORS if s in set(values)]
        keep = [row for row in self.sector_rows if row.sector in wanted]
        have = {row.sector for row in keep}
        self.sector_rows = keep + [PartnershipSector(sector=s) for s in wanted if s not in have]

    def __repr__(self) -> str:
        return f"<Partnership {self.key}>"


class PartnershipSector(db.Model):
    __tablename__ = "partnership_sector"
    __table_args__ = (CheckConstraint(_in("sector", SECTORS), name="sector_known"),)

    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnership.id", ondelete="CASCADE"), primary_key=True
    )
    sector: Mapped[str] = mapped_column(String(8), primary_key=True, index=True)
    partnership: Mapped[Partnership] = relationship(back_populates="sector_rows")


class Story(Timestamps, db.Model):
    """What a partnership tried, what stood in the way and what worked: shared to be read.

    ``tips`` lists the seed document's five tips (1–5) the story touches; ``members`` stories
    are shown to signed-in members only and never quoted by the engine."""

    __tablename__ = "story"
    __table_args__ = (
        CheckConstraint(_in("outcome", STORY_OUTCOMES), name="outcome_known"),
        CheckConstraint(_in("language", STORY_LANGUAGES), name="language_known"),
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


class User(UserMixin, Timestamps, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[str] = mapped_column(String(16), default="member", nullable=False)
    partnership_id: Mapped[int | None] = mapped_column(
        ForeignKey("partnership.id", ondelete="SET NULL"), index=True
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    # Bumped on log-out everywhere, password change and deactivation: old sessions stop working.
    session_version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    locale: Mapped[str | None] = mapped_column(String(8))
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when the owner followed the link in the confirmation email; required to log in.
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    partnership: Mapped[Partnership | None] = relationship(back_populates="users")
    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"


class ApiToken(db.Model):
    """A personal API token. Only a hash is stored; the token itself is shown once."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    prefix: Mapped[str] = mapped_column(
        String(12), nullable=False
    )  # shown in lists to tell tokens apart
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(back_populates="tokens")


class Introduction(Timestamps, db.Model):
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


class IntroductionEvent(db.Model):
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


class IntroductionMessage(db.Model):
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


class MatchReview(Timestamps, db.Model):
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


class Dismissal(db.Model):
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


class DataVersion(db.Model):
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


class ProfileChange(db.Model):
    """Which partnership keys changed at which data version (written in the same transaction as
    the change, by services/matching.py), so every worker can patch its fitted index instead of
    refitting. A row without a key means "unknown or too many changes": refit."""

    __tablename__ = "profile_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False, index=True)
    key: Mapped[str | None] = mapped_column(String(64))


class OutboxMessage(db.Model):
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


class Reminder(db.Model):
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


class Invitation(db.Model):
    """A one-time link that lets someone set a password and join a partnership (services/invitations.py).

    Only a hash of the link's token is stored. Invited until ``expires_at``; then joined
    (``accepted_at``), withdrawn (``withdrawn_at``) or expired."""

    __tablename__ = "invitation"
    __table_args__ = (CheckConstraint(_in("role", TEAM_ROLES), name="role_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnership.id", ondelete="CASCADE"), nullable=False, index=True
    )
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    sent_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, nullable=False
    )  # last (re)sent
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )  # who joined
    # The role the joining account gets (TEAM_ROLES).
    role: Mapped[str] = mapped_column(
        String(16), default="coordinator", server_default="coordinator", nullable=False
    )

    partnership: Mapped[Partnership] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])

    def state(self, now: datetime | None = None) -> str:
        """invited, joined, withdrawn or expired."""
        if self.accepted_at is not None:
            return "joined"
        if self.withdrawn_at is not None:
            return "withdrawn"
        return "expired" if self.expires_at <= (now or utcnow()) else "invited"


# Praktijk-in-zicht sessions (services/practice_sessions.py).
SESSION_KINDS = ("visit", "online", "workshop")
SESSION_LANGUAGES = ("nl", "en")
SIGNUP_STATES = ("confirmed", "waiting", "cancelled")
ACTIVE_SIGNUP_STATES = ("confirmed", "waiting")


class PracticeSession(Timestamps, db.Model):
    """A session a partnership offers to sit in on: a visit, an online hour, a workshop.

    Times are stored in UTC and entered and shown in Europe/Amsterdam; ``sequence`` is bumped
    by every change the signed-up partnerships hear about (the .ics SEQUENCE)."""

    __tablename__ = "practice_session"
    __table_args__ = (
        CheckConstraint(_in("kind", SESSION_KINDS), name="kind_known"),
        CheckConstraint(_in("language", SESSION_LANGUAGES), name="language_known"),
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


class SessionSignup(Timestamps, db.Model):
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
