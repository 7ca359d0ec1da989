"""/api/v1 introductions: asking a mentor, the state machine's actions, and an admin's direct
introduction. Thin: the rules live in services/introductions.py."""

from __future__ import annotations

from typing import Any, NoReturn

from flask_login import current_user
from webargs.flaskparser import abort  # flask-smorest's ``abort`` is this one, re-exported

from ..models import Introduction
from ..services import introductions as intro_service
from ..services.validation import ValidationError
from . import schemas as s
from .blueprint import (
    admin_only,
    bad_input,
    blp,
    errors,
    own_partnership,
    partnership_or_404,
    ref,
    signed_in,
)

PAGE_SIZE = 50


def intro_out(intro: Introduction) -> dict[str, Any]:
    """An introduction in the documented shape; contacts only for those who may see them."""
    contacts = None
    if intro_service.contacts_visible(current_user, intro):
        contacts = {
            side: {"name": p.contact_name, "email": p.contact_email}
            for side, p in (("mentee", intro.mentee), ("mentor", intro.mentor))
        }
    return {
        "id": intro.id,
        "mentee": ref(intro.mentee),
        "mentor": ref(intro.mentor),
        "state": intro.state,
        "message": intro.message,
        "response": intro.response,
        "rating": intro.rating,
        "feedback": intro.feedback,
        "by_admin": intro.by_admin,
        "created_at": intro.created_at,
        "updated_at": intro.updated_at,
        "actions": intro_service.allowed_actions(current_user, intro),
        "contacts": contacts,
    }


def transition_error(exc: intro_service.TransitionError) -> NoReturn:
    """Answer a refused transition: 403, 404 or 400 as the service says, 409 otherwise."""
    status = {"forbidden": 403, "not_found": 404, "bad_request": 400}.get(exc.code, 409)
    abort(status, message=str(exc))


def visible_intro(intro_id: int) -> Introduction:
    """The introduction ``intro_id`` if the caller may see it; 404 otherwise (also when hidden)."""
    intro = intro_service.get_introduction(intro_id)
    if intro is None or not intro_service.can_view(current_user, intro):
        abort(404, message="no such introduction")
    return intro


@blp.get("/introductions")
@signed_in
@blp.arguments(s.IntroductionQuery, location="query", as_kwargs=True)
@blp.response(200, s.IntroductionList)
@errors(401, 422)
def list_introductions(page: int, state: str | None = None) -> dict[str, Any]:
    """The caller's introductions (as mentee or mentor); admins see all."""
    items: list[Introduction]
    if current_user.is_admin:
        pagination = intro_service.list_all(state=state, page=page, per_page=PAGE_SIZE)
        items, total = list(pagination.items), pagination.total or 0
    else:
        p = current_user.partnership
        outgoing, incoming = intro_service.for_partnership(p) if p else ([], [])
        items = sorted(
            {i.id: i for i in outgoing + incoming}.values(), key=lambda i: i.id, reverse=True
        )
        if state:
            items = [i for i in items if i.state == state]
        total = len(items)
        items = items[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    return {"items": [intro_out(i) for i in items], "total": total}


@blp.post("/introductions")
@signed_in
@blp.arguments(s.IntroductionInput)
@blp.response(201, s.Introduction)
@errors(401, 403, 404, 409, 422)
def create_introduction(data: dict[str, Any]) -> dict[str, Any]:
    """Ask a mentor for an introduction on behalf of the caller's partnership."""
    mentee = own_partnership()
    mentor = partnership_or_404(data["mentor"])
    try:
        intro = intro_service.request_introduction(mentee, mentor, data["message"], current_user)
    except ValidationError as exc:
        bad_input(exc)
    except intro_service.TransitionError as exc:
        transition_error(exc)
    return intro_out(intro)


@blp.get("/introductions/<int:intro_id>")
@signed_in
@blp.response(200, s.Introduction)
@errors(401, 404)
def get_introduction(intro_id: int) -> dict[str, Any]:
    """One introduction; contact details only once it is accepted."""
    return intro_out(visible_intro(intro_id))


def _act(intro_id: int, action: str, **kwargs: Any) -> dict[str, Any]:
    intro = visible_intro(intro_id)
    try:
        intro_service.transition(intro, action, current_user, **kwargs)
    except ValidationError as exc:
        bad_input(exc)
    except intro_service.TransitionError as exc:
        transition_error(exc)
    return intro_out(intro)


@blp.post("/introductions/<int:intro_id>/accept")
@signed_in
@blp.arguments(s.NoteInput)
@blp.response(200, s.Introduction)
@errors(401, 403, 404, 409, 422)
def accept(data: dict[str, Any], intro_id: int) -> dict[str, Any]:
    """The mentor accepts: both sides now see each other's contact details."""
    return _act(intro_id, "accept", note=data["note"])


@blp.post("/introductions/<int:intro_id>/decline")
@signed_in
@blp.arguments(s.NoteInput)
@blp.response(200, s.Introduction)
@errors(401, 403, 404, 409, 422)
def decline(data: dict[str, Any], intro_id: int) -> dict[str, Any]:
    """The mentor (or an admin) declines."""
    return _act(intro_id, "decline", note=data["note"])


@blp.post("/introductions/<int:intro_id>/withdraw")
@signed_in
@blp.arguments(s.NoteInput)
@blp.response(200, s.Introduction)
@errors(401, 403, 404, 409, 422)
def withdraw(data: dict[str, Any], intro_id: int) -> dict[str, Any]:
    """The asking partnership withdraws its request."""
    return _act(intro_id, "withdraw", note=data["note"])


@blp.post("/introductions/<int:intro_id>/approve")
@signed_in
@blp.arguments(s.NoteInput)
@blp.response(200, s.Introduction)
@errors(401, 403, 404, 409, 422)
def approve(data: dict[str, Any], intro_id: int) -> dict[str, Any]:
    """An admin passes a request that awaits approval on to the mentor."""
    return _act(intro_id, "approve", note=data["note"])


@blp.post("/introductions/<int:intro_id>/complete")
@signed_in
@blp.arguments(s.CompleteInput)
@blp.response(200, s.Introduction)
@errors(401, 403, 404, 409, 422)
def complete(data: dict[str, Any], intro_id: int) -> dict[str, Any]:
    """Either side marks an accepted introduction completed, with a rating (1–5) and feedback."""
    return _act(intro_id, "complete", rating=data["rating"], feedback=data["feedback"])


@blp.post("/admin/introductions")
@admin_only
@blp.arguments(s.AdminIntroductionInput)
@blp.response(201, s.Introduction)
@errors(401, 403, 404, 409, 422)
def admin_introduce(data: dict[str, Any]) -> dict[str, Any]:
    """An admin introduces two partnerships (no approval step)."""
    mentee = partnership_or_404(data["mentee"])
    mentor = partnership_or_404(data["mentor"])
    try:
        intro = intro_service.request_introduction(
            mentee, mentor, data["message"], current_user, by_admin=True
        )
    except ValidationError as exc:
        bad_input(exc)
    except intro_service.TransitionError as exc:
        transition_error(exc)
    return intro_out(intro)
