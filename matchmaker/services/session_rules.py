"""The rules of a Praktijk-in-zicht session's fields, and its times in Europe/Amsterdam.

``clean_session`` is the one validator the web form and the API call (through
services/practice_sessions.py); it returns the cleaned values or raises ``ValidationError``
with a message per field. Times are entered and shown in Europe/Amsterdam and stored in UTC:
a local time without an offset is read as Amsterdam time (DST-correct through zoneinfo); a time
that does not exist there (the hour skipped when the clocks go forward) is refused; of a time
that exists twice (the hour repeated in October) the first, summer-time one is meant.
"""

from __future__ import annotations

import re

from datetime import datetime, timedelta, timezone
from typing import overload
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, format_time
from flask_babel import get_locale
from flask_babel import gettext as _

from ..domain import LANGUAGES
from ..models import SESSION_KINDS
from .validation import TEXT_LIMIT, ValidationError, clean_line, clean_text

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
TIMEZONE_NAME = "Europe/Amsterdam"
FIELDS = (
    "title",
    "description",
    "kind",
    "starts_at",
    "ends_at",
    "place",
    "online_url",
    "capacity",
    "language",
)
TITLE_LIMIT, PLACE_LIMIT, URL_LIMIT = 200, 300, 500
MAX_CAPACITY = 500
MAX_DURATION = timedelta(hours=24)  # a session lasts at most a day
MAX_AHEAD = timedelta(days=730)  # and starts within two years


@overload
def local(moment: datetime) -> datetime: ...
@overload
def local(moment: None) -> None: ...
def local(moment: datetime | None) -> datetime | None:
    """``moment`` (stored in UTC) as Amsterdam time."""
    return moment.astimezone(AMSTERDAM) if moment is not None else None


def local_input(moment: datetime | None) -> str:
    """Amsterdam time as a form's datetime-local value: ``2026-05-12T14:30``."""
    return local(moment).strftime("%Y-%m-%dT%H:%M") if moment is not None else ""


def when_text(starts_at: datetime, ends_at: datetime) -> str:
    """ "dinsdag 12 mei 2026 14:30–16:00" in the reader's language, in Amsterdam time (the end
    with its date too when the session runs past midnight)."""
    locale = str(get_locale() or "nl")
    start, end = local(starts_at), local(ends_at)
    text = format_datetime(start, "EEEE d MMMM y HH:mm", tzinfo=AMSTERDAM, locale=locale)
    if end.date() == start.date():
        return f"{text}–{format_time(end, 'HH:mm', tzinfo=AMSTERDAM, locale=locale)}"
    return (
        f"{text} – {format_datetime(end, 'EEEE d MMMM y HH:mm', tzinfo=AMSTERDAM, locale=locale)}"
    )


def parse_time(value, field: str, errors: dict) -> datetime | None:
    """A time as UTC: ISO 8601 text or a datetime; without an offset it is Amsterdam time."""
    if value is None or (isinstance(value, str) and not value.strip()):
        errors[field] = _("is required")
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            errors[field] = _("must be a date and time such as 2026-05-12T14:30 (Europe/Amsterdam)")
            return None
    if not isinstance(value, datetime):
        errors[field] = _("must be a date and time such as 2026-05-12T14:30 (Europe/Amsterdam)")
        return None
    if not 1900 <= value.year <= 9000:  # far outside any session; and 0001 or 9999 plus an
        # offset has no UTC time at all (OverflowError)
        errors[field] = _("must be a date and time such as 2026-05-12T14:30 (Europe/Amsterdam)")
        return None
    if value.tzinfo is None:
        aware = value.replace(tzinfo=AMSTERDAM, fold=0)
        if aware.astimezone(timezone.utc).astimezone(AMSTERDAM).replace(tzinfo=None) != value:
            errors[field] = _("does not exist in Europe/Amsterdam (the clocks go forward then)")
            return None
        value = aware
    return value.astimezone(timezone.utc)


def _text(value, field: str, limit: int, errors: dict, *, required=False, one_line=False) -> str:
    """The import's own text rules (services/validation.py), one line or several."""
    clean = clean_line if one_line else clean_text
    return clean(value, field, limit, errors, required=required)


def _capacity(value, errors: dict) -> int | None:
    # ASCII digits only ("²".isdigit() is true), and few enough to read: anything else is not
    # a number from 1 to MAX_CAPACITY anyway.
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,6}", value.strip()):
        value = int(value.strip())
    if value is None or (isinstance(value, str) and not value.strip()):
        errors["capacity"] = _("is required")
    elif not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_CAPACITY:
        errors["capacity"] = _("must be a whole number from 1 to %(max)d", max=MAX_CAPACITY)
    else:
        return value
    return None


def _url(value, errors: dict) -> str:
    url = _text(value, "online_url", URL_LIMIT, errors, one_line=True)
    if url and "online_url" not in errors:
        try:
            parts = urlsplit(url)
            valid = parts.scheme in ("http", "https") and bool(parts.hostname) and " " not in url
            parts.port  # noqa: B018  (raises for a port outside 0-65535 or not a number)
        except ValueError:  # "http://[::1" (an unclosed IPv6 address), "http://a:99999/"
            valid = False
        if not valid:
            errors["online_url"] = _("must be a web address starting with https://")
    return url


def clean_session(data, *, now: datetime) -> dict:
    """The session's fields, cleaned; ValidationError naming each bad field.

    ``data`` has the keys of ``FIELDS`` (unknown keys are refused); times as in ``parse_time``."""
    if not isinstance(data, dict):
        raise ValidationError({"body": _("must be a JSON object")})
    errors: dict[str, str] = {}
    for unknown in sorted(set(data) - set(FIELDS)):
        errors[str(unknown)] = _("unknown field")
    clean: dict[str, object] = {
        "title": _text(
            data.get("title"), "title", TITLE_LIMIT, errors, required=True, one_line=True
        ),
        "description": _text(data.get("description"), "description", TEXT_LIMIT, errors),
        "place": _text(data.get("place"), "place", PLACE_LIMIT, errors, one_line=True),
        "online_url": _url(data.get("online_url"), errors),
        "capacity": _capacity(data.get("capacity"), errors),
    }
    kind = data.get("kind")
    if kind not in SESSION_KINDS:
        errors["kind"] = _("must be visit, online or workshop")
    language = data.get("language") or "nl"
    if language not in LANGUAGES:
        errors["language"] = _("must be nl or en")
    clean.update(kind=kind, language=language)

    starts = parse_time(data.get("starts_at"), "starts_at", errors)
    ends = parse_time(data.get("ends_at"), "ends_at", errors)
    if starts is not None:
        if starts <= now:
            errors["starts_at"] = _("must be in the future")
        elif starts > now + MAX_AHEAD:
            errors["starts_at"] = _("must be within two years from now")
    if starts is not None and ends is not None:
        if ends <= starts:
            errors["ends_at"] = _("must be after the start")
        elif ends - starts > MAX_DURATION:
            errors["ends_at"] = _("must be at most 24 hours after the start")
    clean.update(starts_at=starts, ends_at=ends)

    if kind == "online" and not clean["online_url"] and "online_url" not in errors:
        errors["online_url"] = _("is required for an online session")
    if kind == "visit" and not clean["place"] and "place" not in errors:
        errors["place"] = _("is required for a visit: where do the visitors go?")
    if kind == "workshop" and not (clean["place"] or clean["online_url"]) and "place" not in errors:
        errors["place"] = _("a workshop needs a place or an online link")
    if errors:
        raise ValidationError(errors)
    return clean
