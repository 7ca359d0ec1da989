"""Partnerships and their accounts: profiles, sectors, users, API tokens and invitations."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Model, Timestamps, UTCDateTime, _in, utcnow

if TYPE_CHECKING:
    from .programme import Story

from ..domain import SECTORS as SECTORS  # re-exported: models name their vocabulary

ROLES = ("member", "coordinator", "admin")
# A partnership's accounts: coordinators edit and act, members read and follow (services/permissions.py).
TEAM_ROLES = ("coordinator", "member")
# Who may read a partnership's challenges text: everyone, or signed-in partnerships only.
CHALLENGE_VISIBILITIES = ("public", "members")


def challenges_visible(visibility: str | None, user: object) -> bool:
    """May ``user`` (None or anonymous: a visitor) read challenges shown with ``visibility``?
    Members-only challenges are for signed-in accounts, as members-only stories are."""
    if visibility == "public":
        return True
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and getattr(user, "active", False)
    )


class Partnership(Timestamps, Model):
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
    # Set when an admin deactivates the partnership (services/profiles.set_active): unlike a
    # registration waiting for its email confirmation, confirming an address does not bring
    # such a partnership back.
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when the partnership was registered through the site: its contact address is what the
    # registrant typed, which an import does not take as proof (services/importing.py).
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
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

    def challenges_visible_to(self, user: object) -> bool:
        """May ``user`` (None or anonymous: a visitor) read the challenges text?"""
        return challenges_visible(self.challenges_visibility, user)

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


class PartnershipSector(Model):
    __tablename__ = "partnership_sector"
    __table_args__ = (CheckConstraint(_in("sector", SECTORS), name="sector_known"),)

    partnership_id: Mapped[int] = mapped_column(
        ForeignKey("partnership.id", ondelete="CASCADE"), primary_key=True
    )
    sector: Mapped[str] = mapped_column(String(8), primary_key=True, index=True)
    partnership: Mapped[Partnership] = relationship(back_populates="sector_rows")


class User(UserMixin, Timestamps, Model):
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


class ApiToken(Model):
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


class Invitation(Model):
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
