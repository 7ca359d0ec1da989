"""The public pages: list, profile with suggestions, privacy of contact details, errors."""

import pytest

from .conftest import MENTORS, NEWCOMERS


def test_index_lists_partnerships_without_contact_details(network, client):
    html = client.get("/").get_data(as_text=True)
    for record in MENTORS + NEWCOMERS:
        assert record["name"] in html
        assert record["contact"]["email"] not in html
        assert record["contact"]["name"] not in html


def test_index_filters(network, client):
    html = client.get("/?sector=po").get_data(as_text=True)
    assert "Dorpsscholen Noord" in html and "Startersnetwerk Oost" not in html
    html = client.get("/?region=gelderland").get_data(as_text=True)
    assert "Startersnetwerk Oost" in html and "Dorpsscholen Noord" not in html
    html = client.get("/?q=praktijkonderzoek").get_data(as_text=True)
    assert "Onderzoeksschool Zuid" in html and "Dorpsscholen Noord" not in html


@pytest.mark.parametrize(
    "query", ["?sector=<script>", "?page=-3", "?page=abc", "?q=%25%27%3B--", "?region=' OR 1=1 --"]
)
def test_odd_queries_do_not_break_the_list(network, client, query):
    response = client.get("/" + query)
    assert response.status_code == 200
    assert "<script>" not in response.get_data(as_text=True).split("</header>", 1)[1]


def test_empty_state_tells_what_to_do(app, client):
    html = client.get("/").get_data(as_text=True)
    assert "flask --app wsgi seed" in html


def test_profile_page_shows_suggestions_with_reasons(network, client):
    response = client.get("/partnerships/nieuw-assessment")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Beoordelingsnetwerk West" in html
    assert "Waarom:" in html
    assert "zelfde sector" in html
    for record in MENTORS + NEWCOMERS:
        assert record["contact"]["email"] not in html


def test_unknown_profile_is_a_friendly_404(network, client):
    response = client.get("/partnerships/bestaat-niet")
    assert response.status_code == 404
    assert "Pagina niet gevonden" in response.get_data(as_text=True)


def test_language_switch_to_english(network, client):
    response = client.post(
        "/language", data={"lang": "en", "next": "/partnerships/nieuw-assessment"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/partnerships/nieuw-assessment")
    html = client.get("/partnerships/nieuw-assessment").get_data(as_text=True)
    assert 'lang="en"' in html
    assert "same sector" in html


def test_language_switch_refuses_open_redirects(client):
    response = client.post("/language", data={"lang": "en", "next": "//evil.example"})
    assert response.headers["Location"] == "/"


def test_get_never_changes_the_language(client):
    assert client.get("/language").status_code == 405
