"""The endpoints of /api/v1. Thin: parse, call one service, shape the answer."""

from __future__ import annotations

from functools import wraps

from flask import current_app, g, jsonify, request
from flask_babel import get_locale
from flask_login import current_user
from flask_smorest import Blueprint, abort

from ..extensions import csrf
from ..security import suggestions_limited
from ..services import accounts
from ..services import introductions as intro_service
from ..services import matching as matching_service
from ..services import profiles as profile_service
from ..services import reviews as review_service
from ..services.permissions import READ_ONLY_MESSAGE, acts_for_own, can_act_for
from ..services.validation import ValidationError
from . import schemas as s

blp = Blueprint("api", __name__, url_prefix="/api/v1", description="Matchmaker API, version 1")
csrf.exempt(blp)  # token calls need no CSRF; session calls are checked in authenticate()

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
COMMON_ERRORS = (400, 413, 429)


def errors(*codes):
    """Document the error responses an endpoint can give, all in the one error shape."""

    def decorate(view):
        for code in sorted(set(codes) | set(COMMON_ERRORS)):
            view = blp.alt_response(code, schema=s.ErrorSchema, description="error")(view)
        return view

    return decorate


@blp.before_request
def authenticate():
    """A bearer token wins; otherwise the session, whose state changes need the CSRF token."""
    g.api_token_auth = False
    header = request.headers.get("Authorization")
    if header:
        scheme, _, token = header.partition(" ")
        user = accounts.user_for_token(token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            abort(401, message="invalid or revoked API token")
        g._login_user = user
        g.api_token_auth = True
    elif (
        request.method in UNSAFE
        and current_user.is_authenticated
        and current_app.config.get("WTF_CSRF_ENABLED", True)
    ):
        csrf.protect()


def signed_in(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            abort(401, message="sign in, or send a personal API token")
        return view(*args, **kwargs)

    return wrapped


def admin_only(view):
    @wraps(view)
    @signed_in
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403, message="admins only")
        return view(*args, **kwargs)

    return wrapped


def own_partnership():
    p = current_user.partnership
    if p is None or not p.active:
        abort(404, message="your account has no active partnership")
    return p


def partnership_to_change():
    """The caller's partnership, when the caller may act for it (403 for a member of its team)."""
    p = own_partnership()
    if not can_act_for(current_user, p.id):
        abort(403, message=READ_ONLY_MESSAGE)
    return p


def partnership_or_404(key: str, include_inactive: bool = False):
    try:
        return profile_service.get_partnership(key, include_inactive=include_inactive)
    except profile_service.NotFound:
        abort(404, message=f"unknown partnership {key!r}")


def bad_input(exc: ValidationError):
    abort(422, message="the request has invalid fields", errors=exc.fields)


def public(p) -> dict:
    record = profile_service.to_record(p)
    record.pop("contact")
    record["challenges"] = profile_service.challenges_for(p, current_user)  # None: members only
    return record


def ref(p) -> dict:
    return {"key": p.key, "name": p.name}


def intro_out(intro) -> dict:
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


def reader_language() -> str:
    return str(get_locale() or "nl")


def suggestion_out(x, lang: str) -> dict:
    return {
        "key": x.key,
        "name": x.name,
        "score": round(x.score, 4),
        "reasons": [{"kind": r.kind, "text": r.as_text(lang)} for r in x.reasons],
        "evidence": [e.to_dict() for e in x.evidence],
    }


def refuse_thin_challenges(key: str, items: list) -> None:
    """An empty list because the challenges say too little is a 422 naming the field, not a silent []."""
    if not items and matching_service.too_little_text(key):
        abort(
            422,
            message=str(matching_service.TOO_LITTLE_TEXT),
            errors={"challenges": str(matching_service.TOO_LITTLE_TEXT)},
        )


def transition_error(exc: intro_service.TransitionError):
    status = {"forbidden": 403, "not_found": 404, "bad_request": 400}.get(exc.code, 409)
    abort(status, message=str(exc))


# --- public partnerships -----------------------------------------------------------------------


@blp.get("/partnerships")
@blp.arguments(s.PartnershipQuery, location="query", as_kwargs=True)
@blp.response(200, s.PartnershipPage)
@errors(422)
def list_partnerships(page, per_page, sector=None, region=None, q=None):
    """Active partnerships, by name; filter by sector and region, search text."""
    items, total = profile_service.list_partnerships(
        sector=sector,
        region=region,
        q=q,
        page=page,
        per_page=per_page,
        signed_in=current_user.is_authenticated,
    )
    return {"items": [public(p) for p in items], "page": page, "per_page": per_page, "total": total}


@blp.get("/partnerships/<key>")
@blp.response(200, s.PublicPartnership)
@errors(404)
def get_partnership(key):
    """One partnership's public profile (no contact details)."""
    return public(partnership_or_404(key))


@blp.get("/partnerships/<key>/suggestions")
@suggestions_limited
@blp.arguments(s.SuggestionQuery, location="query", as_kwargs=True)
@blp.response(200, s.PublicSuggestion(many=True))
@errors(401, 404, 422)
def partnership_suggestions(key, limit, sector=None, region=None):
    """Suggested mentors for any active partnership, best first, with reasons (as on its public page)."""
    p = partnership_or_404(key)
    if not p.challenges_visible_to(current_user):
        # The suggestions quote the challenges, which this partnership shows to signed-in ones only.
        abort(
            401,
            message="this partnership shows its challenges, and so its suggestions, to signed-in partnerships only",
        )
    try:
        items = matching_service.suggest(
            key, limit=limit, sectors=[sector] if sector else None, region=region
        )
    except matching_service.NotFound:
        abort(404, message=f"unknown partnership {key!r}")
    refuse_thin_challenges(key, items)
    # Already in the documented shape: sent as is, without a second pass through the schema
    # (that pass cost about as much as the ranking; tests check the shape against the spec).
    lang = reader_language()
    return jsonify([suggestion_out(x, lang) for x in items])


# --- the caller ----------------------------------------------------------------------------------


@blp.get("/me")
@signed_in
@blp.response(200, s.Me)
@errors(401)
def me():
    """The caller's account and own profile (with its contact details)."""
    p = current_user.partnership
    return {
        "email": current_user.email,
        "role": current_user.role,
        "can_act": acts_for_own(current_user),
        "partnership": profile_service.to_record(p) if p else None,
    }


ETAG_HEADER = {
    "ETag": {
        "description": "the profile's version; send it back in If-Match",
        "schema": {"type": "string"},
    }
}
IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": False,
    "schema": {"type": "string"},
    "description": "the ETag of the profile this edit is based on: when someone saved the profile since, "
    "the edit is refused with 412 and nothing is written. Without If-Match (or with *) the PUT replaces "
    "the profile whatever its version.",
}


def etag_of(p) -> str:
    return f'"v{p.version}"'


def expected_version(p) -> int | None:
    """The version an edit may replace: None without If-Match (or with ``*``); 412 when the
    If-Match names no current version. The service checks it again atomically when it writes."""
    if not request.if_match or request.if_match.star_tag:
        return None
    if not request.if_match.contains(etag_of(p).strip('"')):
        stale(p.version)
    return p.version


def stale(current: int):
    abort(
        412,
        message="the profile was changed since the version in If-Match; read it again (its ETag) and send your edit based on it",
        headers={"ETag": f'"v{current}"'},
    )


@blp.get("/me/partnership")
@signed_in
@blp.response(200, s.Profile, headers=ETAG_HEADER)
@errors(401, 404)
def own_profile():
    """The caller's profile in the exchange format; its ETag is the version to send in If-Match."""
    p = own_partnership()
    return profile_service.to_record(p), 200, {"ETag": etag_of(p)}


@blp.put("/me/partnership")
@signed_in
@blp.arguments(s.ProfileInput)
@blp.response(200, s.Profile, headers=ETAG_HEADER)
@blp.doc(parameters=[IF_MATCH])
@errors(401, 403, 404, 412, 422)
def update_partnership(data):
    """Replace the caller's profile (every field of the exchange format but the key).

    Send the ETag of ``GET /me/partnership`` in If-Match: an edit based on an older version is
    refused with 412 instead of silently undoing someone else's change. Coordinators only."""
    p = partnership_to_change()
    expected = expected_version(p)
    record = dict(data, key=p.key)
    if record.get("contact") is None:
        record.pop("contact", None)
    try:
        p = profile_service.save_profile(record, existing=p, expected_version=expected)
    except ValidationError as exc:
        bad_input(exc)
    except profile_service.StaleProfile as exc:
        stale(exc.current)
    return profile_service.to_record(p), 200, {"ETag": etag_of(p)}


@blp.get("/me/suggestions")
@signed_in
@suggestions_limited
@blp.arguments(s.SuggestionQuery, location="query", as_kwargs=True)
@blp.response(200, s.Suggestion(many=True))
@errors(401, 404, 422)
def my_suggestions(limit, sector=None, region=None):
    """Suggested mentors for the caller's partnership, best first, with reasons."""
    p = own_partnership()
    items = matching_service.suggest(
        p.key, limit=limit, sectors=[sector] if sector else None, region=region
    )
    refuse_thin_challenges(p.key, items)
    latest = intro_service.states_by_mentor(p)
    lang = reader_language()
    return [
        dict(
            suggestion_out(x, lang),
            introduction_state=latest[x.key].state if x.key in latest else None,
        )
        for x in items
    ]


# --- introductions ----------------------------------------------------------------------------


@blp.get("/introductions")
@signed_in
@blp.arguments(s.IntroductionQuery, location="query", as_kwargs=True)
@blp.response(200, s.IntroductionList)
@errors(401, 422)
def list_introductions(page, state=None):
    """The caller's introductions (as mentee or mentor); admins see all."""
    if current_user.is_admin:
        items, total = intro_service.list_all(state=state, page=page)
    else:
        p = current_user.partnership
        outgoing, incoming = intro_service.for_partnership(p) if p else ([], [])
        items = sorted(
            {i.id: i for i in outgoing + incoming}.values(), key=lambda i: i.id, reverse=True
        )
        if state:
            items = [i for i in items if i.state == state]
        total = len(items)
        items = items[(page - 1) * 50 : page * 50]
    return {"items": [intro_out(i) for i in items], "total": total}


@blp.post("/introductions")
@signed_in
@blp.arguments(s.IntroductionInput)
@blp.response(201, s.Introduction)
@errors(401, 403, 404, 409, 422)
def create_introduction(data):
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


def visible_intro(intro_id: int):
    intro = intro_service.get_introduction(intro_id)
    if intro is None or not intro_service.can_view(current_user, intro):
        abort(404, message="no such introduction")
    return intro


@blp.get("/introductions/<int:intro_id>")
@signed_in
@blp.response(200, s.Introduction)
@errors(401, 404)
def get_introduction(intro_id):
    """One introduction; contact details only once it is accepted."""
    return intro_out(visible_intro(intro_id))


def _act(intro_id: int, action: str, **kwargs):
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
def accept(data, intro_id):
    """The mentor accepts: both sides now see each other's contact details."""
    return _act(intro_id, "accept", note=data["note"])


@blp.post("/introductions/<int:intro_id>/decline")
@signed_in
@blp.arguments(s.NoteInput)
@blp.response(200, s.Introduction)
@errors(401, 403, 404, 409, 422)
def decline(data, intro_id):
    """The mentor (or an admin) declines."""
    return _act(intro_id, "decline", note=data["note"])


@blp.post("/introductions/<int:intro_id>/withdraw")
@signed_in
@blp.arguments(s.NoteInput)
@blp.response(200, s.Introduction)
@errors(401, 403, 404, 409, 422)
def withdraw(data, intro_id):
    """The asking partnership withdraws its request."""
    return _act(intro_id, "withdraw", note=data["note"])


@blp.post("/introductions/<int:intro_id>/approve")
@signed_in
@blp.arguments(s.NoteInput)
@blp.response(200, s.Introduction)
@errors(401, 403, 404, 409, 422)
def approve(data, intro_id):
    """An admin passes a request that awaits approval on to the mentor."""
    return _act(intro_id, "approve", note=data["note"])


@blp.post("/introductions/<int:intro_id>/complete")
@signed_in
@blp.arguments(s.CompleteInput)
@blp.response(200, s.Introduction)
@errors(401, 403, 404, 409, 422)
def complete(data, intro_id):
    """Either side marks an accepted introduction completed, with a rating (1–5) and feedback."""
    return _act(intro_id, "complete", rating=data["rating"], feedback=data["feedback"])


# --- admin --------------------------------------------------------------------------------------


@blp.post("/admin/introductions")
@admin_only
@blp.arguments(s.AdminIntroductionInput)
@blp.response(201, s.Introduction)
@errors(401, 403, 404, 409, 422)
def admin_introduce(data):
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


def review_out(r) -> dict:
    return {
        "mentee": ref(r.mentee),
        "mentor": ref(r.mentor),
        "decision": r.decision,
        "note": r.note,
        "reviewer": r.reviewer.email if r.reviewer else None,
        "updated_at": r.updated_at,
    }


@blp.get("/admin/reviews")
@admin_only
@blp.response(200, s.Review(many=True))
@errors(401, 403)
def list_reviews():
    """Rejected pairs (never suggested again), newest first."""
    return [review_out(r) for r in review_service.rejected_reviews()]


@blp.post("/admin/reviews")
@admin_only
@blp.arguments(s.ReviewInput)
@blp.response(200, s.Review)
@errors(401, 403, 404, 422)
def review(data):
    """Endorse or reject a mentee–mentor pair."""
    mentee = partnership_or_404(data["mentee"], include_inactive=True)
    mentor = partnership_or_404(data["mentor"], include_inactive=True)
    try:
        r = review_service.review_pair(mentee, mentor, data["decision"], data["note"], current_user)
    except ValidationError as exc:
        bad_input(exc)
    return review_out(r)


@blp.get("/admin/export")
@admin_only
@blp.response(200, s.ExchangeDocument)
@errors(401, 403)
def export():
    """All active profiles in the exchange format, contacts included."""
    return profile_service.export_document()


@blp.post("/admin/import")
@admin_only
@blp.arguments(s.ExchangeDocument)
@blp.response(200, s.ImportResult)
@errors(401, 403, 422)
def import_profiles(data):
    """Validate a whole exchange document, then upsert by key; nothing is written on any error."""
    try:
        result = profile_service.import_document(data)
    except ValidationError as exc:
        bad_input(exc)
    return {"created": result.created, "updated": result.updated}
