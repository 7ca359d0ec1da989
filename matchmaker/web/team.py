"""The team page: a partnership's accounts and open invitations. Coordinators invite colleagues,
resend or withdraw invitations, change roles and remove colleagues; anyone may leave. Thin: the
rules live in services/team.py, services/invitations.py and services/permissions.py."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from ..services import invitations as invitation_service
from ..services import team as team_service
from ..services.permissions import READ_ONLY_TEXT, NotCoordinator, acts_for_own
from ..security import team_invite_limited
from ..services.validation import ValidationError
from .forms import EmptyForm, RoleForm, TeamInviteForm, apply_errors
from .member import coordinator_required, partnership_required

bp = Blueprint("team", __name__, url_prefix="/team")


@bp.app_context_processor
def inject_can_act():
    """``can_act()`` in every template: may the signed-in account change things for its partnership?"""
    return {"can_act": lambda: acts_for_own(current_user)}


def _page(p, invite_form=None, status: int = 200):
    return render_template(
        "member/team.html",
        p=p,
        members=team_service.members_of(p),
        invitations=team_service.open_invitations(p),
        may_manage=team_service.may_manage(current_user, p),
        invite_form=invite_form or TeamInviteForm(formdata=None),
        role_form=RoleForm(formdata=None),
        form=EmptyForm(),
    ), status


def _refused(p, exc: Exception):
    """The page again with the reason a change was refused (403 for a member, 409 for a team rule)."""
    if isinstance(exc, NotCoordinator):
        flash(str(READ_ONLY_TEXT), "error")
        abort(403)
    flash(str(team_service.TEXTS.get(getattr(exc, "code", ""), exc)), "error")
    return _page(p, status=409)


def _checked_button():
    if not EmptyForm().validate_on_submit():
        abort(400)


@bp.get("/")
@partnership_required
def index(p):
    return _page(p)


@bp.post("/invitations")
@team_invite_limited
@coordinator_required
def invite(p):
    form = TeamInviteForm()
    if not form.validate_on_submit():
        return _page(p, invite_form=form, status=400)
    try:
        invitation = invitation_service.invite(
            p, form.email.data, by=current_user, role=form.role.data
        )
    except ValidationError as exc:
        apply_errors(form, exc)
        return _page(p, invite_form=form, status=400)
    except NotCoordinator as exc:
        return _refused(p, exc)
    flash(_("Uitnodiging gestuurd naar %(email)s.", email=invitation.email), "success")
    return redirect(url_for("team.index"))


def _own_invitation(p, invitation_id: int):
    invitation = invitation_service.get(invitation_id)
    if invitation is None or invitation.partnership_id != p.id:
        abort(404)
    return invitation


def _act_on_invitation(p, invitation_id: int, act, done):
    """Resend or withdraw one of the partnership's invitations; ``done(invitation)`` is the message."""
    _checked_button()
    invitation = _own_invitation(p, invitation_id)
    try:
        act(invitation, by=current_user)
    except invitation_service.InvitationError:
        flash(_("Deze uitnodiging is al gebruikt of ingetrokken."), "error")
    except NotCoordinator as exc:
        return _refused(p, exc)
    else:
        flash(done(invitation), "success")
    return redirect(url_for("team.index"))


@bp.post("/invitations/<int:invitation_id>/resend")
@team_invite_limited  # one count with inviting: each sends an email
@coordinator_required
def invitation_resend(p, invitation_id: int):
    return _act_on_invitation(
        p,
        invitation_id,
        invitation_service.resend,
        lambda invitation: _(
            "Uitnodiging opnieuw gestuurd naar %(email)s; de vorige link werkt niet meer.",
            email=invitation.email,
        ),
    )


@bp.post("/invitations/<int:invitation_id>/withdraw")
@coordinator_required
def invitation_withdraw(p, invitation_id: int):
    return _act_on_invitation(
        p,
        invitation_id,
        invitation_service.withdraw,
        lambda invitation: _(
            "De uitnodiging voor %(email)s is ingetrokken.", email=invitation.email
        ),
    )


def _colleague(user_id: int):
    user = team_service.colleague(current_user, user_id)
    if user is None:
        abort(404)
    return user


@bp.post("/members/<int:user_id>/role")
@coordinator_required
def change_role(p, user_id: int):
    form = RoleForm()
    if not form.validate_on_submit():
        flash(_("Kies een rol: coördinator of lid."), "error")
        return _page(p, status=400)
    user = _colleague(user_id)
    try:
        team_service.change_role(current_user, user, form.role.data)
    except (team_service.TeamError, NotCoordinator) as exc:
        return _refused(p, exc)
    if form.role.data == "coordinator":
        flash(_("%(email)s is nu coördinator.", email=user.email), "success")
    else:
        flash(_("%(email)s is nu lid: leest en volgt, wijzigt niets.", email=user.email), "success")
    return redirect(url_for("team.index"))


@bp.post("/members/<int:user_id>/remove")
@coordinator_required
def remove(p, user_id: int):
    _checked_button()
    user = _colleague(user_id)
    if user.id == current_user.id:
        return _leave(p)
    try:
        team_service.remove(current_user, user)
    except (team_service.TeamError, NotCoordinator) as exc:
        return _refused(p, exc)
    flash(
        _(
            "%(email)s hoort niet meer bij het team; dat account kan niet meer inloggen.",
            email=user.email,
        ),
        "success",
    )
    return redirect(url_for("team.index"))


@bp.post("/leave")
@partnership_required
def leave(p):
    _checked_button()
    return _leave(p)


def _leave(p):
    """The signed-in account leaves the team: closed and signed out (not the last coordinator)."""
    try:
        team_service.leave(current_user._get_current_object())
    except team_service.TeamError as exc:
        return _refused(p, exc)
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(
        _("U heeft het team van %(name)s verlaten. Uw account is gesloten.", name=p.name), "success"
    )
    return redirect(url_for("main.index"))
