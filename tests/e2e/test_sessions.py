"""A Praktijk-in-zicht session in a real browser: a newcomer finds a seeded session, signs up, gets
the invitation by email (with the .ics) and on the page; the organiser sees who comes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from icalendar import Calendar

from .test_journeys import log_in, wait_for_mail

try:
    from playwright.sync_api import expect
except ImportError:  # conftest.py skips (or, in CI, fails) every test here with the reason
    expect = None

pytestmark = pytest.mark.e2e

SESSION_TITLE = (
    "Kijken bij een kalibratiesessie beoordelen"  # seeds/sessions.json, offered by the mentor
)
NEWCOMER_KEY = "opleidingsverband-klaverhoeve"


def test_sign_up_for_a_session(new_page, live_server, shot):
    account = live_server.member_for(NEWCOMER_KEY)
    page = new_page()
    log_in(page, account)

    page.get_by_role("link", name="Sessies", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Praktijk-in-zicht-sessies")
    shot(page, "sessions-list")
    page.get_by_role("link", name=SESSION_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(SESSION_TITLE)
    expect(page.locator("#session-when")).to_contain_text("14:00–16:30")
    page.get_by_role("button", name="Aanmelden voor deze sessie", exact=True).click()

    expect(page.locator(".flash-success")).to_contain_text("U bent aangemeld")
    expect(page.locator("#my-signup")).to_contain_text("Uw partnerschap is aangemeld")
    shot(page, "session-signed-up")

    with page.expect_download() as download_info:
        page.locator("#ics-link").click()
    calendar = Calendar.from_ical(Path(download_info.value.path()).read_bytes())
    event = calendar.events[0]
    assert str(event["SUMMARY"]) == SESSION_TITLE
    assert event["DTSTART"].params["TZID"] == "Europe/Amsterdam"
    assert (event.start.hour, event.start.minute, event.end.hour, event.end.minute) == (
        14,
        0,
        16,
        30,
    )

    message = wait_for_mail(live_server.inbox, account.email, SESSION_TITLE)
    attached = [
        p for p in message["message"].iter_attachments() if p.get_content_type() == "text/calendar"
    ]
    assert len(attached) == 1 and attached[0].get_param("method") == "REQUEST"
    assert str(Calendar.from_ical(attached[0].get_content()).events[0]["UID"]) == str(event["UID"])

    organiser = new_page()
    log_in(organiser, live_server.mentor)
    organiser.goto(re.sub(r"^https?://[^/]+", "", page.url))
    expect(organiser.locator("#attendees")).to_contain_text(account.email)
    shot(organiser, "session-organiser")

    page.get_by_role("button", name="Afmelden", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("afgemeld")
    expect(
        page.get_by_role("button", name="Aanmelden voor deze sessie", exact=True)
    ).to_be_visible()
