"""Admin pages: the review queue, all introductions, partnerships and accounts, the dashboard."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..extensions import db
from ..models import INTRO_STATES, User, get_by_id
from ..services import accounts
from ..security import safe_next
from ..services import introductions as intro_service
from ..services import mail
from ..services import invitations as invitation_service
from ..services import profiles as profile_service
from ..services import reviews as review_service
from ..services import stats
from ..services.validation import ValidationError
from .forms import EmptyForm, InviteForm, ReviewForm
from .helpers import page_number
from .intros import error_message

bp = Blueprint("admin", __name__, url_prefix="/admin")
# Items on one page of the admin lists: the review queue, introductions and partnerships.
REVIEW_PAGE = 10
INTRO_PAGE = 50
ADMIN_PAGE = 500


def admin_required(view):
    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _partnership(key: str):
    try:
        return profile_service.get_partnership(key, include_inactive=True)
    except profile_service.NotFound:
        abort(404)


def _back(default: str, anchor: str = ""):
    """Back to the page the form came from, at ``anchor`` (the row acted on) when given."""
    target = safe_next(request.form.get("next"), default).split("#", 1)[0]
    return redirect(f"{target}#{anchor}" if anchor else target)


def _pair_anchor(mentee_key: str, mentor_key: str) -> str:
    return f"pair-{mentee_key}-{mentor_key}"


@bp.get("/")
@admin_required
def dashboard():
    return render_template(
        "admin/dashboard.html",
        stats=stats.dashboard(),
        failed_mail=mail.failed_messages(),
        form=EmptyForm(),
    )


@bp.post("/mail/<int:message_id>/resend")
@admin_required
def resend_mail(message_id: int):
    """Put an email the worker gave up on back in the outbox."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    if mail.resend(message_id):
        flash(_("Het bericht staat weer klaar om te versturen."), "success")
    return redirect(url_for("admin.dashboard"))


@bp.get("/review")
@admin_required
def review():
    q = (request.args.get("q") or "").strip()[:100] or None
    pagination, queue = review_service.review_queue(page=page_number(), per_page=REVIEW_PAGE, q=q)
    reviews = review_service.reviews_for([item.mentee.id for item in queue])
    return render_template(
        "admin/review.html",
        queue=queue,
        reviews=reviews,
        rejected=review_service.rejected_reviews(),
        form=ReviewForm(),
        empty=EmptyForm(),
        pagination=pagination,
        q=q,
    )


@bp.post("/review/<mentee_key>/<mentor_key>/<decision>")
@admin_required
def decide(mentee_key: str, mentor_key: str, decision: str):
    form = ReviewForm()
    if not form.validate_on_submit():
        abort(400)
    mentee, mentor = _partnership(mentee_key), _partnership(mentor_key)
    if decision == "clear":
        review_service.clear_review(mentee, mentor)
        flash(
            _("Het oordeel over %(a)s en %(b)s is gewist.", a=mentee.name, b=mentor.name), "success"
        )
        return _back(url_for("admin.review"), "rejected-pairs")
    try:
        review_service.review_pair(mentee, mentor, decision, form.note.data or "", current_user)
    except ValidationError as exc:
        flash("; ".join(exc.fields.values()), "error")
    else:
        if decision == "rejected":
            flash(
                _("%(b)s wordt niet meer voorgesteld aan %(a)s.", a=mentee.name, b=mentor.name),
                "success",
            )
        else:
            flash(
                _("De combinatie %(a)s – %(b)s is aanbevolen.", a=mentee.name, b=mentor.name),
                "success",
            )
    if decision == "rejected":  # the pair leaves the list: back to its partnership
        return _back(url_for("admin.review"), f"review-{mentee.key}")
    return _back(url_for("admin.review"), _pair_anchor(mentee.key, mentor.key))


@bp.post("/review/<mentee_key>/<mentor_key>/introduce")
@admin_required
def introduce(mentee_key: str, mentor_key: str):
    form = ReviewForm()
    if not form.validate_on_submit():
        abort(400)
    mentee, mentor = _partnership(mentee_key), _partnership(mentor_key)
    try:
        intro = intro_service.request_introduction(
            mentee, mentor, form.note.data or "", current_user, by_admin=True
        )
    except ValidationError as exc:
        flash("; ".join(exc.fields.values()), "error")
    except intro_service.TransitionError as exc:
        flash(error_message(exc), "error")
    else:
        flash(
            _(
                "De beheerder heeft een kennismaking tussen %(a)s en %(b)s voorgesteld; %(b)s krijgt daarover een e-mail.",
                a=mentee.name,
                b=mentor.name,
            ),
            "success",
        )
        return redirect(url_for("intros.detail", intro_id=intro.id))
    return _back(url_for("admin.review"), _pair_anchor(mentee.key, mentor.key))


@bp.get("/introductions")
@admin_required
def introductions():
    state = request.args.get("state") if request.args.get("state") in INTRO_STATES else None
    q = (request.args.get("q") or "").strip()[:100] or None
    pagination = intro_service.list_all(state=state, q=q, page=page_number(), per_page=INTRO_PAGE)
    return render_template(
        "admin/introductions.html",
        pagination=pagination,
        state=state,
        q=q,
        states=INTRO_STATES,
        form=EmptyForm(),
    )


@bp.get("/partnerships")
@admin_required
def partnerships():
    q = (request.args.get("q") or "").strip()[:100] or None
    pagination = profile_service.list_partnerships(
        q=q, include_inactive=True, page=page_number(), per_page=ADMIN_PAGE
    )
    return render_template("admin/partnerships.html", pagination=pagination, q=q, form=EmptyForm())


@bp.get("/partnerships/<key>")
@admin_required
def partnership(key: str):
    """One partnership's accounts and invitations (invited, joined, expired, withdrawn)."""
    p = _partnership(key)
    return render_template(
        "admin/partnership.html",
        p=p,
        invitations=invitation_service.of_partnership(p),
        invite_form=InviteForm(formdata=None),
        form=EmptyForm(),
    )


@bp.post("/partnerships/<key>/invitations")
@admin_required
def invite(key: str):
    form = InviteForm()
    if not form.validate_on_submit():
        abort(400)
    p = _partnership(key)
    try:
        invitation = invitation_service.invite(
            p, (form.email.data or "").strip() or None, by=current_user, role=form.role.data or None
        )
    except ValidationError as exc:
        flash("; ".join(f"{field}: {message}" for field, message in exc.fields.items()), "error")
    else:
        flash(_("Uitnodiging gestuurd naar %(email)s.", email=invitation.email), "success")
    return redirect(url_for("admin.partnership", key=p.key))


def _invitation(invitation_id: int):
    invitation = invitation_service.get(invitation_id)
    if invitation is None:
        abort(404)
    return invitation


@bp.post("/invitations/<int:invitation_id>/resend")
@admin_required
def invitation_resend(invitation_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    invitation = _invitation(invitation_id)
    try:
        invitation_service.resend(invitation)
    except invitation_service.InvitationError:
        flash(_("Deze uitnodiging is al gebruikt of ingetrokken."), "error")
    else:
        flash(
            _(
                "Uitnodiging opnieuw gestuurd naar %(email)s; de vorige link werkt niet meer.",
                email=invitation.email,
            ),
            "success",
        )
    return redirect(url_for("admin.partnership", key=invitation.partnership.key))


@bp.post("/invitations/<int:invitation_id>/withdraw")
@admin_required
def invitation_withdraw(invitation_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    invitation = _invitation(invitation_id)
    try:
        invitation_service.withdraw(invitation)
    except invitation_service.InvitationError:
        flash(_("Deze uitnodiging is al gebruikt of ingetrokken."), "error")
    else:
        flash(_("De uitnodiging voor %(email)s is ingetrokken.", email=invitation.email), "success")
    return redirect(url_for("admin.partnership", key=invitation.partnership.key))


@bp.post("/partnerships/<key>/active")
@admin_required
def partnership_active(key: str):
    if not EmptyForm().validate_on_submit():
        abort(400)
    p = _partnership(key)
    active = request.form.get("active") == "1"
    profile_service.set_active(p, active)
    flash(
        _("%(name)s is weer actief.", name=p.name)
        if active
        else _("%(name)s is gedeactiveerd.", name=p.name),
        "success",
    )
    return _back(url_for("admin.partnerships"))


@bp.get("/users")
@admin_required
def users():
    rows = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("admin/users.html", users=rows, form=EmptyForm())


@bp.post("/users/<int:user_id>/active")
@admin_required
def user_active(user_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    user = get_by_id(User, user_id)
    if user is None:
        abort(404)
    if user.id == current_user.id:
        flash(_("U kunt uw eigen account niet deactiveren."), "error")
        return redirect(url_for("admin.users"))
    active = request.form.get("active") == "1"
    accounts.set_user_active(user, active)
    flash(
        _("Account %(email)s is weer actief.", email=user.email)
        if active
        else _("Account %(email)s is gedeactiveerd.", email=user.email),
        "success",
    )
    return redirect(url_for("admin.users"))
