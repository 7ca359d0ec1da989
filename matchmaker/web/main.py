"""Public pages: the list of partnerships and a partnership's profile with suggested mentors."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from flask_login import current_user

from ..domain import LANGUAGES, SECTORS
from ..security import safe_next
from .helpers import page_number
from ..services import accounts
from ..services import profiles as profile_service
from ..services.matching import suggest, too_little_text

bp = Blueprint("main", __name__)
PER_PAGE = 24


@bp.get("/")
def index():
    sector = request.args.get("sector") or None
    if sector not in SECTORS:
        sector = None
    region = (request.args.get("region") or "").strip()[:100] or None
    q = (request.args.get("q") or "").strip()[:200] or None
    pagination = profile_service.list_partnerships(
        sector=sector,
        region=region,
        q=q,
        page=page_number(),
        per_page=PER_PAGE,
        signed_in=current_user.is_authenticated,
    )
    return render_template(
        "main/index.html",
        pagination=pagination,
        sector=sector,
        region=region,
        q=q,
        sectors=SECTORS,
        regions=profile_service.regions(),
    )


@bp.get("/partnerships/<key>")
def partnership(key: str):
    try:
        p = profile_service.get_partnership(key)
    except profile_service.NotFound:
        abort(404)
    if not p.challenges_visible_to(current_user):
        # Members-only challenges: the suggestions quote them (and their words), so a visitor
        # sees neither; signing in shows both.
        return render_template(
            "main/partnership.html",
            p=p,
            suggestions=[],
            too_little_text=False,
            challenges_hidden=True,
        )
    suggestions = suggest(p.key)
    thin = not suggestions and too_little_text(p.key)
    return render_template(
        "main/partnership.html", p=p, suggestions=suggestions, too_little_text=thin
    )


@bp.post("/language")
def language():
    lang = request.form.get("lang")
    if lang in LANGUAGES:
        session["lang"] = lang
        if current_user.is_authenticated:  # the account's choice: its emails follow it too
            accounts.set_locale(current_user, lang)
    return redirect(safe_next(request.form.get("next"), url_for("main.index")))
