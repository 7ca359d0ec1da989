"""Accounts: register (account and profile in one go), log in and out, passwords."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale, refresh
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..domain import LANGUAGES
from ..security import (
    claim_limited,
    invitation_limited,
    login_limited,
    register_limited,
    reset_limited,
    safe_next,
)
from ..services import accounts
from ..services import invitations
from ..services.validation import ValidationError
from .forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    ClaimForm,
    EmptyForm,
    ForgotForm,
    LoginForm,
    RegisterForm,
    ResetForm,
    TokenForm,
    apply_errors,
)

bp = Blueprint("auth", __name__)
log = logging.getLogger(__name__)


def start_session(user, remember: bool = False) -> None:
    """A fresh session for a fresh log-in: nothing from before it survives, except the language
    (a language picked before logging in becomes the account's choice, for its emails too)."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
        accounts.set_locale(user, lang)
    login_user(user, remember=remember)


def switched_language() -> bool:
    """A language button of a form page (the header's buttons submit the page's form, see
    ``lang_form`` in base.html): switch, and let the caller show the same form again with what
    was typed, in the other language. Nothing is saved and nothing is checked."""
    lang = request.form.get("lang") if request.method == "POST" else None
    if lang not in LANGUAGES:
        return False
    session["lang"] = lang
    if current_user.is_authenticated:
        accounts.set_locale(current_user, lang)
    refresh()  # this very response in the new language
    return True


def page_language() -> str:
    """The language this page is shown in (a new account's first choice)."""
    return str(get_locale() or "nl")


@bp.route("/register", methods=["GET", "POST"])
@register_limited
def register():
    if current_user.is_authenticated:
        return redirect(url_for("web.home"))
    form = RegisterForm()
    if switched_language():
        return render_template(
            "auth/register.html",
            form=form,
            claim_form=ClaimForm(prefix="claim", formdata=None),
            lang_form="profile-form",
        )
    if form.validate_on_submit():
        try:
            accounts.register(
                form.email.data or "",
                form.password.data or "",
                form.to_record(),
                locale=page_language(),
            )
        except ValidationError as exc:
            apply_errors(form, exc, prefix="profile.")
        else:
            # The same answer whether the address was new or already had an account.
            return redirect(url_for("auth.check_email"))
    return render_template(
        "auth/register.html",
        form=form,
        claim_form=ClaimForm(prefix="claim", formdata=None),
        lang_form="profile-form",
    ), 400 if form.errors or form.form_errors else 200


@bp.post("/register/claim")
@claim_limited
def claim():
    """ "Staat uw partnerschap al in Matchmaker?": an invitation to its registered contact address."""
    form = ClaimForm(prefix="claim")
    if not form.validate_on_submit():
        return render_template(
            "auth/register.html", form=RegisterForm(formdata=None), claim_form=form
        ), 400
    invitations.claim(form.partnership.data or "")
    # The same answer whatever was asked: nothing says whether the partnership is known.
    flash(
        _(
            "Staat dit partnerschap in Matchmaker met een contactadres, dan ontvangt de contactpersoon nu een e-mail: een uitnodiging om een account te maken, of, als het partnerschap al een team heeft, hoe u via een coördinator van dat team meedoet."
        ),
        "success",
    )
    return redirect(url_for("auth.login"))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@invitation_limited
def accept_invitation(token: str):
    """An invitation link: set a password, and be signed in to the partnership at once."""
    invitation = invitations.for_token(token)
    if invitation is None:
        flash(
            _(
                "Deze uitnodiging is ongeldig, verlopen, ingetrokken of al gebruikt. Vraag de beheerder of een collega om een nieuwe."
            ),
            "error",
        )
        return redirect(url_for("auth.login"))
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            user = invitations.accept(token, form.password.data or "", locale=page_language())
        except ValidationError as exc:
            if "token" in exc.fields or "email" in exc.fields:
                flash(
                    _(
                        "Deze uitnodiging kan niet meer gebruikt worden: er is al een account met dit e-mailadres, of de link is al gebruikt. Log in of vraag een nieuw wachtwoord aan."
                    ),
                    "error",
                )
                return redirect(url_for("auth.login"))
            apply_errors(form, exc)
        else:
            start_session(user)
            flash(
                _("Welkom! U bent ingelogd voor %(name)s.", name=invitation.partnership.name),
                "success",
            )
            return redirect(url_for("web.home"))
    return render_template(
        "auth/invitation.html", form=form, invitation=invitation
    ), 400 if form.errors else 200


@bp.get("/register/sent")
def check_email():
    return render_template("auth/check_email.html")


@bp.get("/register/confirm/<token>")
def confirm_email(token: str):
    # The link confirms the address once; it signs nobody in (a forwarded or leaked link is no
    # password). The owner logs in next and lands on the suggestions.
    user = accounts.confirm_email(token)
    if user is None:
        flash(
            _(
                "Deze bevestigingslink is ongeldig, verlopen of al gebruikt. Log in; is uw adres nog niet bevestigd, dan sturen we een nieuwe link."
            ),
            "error",
        )
        return redirect(url_for("auth.login"))
    flash(
        _(
            "Uw e-mailadres is bevestigd en uw partnerschap staat erin. Log in om te zien van wie u kunt leren."
        ),
        "success",
    )
    return redirect(url_for("auth.login", next=url_for("web.suggestions")))


@bp.route("/login", methods=["GET", "POST"])
@login_limited
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            start_session(user, remember=bool(form.remember.data))
            return redirect(safe_next(form.next.data, url_for("web.home")))
        log.warning(
            "failed log-in for %r from %s", (form.email.data or "")[:254], request.remote_addr
        )
        form.form_errors.append(
            _(
                "E-mailadres of wachtwoord klopt niet, of het e-mailadres is nog niet bevestigd (dan sturen we een nieuwe bevestigingslink)."
            )
        )
    status = 401 if request.method == "POST" and not current_user.is_authenticated else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        accounts.end_all_sessions(current_user)  # also ends remember-me cookies everywhere
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("U bent uitgelogd."), "success")
    return redirect(url_for("main.index"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                current_user, form.current_password.data, form.new_password.data
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            start_session(current_user._get_current_object())
            flash(_("Uw wachtwoord is gewijzigd. Andere sessies zijn uitgelogd."), "success")
            return redirect(url_for("web.home"))
    return render_template("auth/change_password.html", form=form), 400 if form.errors else 200


@bp.route("/password/forgot", methods=["GET", "POST"])
@reset_limited
def forgot_password():
    form = ForgotForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        # The same answer whether or not the address has an account.
        flash(
            _(
                "Als dit adres bij ons bekend is, ontvangt u een e-mail met een link om een nieuw wachtwoord in te stellen."
            ),
            "success",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@reset_limited
def reset_password(token: str):
    if accounts.user_for_reset_token(token) is None:
        flash(_("Deze link is ongeldig of verlopen. Vraag een nieuwe aan."), "error")
        return redirect(url_for("auth.forgot_password"))
    form = ResetForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(token, form.password.data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            flash(_("Uw wachtwoord is ingesteld. Log in met het nieuwe wachtwoord."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form, token=token), 400 if form.errors else 200


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    """Personal API tokens: create (shown once) and revoke."""
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        try:
            _row, new_token = accounts.create_token(current_user, form.name.data or "")
        except ValidationError as exc:
            apply_errors(form, exc)
    return render_template(
        "auth/tokens.html",
        form=form,
        new_token=new_token,
        tokens=accounts.tokens_of(current_user),
        revoke_form=EmptyForm(),
    ), 400 if form.errors else 200


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    if not EmptyForm().validate_on_submit():
        abort(400)
    if accounts.revoke_token(current_user, token_id):
        flash(_("Het token is ingetrokken; het werkt niet meer."), "success")
    else:
        abort(404)
    return redirect(url_for("auth.tokens"))
