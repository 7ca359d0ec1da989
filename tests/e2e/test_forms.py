"""Browser tests for the profile forms and what they decide (issue 14):

1. the partnership list filters by province (places count as their province);
2. members-only challenges: hidden from a visitor (text and the suggestions quoting it), shown
   once signed in;
3. the register form keeps what was typed when the language is switched, both ways;
4. the capacity box shows only when "open voor begeleiding" is ticked.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update

try:
    from playwright.sync_api import expect
except ImportError:  # conftest.py skips (or, in CI, fails) every test here with the reason
    expect = None
else:
    expect.set_options(timeout=10_000)

from matchmaker.extensions import db
from matchmaker.models import Partnership
from matchmaker.provinces import PROVINCES
from matchmaker.services.profiles import bump_data_version

from .test_journeys import log_in

pytestmark = pytest.mark.e2e

PRIVATE_KEY = "leerpact-heidebloem"  # a seed partnership (Drenthe) that no other browser test opens


def test_province_filter(new_page, live_server, shot):
    page = new_page()
    page.goto("/")
    options = page.locator("#region option").all_inner_texts()[1:]  # after "Alle regio's"
    assert options and set(options) <= set(PROVINCES), options
    page.locator("#region").select_option("Gelderland")
    page.locator("#region").evaluate("select => select.form.requestSubmit()")
    expect(page).to_have_url(re.compile(r"region=Gelderland"))
    cards = page.locator("main .meta")
    assert cards.count() >= 2
    for text in cards.all_inner_texts():
        assert "Gelderland" in text, text
    shot(page, "forms-province-filter")


def _set_visibility(live_server, key: str, visibility: str) -> None:
    with live_server.app.app_context():
        db.session.execute(
            update(Partnership)
            .where(Partnership.key == key)
            .values(challenges_visibility=visibility)
        )
        bump_data_version()
        db.session.commit()


def test_members_only_challenges(new_page, live_server, shot):
    with live_server.app.app_context():
        challenges = db.session.scalar(
            db.select(Partnership.challenges).where(Partnership.key == PRIVATE_KEY)
        )
    quote = challenges.split(".")[0][:60]
    _set_visibility(live_server, PRIVATE_KEY, "members")
    try:
        visitor = new_page()
        visitor.goto(f"/partnerships/{PRIVATE_KEY}")
        expect(visitor.locator("main")).not_to_contain_text(quote)
        expect(visitor.locator("main")).to_contain_text("alleen met ingelogde partnerschappen")
        expect(visitor.locator(".suggestions .suggestion")).to_have_count(0)
        shot(visitor, "forms-challenges-members-anonymous")

        member = new_page()
        log_in(member, live_server.mentor)
        member.goto(f"/partnerships/{PRIVATE_KEY}")
        expect(member.locator("main")).to_contain_text(quote)
        shot(member, "forms-challenges-members-signed-in")
    finally:
        _set_visibility(live_server, PRIVATE_KEY, "public")
    visitor.goto(f"/partnerships/{PRIVATE_KEY}")
    expect(visitor.locator("main")).to_contain_text(quote)


def test_register_form_keeps_its_input_across_a_language_switch(new_page, live_server, shot):
    page = new_page()
    page.goto("/register")
    page.get_by_label("Uw e-mailadres (om in te loggen)").fill("taalwissel@example.org")
    page.get_by_label("Naam van het partnerschap").fill("Opleidingsschool Taalwissel")
    page.get_by_label("middelbaar beroepsonderwijs", exact=True).check()
    page.get_by_label("Provincie").select_option("Overijssel")
    page.get_by_label("Plaats (optioneel)").fill("Zwolle")
    page.get_by_label("Opgericht in (jaar)").fill("2019")
    page.get_by_label("Uitdagingen", exact=True).fill(
        "Wij zoeken hulp bij het inwerken van zij-instromers."
    )
    page.get_by_label("Wie mag de uitdagingen lezen?").select_option("members")

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Register a partnership")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#email")).to_have_value("taalwissel@example.org")
    expect(page.locator("#name")).to_have_value("Opleidingsschool Taalwissel")
    expect(page.locator("#province")).to_have_value("Overijssel")
    expect(page.locator("#place")).to_have_value("Zwolle")
    expect(page.locator("#founded")).to_have_value("2019")
    expect(page.locator("#challenges")).to_have_value(
        "Wij zoeken hulp bij het inwerken van zij-instromers."
    )
    expect(page.locator("#challenges_visibility")).to_have_value("members")
    expect(page.locator("input[name=sectors][value=mbo]")).to_be_checked()
    expect(page.locator(".field-error")).to_have_count(0)  # a switch is no submission
    shot(page, "forms-register-switched-to-english")

    page.get_by_role("button", name="Nederlands").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Partnerschap aanmelden")
    expect(page.locator("#name")).to_have_value("Opleidingsschool Taalwissel")
    expect(page.locator("#place")).to_have_value("Zwolle")


def test_capacity_shows_only_when_open_to_mentoring(new_page, live_server):
    page = new_page()
    page.goto("/register")
    capacity = page.get_by_label("Hoeveel partnerschappen tegelijk (0–20)")
    expect(capacity).to_be_hidden()
    page.get_by_label("Wij staan open voor het begeleiden van andere partnerschappen").check()
    expect(capacity).to_be_visible()
    expect(page.get_by_label("Naam van het partnerschap")).to_have_attribute(
        "aria-required", "true"
    )
    expect(page.get_by_text("Velden met een sterretje (*) zijn verplicht.")).to_be_visible()
