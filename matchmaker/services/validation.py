"""The one set of rules for a partnership profile, used by import, the web forms and the API.

Rules come from the exchange format (shared/profile-format.md). ``validate_profile`` returns
the cleaned record or raises ``ValidationError`` with a message per field.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TypeGuard

from flask_babel import gettext as _

from ..domain import LANGUAGES, sector_code, sector_spelling
from ..domain import TEXT_LIMIT as TEXT_LIMIT  # re-exported for the services that check text
from ..matching.text import detect_language
from ..models import (
    CHALLENGE_VISIBILITIES,
    SECTORS,
    STORY_OUTCOMES,
    STORY_VISIBILITIES,
)
from ..json_input import is_unicode_text
from ..provinces import UnknownRegion, parse_region
from .email_rules import normalize_email

KEY_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")  # always with fullmatch: "$" allows a final "\n"
FIELDS = (
    "key",
    "name",
    "sectors",
    "region",
    "founded",
    "schools_count",
    "institutions",
    "description",
    "challenges",
    "challenges_visibility",
    "experiences",
    "open_to_mentor",
    "mentor_capacity",
    "contact",
    "stories",
)
REQUIRED = ("key", "name", "sectors", "founded")
MAX_INSTITUTIONS = 20
# A story's fields in the exchange format's order (export writes them so).
STORY_FIELDS = ("title", "text", "tips", "outcome", "language", "visibility")
STORY_REQUIRED = ("title", "text", "tips", "outcome")
MAX_STORIES = 50
TIPS = range(1, 6)  # the five tips of the seed document
# Control characters (C0, DEL, C1), the Unicode line and paragraph separators, the invisible
# format controls (zero-width space and joiners, the direction marks, embeddings, overrides and
# isolates, the Arabic letter mark, the word joiner and invisible operators, the byte order
# mark, interlinear annotation, tags) and the characters that show as nothing (soft hyphen,
# combining grapheme joiner, Hangul and Braille blanks, Mongolian and Khmer invisibles): Unicode's
# Bidi_Control and Default_Ignorable_Code_Point characters, and the blanks that are not spaces.
# None belongs in a one-line field such as a name or a title: they break headers and lines, make
# a name look like another ("\u202eenalp" shows as "plane"), or make it look empty.
CONTROL_RE = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f"
    r"\u200b-\u200f\u2028-\u202e\u2060-\u206f\u2800\u3164\ufeff\uffa0\ufff0-\ufffb"
    r"\U000e0000-\U000e0fff]"
)


class ValidationError(ValueError):
    """Bad input: ``fields`` maps each offending field to a message a person can act on."""

    def __init__(self, fields: dict[str, str], message: str | None = None) -> None:
        self.fields = fields
        super().__init__(message or "; ".join(f"{k}: {v}" for k, v in fields.items()))


def _is_int(value: object) -> TypeGuard[int]:
    """Is ``value`` a whole number (and not a bool, which Python counts as one)?"""
    return isinstance(value, int) and not isinstance(value, bool)


def clean_text(value, field: str, limit: int, errors: dict, required: bool = False) -> str:
    """A text field, trimmed; an error under ``field`` when it is not text, has a NUL character
    or a lone surrogate, is required and empty, or is longer than ``limit``."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field] = _("must be text")
        return ""
    value = value.strip()
    if "\x00" in value:
        errors[field] = _("must not contain NUL characters")
    elif not is_unicode_text(value):
        errors[field] = _("must be text in UTF-8 (it holds a lone surrogate such as \\ud800)")
    elif required and not value:
        errors[field] = _("is required")
    elif len(value) > limit:
        errors[field] = _(
            "must be at most %(limit)d characters (got %(got)d)", limit=limit, got=len(value)
        )
    return value


def clean_line(value, field: str, limit: int, errors: dict, required: bool = False) -> str:
    """Like ``clean_text``, and no control character (no line break, no tab) either."""
    value = clean_text(value, field, limit, errors, required=required)
    if field not in errors and CONTROL_RE.search(value):
        errors[field] = _("must be one line without control characters")
    return value


def _story(story, where: str, errors: dict) -> dict:
    """One story, cleaned: language detected when absent, visibility public by default."""
    if not isinstance(story, dict):
        errors[where] = _("must be a JSON object")
        return {}
    for unknown in sorted(set(story) - set(STORY_FIELDS)):
        errors[f"{where}.{unknown}"] = _("unknown field")
    for field in STORY_REQUIRED:
        if story.get(field) is None:
            errors[f"{where}.{field}"] = _("is required")
    clean: dict = {}
    clean["title"] = clean_line(story.get("title"), f"{where}.title", 200, errors, required=True)
    clean["text"] = clean_text(
        story.get("text"), f"{where}.text", TEXT_LIMIT, errors, required=True
    )

    tips = story.get("tips")
    if f"{where}.tips" not in errors:
        if not isinstance(tips, list) or not all(_is_int(t) and t in TIPS for t in tips):
            errors[f"{where}.tips"] = _("must be a list of tip numbers from 1 to 5")
        elif len(set(tips)) != len(tips):
            errors[f"{where}.tips"] = _("lists a tip twice")
        else:
            clean["tips"] = sorted(tips)

    outcome = story.get("outcome")
    if f"{where}.outcome" not in errors:
        if outcome not in STORY_OUTCOMES:
            errors[f"{where}.outcome"] = _("must be worked, partly or did_not_work")
        clean["outcome"] = outcome

    language = story.get("language")
    if language is not None and language not in LANGUAGES:
        errors[f"{where}.language"] = _("must be nl or en")
    clean["language"] = language

    visibility = story.get("visibility")
    if visibility is None:
        visibility = "public"
    elif visibility not in STORY_VISIBILITIES:
        errors[f"{where}.visibility"] = _("must be public or members")
    clean["visibility"] = visibility

    if clean["language"] is None and not any(k.startswith(f"{where}.") for k in errors):
        clean["language"] = detect_language(f"{clean['title']} {clean['text']}")
    return {field: clean.get(field) for field in STORY_FIELDS}


def _stories(stories, errors: dict) -> list[dict]:
    if not isinstance(stories, list):
        errors["stories"] = _("must be a list of stories")
        return []
    if len(stories) > MAX_STORIES:
        errors["stories"] = _("must list at most %(limit)d stories", limit=MAX_STORIES)
        return []
    return [_story(story, f"stories[{i}]", errors) for i, story in enumerate(stories)]


def validate_profile(record, *, this_year: int | None = None) -> dict:
    """Check one record of the exchange format; return it cleaned, with defaults filled in.

    ``stories`` is in the result only when the record has it: absent means "leave the
    partnership's stories as they are", an empty list means "remove them". So is
    ``challenges_visibility`` (absent: "public" for a new profile, unchanged for an existing one).
    ``region`` comes back as "Provincie" or "Provincie, Plaats" (a place alone mapped)."""
    if not isinstance(record, dict):
        raise ValidationError({"record": _("must be a JSON object")})
    this_year = this_year or date.today().year
    errors: dict[str, str] = {}
    for unknown in sorted(set(record) - set(FIELDS)):
        errors[unknown] = _("unknown field")
    for field in REQUIRED:
        if record.get(field) in (None, "", []):
            errors[field] = _("is required")
    clean: dict = {}

    key = record.get("key")
    if "key" not in errors:
        if not isinstance(key, str) or not KEY_RE.fullmatch(key):
            errors["key"] = _(
                "must be 1–64 characters a-z, 0-9 and '-', starting with a letter or digit"
            )
        clean["key"] = key

    if "name" not in errors:
        clean["name"] = clean_line(record.get("name"), "name", 200, errors, required=True)

    sectors = record.get("sectors")
    if "sectors" not in errors:
        if not isinstance(sectors, list) or not all(isinstance(s, str) for s in sectors):
            errors["sectors"] = _("must be a list of sector codes")
        elif None in (codes := [sector_code(s) for s in sectors]):
            unknown = sectors[codes.index(None)]
            errors["sectors"] = _(
                "unknown sector %(sector)s; use po, vo, mbo or so", sector=repr(unknown)
            )
        elif len({sector_spelling(s) for s in sectors}) != len(sectors):
            errors["sectors"] = _("lists a sector twice")
        else:  # "vmbo" and "havo" are both secondary: one code
            clean["sectors"] = [s for s in SECTORS if s in codes]

    clean["region"] = _region(record.get("region"), errors)

    founded = record.get("founded")
    if "founded" not in errors:
        if not _is_int(founded):
            errors["founded"] = _("must be a whole number (a year)")
        elif not 1950 <= founded <= this_year:
            errors["founded"] = _("must be a year from 1950 to %(this_year)d", this_year=this_year)
        clean["founded"] = founded

    schools = record.get("schools_count")
    if schools is not None and (not _is_int(schools) or not 1 <= schools <= 1000):
        errors["schools_count"] = _("must be a whole number from 1 to 1000, or empty")
    clean["schools_count"] = schools

    institutions = record.get("institutions", [])
    if institutions is None:
        institutions = []
    if not isinstance(institutions, list) or not all(isinstance(i, str) for i in institutions):
        errors["institutions"] = _("must be a list of names")
    elif len(institutions) > MAX_INSTITUTIONS:
        errors["institutions"] = _(
            "must list at most %(limit)d institutions", limit=MAX_INSTITUTIONS
        )
    elif any(len(i.strip()) > 200 or not i.strip() for i in institutions):
        errors["institutions"] = _("each name must be 1–200 characters")
    elif not all(is_unicode_text(i) for i in institutions):
        errors["institutions"] = _(
            "must be text in UTF-8 (it holds a lone surrogate such as \\ud800)"
        )
    elif any(CONTROL_RE.search(i.strip()) for i in institutions):
        errors["institutions"] = _("must be one line without control characters")
    else:
        clean["institutions"] = [i.strip() for i in institutions]

    for field in ("description", "challenges", "experiences"):
        clean[field] = clean_text(record.get(field), field, TEXT_LIMIT, errors)

    # Absent (or null): a new profile's challenges are public, an existing one keeps its choice.
    visibility = record.get("challenges_visibility")
    if visibility is not None:
        if visibility not in CHALLENGE_VISIBILITIES:
            errors["challenges_visibility"] = _("must be public or members")
        clean["challenges_visibility"] = visibility

    open_to_mentor = record.get("open_to_mentor", True)
    if not isinstance(open_to_mentor, bool):
        errors["open_to_mentor"] = _("must be true or false")
    clean["open_to_mentor"] = open_to_mentor

    capacity = record.get("mentor_capacity", 2)
    if not _is_int(capacity) or not 0 <= capacity <= 20:
        errors["mentor_capacity"] = _("must be a whole number from 0 to 20")
    clean["mentor_capacity"] = capacity

    contact = record.get("contact")
    clean["contact"] = {"name": None, "email": None}
    if contact is not None:
        if not isinstance(contact, dict):
            errors["contact"] = _("must be an object with name and email")
        elif extra := sorted(set(contact) - {"name", "email"}):
            errors[f"contact.{extra[0]}"] = _("unknown field")
        else:
            name = clean_line(contact.get("name"), "contact.name", 200, errors)
            email = contact.get("email")
            clean_email = None
            if email not in (None, ""):
                clean_email = normalize_email(email, "contact.email", errors)
            clean["contact"] = {"name": name or None, "email": clean_email}

    if "stories" in record:
        clean["stories"] = _stories(record["stories"], errors)

    if errors:
        raise ValidationError(errors)
    return clean


def _region(value, errors: dict) -> str | None:
    """ "Provincie" or "Provincie, Plaats" (a place alone mapped to its province), or None."""
    region = clean_line(value, "region", 100, errors)
    if "region" in errors or not region:
        return None
    try:
        parsed = parse_region(region)
    except UnknownRegion:
        errors["region"] = _(
            "must be one of the twelve provinces, optionally followed by a place (e.g. "
            "“Gelderland, Apeldoorn”); “%(region)s” is neither a province nor a place that lies in one province",
            region=region,
        )
        return None
    if parsed is not None and len(parsed) > 100:
        errors["region"] = _(
            "must be at most %(limit)d characters (got %(got)d)", limit=100, got=len(parsed)
        )
    return parsed


def validate_document(document, *, this_year: int | None = None) -> list[dict]:
    """Validate a whole exchange document; raise ValidationError naming record, key and field.

    ``this_year`` (default: today's) is the latest ``founded`` allowed."""
    if not isinstance(document, dict):
        raise ValidationError({"document": _("must be a JSON object with a 'partnerships' list")})
    extra = sorted(set(document) - {"partnerships"})
    if extra:
        raise ValidationError(
            {extra[0]: _("unknown top-level field")},
            _("unknown top-level field %(field)s", field=repr(extra[0])),
        )
    records = document.get("partnerships")
    if not isinstance(records, list):
        raise ValidationError(
            {"partnerships": _("must be a list")}, _("'partnerships' must be a list of profiles")
        )
    cleaned: list[dict] = []
    problems: dict[str, str] = {}
    seen: dict[str, int] = {}
    for i, record in enumerate(records):
        key = record.get("key") if isinstance(record, dict) else None
        label = f"record {i} (key {key!r})" if isinstance(key, str) else f"record {i}"
        try:
            clean = validate_profile(record, this_year=this_year)
        except ValidationError as exc:
            for field, msg in exc.fields.items():
                problems[f"{label}: {field}"] = msg
            continue
        if clean["key"] in seen:
            problems[f"{label}: key"] = _(
                "duplicate key, also used by record %(index)d", index=seen[clean["key"]]
            )
            continue
        seen[clean["key"]] = i
        cleaned.append(clean)
    if problems:
        lines = [f"{where}: {msg}" for where, msg in problems.items()]
        raise ValidationError(problems, "\n".join(lines))
    return cleaned
