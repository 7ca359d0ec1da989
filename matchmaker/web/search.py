"""The search page, /zoeken: one box over partnerships and their public stories (services/search.py)."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from ..models import SECTORS, STORY_OUTCOMES
from ..security import suggestions_limited
from ..services import profiles as profile_service
from ..services import search as search_service
from ..services.validation import ValidationError

bp = Blueprint("search", __name__)
FILTERS = ("type", "sector", "region", "tip", "outcome")


@bp.get("/zoeken")
@suggestions_limited
def index():
    args = {name: (request.args.get(name) or "").strip() or None for name in FILTERS}
    q = (request.args.get("q") or "").strip()
    found, errors = None, {}
    if q:
        try:
            found = search_service.search(q, **args)
        except ValidationError as exc:
            errors = exc.fields
    status = 400 if errors else 200
    return render_template(
        "search/index.html",
        q=q,
        found=found,
        errors=errors,
        sectors=SECTORS,
        regions=profile_service.regions(),
        outcomes=STORY_OUTCOMES,
        tips=search_service.TIPS,
        **args,
    ), status
