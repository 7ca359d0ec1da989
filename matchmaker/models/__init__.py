"""Database models (SQLAlchemy 2, typed). Constraints live in the database, not only in Python.

One module per concern; import from here (``from matchmaker.models import Partnership``):

- ``base``: the declarative base, UTC timestamps, ``get_by_id`` and ``utcnow``;
- ``accounts``: partnerships, their sectors, users, API tokens and invitations;
- ``introductions``: introductions, their events, messages and reminders; reviews, dismissals;
- ``programme``: stories and Praktijk-in-zicht sessions with their sign-ups;
- ``bookkeeping``: data versions, profile changes and the mail outbox.
"""

from __future__ import annotations

from .accounts import (
    CHALLENGE_VISIBILITIES,
    ROLES,
    SECTORS,
    TEAM_ROLES,
    ApiToken,
    Invitation,
    Partnership,
    PartnershipSector,
    User,
    challenges_visible,
)
from .base import MAX_ID, Timestamps, UTCDateTime, get_by_id, utcnow
from .bookkeeping import OUTBOX_STATES, DataVersion, OutboxMessage, ProfileChange
from .introductions import (
    INTRO_STATES,
    MESSAGE_SIDES,
    OPEN_INTRO_STATES,
    REMINDER_KINDS,
    REVIEW_DECISIONS,
    Dismissal,
    Introduction,
    IntroductionEvent,
    IntroductionMessage,
    MatchReview,
    Reminder,
)
from .programme import (
    ACTIVE_SIGNUP_STATES,
    SESSION_KINDS,
    SIGNUP_STATES,
    STORY_OUTCOMES,
    STORY_VISIBILITIES,
    PracticeSession,
    SessionSignup,
    Story,
)

__all__ = [
    "ACTIVE_SIGNUP_STATES",
    "CHALLENGE_VISIBILITIES",
    "INTRO_STATES",
    "MAX_ID",
    "MESSAGE_SIDES",
    "OPEN_INTRO_STATES",
    "OUTBOX_STATES",
    "REMINDER_KINDS",
    "REVIEW_DECISIONS",
    "ROLES",
    "SECTORS",
    "SESSION_KINDS",
    "SIGNUP_STATES",
    "STORY_OUTCOMES",
    "STORY_VISIBILITIES",
    "TEAM_ROLES",
    "ApiToken",
    "DataVersion",
    "Dismissal",
    "Introduction",
    "IntroductionEvent",
    "IntroductionMessage",
    "Invitation",
    "MatchReview",
    "OutboxMessage",
    "Partnership",
    "challenges_visible",
    "PartnershipSector",
    "PracticeSession",
    "ProfileChange",
    "Reminder",
    "SessionSignup",
    "Story",
    "Timestamps",
    "UTCDateTime",
    "User",
    "get_by_id",
    "utcnow",
]
