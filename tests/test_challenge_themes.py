"""What the matcher reads in a partnership's challenges: the glossary themes it names, shown on
the suggestions page so a coordinator can see why the list looks as it does."""

from matchmaker.extensions import db
from matchmaker.services import matching as matching_service
from matchmaker.services import profiles as profile_service

from .conftest import make_user


def test_the_themes_of_the_challenges_are_named_most_often_first(network):
    with network.app_context():
        themes = matching_service.challenge_themes("nieuw-assessment")
        labels = [t.text for t in themes]
        assert labels and labels[0] == "beoordeling en toetsing"
        assert all(t.kind == "theme" and t.text_en for t in themes)
        # too general to tell mentors apart: never shown as what we read
        assert "leraren" not in labels and "leraren in opleiding" not in labels


def test_the_suggestions_page_says_what_it_reads_or_that_it_reads_no_theme(network, client, auth):
    with network.app_context():
        make_user("mentee@example.org", partnership_key="nieuw-assessment")
    auth.login("mentee@example.org")
    html = client.get("/suggestions").get_data(as_text=True)
    assert 'id="read-themes"' in html and "beoordeling en toetsing" in html
    with network.app_context():
        p = profile_service.get_partnership("nieuw-assessment")
        p.challenges = "Wij willen dat onze mensen met plezier blijven komen en elkaar vaker zien."
        db.session.commit()
    html = client.get("/suggestions").get_data(as_text=True)
    assert "herkennen wij geen thema" in html
    english = client.get("/suggestions", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "We recognise no theme of the glossary" in english
