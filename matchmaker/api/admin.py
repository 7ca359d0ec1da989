"""/api/v1/admin: reviews of mentee–mentor pairs and the exchange document (export and import),
for admins only. Thin: the rules live in services/reviews.py and services/profiles.py."""

from __future__ import annotations

from typing import Any

from flask_login import current_user
from webargs.flaskparser import abort  # flask-smorest's ``abort`` is this one, re-exported

from ..models import MatchReview
from ..services import importing
from ..services import profiles as profile_service
from ..services import reviews as review_service
from ..services.validation import ValidationError
from . import schemas as s
from .blueprint import admin_only, bad_input, blp, errors, partnership_or_404, ref


def review_out(r: MatchReview) -> dict[str, Any]:
    """A review in the documented shape, the reviewer by email."""
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
def list_reviews() -> list[dict[str, Any]]:
    """Rejected pairs (never suggested again), newest first."""
    return [review_out(r) for r in review_service.rejected_reviews()]


@blp.post("/admin/reviews")
@admin_only
@blp.arguments(s.ReviewInput)
@blp.response(200, s.Review)
@errors(401, 403, 404, 422)
def review(data: dict[str, Any]) -> dict[str, Any]:
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
def export() -> dict[str, Any]:
    """All active profiles in the exchange format, contacts included."""
    return profile_service.export_document()


@blp.post("/admin/import")
@admin_only
@blp.arguments(s.ExchangeDocument)
@blp.response(200, s.ImportResult)
@errors(401, 403, 409, 422)
def import_profiles(data: dict[str, Any]) -> dict[str, Any]:
    """Validate a whole exchange document, then upsert by key; nothing is written on any error.
    Names the mentors in it whose experiences are near-identical to another mentor's."""
    try:
        report = importing.import_profiles(data)
    except ValidationError as exc:
        bad_input(exc)
    except importing.ImportConflict as exc:
        abort(409, message=str(exc))
    return {
        "created": report.created,
        "updated": report.updated,
        "near_duplicates": [
            {"key": a, "other": b, "similarity": cosine} for a, b, cosine in report.near_duplicates
        ],
        "duplicate_check_skipped": report.duplicate_check_skipped,
    }
