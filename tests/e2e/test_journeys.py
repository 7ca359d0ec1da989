"""End-to-end journeys in a real browser (see conftest.py for the live server and the browser).

1. A new partnership registers, confirms its address by email, reads its suggestions with reasons and asks for an introduction;
   the mentor's coordinator accepts; both see each other's contact details; the emails arrive.
2. An admin rejects a suggested pair; the mentor is gone from that partnership's suggestions.
3. The language switch: Dutch → English → Dutch.
4. Keyboard only: the skip link comes first, and the log-in form works with Tab, Space and Enter.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # conftest.py skips (or, in CI, fails) every test here with the reason
    expect = None
else:
    expect.set_options(timeout=10_000)

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
ENGLISH_CATALOG = ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.mo"

CARDS = ".suggestion-list > li[data-key]"

NEWCOMER = {
    "key": "leerkring-eerlijk-beoordelen",
    "name": "Leerkring Eerlijk Beoordelen",
    "email": "coordinator@leerkring-eerlijk-beoordelen.example.org",
    "password": "een lange zin als wachtwoord",
    "region": "Utrecht",
    "founded": "2025",
    # Written to match one seed mentor clearly: Opleidingsschool Eikenrode (shared rubric,
    # trained assessors, calibration sessions).
    "challenges": (
        "Onze scholen beoordelen leraren-in-opleiding elk op hun eigen manier. We willen dezelfde "
        "beoordelingscriteria en een rubric voor alle scholen, en onze schoolopleiders trainen in "
        "beoordelen met kalibratiesessies."
    ),
    "contact_name": "Fatima El Amrani",
    "contact_email": "f.elamrani@leerkring-eerlijk-beoordelen.example.org",
}
EXPECTED_MENTOR = "eikenrode-opleidingsschool"
SEEDED_NEWCOMER = ("opleidingsschool-zilvermeeuw", "Opleidingsschool Zilvermeeuw")


def log_in(page, account) -> None:
    page.goto("/login")
    page.get_by_label("E-mailadres", exact=True).fill(account.email)
    page.get_by_label("Wachtwoord", exact=True).fill(account.password)
    page.get_by_role("button", name="Inloggen", exact=True).click()
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()


def suggestion_keys(page) -> list[str]:
    expect(page.locator(CARDS).first).to_be_visible()
    return page.locator(CARDS).evaluate_all("cards => cards.map(card => card.dataset.key)")


def wait_for_mail(inbox, address: str, contains: str, timeout: float = 10.0) -> dict:
    """The first message to ``address`` whose body contains ``contains`` (polls the inbox)."""
    deadline = time.monotonic() + timeout
    while True:
        for message in inbox.to(address):
            if contains in message["body"]:
                return message
        if time.monotonic() > deadline:
            seen = [(m["to"], m["subject"]) for m in inbox.messages]
            raise AssertionError(f"no email to {address} containing {contains!r}; inbox: {seen}")
        time.sleep(0.05)


def test_register_request_accept_and_share_contacts(new_page, live_server, shot):
    newcomer = new_page()

    # -- register: account and profile in one form -------------------------------------------------
    newcomer.goto("/register")
    expect(newcomer.get_by_role("heading", level=1)).to_have_text("Partnerschap aanmelden")
    shot(newcomer, "register")
    newcomer.get_by_label("Uw e-mailadres (om in te loggen)").fill(NEWCOMER["email"])
    newcomer.get_by_label("Wachtwoord", exact=True).fill(NEWCOMER["password"])
    newcomer.get_by_label("Naam van het partnerschap").fill(NEWCOMER["name"])
    newcomer.locator(
        "details.advanced > summary"
    ).click()  # the key is made from the name unless set here
    newcomer.get_by_label("Webadres van het profiel").fill(NEWCOMER["key"])
    newcomer.get_by_label("voortgezet onderwijs", exact=True).check()
    newcomer.get_by_label("Provincie").select_option(NEWCOMER["region"])
    newcomer.get_by_label("Opgericht in (jaar)").fill(NEWCOMER["founded"])
    newcomer.get_by_label("Uitdagingen", exact=True).fill(NEWCOMER["challenges"])
    newcomer.get_by_label("Wij staan open voor het begeleiden van andere partnerschappen").uncheck()
    newcomer.get_by_label("Naam contactpersoon").fill(NEWCOMER["contact_name"])
    newcomer.get_by_label("E-mailadres contactpersoon").fill(NEWCOMER["contact_email"])
    shot(newcomer, "register-filled")
    newcomer.get_by_role("button", name="Aanmelden", exact=True).click()

    # -- confirm the address with the link from the email --------------------------------------------
    expect(newcomer).to_have_url(re.compile(r"/register/sent$"))
    expect(newcomer.get_by_role("heading", level=1)).to_have_text("Kijk in uw e-mail")
    shot(newcomer, "register-check-email")
    confirmation = wait_for_mail(live_server.inbox, NEWCOMER["email"], "/register/confirm/")
    link = re.search(r"https?://\S+/register/confirm/\S+", confirmation["body"]).group(0)
    assert link.startswith(live_server.url + "/"), link
    newcomer.goto(link)
    # The link confirms the address but signs nobody in: the newcomer logs in with the password.
    expect(newcomer).to_have_url(re.compile(r"/login\?next=(/|%2F)suggestions$"))
    expect(newcomer.locator(".flash-success")).to_contain_text("bevestigd")
    newcomer.get_by_label("E-mailadres", exact=True).fill(NEWCOMER["email"])
    newcomer.get_by_label("Wachtwoord", exact=True).fill(NEWCOMER["password"])
    newcomer.get_by_role("button", name="Inloggen", exact=True).click()

    # -- suggestions with reasons ------------------------------------------------------------------
    expect(newcomer).to_have_url(re.compile(r"/suggestions$"))
    keys = suggestion_keys(newcomer)
    assert EXPECTED_MENTOR in keys[:3], (
        f"the clearly matching mentor should rank near the top: {keys}"
    )
    first = newcomer.locator(CARDS).first
    expect(first.locator(".reasons-label")).to_have_text("Waarom:")
    expect(first.locator("li.reason").first).to_be_visible()
    expect(newcomer.locator("li.reason", has_text="zelfde sector").first).to_be_visible()
    mentor_key = first.get_attribute("data-key")
    mentor_name = first.locator(".card-title").inner_text().strip()
    mentor_contact_name, mentor_contact_email = live_server.contact(mentor_key)
    assert mentor_contact_email not in newcomer.content(), (
        "contact details must stay private before acceptance"
    )
    shot(newcomer, "suggestions")
    newcomer.set_viewport_size(
        {"width": 390, "height": 844}
    )  # readable on a phone: no sideways scrolling
    assert newcomer.evaluate("document.documentElement.scrollWidth") <= 390
    shot(newcomer, "suggestions-phone")
    newcomer.set_viewport_size({"width": 1280, "height": 900})

    # The mentor's coordinator: the account made in the fixture, or one made now for this mentor.
    mentor_account = live_server.member_for(mentor_key)

    # -- ask for an introduction -------------------------------------------------------------------
    first.get_by_role("link", name="Vraag een kennismaking").click()
    expect(newcomer).to_have_url(re.compile(rf"/introductions/new/{re.escape(mentor_key)}$"))
    expect(newcomer.get_by_role("heading", level=1)).to_contain_text(mentor_name)
    message = "Wij willen graag leren hoe u tot één gedeelde rubric en kalibratiesessies kwam."
    newcomer.get_by_label("Bericht aan het partnerschap").fill(message)
    shot(newcomer, "introduction-request-form")
    newcomer.get_by_role("button", name="Verstuur verzoek").click()

    expect(newcomer).to_have_url(re.compile(r"/introductions/\d+$"))
    intro_path = re.search(r"/introductions/\d+$", newcomer.url).group(0)
    expect(newcomer.locator("#intro-state")).to_have_text("aangevraagd")
    expect(newcomer.locator("section.contact")).to_have_count(0)
    expect(
        newcomer.get_by_text(
            "Contactgegevens worden gedeeld zodra het ervaren partnerschap het verzoek accepteert."
        )
    ).to_be_visible()
    shot(newcomer, "introduction-newcomer-requested")

    request_mail = wait_for_mail(
        live_server.inbox, mentor_account.email, live_server.url + intro_path
    )
    assert mentor_contact_email in request_mail["to"]
    assert NEWCOMER["name"] in request_mail["body"] and message in request_mail["body"]
    assert NEWCOMER["contact_email"] not in request_mail["body"], (
        "the request must not reveal contact details"
    )

    # -- the mentor's coordinator accepts, in a browser of their own --------------------------------
    mentor = new_page()
    log_in(mentor, mentor_account)
    expect(mentor).to_have_url(re.compile(r"/home$"))
    incoming = mentor.get_by_role("link", name=NEWCOMER["name"])
    expect(incoming).to_be_visible()
    shot(mentor, "home-mentor")
    incoming.click()
    expect(mentor).to_have_url(re.compile(re.escape(intro_path) + "$"))
    expect(mentor.locator("#intro-state")).to_have_text("aangevraagd")
    expect(mentor.locator("section.contact")).to_have_count(0)
    assert NEWCOMER["contact_email"] not in mentor.content()
    shot(mentor, "introduction-mentor-requested")
    accept = mentor.locator("[data-action=accept]")
    accept_form = mentor.locator("form", has=accept)
    accept_form.locator("textarea[name=note]").fill("Graag! We laten u onze rubric zien.")
    accept.click()

    expect(mentor.locator("#intro-state")).to_have_text("geaccepteerd")
    contacts = mentor.locator("section.contact")
    expect(contacts).to_contain_text(NEWCOMER["contact_email"])
    expect(contacts).to_contain_text(NEWCOMER["contact_name"])
    shot(mentor, "introduction-mentor-accepted")

    newcomer.reload()
    expect(newcomer.locator("#intro-state")).to_have_text("geaccepteerd")
    contacts = newcomer.locator("section.contact")
    expect(contacts).to_contain_text(mentor_contact_email)
    expect(contacts).to_contain_text(mentor_contact_name)
    expect(newcomer.get_by_text("Graag! We laten u onze rubric zien.", exact=True)).to_be_visible()
    shot(newcomer, "introduction-newcomer-accepted")

    # -- both sides were told, with the other side's contact address --------------------------------
    to_newcomer = wait_for_mail(live_server.inbox, NEWCOMER["email"], mentor_contact_email)
    assert NEWCOMER["contact_email"] in to_newcomer["to"]
    to_mentor = wait_for_mail(live_server.inbox, mentor_account.email, NEWCOMER["contact_email"])
    assert mentor_contact_email in to_mentor["to"]
    for mail in (to_newcomer, to_mentor):
        assert live_server.url + intro_path in mail["body"]


def test_admin_rejects_a_pair_and_it_is_no_longer_suggested(new_page, live_server, shot):
    mentee_key, mentee_name = SEEDED_NEWCOMER
    coordinator = new_page()
    log_in(coordinator, live_server.member_for(mentee_key))
    coordinator.goto("/suggestions")
    before = suggestion_keys(coordinator)

    admin = new_page()
    log_in(admin, live_server.admin)
    admin.goto(f"/admin/review?q={mentee_key}")  # (the dashboard has a test of its own)
    expect(admin.get_by_role("heading", level=1)).to_have_text("Matches beoordelen")
    section = admin.locator(f'section[data-mentee="{mentee_key}"]')
    expect(section).to_contain_text(mentee_name)
    pair = section.locator(".pair[data-mentor]").first
    expect(pair).to_be_visible()
    shot(admin, "admin-review")
    mentor_key = pair.get_attribute("data-mentor")
    mentor_name = pair.locator("h3 a").inner_text().strip()
    assert mentor_key in before, (
        f"{mentor_key} is in the review queue, so it should be suggested: {before}"
    )

    reason = "Past niet: dit partnerschap zoekt vooral beoordelaarstraining in de eigen regio."
    pair.get_by_label("Notitie of reden").fill(reason)
    pair.get_by_role("button", name="Afwijzen").click()
    expect(admin.locator(".flash-success")).to_contain_text(
        f"{mentor_name} wordt niet meer voorgesteld aan {mentee_name}"
    )
    expect(section.locator(f'.pair[data-mentor="{mentor_key}"]')).to_have_count(0)
    rejected = admin.get_by_role("row").filter(has_text=reason)
    expect(rejected).to_contain_text(mentor_name)
    expect(rejected).to_contain_text(live_server.admin.email)
    admin.get_by_role("navigation", name="Beheer").get_by_role(
        "link", name="Kennismakingen"
    ).click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Alle kennismakingen")
    shot(admin, "admin-introductions")

    coordinator.reload()
    after = suggestion_keys(coordinator)
    assert mentor_key not in after and after, f"{mentor_key} was rejected for {mentee_key}: {after}"
    coordinator.goto(f"/partnerships/{mentee_key}")
    expect(coordinator.locator("section.suggestions")).not_to_contain_text(mentor_name)


def test_admin_dashboard_with_answered_requests(new_page, live_server, shot):
    # At least one answered request, so the acceptance rate and reply time are shown.
    mentee_key = "opleidingsschool-hoornblad"
    live_server.answer_request(mentee_key, "decline")

    admin = new_page()
    log_in(admin, live_server.admin)
    expect(admin).to_have_url(re.compile(r"/admin/$"))  # an admin without a partnership lands here
    expect(admin.get_by_role("heading", level=1)).to_have_text("Hoe gaat het programma?")
    stats = admin.locator(".stat")
    expect(stats.first).to_contain_text("actieve partnerschappen")
    expect(stats.filter(has_text="geaccepteerd van de beantwoorde verzoeken")).to_contain_text("%")
    expect(admin.get_by_role("row", name=re.compile(r"^afgewezen \d+$"))).to_be_visible()
    shot(admin, "admin-dashboard")
    admin.get_by_role("navigation", name="Beheer").get_by_role(
        "link", name="Matches beoordelen"
    ).click()
    expect(admin).to_have_url(re.compile(r"/admin/review$"))


def test_language_switch(new_page, live_server, shot):
    page = new_page()
    page.goto("/")
    html = page.locator("html")
    expect(html).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", level=1)).to_have_text("Partnerschappen")
    shot(page, "home")

    page.get_by_label("Zoeken").fill("Distelvlinder")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name="Opleidingsschool Distelvlinder").click()
    profile_url = re.compile(r"/partnerships/opleidingsschool-distelvlinder$")
    expect(page).to_have_url(profile_url)
    expect(page.locator("li.reason", has_text=re.compile(r"^zelfde sector")).first).to_be_visible()
    contact_email = live_server.contact("opleidingsschool-distelvlinder")[1]
    assert contact_email not in page.content(), "public profiles never show contact details"
    shot(page, "partnership-profile")

    # -- to English: same page, English text ---------------------------------------------------------
    page.get_by_role("button", name="English").click()
    expect(page).to_have_url(profile_url)
    expect(html).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="English")).to_have_attribute("aria-current", "true")
    expect(page.locator("li.reason", has_text=re.compile(r"^same sector")).first).to_be_visible()
    expect(page.locator("li.reason", has_text=re.compile(r"^zelfde sector"))).to_have_count(0)
    if ENGLISH_CATALOG.exists():  # the interface itself is translated once the catalog is compiled
        from babel.support import Translations

        en = Translations.load(str(ROOT / "translations"), ["en"])
        for dutch in (
            "Partnerschappen",
            "Inloggen",
            "Van wie kan dit partnerschap leren?",
            "Waarom:",
        ):
            assert en.gettext(dutch) != dutch, f"no English for {dutch!r} in {ENGLISH_CATALOG}"
        nav = page.get_by_role("navigation", name=en.gettext("Hoofdmenu"))
        expect(
            nav.get_by_role("link", name=en.gettext("Partnerschappen"), exact=True)
        ).to_be_visible()
        expect(nav.get_by_role("link", name=en.gettext("Inloggen"), exact=True)).to_be_visible()
        expect(page.locator("#sugg-title")).to_have_text(
            en.gettext("Van wie kan dit partnerschap leren?")
        )
        expect(page.locator(".reasons-label").first).to_have_text(en.gettext("Waarom:"))
    shot(page, "english-partnership-profile")
    page.get_by_role("link", name="Matchmaker", exact=True).click()
    expect(html).to_have_attribute("lang", "en")
    shot(page, "english-home")

    # -- and back to Dutch ------------------------------------------------------------------------
    page.get_by_role("button", name="Nederlands").click()
    expect(html).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", level=1)).to_have_text("Partnerschappen")
    expect(page.get_by_role("link", name="Inloggen", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Nederlands")).to_have_attribute("aria-current", "true")

    # A browser that prefers English gets English without choosing.
    english_reader = new_page(locale="en-GB")
    english_reader.goto("/partnerships/opleidingsschool-distelvlinder")
    expect(english_reader.locator("html")).to_have_attribute("lang", "en")


def test_keyboard_only_login_and_skip_link(new_page, live_server, shot):
    account = live_server.member_for("startbaan-wilgenwaard")
    page = new_page()
    page.goto("/login")

    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()  # the first focusable element on the page
    expect(skip).to_have_text("Naar de inhoud")
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0, (
        f"the focused skip link should be on screen: {box}"
    )
    expect(skip).to_be_in_viewport()
    shot(page, "login-skip-link-focused")

    page.keyboard.press("Enter")  # skip the header: the next Tab lands in the main content
    expect(page).to_have_url(re.compile(r"/login#main$"))
    page.keyboard.press("Tab")
    expect(page.get_by_label("E-mailadres", exact=True)).to_be_focused()
    page.keyboard.type(account.email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Wachtwoord", exact=True)).to_be_focused()
    page.keyboard.type(account.password)
    page.keyboard.press("Tab")
    remember = page.get_by_label("Onthoud mij op deze computer")
    expect(remember).to_be_focused()
    page.keyboard.press("Space")
    expect(remember).to_be_checked()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Inloggen", exact=True)).to_be_focused()
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/home(#main)?$"))  # the fragment survives the redirect
    expect(page.get_by_role("heading", level=1)).to_have_text("Startbaan Wilgenwaard")
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()
