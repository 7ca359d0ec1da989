"""Search in a real browser (see conftest.py for the live server and the browser).

A visitor who is not signed in asks in English for what the seed data describes in Dutch
("career changers" ↔ "carrièreswitchers", "zij-instromers"), submits with the keyboard, finds the
Zij-instroomnetwerk's story with the matched words marked, and opens it.
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

pytestmark = pytest.mark.e2e

STORY = "Een apart avondtraject voor carrièreswitchers"  # seeds/partnerships.json, zij-instroomnetwerk-duinhaven


def test_find_a_dutch_story_with_an_english_question(new_page, shot):
    page = new_page()
    page.goto("/")
    page.get_by_role("link", name="Zoeken", exact=True).click()
    expect(page).to_have_url(re.compile(r"/zoeken$"))
    box = page.get_by_label("Waar zoekt u naar?")
    box.fill("How do we guide career changers who come from industry?")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/zoeken\?q="))
    stories = page.locator("section[aria-labelledby=hits-stories]")
    hit = stories.get_by_role("link", name=STORY)
    expect(hit).to_be_visible()
    partnerships = page.locator("section[aria-labelledby=hits-partnerships]")
    expect(partnerships.get_by_role("link", name="Zij-instroomnetwerk Duinhaven")).to_be_visible()
    expect(partnerships.locator("mark").first).to_be_visible()  # the words that met the question
    shot(page, "search-results")

    page.get_by_label("Zoek in").select_option("stories")
    page.get_by_label("Uitkomst").select_option("did_not_work")
    page.get_by_role("button", name="Zoeken", exact=True).click()
    expect(page.locator("section[aria-labelledby=hits-partnerships]")).to_have_count(0)

    page.go_back()
    page.locator("section[aria-labelledby=hits-stories]").get_by_role("link", name=STORY).click()
    expect(page).to_have_url(
        re.compile(r"/partnerships/zij-instroomnetwerk-duinhaven/stories/\d+$")
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(STORY)
