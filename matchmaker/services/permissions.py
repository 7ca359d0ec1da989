"""Who may read and who may act for a partnership: the one rule every view, API endpoint and
service calls, so no role string is compared anywhere else.

A partnership's accounts are ``coordinator`` (edit the profile and stories, request and answer
introductions, dismiss suggestions, manage the team) or ``member`` (read and follow: the
partnership's pages, suggestions, introductions and, once accepted, their contact details).
Admins have no partnership; they act through the admin pages (an admin account that does have a
partnership acts for it like a coordinator). A token acts with its owner's current role. A
deactivated partnership's accounts read, and do not act (``can_act_for``).
"""

from __future__ import annotations

from typing import TypeGuard

from flask_babel import lazy_gettext as _l

from ..models import User

COORDINATOR, MEMBER = "coordinator", "member"
ACTING_ROLES = (COORDINATOR, "admin")
READ_ONLY_MESSAGE = "members of a partnership can read and follow, not change anything; ask a coordinator of your team"
READ_ONLY_TEXT = _l(  # for the pages (in the reader's language)
    "Your account is a member of the team: you can read and follow everything, but only a "
    "coordinator can change anything here. Ask a coordinator of your team."
)


DEACTIVATED_MESSAGE = (
    "your partnership has been deactivated in Matchmaker: you can read what was yours, not "
    "change anything; ask an admin to activate it again"
)


def read_only_reason(user: User | None) -> str:
    """Why ``user`` may read a partnership but not act for it: a member, or a deactivated one."""
    partnership = getattr(user, "partnership", None)
    if partnership is not None and not partnership.active:
        return DEACTIVATED_MESSAGE
    return READ_ONLY_MESSAGE


class NotCoordinator(Exception):
    """The caller may read this partnership but not act for it (a member, not a coordinator)."""

    def __init__(self, message: str = READ_ONLY_MESSAGE) -> None:
        super().__init__(message)


def _signed_in(user: User | None) -> TypeGuard[User]:
    """Is ``user`` an active, signed-in account (and so a User)?"""
    return (
        user is not None
        and getattr(user, "is_authenticated", True)
        and bool(getattr(user, "active", False))
    )


def can_read_partnership(user: User | None, partnership_id: int | None) -> bool:
    """May ``user`` see the partnership's own pages (its introductions, team, contacts once accepted)?"""
    if not _signed_in(user) or partnership_id is None:
        return False
    return user.is_admin or user.partnership_id == partnership_id


def can_act_for(user: User | None, partnership_id: int | None) -> bool:
    """May ``user`` change things for the partnership: edit it, act on its introductions, manage
    its team? Only while the partnership is active: a partnership an admin deactivated has left
    the programme, and its accounts may still read what was theirs, not act."""
    if not _signed_in(user) or partnership_id is None:
        return False
    return (
        user.partnership_id == partnership_id
        and user.role in ACTING_ROLES
        and user.partnership is not None
        and bool(user.partnership.active)
    )


def require_act_for(user: User | None, partnership_id: int | None) -> None:
    """``can_act_for`` or NotCoordinator."""
    if not can_act_for(user, partnership_id):
        raise NotCoordinator(read_only_reason(user))


def acts_for_own(user: User | None) -> bool:
    """May ``user`` act for its own partnership (templates: show the buttons that change things)?"""
    return user is not None and can_act_for(user, getattr(user, "partnership_id", None))


def is_team_role(role) -> bool:
    """A role a partnership's account can have (``coordinator`` or ``member``)."""
    return role in (COORDINATOR, MEMBER)
