"""WTForms for the HTML pages. Forms render fields and carry CSRF; the rules themselves live in
the service layer (services/validation.py), so the web, the API and the importer agree."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask import request
from flask_wtf import FlaskForm
from flask_wtf.form import SUBMIT_METHODS, _Auto  # Flask-WTF's own default and methods
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..models import SECTORS
from ..provinces import PROVINCES, place_part, province_of
from ..services.validation import FIELDS, ValidationError
from .helpers import SECTOR_NAMES

# How service field names map onto form field names.
FIELD_ALIASES = {
    "contact.email": "contact_email",
    "contact.name": "contact_name",
    "contact": "contact_email",
    "region": "province",
}
# Marks a field as required: the browser attribute and its aria twin (the forms are novalidate:
# the service's messages, naming the field, are what the visitor reads).
REQUIRED = {"required": True, "aria-required": "true"}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class Form(FlaskForm):
    """A page's form: its data is the posted form fields and nothing else. Flask-WTF also reads
    a JSON body or uploaded files as field values, handing the validators a list, a dict or a
    file where text belongs (a 500); no page takes either, so neither is read."""

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            if formdata is _Auto:  # not given: the request's own fields, when it posts
                return request.form if request.method in SUBMIT_METHODS else None
            return formdata


def _int_or_raw(value: str | None):
    """'12' → 12, '' → None; anything else stays text so the one validator names the problem."""
    if value is None or not value.strip():
        return None
    try:
        return int(value.strip())
    except ValueError:
        return value.strip()


class ProfileForm(Form):
    key = StringField(
        _l("Webadres van het profiel"),
        description=_l(
            "Leeg laten: we maken het van de naam. Kleine letters, cijfers en streepjes, bijvoorbeeld os-utrecht-noord."
        ),
    )
    name = StringField(_l("Naam van het partnerschap"), render_kw=REQUIRED)
    sectors = MultiCheckboxField(
        _l("Sectoren"), choices=[SelectChoice(s, SECTOR_NAMES[s]) for s in SECTORS]
    )
    province = SelectField(
        _l("Provincie"),
        choices=[SelectChoice("", "—")] + [SelectChoice(p, p) for p in PROVINCES],
        validate_choice=False,
    )
    place = StringField(
        _l("Plaats (optioneel)"),
        description=_l("Bijvoorbeeld de plaats van het instituut of van de meeste scholen."),
    )
    founded = StringField(_l("Opgericht in (jaar)"), render_kw={"inputmode": "numeric", **REQUIRED})
    schools_count = StringField(_l("Aantal scholen"), render_kw={"inputmode": "numeric"})
    institutions = TextAreaField(_l("Lerarenopleidingen"), description=_l("Eén per regel."))
    description = TextAreaField(
        _l("Korte beschrijving"), description=_l("Wie doen er mee? Maximaal 5000 tekens.")
    )
    challenges = TextAreaField(
        _l("Uitdagingen"),
        description=_l(
            "Waar worstelt het partnerschap mee, wat wil het leren? Hieruit komen de suggesties."
        ),
    )
    challenges_visibility = SelectField(
        _l("Wie mag de uitdagingen lezen?"),
        choices=[
            SelectChoice("public", _l("iedereen")),
            SelectChoice("members", _l("alleen ingelogde partnerschappen")),
        ],
        default="public",
        validate_choice=False,
        description=_l(
            "De suggesties gebruiken de tekst altijd; alleen wie hem te zien krijgt, verschilt."
        ),
    )
    experiences = TextAreaField(
        _l("Ervaringen om te delen"),
        description=_l("Wat heeft het partnerschap opgebouwd waar anderen van kunnen leren?"),
    )
    open_to_mentor = BooleanField(
        _l("Wij staan open voor het begeleiden van andere partnerschappen"), default=True
    )
    mentor_capacity = StringField(
        _l("Hoeveel partnerschappen tegelijk (0–20)"),
        default="2",
        render_kw={"inputmode": "numeric"},
    )
    contact_name = StringField(_l("Naam contactpersoon"))
    contact_email = EmailField(
        _l("E-mailadres contactpersoon"),
        description=_l("Alleen zichtbaar voor partnerschappen met een geaccepteerde kennismaking."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.sectors.flags.required = True  # marked in its legend; at least one box to tick

    def region_text(self) -> str:
        """ "Provincie" or "Provincie, Plaats"; a place alone is left to the service to map."""
        province = (self.province.data or "").strip()
        place = (self.place.data or "").strip()
        return ", ".join(part for part in (province, place) if part)

    def to_record(self, key: str | None = None) -> dict:
        """The exchange-format record this form describes."""
        institutions = [
            line.strip() for line in (self.institutions.data or "").splitlines() if line.strip()
        ]
        return {
            "key": key if key is not None else (self.key.data or "").strip(),
            "name": self.name.data or "",
            "sectors": list(self.sectors.data or []),
            "region": self.region_text(),
            "founded": _int_or_raw(self.founded.data),
            "schools_count": _int_or_raw(self.schools_count.data),
            "institutions": institutions,
            "description": self.description.data or "",
            "challenges": self.challenges.data or "",
            # Absent from the post: None, so an existing profile keeps its choice (and a new one
            # is public); any other value goes to the service, which names the field if unknown.
            "challenges_visibility": self.challenges_visibility.data
            if self.challenges_visibility.raw_data
            else None,
            "experiences": self.experiences.data or "",
            "open_to_mentor": bool(self.open_to_mentor.data),
            "mentor_capacity": 2
            if (capacity := _int_or_raw(self.mentor_capacity.data)) is None
            else capacity,
            "contact": {
                "name": self.contact_name.data or "",
                "email": (self.contact_email.data or "").strip() or None,
            },
        }

    def fill_from(self, p) -> None:
        self.key.data = p.key
        self.name.data = p.name
        self.sectors.data = p.sectors
        region = p.region or ""
        head = region.partition(",")[0]
        if province_of(head):  # "Provincie" or "Provincie, Plaats"
            self.province.data, self.place.data = province_of(head), place_part(region)
        else:  # an old free-text region nobody could map: shown as the place, to choose a province for
            self.province.data, self.place.data = "", region
        self.founded.data = str(p.founded)
        self.schools_count.data = "" if p.schools_count is None else str(p.schools_count)
        self.institutions.data = "\n".join(p.institutions or [])
        self.description.data = p.description
        self.challenges.data = p.challenges
        self.challenges_visibility.data = p.challenges_visibility or "public"
        self.experiences.data = p.experiences
        self.open_to_mentor.data = p.open_to_mentor
        self.mentor_capacity.data = str(p.mentor_capacity)
        self.contact_name.data = p.contact_name or ""
        self.contact_email.data = p.contact_email or ""


class EditProfileForm(ProfileForm):
    # The version of the profile the form was filled from: a save based on an older one is
    # refused (someone else saved in between) instead of silently undoing their change.
    version = HiddenField()

    def expected_version(self) -> int:
        raw = (self.version.data or "").strip()
        return int(raw) if raw.isdigit() and len(raw) < 10 else 0  # 0 matches no stored version

    def differences(self, stored: dict, key: str) -> list[tuple[str, str]]:
        """(label, value stored now) for each field where the stored profile differs from this form."""
        mine = self.to_record(key=key)
        pairs = [("contact_name", ("contact", "name")), ("contact_email", ("contact", "email"))]
        out = []
        labels = {"region": "province"}
        own_fields = [
            f for f in FIELDS if f not in ("key", "contact", "stories")
        ]  # not on the form
        for name in (*own_fields, *(n for n, _ in pairs)):
            path = dict(pairs).get(name, (name,))
            theirs: Any = stored  # walks down the nested record: a dict, then the field's value
            ours: Any = mine
            for part in path:
                theirs, ours = (theirs or {}).get(part), (ours or {}).get(part)
            if (theirs or None) != (ours or None):
                shown = ", ".join(map(str, theirs)) if isinstance(theirs, list) else theirs
                out.append(
                    (
                        str(getattr(self, labels.get(name, name)).label.text),
                        "" if shown is None else str(shown),
                    )
                )
        return out


def apply_errors(form: FlaskForm, error: ValidationError, prefix: str = "") -> None:
    """Show the service's field messages beside the matching form fields."""
    for field, message in error.fields.items():
        if prefix and field.startswith(prefix):
            field = field[len(prefix) :]
        name = FIELD_ALIASES.get(field, field)
        target = getattr(form, name, None)
        if target is None or not hasattr(target, "errors"):
            form.form_errors.append(f"{field}: {message}")
            continue
        target.errors = list(target.errors or []) + [message]


class RegisterForm(ProfileForm):
    # A new partnership is usually looking for help; experienced ones tick this themselves.
    open_to_mentor = BooleanField(
        _l("Wij staan open voor het begeleiden van andere partnerschappen"), default=False
    )
    email = EmailField(_l("Uw e-mailadres (om in te loggen)"), render_kw=REQUIRED)
    password = PasswordField(
        _l("Wachtwoord"),
        render_kw=REQUIRED,
        description=_l(
            "Minstens 8 tekens. Een zin van een paar woorden is sterk en makkelijk te onthouden."
        ),
    )


class LoginForm(Form):
    email = EmailField(_l("E-mailadres"), validators=[InputRequired(), Length(max=254)])
    password = PasswordField(_l("Wachtwoord"), validators=[InputRequired(), Length(max=256)])
    remember = BooleanField(_l("Onthoud mij op deze computer"))
    next = HiddenField()


class ForgotForm(Form):
    email = EmailField(_l("E-mailadres"), validators=[InputRequired(), Length(max=254)])


class ResetForm(Form):
    password = PasswordField(_l("Nieuw wachtwoord"), validators=[InputRequired()])


class ChangePasswordForm(Form):
    current_password = PasswordField(_l("Huidig wachtwoord"), validators=[InputRequired()])
    new_password = PasswordField(_l("Nieuw wachtwoord"), validators=[InputRequired()])


class RequestIntroForm(Form):
    message = TextAreaField(
        _l("Bericht aan het partnerschap"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Vertel kort waar u mee worstelt en wat u hoopt te leren."),
    )


class RespondForm(Form):
    note = TextAreaField(_l("Reactie (optioneel)"), validators=[Optional(), Length(max=2000)])


class CompleteForm(Form):
    rating = SelectField(
        _l("Hoe nuttig was de kennismaking?"),
        choices=[SelectChoice("", "—")] + [SelectChoice(str(n)) for n in (5, 4, 3, 2, 1)],
    )
    feedback = TextAreaField(
        _l("Toelichting (optioneel)"), validators=[Optional(), Length(max=2000)]
    )


class ReviewForm(Form):
    note = TextAreaField(_l("Notitie (reden)"), validators=[Optional(), Length(max=2000)])


class TokenForm(Form):
    name = StringField(
        _l("Naam van het token"),
        validators=[InputRequired(), Length(max=100)],
        description=_l("Waarvoor gebruikt u het? Bijvoorbeeld: koppeling met ons netwerkportaal."),
    )


class EmptyForm(Form):
    """Only the CSRF token: for buttons that change state."""


class AcceptInvitationForm(Form):
    password = PasswordField(
        _l("Kies een wachtwoord"),
        validators=[InputRequired()],
        description=_l(
            "Minstens 8 tekens. Een zin van een paar woorden is sterk en makkelijk te onthouden."
        ),
    )


class ClaimForm(Form):
    partnership = StringField(
        _l("Naam of korte naam (key) van uw partnerschap"),
        validators=[InputRequired(), Length(max=200)],
    )


ROLE_CHOICES = [
    SelectChoice(
        "coordinator",
        _l(
            "coördinator: bewerkt het profiel, vraagt en beantwoordt kennismakingen, beheert het team"
        ),
    ),
    SelectChoice("member", _l("lid: leest en volgt alles, wijzigt niets")),
]


class InviteForm(Form):
    """The admin's invitation: the first people of a partnership are its coordinators."""

    email = EmailField(
        _l("E-mailadres"),
        validators=[Optional(), Length(max=254)],
        description=_l("Leeg: het e-mailadres van de contactpersoon."),
    )
    role = SelectField(_l("Rol"), choices=ROLE_CHOICES, default="coordinator")


class TeamInviteForm(Form):
    """A coordinator invites a colleague (read-only member unless chosen otherwise)."""

    email = EmailField(
        _l("E-mailadres van uw collega"), validators=[InputRequired(), Length(max=254)]
    )
    role = SelectField(_l("Rol"), choices=ROLE_CHOICES, default="member")


class RoleForm(Form):
    role = SelectField(_l("Rol"), choices=ROLE_CHOICES)
