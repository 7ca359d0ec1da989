"""Introductions: ask, answer, withdraw, complete — each a call to the one state machine."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import TextAreaField

from ..security import safe_next
from ..services import conversations
from ..services import introductions as intro_service
from ..services import matching as matching_service
from ..services import profiles as profile_service
from ..services.validation import ValidationError
from .forms import Form, CompleteForm, RequestIntroForm, RespondForm
from ..services.permissions import READ_ONLY_TEXT
from .member import coordinator_required, partnership_required

bp = Blueprint("intros", __name__, url_prefix="/introductions")

ACTION_MESSAGES = {
    "approve": lambda: _("Het verzoek is goedgekeurd en doorgestuurd naar de mentor."),
    "accept": lambda: _("U heeft de kennismaking geaccepteerd. U ziet nu elkaars contactgegevens."),
    "decline": lambda: _("U heeft het verzoek afgewezen."),
    "withdraw": lambda: _("U heeft het verzoek ingetrokken."),
    "complete": lambda: _("Bedankt! De kennismaking is afgerond."),
}


def error_message(exc: intro_service.TransitionError) -> str:
    messages = {
        "full": _("Dit partnerschap heeft geen ruimte meer voor een nieuwe kennismaking."),
        "closed": _("Dit partnerschap staat niet open voor begeleiding."),
        "too_young": _("Dit partnerschap bestaat nog te kort om te begeleiden."),
        "no_experiences": _("Dit partnerschap heeft nog geen ervaringen beschreven."),
        "self": _("U kunt geen kennismaking met uzelf aanvragen."),
        "excluded": _("Deze combinatie is niet beschikbaar."),
        "forbidden": _("Dat mag u bij deze kennismaking niet doen."),
        "conflict": _("Dat kan niet in de huidige stand van de kennismaking."),
        "inactive": _("Het andere partnerschap doet niet meer mee aan Matchmaker."),
        "conversation_closed": _(
            "Deze kennismaking is afgesloten: er kunnen geen berichten meer bij."
        ),
    }
    if str(exc).startswith("an introduction between"):
        return _("Er loopt al een kennismaking met dit partnerschap.")
    return messages.get(exc.code, str(exc))


@bp.get("/")
@partnership_required
def index(p):
    outgoing, incoming = intro_service.for_partnership(p)
    return render_template("intros/index.html", p=p, outgoing=outgoing, incoming=incoming)


@bp.route("/new/<mentor_key>", methods=["GET", "POST"])
@coordinator_required
def new(p, mentor_key: str):
    try:
        mentor = profile_service.get_partnership(mentor_key)
    except profile_service.NotFound:
        abort(404)
    form = RequestIntroForm()
    if form.validate_on_submit():
        try:
            intro = intro_service.request_introduction(
                p, mentor, form.message.data or "", current_user
            )
        except ValidationError as exc:
            form.message.errors = list(exc.fields.values())
        except intro_service.TransitionError as exc:
            flash(error_message(exc), "error")
            return redirect(url_for("web.suggestions"))
        else:
            if intro.state == "awaiting_admin":
                flash(_("Uw verzoek is verstuurd. Een beheerder kijkt er eerst naar."), "success")
            else:
                flash(_("Uw verzoek is verstuurd naar %(name)s.", name=mentor.name), "success")
            return redirect(url_for("intros.detail", intro_id=intro.id))
    return render_template(
        "intros/new.html", p=p, mentor=mentor, form=form
    ), 400 if form.errors else 200


def _visible_introduction(intro_id: int):
    intro = intro_service.get_introduction(intro_id)
    if intro is None or not intro_service.can_view(current_user, intro):
        abort(404)  # not "403": do not reveal that it exists
    return intro


TRANSITION_STATUS = {"not_found": 404, "bad_request": 400}  # every other refusal: 409 Conflict


@bp.get("/<int:intro_id>")
@login_required
def detail(intro_id: int):
    return _detail(_visible_introduction(intro_id))


class MessageForm(Form):
    """A message in the introduction's conversation; the rules live in services/conversations.py."""

    body = TextAreaField(
        _l("Uw bericht"),
        description=_l(
            "Platte tekst, hooguit %(limit)d tekens. Beide partnerschappen lezen het; de andere kant krijgt een e-mail.",
            limit=intro_service.MESSAGE_LIMIT,
        ),
        render_kw={"maxlength": intro_service.MESSAGE_LIMIT, "rows": 4},
    )


def _request_context(intro) -> dict:
    """For the mentor side and admins: what the asking partnership asks, and where the match
    met it (the matcher's evidence for this pair; nothing when there is none)."""
    if not (
        {intro_service.MENTOR, intro_service.ADMIN} & intro_service.roles_of(current_user, intro)
    ):
        return {}
    return {
        "challenges": intro.mentee.challenges,
        "evidence": matching_service.pair_evidence(intro.mentee.key, intro.mentor.key),
    }


def _detail(intro, message_form=None):
    return render_template(
        "intros/detail.html",
        intro=intro,
        actions=intro_service.allowed_actions(current_user, intro),
        show_contacts=intro_service.contacts_visible(current_user, intro),
        respond_form=RespondForm(),
        complete_form=CompleteForm(),
        messages=conversations.messages_of(intro, current_user),
        may_post=intro.state in conversations.OPEN_FOR_MESSAGES
        and conversations.may_write(current_user, intro),
        message_form=message_form or MessageForm(),
        request_context=_request_context(intro),
    )


@bp.post("/<int:intro_id>/messages")
@login_required
def post_message(intro_id: int):
    intro = _visible_introduction(intro_id)
    form = MessageForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        conversations.post_message(intro, current_user, form.body.data)
    except ValidationError as exc:
        form.body.errors = list(exc.fields.values())
        return _detail(intro, form), 400
    except intro_service.NotAllowed:
        abort(403)
    except intro_service.TransitionError as exc:
        flash(error_message(exc), "error")
        return _detail(intro, form), TRANSITION_STATUS.get(exc.code, 409)
    flash(_("Uw bericht is geplaatst."), "success")
    return redirect(url_for("intros.detail", intro_id=intro.id, _anchor="gesprek"))


@bp.post("/<int:intro_id>/<action>")
@login_required
def act(intro_id: int, action: str):
    intro = _visible_introduction(intro_id)
    if action not in intro_service.TRANSITIONS:
        abort(404)
    form = CompleteForm() if action == "complete" else RespondForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        if action == "complete":
            intro_service.transition(
                intro, action, current_user, rating=form.rating.data, feedback=form.feedback.data
            )
        else:
            intro_service.transition(intro, action, current_user, note=form.note.data or "")
    except ValidationError as exc:
        flash("; ".join(exc.fields.values()), "error")
    except intro_service.NotAllowed:
        if not intro_service.roles_of(
            current_user, intro
        ):  # a member of either side: reads, does not act
            flash(str(READ_ONLY_TEXT), "error")
        abort(403)
    except intro_service.TransitionError as exc:
        # Refused by the state machine (e.g. a parallel withdraw came first): nothing changed.
        flash(error_message(exc), "error")
        return _detail(intro), TRANSITION_STATUS.get(exc.code, 409)
    else:
        flash(ACTION_MESSAGES[action](), "success")
    return redirect(
        safe_next(request.form.get("next"), url_for("intros.detail", intro_id=intro.id))
    )
