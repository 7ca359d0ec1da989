"""What a signed-up partnership hears about a Praktijk-in-zicht session: its place, its place on
the waiting list, moving up, signing off, a change and a cancellation.

Each email goes to the partnership's accounts through the outbox, in the caller's transaction
(services/notifications.py); a confirmed place gets the session's .ics along
(services/session_calendar.py). A failure is logged, never raised: it must not undo the change
it reports. The rules of who gets a place live in services/practice_sessions.py."""

from __future__ import annotations

import logging

from flask_babel import lazy_gettext as _l

from ..models import PracticeSession, SessionSignup
from . import notifications
from .session_calendar import CANCEL, REQUEST, build_ics
from .session_rules import when_text

log = logging.getLogger(__name__)


def session_link(session: PracticeSession) -> str:
    """The session's page, absolute (for emails and the .ics)."""
    return notifications.absolute_url("sessions.detail", session_id=session.id)


def session_ics(
    session: PracticeSession, *, method: str = REQUEST, with_online_url: bool = True
) -> str:
    """The session's .ics (see services/session_calendar.py)."""
    return build_ics(
        session, link=session_link(session), method=method, with_online_url=with_online_url
    )


def _mail(
    signup: SessionSignup, template: str, subject, *, method: str | None = None, **context
) -> None:
    """Mail the signed-up partnership's accounts; with ``method``, the .ics goes along."""
    session = signup.session
    try:
        calendar = session_ics(session, method=method) if method else None
        notifications.send_email(
            notifications.recipients(signup.partnership),
            template,
            subject,
            calendar=calendar,
            session=session,
            signup=signup,
            when=lambda: when_text(session.starts_at, session.ends_at),
            link=session_link(session),
            ics_link=notifications.absolute_url("sessions.ics", session_id=session.id),
            **context,
        )
    except Exception:
        log.exception("could not send the %s email", template)


def confirmed(signup: SessionSignup) -> None:
    """The partnership has a place: the email, with the session for its calendar."""
    title = signup.session.title
    _mail(
        signup,
        "session_confirmed",
        _l("Matchmaker: you are signed up: %(title)s", title=title),
        method=REQUEST,
    )


def waiting(signup: SessionSignup, position: int | None) -> None:
    """The partnership is on the waiting list, at ``position`` (1 for the first)."""
    title = signup.session.title
    _mail(
        signup,
        "session_waiting",
        _l("Matchmaker: on the waiting list: %(title)s", title=title),
        position=position,
    )


def moved_up(signup: SessionSignup) -> None:
    """The partnership moved up from the waiting list to a place: the email and the .ics."""
    title = signup.session.title
    _mail(
        signup,
        "session_moved_up",
        _l("Matchmaker: you have a place: %(title)s", title=title),
        method=REQUEST,
    )


def signed_off(signup: SessionSignup, *, was_confirmed: bool) -> None:
    """The partnership gave its place (or its place on the waiting list) back; a place it had
    is taken out of its calendar."""
    title = signup.session.title
    _mail(
        signup,
        "session_signup_cancelled",
        _l("Matchmaker: signed off: %(title)s", title=title),
        method=CANCEL if was_confirmed else None,
        calendar_cancel=was_confirmed,
    )


def changed(signup: SessionSignup, *, has_place: bool) -> None:
    """The session's details changed; a partnership with a place gets the updated .ics."""
    title = signup.session.title
    _mail(
        signup,
        "session_updated",
        _l("Matchmaker: session changed: %(title)s", title=title),
        method=REQUEST if has_place else None,
    )


def cancelled(signup: SessionSignup, *, has_place: bool) -> None:
    """The session is called off; a partnership with a place has it taken out of its calendar."""
    title = signup.session.title
    _mail(
        signup,
        "session_cancelled",
        _l("Matchmaker: session cancelled: %(title)s", title=title),
        method=CANCEL if has_place else None,
    )
