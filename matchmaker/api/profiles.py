"""/api/v1 partnerships, the caller's own profile and mentor suggestions. Thin: parse, call one
service (services/profiles.py, services/matching.py), shape the answer."""

from __future__ import annotations

from typing import Any, NoReturn

from flask import Response, jsonify, request
from flask_babel import get_locale
from flask_login import current_user
from webargs.flaskparser import abort  # flask-smorest's ``abort`` is this one, re-exported

from ..matching.results import Suggestion
from ..models import Partnership, challenges_visible
from ..security import suggestions_limited
from ..services import introductions as intro_service
from ..services import matching as matching_service
from ..services import profiles as profile_service
from ..services.permissions import acts_for_own
from ..services.validation import ValidationError
from . import schemas as s
from .blueprint import (
    bad_input,
    blp,
    errors,
    own_partnership,
    partnership_or_404,
    partnership_to_change,
    signed_in,
)


def public(p: Partnership) -> dict[str, Any]:
    """A partnership's profile as anyone may read it: no contact, challenges only if visible."""
    record = profile_service.to_record(p)
    record.pop("contact")
    record["challenges"] = profile_service.challenges_for(p, current_user)  # None: members only
    return record


def reader_language() -> str:
    """The language the caller reads (the API's locale), for the reasons of suggestions."""
    return str(get_locale() or "nl")


def suggestion_out(x: Suggestion, lang: str) -> dict[str, Any]:
    """One suggestion in the documented shape, its reasons in ``lang``."""
    return {
        "key": x.key,
        "name": x.name,
        "score": round(x.score, 4),
        "reasons": [{"kind": r.kind, "text": r.as_text(lang)} for r in x.reasons],
        "evidence": [e.to_dict() for e in x.evidence],
    }


def refuse_thin_challenges(key: str, items: list[Suggestion]) -> None:
    """An empty list because the challenges say too little is a 422 naming the field, not a silent []."""
    if not items and matching_service.too_little_text(key):
        abort(
            422,
            message=str(matching_service.TOO_LITTLE_TEXT),
            errors={"challenges": str(matching_service.TOO_LITTLE_TEXT)},
        )


# --- public partnerships -----------------------------------------------------------------------


@blp.get("/partnerships")
@blp.arguments(s.PartnershipQuery, location="query", as_kwargs=True)
@blp.response(200, s.PartnershipPage)
@errors(422)
def list_partnerships(
    page: int,
    per_page: int,
    sector: str | None = None,
    region: str | None = None,
    q: str | None = None,
) -> dict[str, Any]:
    """Active partnerships, by name; filter by sector and region, search text."""
    pagination = profile_service.list_partnerships(
        sector=sector,
        region=region,
        q=q,
        page=page,
        per_page=per_page,
        signed_in=current_user.is_authenticated,
    )
    return {
        "items": [public(p) for p in pagination.items],
        "page": page,
        "per_page": per_page,
        "total": pagination.total or 0,
    }


@blp.get("/partnerships/<key>")
@blp.response(200, s.PublicPartnership)
@errors(404)
def get_partnership(key: str) -> dict[str, Any]:
    """One partnership's public profile (no contact details)."""
    return public(partnership_or_404(key))


@blp.get("/partnerships/<key>/suggestions")
@suggestions_limited
@blp.arguments(s.SuggestionQuery, location="query", as_kwargs=True)
@blp.response(200, s.PublicSuggestion(many=True))
@errors(401, 404, 422)
def partnership_suggestions(
    key: str, limit: int, sector: str | None = None, region: str | None = None
) -> Response:
    """Suggested mentors for any active partnership, best first, with reasons (as on its public page)."""
    try:
        # One column, not the profile with its sectors and stories: this endpoint is hot.
        visibility = profile_service.challenges_visibility(key)
        if not challenges_visible(visibility, current_user):
            # The suggestions quote the challenges, which this partnership shows to signed-in ones only.
            abort(
                401,
                message="this partnership shows its challenges, and so its suggestions, to signed-in partnerships only",
            )
        items = matching_service.suggest(
            key, limit=limit, sectors=[sector] if sector else None, region=region
        )
    except profile_service.NotFound:  # also what matching_service.suggest raises
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
def me() -> dict[str, Any]:
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


def etag_of(p: Partnership) -> str:
    """The ETag of the profile's current version, e.g. ``"v3"``."""
    return f'"v{p.version}"'


def expected_version(p: Partnership) -> int | None:
    """The version an edit may replace: None without If-Match (or with ``*``); 412 when the
    If-Match names no current version. The service checks it again atomically when it writes."""
    if not request.if_match or request.if_match.star_tag:
        return None
    if not request.if_match.contains(etag_of(p).strip('"')):
        stale(p.version)
    return p.version


def stale(current: int) -> NoReturn:
    """Answer 412 with the ETag of the version the profile has now."""
    abort(
        412,
        message="the profile was changed since the version in If-Match; read it again (its ETag) and send your edit based on it",
        headers={"ETag": f'"v{current}"'},
    )


@blp.get("/me/partnership")
@signed_in
@blp.response(200, s.Profile, headers=ETAG_HEADER)
@errors(401, 404)
def own_profile() -> tuple[dict[str, Any], int, dict[str, str]]:
    """The caller's profile in the exchange format; its ETag is the version to send in If-Match."""
    p = own_partnership()
    return profile_service.to_record(p), 200, {"ETag": etag_of(p)}


@blp.put("/me/partnership")
@signed_in
@blp.arguments(s.ProfileInput)
@blp.response(200, s.Profile, headers=ETAG_HEADER)
@blp.doc(parameters=[IF_MATCH])
@errors(401, 403, 404, 412, 422)
def update_partnership(data: dict[str, Any]) -> tuple[dict[str, Any], int, dict[str, str]]:
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
def my_suggestions(
    limit: int, sector: str | None = None, region: str | None = None
) -> list[dict[str, Any]]:
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
