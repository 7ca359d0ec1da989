"""Search over partnerships and stories (issue 13): the matcher's analysis behind one box, on every
surface — service, CLI, API, the /zoeken page — and the stories that fit a partnership's challenges
on its suggestions page."""

from __future__ import annotations

import json

import pytest

from matchmaker.services import search as search_service
from matchmaker.services.validation import ValidationError

from .conftest import MENTORS, NEWCOMERS, load, make_user, profile


def story(title, text, **extra):
    return {
        "title": title,
        "text": text,
        "tips": [5],
        "outcome": "worked",
        "language": "nl",
        "visibility": "public",
        **extra,
    }


SWITCHERS = story(
    "Carrièreswitchers een eigen leergroep",
    "Carrièreswitchers uit de techniek en de zorg kregen bij ons eerst dezelfde begeleiding als pabostudenten. "
    "Dat werkte niet: ze haakten af. Nu hebben ze een eigen leergroep op vrijdag en een maatwerkplan.",
    tips=[1, 5],
    outcome="partly",
)
HIDDEN = story(
    "Alleen voor leden: zij-instroom in cijfers",
    "Carrièreswitchers en zij-instroom: de cijfers van drie jaar, alleen voor ingelogde partnerschappen.",
    visibility="members",
)
CLOSED = profile(
    key="switch-noord",
    name="Switchnetwerk Noord",
    region="Groningen",
    open_to_mentor=False,
    mentor_capacity=0,
    experiences="Wij leiden al jaren carrièreswitchers op tot leraar.",
    stories=[SWITCHERS, HIDDEN],
)


@pytest.fixture
def searchable(app):
    with app.app_context():
        load(*MENTORS, *NEWCOMERS, CLOSED)
    return app


def test_search_understands_the_domain_in_both_languages(searchable):
    with searchable.app_context():
        for query in (
            "zij-instromers",
            "career changers",
            "mensen die vanuit een ander beroep leraar worden",
        ):
            found = search_service.search(query)
            assert [s["title"] for s in found["stories"]][:1] == [SWITCHERS["title"]], query
            assert found["partnerships"][0]["key"] == "switch-noord", (
                query
            )  # it cannot mentor, but it can be read


def test_a_hit_quotes_its_passage_verbatim_with_the_shared_words(searchable):
    with searchable.app_context():
        found = search_service.search("stagebeoordeling met dezelfde criteria op elke school")
    top = found["partnerships"][0]
    assert top["key"] == "beoordeling-west"
    evidence = top["evidence"][0]
    assert evidence["mentor_text"] in MENTORS[0]["experiences"]
    assert evidence["words"] and all(
        w.lower() in evidence["mentor_text"].lower() for w in evidence["words"]
    )


def test_members_only_stories_are_never_found(searchable):
    with searchable.app_context():
        found = search_service.search("zij-instroom in cijfers", type="stories")
    assert HIDDEN["title"] not in [s["title"] for s in found["stories"]]


def test_story_filters_on_tip_outcome_and_language(searchable):
    with searchable.app_context():
        assert search_service.search("carrièreswitchers", type="stories", tip=1)["stories"]
        assert not search_service.search("carrièreswitchers", type="stories", tip=3)["stories"]
        assert search_service.search("carrièreswitchers", type="stories", outcome="partly")[
            "stories"
        ]
        assert not search_service.search("carrièreswitchers", type="stories", outcome="worked")[
            "stories"
        ]
        assert not search_service.search("carrièreswitchers", type="stories", language="en")[
            "stories"
        ]
        only = search_service.search("carrièreswitchers", type="partnerships")
    assert only["stories"] == [] and only["partnerships"]


def test_sector_and_region_filter_and_a_search_that_says_nothing(searchable):
    with searchable.app_context():
        assert (
            search_service.search("carrièreswitchers", region="Groningen")["partnerships"][0]["key"]
            == "switch-noord"
        )
        assert search_service.search("carrièreswitchers", region="Limburg")["partnerships"] == []
        thin = search_service.search("hulp gezocht")
    assert thin == {"partnerships": [], "stories": [], "too_little_text": True}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": ""}, "q"),
        ({"q": "x" * 2001}, "q"),
        ({"q": "werkdruk", "type": "mensen"}, "type"),
        ({"q": "werkdruk", "sector": "hbo"}, "sector"),
        ({"q": "werkdruk", "tip": "6"}, "tip"),
        ({"q": "werkdruk", "tip": "een"}, "tip"),
        ({"q": "werkdruk", "outcome": "mislukt"}, "outcome"),
        ({"q": "werkdruk", "limit": 0}, "limit"),
    ],
)
def test_bad_input_names_the_field(searchable, params, field):
    with searchable.app_context(), pytest.raises(ValidationError) as caught:
        search_service.search(**params)
    assert field in caught.value.fields


def test_cli_search_prints_partnerships_and_stories_as_json(searchable):
    result = searchable.test_cli_runner().invoke(args=["search", "career changers", "--json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert set(found) == {"partnerships", "stories"}
    assert found["stories"][0]["partnership"] == "switch-noord"
    assert set(found["stories"][0]) >= {"partnership", "title", "score", "evidence"}
    assert set(found["partnerships"][0]) == {"key", "name", "score", "evidence"}
    bad = searchable.test_cli_runner().invoke(args=["search", "werkdruk", "--tip", "7"])
    assert bad.exit_code != 0 and "--tip" in bad.output


def test_api_search(searchable):
    client = searchable.test_client()
    response = client.get("/api/v1/search?q=zij-instromers&type=stories")
    assert response.status_code == 200
    body = response.get_json()
    assert body["partnerships"] == [] and body["stories"][0]["title"] == SWITCHERS["title"]
    assert body["stories"][0]["outcome"] == "partly" and body["stories"][0]["tips"] == [1, 5]
    bad = client.get("/api/v1/search?q=werkdruk&tip=9&outcome=x")
    assert bad.status_code == 422
    assert set(bad.get_json()["error"]["fields"]) == {"tip", "outcome"}
    assert client.get("/api/v1/search").status_code == 422


def test_search_page(searchable):
    client = searchable.test_client()
    page = client.get("/zoeken?q=career+changers")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert SWITCHERS["title"] in html and "Switchnetwerk Noord" in html
    assert "<mark>" in html  # the words that met the query are marked
    assert client.get("/zoeken").status_code == 200
    bad = client.get("/zoeken?q=werkdruk&tip=9")
    assert bad.status_code == 400 and "Tip uit de publicatie" in bad.get_data(as_text=True)


def test_the_suggestions_page_lists_stories_that_fit_even_from_a_partnership_that_cannot_mentor(
    searchable,
):
    with searchable.app_context():
        load(
            profile(
                key="nieuw-zij",
                name="Nieuw Zij-instroom",
                founded=2025,
                open_to_mentor=False,
                mentor_capacity=0,
                challenges="Wij willen zij-instromers uit het bedrijfsleven beter begeleiden.",
            )
        )
        make_user(email="zij@example.org", partnership_key="nieuw-zij")
    client = searchable.test_client()
    client.post("/login", data={"email": "zij@example.org", "password": "correct horse battery"})
    html = client.get("/suggestions").get_data(as_text=True)
    assert "Verhalen die bij uw uitdaging passen" in html
    assert SWITCHERS["title"] in html
    assert HIDDEN["title"] not in html
