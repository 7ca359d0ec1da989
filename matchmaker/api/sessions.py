"""/api/v1 sessions: Praktijk-in-zicht sessions, offered through /me/sessions and signed up for
through /sessions/<id>/signup, on the same blueprint and in the same error shape as the other
endpoints (blueprint.py). Thin: the rules live in services/practice_sessions.py. The .ics is the
page's ``GET /sessions/<id>.ics``."""

from __future__ import annotations

from typing import Any, NoReturn

import marshmallow as ma
from flask_login import current_user
from webargs.flaskparser import abort  # flask-smorest's ``abort`` is this one, re-exported
from marshmallow import fields as f
from marshmallow import validate as v

from ..domain import LANGUAGES
from ..models import SESSION_KINDS, SIGNUP_STATES, PracticeSession
from ..services import notifications
from ..services import practice_sessions as service
from ..services.session_rules import MAX_CAPACITY, TIMEZONE_NAME, local
from ..services.validation import ValidationError
from . import schemas as s
from .blueprint import (
    bad_input,
    blp,
    errors,
    own_partnership,
    partnership_to_change,
    ref,
    signed_in,
)

STATUS = {"forbidden": 403, "not_found": 404}  # every other refusal: 409 Conflict
TIME_HELP = "ISO 8601; without an offset it is Europe/Amsterdam time, e.g. 2026-05-12T14:30"


class SessionInput(s.StrictSchema):
    """A session's fields as sent; the rules (and their messages per field) are the service's."""

    title = f.Raw(
        required=True, metadata={"type": "string", "description": "1 to 200 characters, one line"}
    )
    description = f.Raw(
        load_default="",
        metadata={"type": "string", "description": "what you will see, at most 5000 characters"},
    )
    kind = f.Raw(required=True, metadata={"type": "string", "enum": list(SESSION_KINDS)})
    starts_at = f.Raw(
        required=True, metadata={"type": "string", "description": f"{TIME_HELP}; in the future"}
    )
    ends_at = f.Raw(
        required=True,
        metadata={
            "type": "string",
            "description": f"{TIME_HELP}; after the start, at most 24 hours later",
        },
    )
    place = f.Raw(
        load_default="", metadata={"type": "string", "description": "required for a visit"}
    )
    online_url = f.Raw(
        load_default="",
        metadata={"type": "string", "description": "http(s) link; required for an online session"},
    )
    capacity = f.Raw(
        required=True, metadata={"type": "integer", "description": f"places, 1 to {MAX_CAPACITY}"}
    )
    language = f.Raw(load_default="nl", metadata={"type": "string", "enum": list(LANGUAGES)})


class Attendee(ma.Schema):
    """A partnership signed up for the session, with its state and when it signed up."""

    partnership = f.Nested(s.PartnershipRef, required=True)
    state = f.String(required=True, validate=v.OneOf(SIGNUP_STATES))
    signed_up_at = f.DateTime(required=True)


class MySignup(ma.Schema):
    """The caller's own sign-up: its state and place on the waiting list."""

    state = f.String(required=True, validate=v.OneOf(SIGNUP_STATES))
    position = f.Integer(
        allow_none=True,
        required=True,
        metadata={"description": "place on the waiting list (1 = next)"},
    )


class Session(ma.Schema):
    """A session as sent back; the online link and attendees only for those who may see them."""

    id = f.Integer(required=True)
    organiser = f.Nested(s.PartnershipRef, required=True)
    title = f.String(required=True)
    description = f.String(required=True)
    kind = f.String(required=True, validate=v.OneOf(SESSION_KINDS))
    starts_at = f.DateTime(
        required=True, metadata={"description": "with the Europe/Amsterdam offset"}
    )
    ends_at = f.DateTime(required=True)
    timezone = f.String(required=True)
    place = f.String(required=True)
    online_url = f.String(
        allow_none=True,
        required=True,
        metadata={"description": "null unless confirmed, the organiser's team or an admin"},
    )
    capacity = f.Integer(required=True)
    language = f.String(required=True, validate=v.OneOf(LANGUAGES))
    confirmed = f.Integer(required=True)
    waiting = f.Integer(required=True)
    cancelled = f.Boolean(required=True)
    sequence = f.Integer(
        required=True, metadata={"description": "the .ics SEQUENCE, bumped on each change"}
    )
    ics_url = f.String(required=True)
    my_signup = f.Nested(MySignup, allow_none=True, required=True)
    attendees = f.List(
        f.Nested(Attendee),
        allow_none=True,
        required=True,
        metadata={"description": "for the organiser's team and admins; null otherwise"},
    )


class Signup(ma.Schema):
    """The answer to signing up or cancelling: the sign-up and the session as it is now."""

    state = f.String(required=True, validate=v.OneOf(SIGNUP_STATES))
    position = f.Integer(allow_none=True, required=True)
    session = f.Nested(Session, required=True)


def session_out(session: PracticeSession, counts: dict[str, int] | None = None) -> dict[str, Any]:
    """A session in the documented shape, as the caller may see it; ``counts`` when known."""
    counts = counts or service.counts([session])[session.id]
    p = current_user.partnership if current_user.is_authenticated else None
    mine = service.signup_of(session, p)
    show_attendees = service.may_see_attendees(current_user, session)
    return {
        "id": session.id,
        "organiser": ref(session.partnership),
        "title": session.title,
        "description": session.description,
        "kind": session.kind,
        "starts_at": local(session.starts_at),
        "ends_at": local(session.ends_at),
        "timezone": TIMEZONE_NAME,
        "place": session.place,
        "online_url": session.online_url
        if service.may_see_online_url(current_user, session)
        else None,
        "capacity": session.capacity,
        "language": session.language,
        "confirmed": counts["confirmed"],
        "waiting": counts["waiting"],
        "cancelled": session.cancelled_at is not None,
        "sequence": session.sequence,
        "ics_url": notifications.absolute_url("sessions.ics", session_id=session.id),
        "my_signup": {"state": mine.state, "position": service.waiting_position(mine)}
        if mine
        else None,
        "attendees": [
            {"partnership": ref(a.partnership), "state": a.state, "signed_up_at": a.created_at}
            for a in service.attendees(session)
        ]
        if show_attendees
        else None,
    }


def visible_session(session_id: int) -> PracticeSession:
    """The session ``session_id`` if the caller may see it; 404 otherwise."""
    session = service.get_session(session_id, current_user)
    if session is None:
        abort(404, message=f"no session {session_id}")
    return session


def refused(exc: service.SessionError) -> NoReturn:
    """Answer a refusal of the service: 403 or 404 as it says, 409 Conflict otherwise."""
    abort(STATUS.get(exc.code, 409), message=str(exc))


@blp.get("/sessions")
@blp.response(200, Session(many=True))
@errors()
def list_sessions() -> list[dict[str, Any]]:
    """Upcoming sessions (not cancelled, not started), soonest first."""
    sessions = service.upcoming()
    counts = service.counts(sessions)
    return [session_out(x, counts[x.id]) for x in sessions]


@blp.get("/sessions/<int:session_id>")
@blp.response(200, Session)
@errors(404)
def get_session(session_id: int) -> dict[str, Any]:
    """One session; the online link for those signed up, who comes for the organiser's team."""
    return session_out(visible_session(session_id))


@blp.post("/me/sessions")
@signed_in
@blp.arguments(SessionInput)
@blp.response(201, Session)
@errors(401, 403, 404, 409, 422)
def create_session(data: dict[str, Any]) -> dict[str, Any]:
    """Offer a session as the caller's partnership (an experienced one: 409 otherwise)."""
    p = partnership_to_change()
    try:
        session = service.create_session(p, current_user, data)
    except ValidationError as exc:
        bad_input(exc)
    except service.SessionError as exc:
        refused(exc)
    return session_out(session)


def own_session(session_id: int) -> PracticeSession:
    """The caller's partnership's session ``session_id``, to change; 403 for another's."""
    p = partnership_to_change()
    session = visible_session(session_id)
    if session.partnership_id != p.id:
        abort(403, message="this session is another partnership's")
    return session


@blp.put("/me/sessions/<int:session_id>")
@signed_in
@blp.arguments(SessionInput)
@blp.response(200, Session)
@errors(401, 403, 404, 409, 422)
def update_session(data: dict[str, Any], session_id: int) -> dict[str, Any]:
    """Change every field of the caller's open session; those signed up are mailed the update."""
    session = own_session(session_id)
    try:
        session = service.update_session(session, current_user, data)
    except ValidationError as exc:
        bad_input(exc)
    except service.SessionError as exc:
        refused(exc)
    return session_out(session)


@blp.delete("/me/sessions/<int:session_id>")
@signed_in
@blp.response(200, Session)
@errors(401, 403, 404, 409)
def cancel_session(session_id: int) -> dict[str, Any]:
    """Call the caller's open session off; those signed up are mailed the cancellation."""
    session = own_session(session_id)
    try:
        session = service.cancel_session(session, current_user)
    except service.SessionError as exc:
        refused(exc)
    return session_out(session)


@blp.post("/sessions/<int:session_id>/signup")
@signed_in
@blp.response(201, Signup, description="confirmed: there was a place")
@blp.alt_response(202, schema=Signup, description="on the waiting list: the session is full")
@errors(401, 403, 404, 409)
def sign_up(session_id: int) -> tuple[dict[str, Any], int]:
    """Sign the caller's partnership up: 201 with a place, 202 on the waiting list."""
    session = visible_session(session_id)
    p = own_partnership()
    try:
        signup = service.sign_up(session, p, current_user)
    except service.SessionError as exc:
        refused(exc)
    body = {
        "state": signup.state,
        "position": service.waiting_position(signup),
        "session": session_out(session),
    }
    return body, (201 if signup.state == "confirmed" else 202)


@blp.delete("/sessions/<int:session_id>/signup")
@signed_in
@blp.response(200, Signup)
@errors(401, 403, 404, 409)
def cancel_signup(session_id: int) -> dict[str, Any]:
    """Give the caller's place (or waiting-list place) back; the first waiting one moves up."""
    session = visible_session(session_id)
    p = own_partnership()
    try:
        signup = service.cancel_signup(session, p, current_user)
    except service.SessionError as exc:
        refused(exc)
    return {"state": signup.state, "position": None, "session": session_out(session)}
