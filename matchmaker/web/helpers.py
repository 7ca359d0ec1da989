"""Template helpers: names of sectors, reasons and errors in the reader's language."""

from __future__ import annotations

import re

from flask import Flask, request
from markupsafe import Markup, escape
from flask_babel import format_decimal, format_percent, get_locale
from flask_babel import lazy_gettext as _l

SECTOR_NAMES = {
    "po": _l("primair onderwijs"),
    "vo": _l("voortgezet onderwijs"),
    "mbo": _l("middelbaar beroepsonderwijs"),
    "so": _l("speciaal onderwijs"),
}
STATE_NAMES = {
    "requested": _l("aangevraagd"),
    "awaiting_admin": _l("wacht op beheerder"),
    "accepted": _l("geaccepteerd"),
    "declined": _l("afgewezen"),
    "withdrawn": _l("ingetrokken"),
    "completed": _l("afgerond"),
}
ERROR_TITLES = {
    400: _l("Dat verzoek klopt niet"),
    403: _l("Geen toegang"),
    404: _l("Pagina niet gevonden"),
    405: _l("Dat kan zo niet"),
    413: _l("Te veel gegevens"),
    429: _l("Even rustig aan"),
    500: _l("Er ging iets mis"),
}
ERROR_TEXTS = {
    400: _l("Controleer wat u invulde en probeer het opnieuw."),
    403: _l("U heeft geen toegang tot deze pagina. Log in met een account dat wel toegang heeft."),
    404: _l("Deze pagina bestaat niet (meer). Misschien is het partnerschap niet meer actief."),
    405: _l("Deze actie is op deze manier niet mogelijk."),
    413: _l("Het verzoek is te groot. Maak de tekst of het bestand kleiner."),
    429: _l("Te veel pogingen achter elkaar. Wacht een minuut en probeer het opnieuw."),
    500: _l("Er ging aan onze kant iets mis. Probeer het later opnieuw."),
}

# Match strength in words (coordinators never see the raw score). Lower bounds, strongest first; set
# on the seed network, where scores run up to about 0.4 and the median best suggestion is about 0.2
# (matching.topics.WEAK_SCORE: below it a partnership counts as having no good match).
STRENGTH_LEVELS = (
    (0.30, 4, _l("sterke match")),
    (0.20, 3, _l("goede match")),
    (0.12, 2, _l("mogelijke match")),
)
WEAK_MATCH = (1, _l("zwakke match"))
POSSIBLE_MATCH = STRENGTH_LEVELS[-1][
    0
]  # the cohort page proposes no pair below a "mogelijke match"


def match_strength(score: float) -> tuple[int, str]:
    """(level 1–4, words) for a suggestion's score."""
    for bound, level, words in STRENGTH_LEVELS:
        if score >= bound:
            return level, str(words)
    return WEAK_MATCH[0], str(WEAK_MATCH[1])


MAX_PAGE = 100_000  # far past any real list; keeps the offset a small number for every database


def page_number() -> int:
    """``?page=`` as a page number from 1 to MAX_PAGE; anything else ("1e20", "-3", 10**20) is
    read as the nearest page, never passed on to the database as an oversized offset."""
    page = request.args.get("page", 1, type=int) or 1
    return min(max(page, 1), MAX_PAGE)


def locale_code() -> str:
    return str(get_locale() or "nl")


def _by_code(table: dict, code: int):
    return table.get(code, table[500] if code >= 500 else table[400])


def field_attrs(field) -> dict:
    """aria attributes that tie a form field to its hint and its error messages."""
    attrs = {}
    if field.errors:
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{field.id}-error"
    elif field.description:
        attrs["aria-describedby"] = f"{field.id}-hint"
    return attrs


def mark_words(text: str, words) -> Markup:
    """``text`` escaped, with each of ``words`` (whole words, any case) wrapped in <mark>."""
    words = [w for w in words or () if w and w.strip()]
    if not words:
        return Markup(escape(text))
    pattern = re.compile(
        r"(?<!\w)("
        + "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
        + r")(?!\w)",
        re.IGNORECASE,
    )
    out, last = [], 0
    for m in pattern.finditer(text):
        out.append(escape(text[last : m.start()]))
        out.append(Markup("<mark>") + escape(m.group()) + Markup("</mark>"))
        last = m.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def csrf_field(form) -> Markup:
    """A form's hidden CSRF input without an id (a page may hold one form per row, and ids must
    be unique); nothing when CSRF is off."""
    field = getattr(form, "csrf_token", None)
    return Markup(field(id=False)) if field is not None and callable(field) else Markup("")


def register(app: Flask) -> None:
    """Globals, so macros imported without context can use them too."""
    app.jinja_env.globals["csrf_field"] = csrf_field
    app.jinja_env.filters.update(
        format_percent=format_percent, format_decimal=format_decimal, mark_words=mark_words
    )
    app.jinja_env.globals.update(
        sector_name=lambda code: SECTOR_NAMES.get(code, code),
        reason_text=lambda reason: reason.as_text(locale_code()),
        error_title=lambda code: _by_code(ERROR_TITLES, code),
        error_text=lambda code: _by_code(ERROR_TEXTS, code),
        field_attrs=field_attrs,
        state_name=lambda state: STATE_NAMES.get(state, state),
        match_strength=match_strength,
    )
