"""Issue 14, words and numbers: match strength in words (no raw scores for coordinators), admin-made
introductions worded as such, email-validator's reasons translated, whole-number chart ticks."""

import re

import pytest

from matchmaker.services.accounts import create_admin
from matchmaker.services import introductions as intro_service
from matchmaker.services.profiles import get_partnership
from matchmaker.services.email_rules import email_reason, normalize_email
from matchmaker.web.helpers import match_strength
from matchmaker.web.charts import count_ticks

from .conftest import make_user

PASSWORD = "correct horse battery"
RAW_SCORE = re.compile(r"\b0[.,]\d\d\b")


def _coordinator(network, auth, key="nieuw-assessment"):
    with network.app_context():
        make_user("coord@example.org", PASSWORD, partnership_key=key)
    assert auth.login("coord@example.org", PASSWORD).status_code == 302


@pytest.mark.parametrize(
    "score, level, words",
    [
        (0.37, 4, "sterke match"),
        (0.30, 4, "sterke match"),
        (0.25, 3, "goede match"),
        (0.14, 2, "mogelijke match"),
        (0.05, 1, "zwakke match"),
    ],
)
def test_strength_in_words(app, score, level, words):
    with app.test_request_context():
        assert match_strength(score) == (level, words)


def test_public_partnership_page_shows_no_raw_score(network, client):
    html = client.get("/partnerships/nieuw-assessment").get_data(as_text=True)
    assert "match" in html and 'class="strength-dots" aria-hidden="true"' in html
    assert not RAW_SCORE.search(html)


def test_suggestions_page_shows_words_not_numbers(network, client, auth):
    _coordinator(network, auth)
    html = client.get("/suggestions").get_data(as_text=True)
    assert "strength-dots" in html
    assert not RAW_SCORE.search(html)


def test_not_relevant_is_absent_beside_an_accepted_introduction(network, client, auth):
    _coordinator(network, auth)
    html = client.get("/suggestions").get_data(as_text=True)
    first = re.search(r'data-key="([^"]+)"', html).group(1)
    with network.app_context():
        make_user("mentor@example.org", PASSWORD, partnership_key=first)
        from matchmaker.services.accounts import find_user

        intro = intro_service.request_introduction(
            get_partnership("nieuw-assessment"),
            get_partnership(first),
            "",
            find_user("coord@example.org"),
        )
        intro_service.transition(intro, "accept", find_user("mentor@example.org"))
    html = client.get("/suggestions").get_data(as_text=True)
    card = html[html.index(f'data-key="{first}"') :]
    card = card[: card.index("</li>")]
    assert "Niet relevant" not in card
    assert "Niet relevant" in html  # the other suggestions keep the button


def test_admin_made_introduction_is_worded_as_such(network, client, auth):
    with network.app_context():
        create_admin("admin@example.org", PASSWORD)
        from matchmaker.services.accounts import find_user

        mentee, mentor = get_partnership("nieuw-assessment"), get_partnership("beoordeling-west")
        intro = intro_service.request_introduction(
            mentee, mentor, "", find_user("admin@example.org"), by_admin=True
        )
        intro_id = intro.id
        from matchmaker.models import OutboxMessage
        from matchmaker.extensions import db

        bodies = [m.body for m in db.session.query(OutboxMessage).all()]
    assert any("De beheerder van Matchmaker heeft" in b for b in bodies)
    assert auth.login("admin@example.org", PASSWORD).status_code == 302
    html = client.get(f"/introductions/{intro_id}").get_data(as_text=True)
    assert "De beheerder van Matchmaker heeft deze kennismaking voorgesteld" in html
    assert "by admin" not in html and "voorgesteld door de beheerder" in html


def test_email_validator_reason_is_translated(app):
    with app.test_request_context(headers={"Accept-Language": "nl"}):
        errors = {}
        assert normalize_email("zonder-apenstaartje.nl", "email", errors) is None
        assert errors["email"] == "is geen geldig e-mailadres (het @-teken ontbreekt)"
        assert "@-sign" not in email_reason("An email address must have an @-sign.")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        errors = {}
        normalize_email("zonder-apenstaartje.nl", "email", errors)
        assert errors["email"] == "is not a valid email address (the @-sign is missing)"


def test_an_address_every_mail_server_takes(app):
    """Not "jürgen@…": a server without SMTPUTF8 refuses the whole message for every recipient.
    An international domain is kept in its ASCII (punycode) form."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        errors: dict = {}
        assert normalize_email("jürgen@example.org", "contact.email", errors) is None
        assert "before the @-sign" in errors["contact.email"]
        assert normalize_email("info@café.nl", "email", {}) == "info@xn--caf-dma.nl"
        assert normalize_email("Jan.Smit@Example.ORG", "email", {}) == "Jan.Smit@example.org"


@pytest.mark.parametrize(
    "values, expected",
    [([0, 1], [0, 1]), ([], [0, 1]), ([3, 7], [0, 2, 4, 6, 8]), ([40], [0, 8, 16, 24, 32, 40])],
)
def test_count_ticks_are_whole_numbers(values, expected):
    assert count_ticks(values) == expected


def test_count_charts_have_no_fractional_ticks(network, client):
    with network.app_context():
        create_admin("admin@example.org", PASSWORD)
    client.post("/login", data={"email": "admin@example.org", "password": PASSWORD})
    for chart in ("funnel", "over-time", "mentor-load", "regions"):
        svg = client.get(f"/admin/reports/{chart}.svg").get_data(as_text=True)
        labels = re.findall(r"<text[^>]*>(\d+[.,]\d+)</text>", svg)
        assert not labels, (chart, labels)


def test_review_shows_the_note_and_returns_to_the_row(network, client):
    with network.app_context():
        create_admin("admin@example.org", PASSWORD)
    client.post("/login", data={"email": "admin@example.org", "password": PASSWORD})
    html = client.get("/admin/review").get_data(as_text=True)
    pair = re.search(r'id="pair-([a-z0-9-]+?)-(beoordeling-west)"', html) or re.search(
        r'id="pair-(nieuw-[a-z0-9]+)-([a-z0-9-]+)"', html
    )
    mentee, mentor = pair.group(1), pair.group(2)
    response = client.post(
        f"/admin/review/{mentee}/{mentor}/endorsed",
        data={"note": "Past goed bij hun vraag", "next": "/admin/review"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/admin/review#pair-{mentee}-{mentor}"
    )
    html = client.get("/admin/review").get_data(as_text=True)
    assert "Past goed bij hun vraag" in html
    assert "<th></th>" not in html and not re.search(r"<th[^>]*>\s*</th>", html)
