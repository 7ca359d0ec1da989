"""The signed-in partnership: its home, its profile, its suggestions."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..models import SECTORS
from ..security import suggestions_limited
from ..services import dismissals
from ..services import introductions as intro_service
from ..services import matching as matching_service
from ..services import search as search_service
from ..services import profiles as profile_service
from ..services.permissions import READ_ONLY_TEXT, can_act_for
from ..services.validation import ValidationError
from .auth import switched_language
from .forms import EditProfileForm, EmptyForm, apply_errors

bp = Blueprint("web", __name__)


def partnership_required(view):
    """Signed in, with a partnership of one's own (admins without one are sent to the admin)."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        p = current_user.partnership
        if p is None:
            if current_user.is_admin:
                return redirect(url_for("admin.dashboard"))
            abort(403)
        if not p.active:
            flash(_("Uw partnerschap is gedeactiveerd. Neem contact op met de beheerder."), "error")
            abort(403)
        return view(p, *args, **kwargs)

    return wrapped


def coordinator_required(view):
    """``partnership_required``, and the account may act for the partnership (a coordinator);
    a member gets 403 with an explanation (services/permissions.py)."""

    @partnership_required
    @wraps(view)
    def wrapped(p, *args, **kwargs):
        if not can_act_for(current_user, p.id):
            flash(str(READ_ONLY_TEXT), "error")
            abort(403)
        return view(p, *args, **kwargs)

    return wrapped


@bp.get("/home")
@partnership_required
def home(p):
    outgoing, incoming = intro_service.for_partnership(p)
    return render_template("member/home.html", p=p, outgoing=outgoing, incoming=incoming)


@bp.route("/profile/edit", methods=["GET", "POST"])
@coordinator_required
def edit_profile(p):
    form = EditProfileForm()
    if request.method == "GET":
        form.fill_from(p)
        form.version.data = str(p.version)
    elif switched_language():
        return render_template("member/edit_profile.html", form=form, p=p, lang_form="profile-form")
    elif form.validate_on_submit():
        try:
            profile_service.save_profile(
                form.to_record(key=p.key), existing=p, expected_version=form.expected_version()
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except profile_service.StaleProfile as exc:
            # Someone saved in between: keep everything typed here in the form, show what is
            # stored now, and let a second save (now based on the stored version) replace it.
            differences = form.differences(profile_service.to_record(p), p.key)
            form.version.data = str(exc.current)
            return render_template(
                "member/edit_profile.html",
                form=form,
                p=p,
                stale=differences,
                lang_form="profile-form",
            ), 409
        else:
            flash(_("Het profiel is opgeslagen."), "success")
            return redirect(url_for("web.home"))
    status = 400 if form.errors or form.form_errors else 200
    return render_template(
        "member/edit_profile.html", form=form, p=p, lang_form="profile-form"
    ), status


@bp.get("/suggestions")
@suggestions_limited
@partnership_required
def suggestions(p):
    sector = request.args.get("sector") if request.args.get("sector") in SECTORS else None
    region = (request.args.get("region") or "").strip()[:100] or None
    items = matching_service.suggest(p.key, sectors=[sector] if sector else None, region=region)
    latest = intro_service.states_by_mentor(p)
    states = {s.key: latest.get(s.key) for s in items}
    thin = not items and matching_service.too_little_text(p.key)
    return render_template(
        "member/suggestions.html",
        p=p,
        suggestions=items,
        too_little_text=thin,
        themes=[] if thin else matching_service.challenge_themes(p.key),
        stories=[] if thin else search_service.stories_for(p.key, p.challenges),
        states=states,
        sector=sector,
        region=region,
        sectors=SECTORS,
        regions=profile_service.regions(),
        dismissed=dismissals.dismissed_mentors(p),
        form=EmptyForm(),
    )


def _mentor_for_button(key: str):
    """The mentor a suggestion button names (after the CSRF check)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        return profile_service.get_partnership(key)
    except profile_service.NotFound:
        abort(404)


@bp.post("/suggestions/<key>/dismiss")
@coordinator_required
def dismiss(p, key: str):
    mentor = _mentor_for_button(key)
    dismissals.dismiss(p, mentor, current_user)
    flash(_("%(name)s wordt u niet meer voorgesteld.", name=mentor.name), "success")
    return redirect(url_for("web.suggestions"))


@bp.post("/suggestions/<key>/restore")
@coordinator_required
def restore(p, key: str):
    mentor = _mentor_for_button(key)
    dismissals.undismiss(p, mentor, current_user)
    flash(_("%(name)s kan u weer worden voorgesteld.", name=mentor.name), "success")
    return redirect(url_for("web.suggestions"))
