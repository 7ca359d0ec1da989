"""Conversations: the two partnerships of an introduction (and admins) exchange short plain-text
messages on it, before and after acceptance.

Rules, each in one place here:
- who may read: whoever may see the introduction (``introductions.can_view``);
- who may write: ``may_write`` — the accounts that may act for either partnership, and admins;
  while a request awaits an admin's approval the mentor has not been asked yet, so there the
  conversation is between the asking partnership and the admins;
- when: in the open states (requested, awaiting_admin, accepted); a declined, withdrawn or
  completed introduction takes no new messages (``ConversationClosed``, a 409), and neither does
  one whose other partnership was deactivated (but from admins);
- what: plain text, 1 to ``MESSAGE_LIMIT`` characters after trimming.

Each new message is queued in the outbox for the other side (``notifications.message_posted``)
and committed with the message. A message shows its author's side and partnership name, never
an address: contact details stay behind ``introductions.contacts_visible``.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import OPEN_INTRO_STATES, Introduction, IntroductionMessage, User
from . import locks, notifications
from .introductions import (
    ADMIN,
    INACTIVE_MESSAGE,
    MENTEE,
    MENTOR,
    MESSAGE_LIMIT,
    NotAllowed,
    TransitionError,
    both_active,
    can_view,
    reached_mentor_at,
    roles_of,
)
from .permissions import can_read_partnership
from .validation import ValidationError

OPEN_FOR_MESSAGES = OPEN_INTRO_STATES  # requested, awaiting_admin, accepted


class ConversationClosed(TransitionError):
    """The introduction was declined, withdrawn or completed: no new messages."""

    def __init__(self, state: str) -> None:
        super().__init__(
            f"the introduction is {state.replace('_', ' ')}: its conversation takes no new messages",
            code="conversation_closed",
        )


def may_write(user: User, intro: Introduction) -> bool:
    """Whether ``user`` may post in this introduction's conversation (state aside).

    The one rule for writing: admins, and accounts that may act for the asking or the mentoring
    partnership (``roles_of``, which asks ``permissions.can_act_for``: coordinators, not read-only
    members); the mentor side only once the request has reached it (not while it awaits an
    admin's approval)."""
    roles = roles_of(user, intro)
    if ADMIN in roles or MENTEE in roles:
        return True
    return MENTOR in roles and intro.state != "awaiting_admin"


def side_of(user: User, intro: Introduction) -> str:
    """The side ``user`` writes for: its partnership's side, else admin."""
    roles = roles_of(user, intro)
    for side in (MENTEE, MENTOR, ADMIN):
        if side in roles:
            return side
    raise NotAllowed("this introduction is not yours")


def clean_body(value) -> str:
    """The message text, trimmed; ValidationError naming ``body`` when empty, too long or not text."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError({"body": _("is required")})
    if not isinstance(value, str):
        raise ValidationError({"body": _("must be text")})
    value = value.strip()
    if "\x00" in value:
        raise ValidationError({"body": _("must not contain NUL characters")})
    if len(value) > MESSAGE_LIMIT:
        raise ValidationError(
            {
                "body": _(
                    "must be at most %(limit)d characters (got %(got)d)",
                    limit=MESSAGE_LIMIT,
                    got=len(value),
                )
            }
        )
    return value


def post_message(intro: Introduction, author: User, body) -> IntroductionMessage:
    """Add ``author``'s message to the conversation and queue the email to the other side.

    Raises NotAllowed (may not write), ConversationClosed (closed introduction) or
    ValidationError (``body``). The introduction's row is locked while its state is checked, so
    a message never lands after a parallel decline or withdrawal committed."""
    if not can_view(author, intro):
        raise NotAllowed("this introduction is not yours")
    body = clean_body(body)
    locks.for_update(Introduction, intro.id)  # re-reads the state under the lock
    try:
        if intro.state not in OPEN_FOR_MESSAGES:
            raise ConversationClosed(intro.state)
        if not may_write(author, intro):
            raise NotAllowed("you may read this conversation but not write in it")
        if not author.is_admin and not both_active(intro):
            raise TransitionError(INACTIVE_MESSAGE, code="inactive")
    except TransitionError:
        db.session.rollback()  # release the lock now
        raise
    message = IntroductionMessage(
        introduction_id=intro.id, author_id=author.id, author_side=side_of(author, intro), body=body
    )
    db.session.add(message)
    db.session.flush()  # the message's id and time for the email
    notifications.message_posted(message)  # queued in the outbox, committed with the message
    db.session.commit()
    return message


def messages_of(intro: Introduction, reader: User | None = None) -> list[IntroductionMessage]:
    """The conversation of an introduction, oldest first; for a ``reader`` of the mentor's side
    only, what was written once the request had reached it (``reached_mentor_at``): while a
    request awaits approval, the asking partnership and the admins talk among themselves."""
    stmt = select(IntroductionMessage).where(IntroductionMessage.introduction_id == intro.id)
    if reader is not None and not (
        reader.is_admin or can_read_partnership(reader, intro.mentee_id)
    ):
        reached = reached_mentor_at(intro)
        if reached is None:
            return []
        stmt = stmt.where(IntroductionMessage.created_at >= reached)
    return list(
        db.session.scalars(stmt.order_by(IntroductionMessage.created_at, IntroductionMessage.id))
    )


def author_name(message: IntroductionMessage) -> str | None:
    """How the author is named to the parties: its partnership, or None for an admin (never an
    address: the account's email is a contact detail)."""
    intro = message.introduction
    return {MENTEE: intro.mentee.name, MENTOR: intro.mentor.name}.get(message.author_side)
