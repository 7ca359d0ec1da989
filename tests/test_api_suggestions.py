"""Suggestions over the API: the public endpoint and the caller's own, against the spec's shape."""

import pytest

from matchmaker.services import accounts
from matchmaker.services import profiles as profile_service
from matchmaker.services import reviews

from .conftest import MENTORS, NEWCOMERS, make_user, second_app

URL = "/api/v1/partnerships/{}/suggestions"


def test_public_suggestions_rank_the_assessment_mentor_first_with_reasons(network, client):
    response = client.get(URL.format("nieuw-assessment"), headers={"Accept-Language": "nl"})
    assert response.status_code == 200
    items = response.get_json()
    assert items[0]["key"] == "beoordeling-west"
    assert items[0]["name"] == "Beoordelingsnetwerk West"
    assert 0 < items[0]["score"] <= 1
    assert [x["score"] for x in items] == sorted((x["score"] for x in items), reverse=True)
    kinds = {r["kind"] for r in items[0]["reasons"]}
    assert "sector" in kinds
    assert any(r["text"].startswith("zelfde sector") for r in items[0]["reasons"])
    assert set(items[0]) == {
        "key",
        "name",
        "score",
        "reasons",
        "evidence",
    }  # no contact, no introduction state
    [evidence] = items[0]["evidence"][:1]
    assert evidence["mentor_text"] in MENTORS[0]["experiences"]  # verbatim
    assert evidence["own_text"] in NEWCOMERS[0]["challenges"]


def test_public_suggestions_match_the_public_page(network, client):
    """The endpoint and the HTML page are two views of one service call."""
    api = [x["name"] for x in client.get(URL.format("nieuw-starters")).get_json()]
    html = client.get("/partnerships/nieuw-starters").get_data(as_text=True)
    positions = [html.index(name) for name in api]
    assert positions == sorted(positions)


def test_public_suggestions_never_show_contact_details(network, client):
    body = client.get(URL.format("nieuw-assessment") + "?limit=50").get_data(as_text=True)
    for record in MENTORS + NEWCOMERS:
        assert record["contact"]["email"] not in body
        assert record["contact"]["name"] not in body


def test_reasons_follow_the_readers_language(network, client):
    items = client.get(URL.format("nieuw-assessment"), headers={"Accept-Language": "en"}).get_json()
    texts = [r["text"] for r in items[0]["reasons"]]
    assert any(t.startswith("same sector") for t in texts), texts


def test_filters_and_limit(network, client):
    items = client.get(URL.format("nieuw-starters") + "?limit=1").get_json()
    assert len(items) == 1
    items = client.get(URL.format("nieuw-starters") + "?sector=vo").get_json()
    assert items and "krimp-noord" not in [x["key"] for x in items]  # the only po mentor
    # The po mentor shares nothing with the question: no suggestion on sector alone.
    assert client.get(URL.format("nieuw-starters") + "?sector=po").get_json() == []
    items = client.get(URL.format("nieuw-starters") + "?region=Gelderland").get_json()
    assert [x["key"] for x in items] == ["starters-oost"]


def test_rejected_pairs_are_not_suggested(network, client):
    with network.app_context():
        admin = make_user("admin@example.org", role="admin")
        get = profile_service.get_partnership
        reviews.review_pair(
            get("nieuw-assessment"), get("beoordeling-west"), "rejected", "past niet", admin
        )
    keys = [x["key"] for x in client.get(URL.format("nieuw-assessment")).get_json()]
    assert "beoordeling-west" not in keys


@pytest.mark.parametrize(
    "query, field",
    [
        ("?limit=0", "limit"),
        ("?limit=51", "limit"),
        ("?limit=veel", "limit"),
        ("?sector=hbo", "sector"),
        ("?region=" + "x" * 101, "region"),
    ],
)
def test_bad_query_names_the_field(network, client, query, field):
    response = client.get(URL.format("nieuw-assessment") + query)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] and error["message"]
    assert field in error["fields"], error


def test_unknown_or_inactive_partnership_is_404(network, client):
    response = client.get(URL.format("bestaat-niet"))
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
    assert "bestaat-niet" in response.get_json()["error"]["message"]
    with network.app_context():
        profile_service.set_active(profile_service.get_partnership("nieuw-assessment"), False)
    assert client.get(URL.format("nieuw-assessment")).status_code == 404


def test_own_suggestions_add_the_introduction_state(network, client):
    with network.app_context():
        user = make_user(partnership_key="nieuw-assessment")
        _, token = accounts.create_token(user, "tests")
    headers = {"Authorization": f"Bearer {token}"}
    mine = client.get("/api/v1/me/suggestions", headers=headers).get_json()
    public = client.get(URL.format("nieuw-assessment")).get_json()
    assert [x["key"] for x in mine] == [x["key"] for x in public]
    assert all(x["introduction_state"] is None for x in mine)
    created = client.post(
        "/api/v1/introductions", json={"mentor": "beoordeling-west"}, headers=headers
    )
    assert created.status_code == 201, created.get_json()
    mine = client.get("/api/v1/me/suggestions", headers=headers).get_json()
    assert {x["key"]: x["introduction_state"] for x in mine}.get("beoordeling-west") in (
        "requested",
        "awaiting_admin",
    )


def test_the_suggestions_limit_is_per_address_and_configurable(network, database_url):
    limited = {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "SUGGESTIONS_RATE_LIMIT": "3 per minute",
    }
    with second_app(database_url, **limited) as app:
        client = app.test_client()
        responses = [client.get(URL.format("nieuw-assessment")) for _ in range(4)]
        assert [r.status_code for r in responses] == [200, 200, 200, 429]
        assert 1 <= int(responses[3].headers["Retry-After"]) <= 61  # the window, rounded up
        assert responses[3].get_json()["error"]["code"] == "too_many_requests"
        assert "X-RateLimit-Remaining" not in responses[0].headers
        assert (
            client.get(
                URL.format("nieuw-assessment"), environ_base={"REMOTE_ADDR": "10.0.0.9"}
            ).status_code
            == 200
        )
