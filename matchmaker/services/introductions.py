"""Introductions: one explicit state machine, every transition checked and recorded here.

    requested ──accept──▶ accepted ──complete──▶ completed
        │  └──decline──▶ declined
        └─withdraw──▶ withdrawn
    awaiting_admin ──approve──▶ requested      (when REQUIRE_ADMIN_APPROVAL is on)
        ├─decline──▶ declined
        └─withdraw─▶ withdrawn

Who may do what is part of the table: the mentee side requests, withdraws and completes; the
mentor side accepts, declines and completes; an admin may do anything an admin may do.
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import CursorResult, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..matching.eligibility import MatchContext, ineligibility
from ..models import (
    OPEN_INTRO_STATES,
    Introduction,
    IntroductionEvent,
    Partnership,
    User,
    get_by_id,
    utcnow,
)
from . import locks, notifications
from .matching import excluded_pairs, mentor_load

# Who may see and do what lives in intro_access.py; its names are re-exported here, where
# every caller looks for the introductions' rules.
from .intro_access import ADMIN as ADMIN
from .intro_access import INACTIVE_MESSAGE as INACTIVE_MESSAGE
from .intro_access import LEADS_ON as LEADS_ON
from .intro_access import MENTEE as MENTEE
from .intro_access import MENTOR as MENTOR
from .intro_access import TRANSITIONS as TRANSITIONS
from .intro_access import Transition as Transition
from .intro_access import allowed_actions as allowed_actions
from .intro_access import both_active as both_active
from .intro_access import can_view as can_view
from .intro_access import contacts_visible as contacts_visible
from .intro_access import mentor_asked as mentor_asked
from .intro_access import reached_mentor_at as reached_mentor_at
from .intro_access import roles_of as roles_of
from .permissions import can_act_for, can_read_partnership, read_only_reason
from .profiles import contains, to_engine_profile
from .validation import ValidationError

MESSAGE_LIMIT = 2000


class TransitionError(Exception):
    """The transition is not allowed from this state, or not for this actor."""

    def __init__(self, message: str, code: str = "conflict") -> None:
        super().__init__(message)
        self.code = code


class NotAllowed(TransitionError):
    """The caller may not take this action on this introduction (code ``forbidden``)."""

    def __init__(self, message: str = "you may not do this with this introduction") -> None:
        super().__init__(message, code="forbidden")


def _clean_text(value, field: str, limit: int = MESSAGE_LIMIT) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValidationError({field: "must be text"})
    value = value.strip()
    if len(value) > limit:
        raise ValidationError({field: f"must be at most {limit} characters"})
    if "\x00" in value:
        raise ValidationError({field: "must not contain NUL characters"})
    return value


def _record(intro: Introduction, source: str | None, actor: User | None, note: str = "") -> None:
    intro.events.append(
        IntroductionEvent(
            from_state=source, to_state=intro.state, actor_id=actor.id if actor else None, note=note
        )
    )


def open_introduction(mentee: Partnership, mentor: Partnership) -> Introduction | None:
    """The pair's introduction that is still open (requested, awaiting the admin or accepted),
    or None."""
    return db.session.scalar(
        select(Introduction).where(
            Introduction.mentee_id == mentee.id,
            Introduction.mentor_id == mentor.id,
            Introduction.state.in_(OPEN_INTRO_STATES),
        )
    )


REFUSALS = {
    "self": "a partnership cannot be introduced to itself",
    "closed": "this partnership is not open to mentoring",
    "no_experiences": "this partnership has no experiences to share yet",
    "too_young": "this partnership is too young to mentor",
    "full": "this partnership has no room for another introduction",
    "excluded": "this pair is not available for introductions",
}


def request_introduction(
    mentee: Partnership, mentor: Partnership, message: str, actor: User, *, by_admin: bool = False
) -> Introduction:
    """Ask ``mentor`` to meet ``mentee``. Checks eligibility and capacity; records and notifies.

    The mentor's row is locked before anything is counted, so parallel requests for one mentor
    queue there: the capacity check and the insert are one step, and a mentor never gets more
    open introductions than its capacity."""
    message = _clean_text(message, "message")
    if not by_admin and not can_act_for(actor, mentee.id):
        raise NotAllowed(
            read_only_reason(actor)
            if can_read_partnership(actor, mentee.id)
            else "only the partnership itself can ask for its introductions"
        )
    if by_admin and not actor.is_admin:
        raise NotAllowed("only an admin can make introductions for others")
    locks.for_update(Partnership, mentor.id)  # re-reads capacity and openness under the lock
    try:
        intro = _new_introduction(mentee, mentor, message, actor, by_admin)
    except TransitionError:
        db.session.rollback()  # release the lock now, not at the end of the request
        raise
    try:
        db.session.flush()  # the id the emailed link needs
        notifications.introduction_changed(
            intro
        )  # queued in the outbox, committed with the request
        db.session.commit()
    except IntegrityError:  # a concurrent request for the same pair won the race
        db.session.rollback()
        raise TransitionError(
            "an introduction between these partnerships is already under way"
        ) from None
    return intro


def _new_introduction(
    mentee: Partnership, mentor: Partnership, message: str, actor: User, by_admin: bool
) -> Introduction:
    """The checks and the new row of ``request_introduction`` (called with the mentor locked)."""
    if not mentee.active or not mentor.active:
        raise TransitionError("this partnership is no longer active", code="not_found")
    if open_introduction(mentee, mentor) is not None:
        raise TransitionError("an introduction between these partnerships is already under way")
    context = MatchContext(
        current_year=date.today().year,
        min_years=current_app.config["MENTOR_MIN_YEARS"],
        load=mentor_load(),
        excluded=excluded_pairs(mentee.id) if not by_admin else frozenset(),
    )
    reason = ineligibility(to_engine_profile(mentor), to_engine_profile(mentee), context)
    if reason is not None:
        raise TransitionError(REFUSALS[reason], code=reason)
    needs_approval = current_app.config["REQUIRE_ADMIN_APPROVAL"] and not by_admin
    intro = Introduction(
        mentee_id=mentee.id,
        mentor_id=mentor.id,
        state="awaiting_admin" if needs_approval else "requested",
        message=message,
        created_by_id=actor.id,
        by_admin=by_admin,
    )
    db.session.add(intro)
    _record(intro, None, actor, "by admin" if by_admin else "")
    return intro


def transition(
    intro: Introduction, action: str, actor: User, *, note: str = "", rating=None, feedback=None
) -> Introduction:
    """Apply one action of the state machine, as ``actor``. Raises on anything not allowed.

    The state changes with one conditional update (``… WHERE state = <the state read>``): of two
    racing transitions exactly one finds the state it read and wins; the other changes nothing,
    sends no mail and gets a TransitionError (409)."""
    rule = TRANSITIONS.get(action)
    if rule is None:
        raise TransitionError(f"unknown action {action!r}", code="bad_request")
    roles = roles_of(actor, intro)
    if not roles:
        raise NotAllowed(
            read_only_reason(actor) if can_view(actor, intro) else "this introduction is not yours"
        )
    if not roles & set(rule.roles):
        raise NotAllowed(f"you cannot {action} this introduction")
    source = intro.state
    if source not in rule.source:
        raise TransitionError(f"cannot {action} an introduction that is {source.replace('_', ' ')}")
    if action in LEADS_ON:
        # Both partnerships' rows are locked (in id order) and read again: a deactivation
        # committing meanwhile is seen here, or waits until this transition is done.
        for partnership_id in sorted({intro.mentee_id, intro.mentor_id}):
            locks.for_update(Partnership, partnership_id)
        if not both_active(intro):
            db.session.rollback()  # release the locks
            raise TransitionError(INACTIVE_MESSAGE, code="inactive")
    note = _clean_text(note, "note")
    if action == "complete":
        rating = _clean_rating(rating)
        feedback = _clean_text(feedback, "feedback")
    if action == "accept":
        load = mentor_load().get(intro.mentor.key, 0)
        # The open request itself is part of the load; accepting must not push past capacity.
        if load > intro.mentor.mentor_capacity:
            db.session.rollback()  # release the partnerships' locks
            raise TransitionError(REFUSALS["full"], code="full")
    claim = (
        update(Introduction)
        .where(Introduction.id == intro.id, Introduction.state == source)
        .values(state=rule.target)
        .execution_options(synchronize_session=False)
    )
    claimed = cast(CursorResult[Any], db.session.execute(claim)).rowcount
    if claimed != 1:  # another transition came first
        db.session.rollback()
        now = intro.state.replace("_", " ")  # read again after the rollback
        raise TransitionError(f"cannot {action} an introduction that is {now}")
    if action == "complete":
        intro.rating = rating
        intro.feedback = feedback
        intro.completed_at = utcnow()
    if action in ("accept", "decline"):
        intro.responded_at = utcnow()
        if note:
            intro.response = note
    intro.state = rule.target
    _record(intro, source, actor, note)
    notifications.introduction_changed(intro)  # queued in the outbox, committed with the change
    db.session.commit()
    return intro


def _clean_rating(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        rating = int(value)
    except (TypeError, ValueError):
        raise ValidationError({"rating": "must be a whole number from 1 to 5"}) from None
    if (
        isinstance(value, bool)
        or not 1 <= rating <= 5
        or (isinstance(value, float) and value != rating)
    ):
        raise ValidationError({"rating": "must be a whole number from 1 to 5"})
    return rating


def get_introduction(intro_id: int) -> Introduction | None:
    """The introduction with this id, or None (also for an id no row can have)."""
    return get_by_id(Introduction, intro_id)


def for_partnership(partnership: Partnership) -> tuple[list[Introduction], list[Introduction]]:
    """(outgoing: where it is the mentee, incoming: where it is the mentor), newest first."""
    base = select(Introduction).order_by(Introduction.created_at.desc(), Introduction.id.desc())
    outgoing = db.session.scalars(base.where(Introduction.mentee_id == partnership.id)).all()
    reached = select(IntroductionEvent.introduction_id).where(
        IntroductionEvent.to_state == "requested"
    )  # reached_mentor_at, in SQL
    incoming = db.session.scalars(
        base.where(Introduction.mentor_id == partnership.id, Introduction.id.in_(reached))
    ).all()
    return list(outgoing), list(incoming)


def states_by_mentor(mentee: Partnership) -> dict[str, Introduction]:
    """The latest introduction per mentor key for this mentee (to show on suggestions)."""
    rows = db.session.execute(
        select(Partnership.key, Introduction)
        .join(Introduction, Introduction.mentor_id == Partnership.id)
        .where(Introduction.mentee_id == mentee.id)
        .order_by(Introduction.id)
    )
    return {key: intro for key, intro in rows}


def list_all(
    *, state: str | None = None, q: str | None = None, page: int = 1, per_page: int = 50
) -> Pagination:
    """A page (``db.paginate``) of all introductions for admins, newest first, filtered by state
    and partnership name/key; a page past the last is empty."""
    mentee = db.aliased(Partnership)
    mentor = db.aliased(Partnership)
    stmt = (
        select(Introduction)
        .join(mentee, Introduction.mentee_id == mentee.id)
        .join(mentor, Introduction.mentor_id == mentor.id)
    )
    if state:
        stmt = stmt.where(Introduction.state == state)
    if q:
        like = contains(q)
        stmt = stmt.where(
            or_(
                *(
                    column.like(like, escape="\\")
                    for column in (
                        func.lower(mentee.name),
                        func.lower(mentor.name),
                        mentee.key,
                        mentor.key,
                    )
                )
            )
        )
    stmt = stmt.order_by(Introduction.created_at.desc(), Introduction.id.desc())
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False, count=True)
