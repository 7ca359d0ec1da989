"""A Praktijk-in-zicht session as an iCalendar (.ics) invitation, built with ``icalendar``.

One event per session: its UID stays the same for the session's life, SEQUENCE is the
session's ``sequence`` (bumped on every change the signed-up partnerships hear about), METHOD is
REQUEST (an invitation or its update) or CANCEL (the session, or one's place in it, is off).
DTSTART and DTEND carry TZID=Europe/Amsterdam with the zone's VTIMEZONE.
"""

from __future__ import annotations

from datetime import date, timedelta
from email.utils import parseaddr
from urllib.parse import urlsplit

import warnings

from flask import current_app

with warnings.catch_warnings():
    # icalendar imports dateutil.tz, which tries ``import winreg``; pygal's import hook on
    # sys.meta_path (it has no find_spec) then raises an ImportWarning, an error under -W error.
    warnings.filterwarnings(
        "ignore", message=r"PluginImportFixer\.find_spec\(\) not found", category=ImportWarning
    )
    from icalendar import Calendar, Event, vCalAddress, vText

from ..models import PracticeSession, utcnow
from .session_rules import local

REQUEST, CANCEL = "REQUEST", "CANCEL"


def uid(session: PracticeSession) -> str:
    """The event's UID: the same for every invitation, update and cancellation of the session."""
    host = (
        urlsplit(current_app.config.get("BASE_URL") or "http://localhost").hostname or "localhost"
    )
    return f"practice-session-{session.id}@{host}"


def _organizer(session: PracticeSession) -> vCalAddress:
    address = parseaddr(current_app.config.get("MAIL_FROM") or "")[1] or "matchmaker@localhost"
    organizer = vCalAddress(f"mailto:{address}")
    organizer.params["cn"] = vText(session.partnership.name)
    return organizer


def build_ics(
    session: PracticeSession, *, link: str, method: str = REQUEST, with_online_url: bool = True
) -> str:
    """The session as an .ics text. ``link`` is the session's page; ``with_online_url`` puts the
    online link in (only for those signed up, the organiser and admins)."""
    start, end = local(session.starts_at), local(session.ends_at)
    cancelled = method == CANCEL or session.cancelled_at is not None
    calendar = Calendar()
    calendar.add("prodid", "-//Matchmaker//Praktijk in zicht//NL")
    calendar.add("version", "2.0")
    calendar.add("method", CANCEL if cancelled else REQUEST)
    event = Event()
    event.add("uid", uid(session))
    event.add("sequence", session.sequence)
    event.add("dtstamp", utcnow())
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", session.title)
    online = session.online_url if with_online_url else ""
    description = "\n\n".join(part for part in (session.description, online, link) if part)
    event.add("description", description)
    location = session.place or online
    if location:
        event.add("location", location)
    event.add("url", link)
    event.add("organizer", _organizer(session))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    calendar.add_component(event)
    # The zone's rules around the session only: a small VTIMEZONE that still covers DST.
    first = date(start.year - 1, 1, 1)
    calendar.add_missing_timezones(
        first_date=first, last_date=max(date(end.year + 1, 12, 31), first + timedelta(days=366))
    )
    return calendar.to_ical().decode("utf-8")
