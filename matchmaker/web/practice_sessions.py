"""Praktijk-in-zicht sessions: the list, a session's page with sign-up and its .ics, and the
organiser's form. Thin: the rules live in services/practice_sessions.py."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField, StringField, TextAreaField, URLField
from wtforms.fields.choices import SelectChoice

from ..domain import LANGUAGES
from ..models import SESSION_KINDS
from ..services import practice_sessions as service
from ..services.permissions import READ_ONLY_TEXT
from ..services.session_calendar import CANCEL, REQUEST
from ..services.session_mail import session_ics
from ..services.session_rules import FIELDS, TIMEZONE_NAME, local_input, when_text
from ..services.validation import ValidationError
from .forms import Form, EmptyForm, apply_errors
from .member import coordinator_required

bp = Blueprint("sessions", __name__)

KIND_NAMES = {
    "visit": _l("bezoek op locatie"),
    "online": _l("online uur"),
    "workshop": _l("workshop"),
}
LANGUAGE_NAMES = {"nl": _l("Nederlands"), "en": _l("Engels")}
SIGNUP_STATE_NAMES = {
    "confirmed": _l("aangemeld"),
    "waiting": _l("wachtlijst"),
    "cancelled": _l("afgemeld"),
}


def _error_text(exc: service.SessionError) -> str:
    return {
        "too_young": _("Alleen ervaren partnerschappen (een paar jaar actief) bieden sessies aan."),
        "own_session": _("U kunt zich niet aanmelden voor een sessie van uw eigen partnerschap."),
        "cancelled": _("Deze sessie is afgelast."),
        "started": _("Deze sessie is al begonnen of voorbij."),
        "already_signed_up": _("Uw partnerschap is al aangemeld voor deze sessie."),
        "not_found": _("Uw partnerschap is niet aangemeld voor deze sessie."),
        "forbidden": str(READ_ONLY_TEXT),
    }.get(exc.code, str(exc))


@bp.app_template_global()
def session_when(session) -> str:
    """A session's time in the reader's language, in Amsterdam time."""
    return when_text(session.starts_at, session.ends_at)


@bp.app_template_global()
def session_kind_name(kind: str) -> str:
    return str(KIND_NAMES.get(kind, kind))


@bp.app_template_global()
def signup_state_name(state: str) -> str:
    return str(SIGNUP_STATE_NAMES.get(state, state))


class SessionForm(Form):
    """A session's fields; the rules live in services/session_rules.py."""

    title = StringField(_l("Titel"), render_kw={"maxlength": 200})
    description = TextAreaField(
        _l("Wat u gaat zien"),
        description=_l("Wat laat u zien, wat kunnen bezoekers meenemen? Hooguit 5000 tekens."),
        render_kw={"rows": 6},
    )
    kind = SelectField(
        _l("Soort sessie"), choices=[SelectChoice(k, KIND_NAMES[k]) for k in SESSION_KINDS]
    )
    starts_at = StringField(
        _l("Begint op"),
        description=_l("Datum en tijd in Nederland (Europe/Amsterdam)."),
        render_kw={"type": "datetime-local"},
    )
    ends_at = StringField(
        _l("Eindigt op"),
        description=_l("Datum en tijd in Nederland (Europe/Amsterdam)."),
        render_kw={"type": "datetime-local"},
    )
    place = StringField(
        _l("Plaats"),
        description=_l("Adres of school; nodig voor een bezoek."),
        render_kw={"maxlength": 300},
    )
    online_url = URLField(
        _l("Online link"),
        description=_l("Nodig voor een online sessie; alleen aangemelde partnerschappen zien hem."),
        render_kw={"maxlength": 500},
    )
    capacity = StringField(
        _l("Aantal plaatsen (partnerschappen)"), default="5", render_kw={"inputmode": "numeric"}
    )
    language = SelectField(
        _l("Taal van de sessie"), choices=[SelectChoice(k, LANGUAGE_NAMES[k]) for k in LANGUAGES]
    )

    def data_for_service(self) -> dict:
        return {name: getattr(self, name).data for name in FIELDS}

    def fill_from(self, session) -> None:
        for name in ("title", "description", "kind", "place", "online_url", "language"):
            getattr(self, name).data = getattr(session, name)
        self.starts_at.data, self.ends_at.data = (
            local_input(session.starts_at),
            local_input(session.ends_at),
        )
        self.capacity.data = str(session.capacity)


def _visible(session_id: int):
    session = service.get_session(session_id, current_user)
    if session is None:
        abort(404)
    return session


def _own(p, session_id: int):
    """A session of the signed-in partnership (403 for someone else's)."""
    session = _visible(session_id)
    if session.partnership_id != p.id:
        abort(403)
    return session


@bp.get("/sessies")
def index():
    sessions = service.upcoming()
    p = getattr(current_user, "partnership", None) if current_user.is_authenticated else None
    mine = service.sessions_of(p) if p is not None and service.may_organise(current_user, p) else []
    return render_template(
        "sessions/index.html",
        sessions=sessions,
        counts=service.counts(sessions + mine),
        mine=mine,
        may_offer=bool(p and service.may_organise(current_user, p) and service.is_experienced(p)),
    )


@bp.get("/sessies/<int:session_id>")
def detail(session_id: int):
    return _detail(_visible(session_id))


def _detail(session, status: int = 200):
    p = getattr(current_user, "partnership", None) if current_user.is_authenticated else None
    signup = service.signup_of(session, p)
    return render_template(
        "sessions/detail.html",
        session=session,
        signup=signup,
        position=service.waiting_position(signup) if signup else None,
        counts=service.counts([session])[session.id],
        is_open=service.is_open(session),
        may_sign_up=bool(
            p and p.id != session.partnership_id and service.may_sign_up(current_user, p)
        ),
        may_organise=service.may_organise(current_user, session.partnership),
        attendees=service.attendees(session)
        if service.may_see_attendees(current_user, session)
        else None,
        show_url=service.may_see_online_url(current_user, session),
        form=EmptyForm(),
        timezone=TIMEZONE_NAME,
    ), status


@bp.get("/sessions/<int:session_id>.ics")
def ics(session_id: int):
    session = _visible(session_id)
    text = session_ics(
        session,
        method=CANCEL if session.cancelled_at else REQUEST,
        with_online_url=service.may_see_online_url(current_user, session),
    )
    return Response(
        text,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="sessie-{session.id}.ics"'},
    )


@bp.route("/sessies/nieuw", methods=["GET", "POST"])
@coordinator_required
def new(p):
    form = SessionForm()
    if not service.is_experienced(p):
        flash(_error_text(service.SessionError("", "too_young")), "error")
        return redirect(url_for("sessions.index"))
    if form.validate_on_submit():
        try:
            session = service.create_session(p, current_user, form.data_for_service())
        except ValidationError as exc:
            apply_errors(form, exc)
        except service.SessionError as exc:
            flash(_error_text(exc), "error")
            return redirect(url_for("sessions.index"))
        else:
            flash(_("De sessie staat online. Partnerschappen kunnen zich nu aanmelden."), "success")
            return redirect(url_for("sessions.detail", session_id=session.id))
    return render_template(
        "sessions/edit.html", form=form, session=None
    ), 400 if form.errors or form.form_errors else 200


@bp.route("/sessies/<int:session_id>/bewerken", methods=["GET", "POST"])
@coordinator_required
def edit(p, session_id: int):
    session = _own(p, session_id)
    form = SessionForm()
    if request.method == "GET":
        form.fill_from(session)
    elif form.validate_on_submit():
        try:
            service.update_session(session, current_user, form.data_for_service())
        except ValidationError as exc:
            apply_errors(form, exc)
        except service.SessionError as exc:
            flash(_error_text(exc), "error")
            return redirect(url_for("sessions.detail", session_id=session_id))
        else:
            flash(
                _("De sessie is bijgewerkt; wie aangemeld is, krijgt de wijziging per e-mail."),
                "success",
            )
            return redirect(url_for("sessions.detail", session_id=session_id))
    return render_template(
        "sessions/edit.html", form=form, session=session
    ), 400 if form.errors or form.form_errors else 200


@bp.post("/sessies/<int:session_id>/afgelasten")
@coordinator_required
def cancel(p, session_id: int):
    session = _own(p, session_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        service.cancel_session(session, current_user)
    except service.SessionError as exc:
        flash(_error_text(exc), "error")
        return _detail(session, 409)
    flash(_("De sessie is afgelast; wie aangemeld was, krijgt een e-mail."), "success")
    return redirect(url_for("sessions.detail", session_id=session_id))


@bp.post("/sessies/<int:session_id>/aanmelden")
@coordinator_required
def sign_up(p, session_id: int):
    session = _visible(session_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        signup = service.sign_up(session, p, current_user)
    except service.SessionError as exc:
        flash(_error_text(exc), "error")
        return _detail(session, 403 if exc.code == "forbidden" else 409)
    if signup.state == "confirmed":
        flash(
            _(
                "U bent aangemeld. De uitnodiging voor uw agenda staat hieronder en komt ook per e-mail."
            ),
            "success",
        )
    else:
        flash(
            _(
                "De sessie is vol: u staat op de wachtlijst (plaats %(n)d).",
                n=service.waiting_position(signup),
            ),
            "success",
        )
    return redirect(url_for("sessions.detail", session_id=session_id))


@bp.post("/sessies/<int:session_id>/afmelden")
@coordinator_required
def sign_off(p, session_id: int):
    session = _visible(session_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        service.cancel_signup(session, p, current_user)
    except service.SessionError as exc:
        flash(_error_text(exc), "error")
        return _detail(session, {"forbidden": 403, "not_found": 404}.get(exc.code, 409))
    flash(_("U bent afgemeld voor deze sessie."), "success")
    return redirect(url_for("sessions.detail", session_id=session_id))
