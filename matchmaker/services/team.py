"""A partnership's team: its accounts and their roles (coordinator or member).

Coordinators invite colleagues (services/invitations.py), change roles and remove colleagues;
anyone may leave. A partnership always keeps an active coordinator: the last one cannot leave,
be removed or be demoted. Every change that could take a coordinator away locks the
partnership's row first (services/locks.py) and counts the coordinators under that lock, so two
concurrent demotions cannot both pass the count.

A removed (or departed) account is deactivated: it can no longer log in, its sessions and API
tokens stop working, and it keeps its place in the history (who asked, who answered). It is
set to ``member`` so that reactivating it (an admin's decision) never brings back a coordinator.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..extensions import db
from ..models import Invitation, Partnership, User, get_by_id, utcnow
from . import locks
from .accounts import revoke_all_tokens
from .permissions import COORDINATOR, MEMBER, NotCoordinator, can_act_for, is_team_role
from .validation import ValidationError


class TeamError(Exception):
    """The change would break a team rule; ``code`` says which."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


LAST_COORDINATOR = "last_coordinator"
NOT_IN_TEAM = "not_in_team"
MESSAGES = {
    LAST_COORDINATOR: "a partnership needs at least one coordinator: make a colleague coordinator first",
    NOT_IN_TEAM: "this account is not an active account of the partnership",
}
TEXTS = {  # for the HTML pages (in the reader's language)
    LAST_COORDINATOR: _l(
        "A partnership needs at least one coordinator. Make a colleague coordinator first."
    ),
    NOT_IN_TEAM: _l("This account is not (or no longer) part of your team."),
}


def members_of(partnership: Partnership) -> list[User]:
    """The partnership's active accounts: coordinators first, then by email address."""
    rows = db.session.scalars(
        select(User)
        .where(User.partnership_id == partnership.id, User.active.is_(True))
        .order_by(User.email)
    )
    return sorted(rows, key=lambda u: u.role != COORDINATOR)


def open_invitations(partnership: Partnership) -> list[Invitation]:
    """Invitations not yet used or withdrawn (invited or expired), newest first."""
    return list(
        db.session.scalars(
            select(Invitation)
            .where(
                Invitation.partnership_id == partnership.id,
                Invitation.accepted_at.is_(None),
                Invitation.withdrawn_at.is_(None),
            )
            .order_by(Invitation.id.desc())
        )
    )


def _coordinators_besides(partnership_id: int, user_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(User)
            .where(
                User.partnership_id == partnership_id,
                User.role == COORDINATOR,
                User.active.is_(True),
                User.id != user_id,
            )
        )
        or 0
    )


def _fresh(user: User) -> User | None:
    """``user`` read again (inside the lock: what other transactions committed meanwhile)."""
    return db.session.scalars(
        select(User).where(User.id == user.id).execution_options(populate_existing=True)
    ).first()


def _locked_change(actor: User | None, target: User, partnership_id: int, change) -> User:
    """Lock the partnership, re-read both accounts, check the rules, apply ``change(target)``
    and commit; all or nothing. ``actor`` None: the command line (an operator)."""
    try:
        locks.for_update(Partnership, partnership_id)
        fresh = _fresh(target)
        if actor is not None:
            actor = _fresh(actor)
            if actor is None or not (
                actor.is_admin or can_act_for(actor, partnership_id) or actor.id == target.id
            ):
                raise NotCoordinator()
        if fresh is None or not fresh.active or fresh.partnership_id != partnership_id:
            raise TeamError(MESSAGES[NOT_IN_TEAM], NOT_IN_TEAM)
        change(fresh)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return fresh


def _end_access(user: User) -> None:
    """The account leaves the partnership: deactivated, sessions ended, tokens revoked."""
    if (
        user.role == COORDINATOR
        and user.partnership_id is not None
        and _coordinators_besides(user.partnership_id, user.id) == 0
    ):
        raise TeamError(MESSAGES[LAST_COORDINATOR], LAST_COORDINATOR)
    user.role = MEMBER
    user.active = False
    user.session_version += 1
    user.updated_at = utcnow()
    revoke_all_tokens(user)


def change_role(actor: User | None, target: User, role: str) -> User:
    """Make ``target`` a coordinator or a member of its partnership. ``actor`` must be a
    coordinator of it or an admin (None: the command line). ValidationError for an unknown role,
    NotCoordinator for a member, TeamError when it would leave the partnership without a coordinator."""
    if not is_team_role(role):
        raise ValidationError({"role": f"must be one of {COORDINATOR}, {MEMBER}"})
    partnership_id = target.partnership_id
    if partnership_id is None:
        raise TeamError(MESSAGES[NOT_IN_TEAM], NOT_IN_TEAM)

    def apply(user: User) -> None:
        if (
            actor is not None
            and actor.id == user.id
            and role == COORDINATOR
            and not can_act_for(user, partnership_id)
        ):
            raise NotCoordinator()  # a member cannot promote itself
        if (
            user.role == COORDINATOR
            and role == MEMBER
            and _coordinators_besides(partnership_id, user.id) == 0
        ):
            raise TeamError(MESSAGES[LAST_COORDINATOR], LAST_COORDINATOR)
        user.role = role

    return _locked_change(actor, target, partnership_id, apply)


def remove(actor: User | None, target: User) -> User:
    """Take ``target`` out of its partnership's team (see the module docstring). ``actor``: a
    coordinator of the partnership or an admin (None: the command line)."""
    partnership_id = target.partnership_id
    if partnership_id is None:
        raise TeamError(MESSAGES[NOT_IN_TEAM], NOT_IN_TEAM)
    if actor is not None and actor.id == target.id:
        return leave(target)
    return _locked_change(actor, target, partnership_id, _end_access)


def leave(user: User) -> User:
    """``user`` leaves its partnership's team (any role; not the last coordinator)."""
    if user.partnership_id is None:
        raise TeamError(MESSAGES[NOT_IN_TEAM], NOT_IN_TEAM)
    return _locked_change(user, user, user.partnership_id, _end_access)


def may_manage(user: User, partnership: Partnership) -> bool:
    """May ``user`` invite, change roles and remove colleagues in ``partnership``'s team?"""
    return can_act_for(user, partnership.id)


def colleague(actor: User, user_id) -> User | None:
    """An active account of ``actor``'s partnership by id, or None (ids of others reveal nothing)."""
    user = get_by_id(User, user_id)
    if (
        user is None
        or actor.partnership_id is None
        or user.partnership_id != actor.partnership_id
        or not user.active
    ):
        return None
    return user
