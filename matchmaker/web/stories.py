"""Praktijkverhalen: a partnership's stories of what worked and what did not. Everyone reads the
public ones (a list with filters, a page per story, the partnership's page); signed-in accounts
also read the members-only ones; a partnership's coordinators write, edit and delete its own.
Thin: the rules live in services/stories.py."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from ..models import SECTORS
from ..services import stories as story_service
from ..services.permissions import READ_ONLY_TEXT, NotCoordinator, can_act_for
from ..services.profiles import NotFound
from ..services.validation import ValidationError
from .forms import Form, EmptyForm, MultiCheckboxField, apply_errors
from .helpers import page_number
from .member import coordinator_required, partnership_required

bp = Blueprint("stories", __name__)

# The seed document's five tips, by their short Dutch names.
TIP_NAMES = {
    1: _l("Balans tussen verbinding en verschil"),
    2: _l("Durf te experimenteren"),
    3: _l("Structuur bouwen, vrijheid houden"),
    4: _l("Alle partijen betrekken, lijntjes kort"),
    5: _l("Leren van het wiel van anderen"),
}
OUTCOME_NAMES = {
    "worked": _l("werkte"),
    "partly": _l("werkte deels"),
    "did_not_work": _l("werkte niet"),
}
VISIBILITY_NAMES = {"public": _l("iedereen"), "members": _l("alleen ingelogde partnerschappen")}
LANGUAGE_NAMES = {"nl": "Nederlands", "en": "English"}  # each in its own language
TEXT_GUIDE = _l(
    "Vertel het verhaal zoals u het een collega zou vertellen: de situatie waar u mee begon, wat u "
    "probeerde, de obstakels en de weerstand die u tegenkwam, wat werkte en wat niet, en wat u nu "
    "anders zou doen. Ook wat mislukte is de moeite waard: anderen hoeven dan niet hetzelfde wiel "
    "uit te vinden. Maximaal 5000 tekens."
)


class StoryForm(Form):
    """One story; the rules are the service's (services/stories.py), the form only carries them."""

    title = StringField(
        _l("Titel"),
        description=_l("Eén regel, bijvoorbeeld: Eén beoordelingsformulier voor zeven scholen."),
    )
    text = TextAreaField(_l("Het verhaal"), description=TEXT_GUIDE, render_kw={"rows": 14})
    tips = MultiCheckboxField(
        _l("Welke tips uit ‘Praktijk in zicht’ raakt het verhaal?"),
        choices=[SelectChoice(str(n), f"{n}. {name}") for n, name in TIP_NAMES.items()],
        validate_choice=False,
    )
    outcome = RadioField(
        _l("Hoe liep het af?"),
        choices=[SelectChoice(code, name) for code, name in OUTCOME_NAMES.items()],
        description=_l(
            "Verhalen over wat niet werkte zijn net zo welkom: daar leren anderen vaak het meest van."
        ),
        validate_choice=False,
    )
    language = SelectField(
        _l("Taal van het verhaal"),
        choices=[SelectChoice("", _l("herken automatisch"))]
        + [SelectChoice(c, n) for c, n in LANGUAGE_NAMES.items()],
        validate_choice=False,
    )
    visibility = RadioField(
        _l("Wie mag het lezen?"),
        choices=[SelectChoice(code, name) for code, name in VISIBILITY_NAMES.items()],
        default="public",
        description=_l(
            "Alleen verhalen voor iedereen kunnen als voorbeeld bij suggesties worden geciteerd."
        ),
        validate_choice=False,
    )

    def to_data(self) -> dict:
        """The story in the exchange format; what cannot be read is passed on for the service to name."""
        tips = [int(t) if t.isdigit() and len(t) < 3 else t for t in self.tips.data or []]
        return {
            "title": self.title.data or "",
            "text": self.text.data or "",
            "tips": tips,
            "outcome": self.outcome.data or None,
            "language": self.language.data or None,
            "visibility": self.visibility.data or None,
        }

    def fill_from(self, story) -> None:
        """Show a stored story."""
        self.title.data = story.title
        self.text.data = story.text
        self.tips.data = [str(t) for t in story.tips or []]
        self.outcome.data = story.outcome
        self.language.data = story.language
        self.visibility.data = story.visibility


@bp.record_once
def register_template_globals(state) -> None:
    """Names of tips and outcomes, and the stories of a partnership the reader may see, as
    globals (so macros imported without context can use them too)."""
    state.app.jinja_env.globals.update(
        tip_name=lambda n: TIP_NAMES.get(n, n),
        outcome_name=lambda code: OUTCOME_NAMES.get(code, code),
        visibility_name=lambda code: VISIBILITY_NAMES.get(code, code),
        language_name=lambda code: LANGUAGE_NAMES.get(code, code),
        stories_for=lambda p: story_service.visible_stories(p, current_user),
    )


@bp.get("/stories")
def index():
    filters = story_service.StoryFilters.from_args(request.args)
    pagination = story_service.list_stories(filters, current_user, page=page_number())
    return render_template(
        "stories/index.html",
        pagination=pagination,
        filters=filters,
        tips=TIP_NAMES,
        outcomes=OUTCOME_NAMES,
        sectors=SECTORS,
        languages=LANGUAGE_NAMES,
    )


@bp.get("/partnerships/<key>/stories/<int:story_id>")
def detail(key: str, story_id: int):
    try:
        story = story_service.get_story(key, story_id, current_user)
    except NotFound:
        abort(404)
    may_edit = can_act_for(current_user, story.partnership_id)
    return render_template(
        "stories/detail.html", story=story, p=story.partnership, may_edit=may_edit, form=EmptyForm()
    )


@bp.get("/profile/stories")
@partnership_required
def mine(p):
    return render_template("stories/mine.html", p=p, stories=list(p.stories), form=EmptyForm())


def _form_page(p, form, story=None, status: int = 200):
    return render_template("stories/form.html", p=p, form=form, story=story), status


def _save(p, form, story=None):
    """Hand the form to the service; the page again with the service's messages when it refuses."""
    try:
        if story is None:
            story = story_service.create_story(p, form.to_data(), by=current_user)
        else:
            story = story_service.update_story(story, form.to_data(), by=current_user)
    except ValidationError as exc:
        apply_errors(form, exc)
        return _form_page(p, form, story, status=400)
    except NotCoordinator:
        flash(str(READ_ONLY_TEXT), "error")
        abort(403)
    except NotFound:  # deleted meanwhile
        abort(404)
    flash(_("Het verhaal is opgeslagen."), "success")
    return redirect(url_for("stories.detail", key=p.key, story_id=story.id))


@bp.route("/profile/stories/new", methods=["GET", "POST"])
@coordinator_required
def new(p):
    form = StoryForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return _form_page(p, form, status=400)
        return _save(p, form)
    return _form_page(p, form)


def _own(p, story_id: int):
    try:
        return story_service.own_story(p, story_id)
    except NotFound:
        abort(404)


@bp.route("/profile/stories/<int:story_id>/edit", methods=["GET", "POST"])
@coordinator_required
def edit(p, story_id: int):
    story = _own(p, story_id)
    form = StoryForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return _form_page(p, form, story, status=400)
        return _save(p, form, story)
    form.fill_from(story)
    return _form_page(p, form, story)


@bp.post("/profile/stories/<int:story_id>/delete")
@coordinator_required
def delete(p, story_id: int):
    story = _own(p, story_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    title = story.title
    try:
        story_service.delete_story(story, by=current_user)
    except NotCoordinator:
        flash(str(READ_ONLY_TEXT), "error")
        abort(403)
    except NotFound:  # deleted meanwhile
        abort(404)
    flash(_("Het verhaal “%(title)s” is verwijderd.", title=title), "success")
    return redirect(url_for("stories.mine"))
