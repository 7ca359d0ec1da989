"""Stories in a real browser (see conftest.py for the live server and the browser).

A coordinator of an experienced seed partnership writes a story about what did not work, sees it
on the partnership's public page and in the list of stories, makes it members-only, and a
visitor who is not signed in no longer finds it. A story with a broken rule is refused beside
the field, and nothing is saved.
"""

from __future__ import annotations

import re

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # conftest.py skips (or, in CI, fails) every test here with the reason
    expect = None
else:
    expect.set_options(timeout=10_000)

from .test_journeys import log_in

pytestmark = pytest.mark.e2e

# A seed partnership no other browser test writes for (the journeys rely on Eikenrode's profile).
WRITER_KEY = "startbaan-wilgenwaard"
TITLE = "Een mentorenpool die niemand gebruikte"
TEXT = (
    "We richtten een pool van mentoren op die startende leerkrachten op elke school konden vragen.\n\n"
    "Het werkte niet: de starters wisten niet wie ze mochten bellen en de mentoren wachtten af. "
    "We stuitten op weerstand van schoolleiders die hun eigen begeleiding wilden houden.\n\n"
    "Nu krijgt elke starter op de eigen school een vaste collega. Wat we anders zouden doen: "
    "eerst met de schoolleiders praten."
)


def test_write_a_story_and_read_it_on_the_partnership_page(new_page, live_server, shot):
    writer = new_page()
    log_in(writer, live_server.member_for(WRITER_KEY))

    # -- from the public page to the form ----------------------------------------------------------
    writer.goto(f"/partnerships/{WRITER_KEY}")
    writer.get_by_role("link", name="Verhaal schrijven").click()
    expect(writer).to_have_url(re.compile(r"/profile/stories/new$"))
    expect(writer.get_by_role("heading", level=1)).to_have_text("Verhaal schrijven")
    expect(writer.get_by_text("de obstakels en de weerstand")).to_be_visible()  # the guide

    # -- a broken rule is named beside the field, nothing is saved ---------------------------------
    writer.get_by_label("Het verhaal", exact=True).fill(TEXT)
    writer.get_by_label("werkte niet", exact=True).check()
    writer.get_by_role("button", name="Opslaan").click()
    expect(writer.locator("#title-error")).to_be_visible()
    expect(writer.get_by_label("Het verhaal", exact=True)).to_have_value(
        TEXT
    )  # what was typed stays

    # -- the story, written properly ----------------------------------------------------------------
    writer.get_by_label("Titel", exact=True).fill(TITLE)
    writer.get_by_label("2. Durf te experimenteren").check()
    writer.get_by_label("4. Alle partijen betrekken, lijntjes kort").check()
    writer.get_by_label("Taal van het verhaal").select_option("nl")
    shot(writer, "story-form")
    writer.get_by_role("button", name="Opslaan").click()
    expect(writer).to_have_url(re.compile(rf"/partnerships/{WRITER_KEY}/stories/\d+$"))
    expect(writer.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(writer.locator(".outcome-did_not_work")).to_have_text("werkte niet")
    story_url = writer.url

    # -- everyone sees it on the partnership's page and in the list of stories ---------------------
    visitor = new_page()
    visitor.goto(f"/partnerships/{WRITER_KEY}")
    card = visitor.locator(".stories .story", has_text=TITLE)
    expect(card).to_be_visible()
    expect(card.locator(".outcome-did_not_work")).to_have_text("werkte niet")
    expect(card.locator(".tip")).to_have_text(
        ["2. Durf te experimenteren", "4. Alle partijen betrekken, lijntjes kort"]
    )
    shot(visitor, "story-on-partnership-page")
    visitor.goto("/stories")
    visitor.get_by_label("Afloop").select_option("did_not_work")
    visitor.get_by_label("Tip", exact=True).select_option("4")
    visitor.get_by_role("button", name="Filter").click()
    expect(visitor.get_by_role("link", name=TITLE)).to_be_visible()
    shot(visitor, "stories-filtered")

    # -- members only: a visitor no longer finds it --------------------------------------------------
    writer.get_by_role("link", name="Verhaal bewerken").click()
    writer.get_by_label("alleen ingelogde partnerschappen").check()
    writer.get_by_role("button", name="Opslaan").click()
    expect(writer.locator(".flash-success")).to_contain_text("opgeslagen")
    assert visitor.goto(story_url).status == 404
    visitor.goto(f"/partnerships/{WRITER_KEY}")
    expect(visitor.locator(".stories")).not_to_contain_text(TITLE)
