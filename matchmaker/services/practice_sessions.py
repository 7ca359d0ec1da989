"""Praktijk-in-zicht sessions: an experienced partnership offers a visit, an online hour or a
workshop; other partnerships sign up, up to its capacity, then onto a waiting list.

Rules, each in one place here:
- who may organise: ``may_organise`` (the accounts that may act for the organising partnership,
  ``permissions.can_act_for``), and the partnership must be experienced (founded at least
  MENTOR_MIN_YEARS ago, as for mentoring);
- who may sign up: ``may_sign_up`` (the accounts that may act for their own partnership), never
  for the own partnership's session;
- capacity: a sign-up, a cancellation and an edit lock the session's row (services/locks.py)
  before counting, so parallel sign-ups never pass the capacity: the first ``capacity`` are
  confirmed, the rest wait in the order they came (``SessionSignup.id``);
- the waiting list moves up when a confirmed place is given back or the capacity is raised;
- every change is mailed to the partnerships it concerns, in the same transaction
  (services/session_mail.py: the outbox, and the .ics for a confirmed place).
The fields' rules and the times in Europe/Amsterdam live in services/session_rules.py.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import (
    ACTIVE_SIGNUP_STATES,
    Partnership,
    PracticeSession,
    SessionSignup,
    User,
    get_by_id,
    utcnow,
)
from . import locks, permissions, session_mail
from .session_rules import FIELDS, clean_session
from .validation import ValidationError

CONFIRMED, WAITING, CANCELLED = "confirmed", "waiting", "cancelled"
# What attendees hear about when it changes (capacity alone is the organiser's business).
NOTIFIED_FIELDS = tuple(f for f in FIELDS if f != "capacity")


class SessionError(Exception):
    """A refused action; ``code`` says which (forbidden 403, not_found 404, the rest 409)."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


# --- who may do what -----------------------------------------------------------------------------


def may_organise(user: User | None, partnership: Partnership | None) -> bool:
    """May ``user`` create, change and cancel ``partnership``'s sessions and see who comes?"""
    return partnership is not None and permissions.can_act_for(user, partnership.id)


def may_sign_up(user: User | None, partnership: Partnership | None) -> bool:
    """May ``user`` sign ``partnership`` up for sessions (or give its place back)?"""
    return (
        partnership is not None
        and partnership.active
        and permissions.can_act_for(user, partnership.id)
    )


def may_see_attendees(user: User | None, session: PracticeSession) -> bool:
    """The organiser's team and admins see who comes."""
    return permissions.can_read_partnership(user, session.partnership_id)


def is_experienced(partnership: Partnership, today: date | None = None) -> bool:
    """Founded at least MENTOR_MIN_YEARS ago: the partnerships that offer sessions."""
    year = (today or date.today()).year
    return partnership.founded <= year - current_app.config["MENTOR_MIN_YEARS"]


def may_see_online_url(user: User | None, session: PracticeSession) -> bool:
    """The online link is for confirmed partnerships, the organiser's team and admins."""
    if may_see_attendees(user, session):
        return True
    mine = signup_of(session, getattr(user, "partnership", None)) if user is not None else None
    return mine is not None and mine.state == CONFIRMED


def _require_organiser(user: User, partnership: Partnership) -> None:
    if not may_organise(user, partnership):
        raise SessionError(permissions.read_only_reason(user), "forbidden")


# --- reading -------------------------------------------------------------------------------------


def get_session(session_id: int, viewer: User | None = None) -> PracticeSession | None:
    """The session, if ``viewer`` may see it (an inactive organiser's only for its team and admins)."""
    session = get_by_id(PracticeSession, session_id)
    if session is None or (
        not session.partnership.active and not may_see_attendees(viewer, session)
    ):
        return None
    return session


def upcoming(now: datetime | None = None, limit: int = 200) -> list[PracticeSession]:
    """Sessions not cancelled that have not started, of active partnerships, soonest first."""
    stmt = (
        select(PracticeSession)
        .join(Partnership, Partnership.id == PracticeSession.partnership_id)
        .where(
            PracticeSession.cancelled_at.is_(None),
            PracticeSession.starts_at > (now or utcnow()),
            Partnership.active.is_(True),
        )
        .order_by(PracticeSession.starts_at, PracticeSession.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def sessions_of(partnership: Partnership) -> list[PracticeSession]:
    """All of a partnership's sessions, newest start first."""
    stmt = (
        select(PracticeSession)
        .where(PracticeSession.partnership_id == partnership.id)
        .order_by(PracticeSession.starts_at.desc(), PracticeSession.id.desc())
    )
    return list(db.session.scalars(stmt))


def counts(sessions: list[PracticeSession]) -> dict[int, dict[str, int]]:
    """{session id: {"confirmed": n, "waiting": n}} in one query."""
    out = {s.id: {CONFIRMED: 0, WAITING: 0} for s in sessions}
    if out:
        rows = db.session.execute(
            select(SessionSignup.session_id, SessionSignup.state, func.count())
            .where(SessionSignup.session_id.in_(out), SessionSignup.state.in_(ACTIVE_SIGNUP_STATES))
            .group_by(SessionSignup.session_id, SessionSignup.state)
        )
        for session_id, state, n in rows:
            out[session_id][state] = n
    return out


def signup_of(session: PracticeSession, partnership: Partnership | None) -> SessionSignup | None:
    """The partnership's active (confirmed or waiting) sign-up for the session."""
    if partnership is None:
        return None
    return db.session.scalars(
        select(SessionSignup).where(
            SessionSignup.session_id == session.id,
            SessionSignup.partnership_id == partnership.id,
            SessionSignup.state.in_(ACTIVE_SIGNUP_STATES),
        )
    ).first()


def waiting_position(signup: SessionSignup) -> int | None:
    """1 for the first on the waiting list; None when not waiting."""
    if signup.state != WAITING:
        return None
    return db.session.scalar(
        select(func.count()).where(
            SessionSignup.session_id == signup.session_id,
            SessionSignup.state == WAITING,
            SessionSignup.id <= signup.id,
        )
    )


def attendees(session: PracticeSession) -> list[SessionSignup]:
    """Active sign-ups: the confirmed ones, then the waiting list in its order."""
    rows = db.session.scalars(
        select(SessionSignup)
        .where(
            SessionSignup.session_id == session.id, SessionSignup.state.in_(ACTIVE_SIGNUP_STATES)
        )
        .order_by(SessionSignup.id)
    ).all()
    return [r for r in rows if r.state == CONFIRMED] + [r for r in rows if r.state == WAITING]


def is_open(session: PracticeSession, now: datetime | None = None) -> bool:
    """Not cancelled and not started: sign-ups and changes are still possible."""
    return session.cancelled_at is None and session.starts_at > (now or utcnow())


# --- organising ----------------------------------------------------------------------------------


def create_session(
    partnership: Partnership, user: User, data, now: datetime | None = None
) -> PracticeSession:
    """A new session of ``partnership``. Raises SessionError (forbidden, too_young) or ValidationError."""
    _require_organiser(user, partnership)
    if not is_experienced(partnership):
        raise SessionError(
            "only experienced partnerships offer sessions (founded at least "
            f"{current_app.config['MENTOR_MIN_YEARS']} years ago)",
            "too_young",
        )
    clean = clean_session(data, now=now or utcnow())
    session = PracticeSession(
        partnership_id=partnership.id, created_by_id=user.id, sequence=0, **clean
    )
    db.session.add(session)
    db.session.commit()
    return session


def _locked_open(session: PracticeSession, now: datetime) -> PracticeSession:
    """The session's row, locked; SessionError (releasing the lock) unless it is still open."""
    locked = locks.for_update(PracticeSession, session.id)
    if locked is None:
        db.session.rollback()
        raise SessionError("this session does not exist", "not_found")
    if locked.cancelled_at is not None:
        db.session.rollback()
        raise SessionError("this session was cancelled", "cancelled")
    if locked.starts_at <= now:
        db.session.rollback()
        raise SessionError("this session has already started", "started")
    return locked


def update_session(
    session: PracticeSession, user: User, data, now: datetime | None = None
) -> PracticeSession:
    """Change every field of an open session; the signed-up partnerships get the update (.ics
    with a higher SEQUENCE) and a raised capacity lets the waiting list move up."""
    now = now or utcnow()
    _require_organiser(user, session.partnership)
    try:
        clean = clean_session(data, now=now)
    except ValidationError:
        db.session.rollback()
        raise
    session = _locked_open(session, now)
    confirmed = sum(1 for s in attendees(session) if s.state == CONFIRMED)
    if clean["capacity"] < confirmed:
        db.session.rollback()
        raise ValidationError(
            {
                "capacity": str(
                    _l("cannot be lower than the %(n)d partnerships already confirmed", n=confirmed)
                )
            }
        )
    changed = any(getattr(session, field) != clean[field] for field in NOTIFIED_FIELDS)
    for field, value in clean.items():
        setattr(session, field, value)
    if changed:
        session.sequence += 1
        for signup in attendees(session):
            session_mail.changed(signup, has_place=signup.state == CONFIRMED)
    for signup in _fill_places(session, now):
        session_mail.moved_up(signup)
    db.session.commit()
    return session


def cancel_session(
    session: PracticeSession, user: User, now: datetime | None = None
) -> PracticeSession:
    """Call an open session off; everyone signed up hears it (the confirmed with METHOD:CANCEL)."""
    now = now or utcnow()
    _require_organiser(user, session.partnership)
    session = _locked_open(session, now)
    session.cancelled_at = now
    session.sequence += 1
    for signup in attendees(session):
        session_mail.cancelled(signup, has_place=signup.state == CONFIRMED)
    db.session.commit()
    return session


# --- signing up ----------------------------------------------------------------------------------


def sign_up(
    session: PracticeSession, partnership: Partnership, user: User, now: datetime | None = None
) -> SessionSignup:
    """Sign ``partnership`` up: confirmed while there is room, else on the waiting list.

    The session's row is locked while the places are counted, so parallel sign-ups never
    pass the capacity. Raises SessionError: forbidden, own_session, cancelled, started,
    already_signed_up."""
    now = now or utcnow()
    if not may_sign_up(user, partnership):
        raise SessionError(permissions.read_only_reason(user), "forbidden")
    if session.partnership_id == partnership.id:
        raise SessionError("a partnership cannot sign up for its own session", "own_session")
    session = _locked_open(session, now)
    if signup_of(session, partnership) is not None:
        db.session.rollback()
        raise SessionError(
            "your partnership is already signed up for this session", "already_signed_up"
        )
    confirmed = (
        db.session.scalar(
            select(func.count()).where(
                SessionSignup.session_id == session.id, SessionSignup.state == CONFIRMED
            )
        )
        or 0
    )
    state = CONFIRMED if confirmed < session.capacity else WAITING
    signup = SessionSignup(
        session_id=session.id,
        partnership_id=partnership.id,
        user_id=user.id,
        state=state,
        confirmed_at=now if state == CONFIRMED else None,
    )
    db.session.add(signup)
    try:
        db.session.flush()
    except IntegrityError:  # the unique active sign-up, should the lock ever be bypassed
        db.session.rollback()
        raise SessionError(
            "your partnership is already signed up for this session", "already_signed_up"
        ) from None
    if state == CONFIRMED:
        session_mail.confirmed(signup)
    else:
        session_mail.waiting(signup, waiting_position(signup))
    db.session.commit()
    return signup


def cancel_signup(
    session: PracticeSession, partnership: Partnership, user: User, now: datetime | None = None
) -> SessionSignup:
    """Give ``partnership``'s place (or its place on the waiting list) back; a confirmed place
    goes to the first on the waiting list, who is mailed. Raises SessionError: forbidden,
    not_found (not signed up), cancelled, started."""
    now = now or utcnow()
    if not may_sign_up(user, partnership):
        raise SessionError(permissions.read_only_reason(user), "forbidden")
    session = _locked_open(session, now)
    signup = signup_of(session, partnership)
    if signup is None:
        db.session.rollback()
        raise SessionError("your partnership is not signed up for this session", "not_found")
    was_confirmed = signup.state == CONFIRMED
    signup.state, signup.cancelled_at = CANCELLED, now
    db.session.flush()
    session_mail.signed_off(signup, was_confirmed=was_confirmed)
    for moved in _fill_places(session, now):
        session_mail.moved_up(moved)
    db.session.commit()
    return signup


def _fill_places(session: PracticeSession, now: datetime) -> list[SessionSignup]:
    """Confirm the first on the waiting list while there is room (under the session's lock)."""
    rows = attendees(session)
    free = session.capacity - sum(1 for r in rows if r.state == CONFIRMED)
    moved = [r for r in rows if r.state == WAITING][: max(free, 0)]
    for signup in moved:
        signup.state, signup.confirmed_at = CONFIRMED, now
    db.session.flush()
    return moved
