"""A partnership's challenges shown to everyone or to signed-in partnerships only."""

import pytest

from matchmaker.services import profiles as profile_service
from matchmaker.services.validation import ValidationError, validate_profile

from .conftest import MENTORS, NEWCOMERS, load, make_user, profile

SECRET = NEWCOMERS[0]["challenges"]
KEY = NEWCOMERS[0]["key"]


@pytest.fixture
def private(app):
    """The test network, its first newcomer showing its challenges to signed-in partnerships only."""
    with app.app_context():
        load(*MENTORS, dict(NEWCOMERS[0], challenges_visibility="members"), *NEWCOMERS[1:])
        make_user(partnership_key=MENTORS[0]["key"])
    return app


def test_validation(app):
    with app.app_context():
        assert "challenges_visibility" not in validate_profile(profile())  # absent: left as it is
        assert (
            validate_profile(profile(challenges_visibility="members"))["challenges_visibility"]
            == "members"
        )
        with pytest.raises(ValidationError) as exc:
            validate_profile(profile(challenges_visibility="friends"))
    assert list(exc.value.fields) == ["challenges_visibility"]


def test_import_export_round_trip_and_absent_keeps_the_choice(app):
    with app.app_context():
        load(profile(key="a"), profile(key="b", challenges_visibility="members"))
        exported = {
            r["key"]: r["challenges_visibility"]
            for r in profile_service.export_document()["partnerships"]
        }
        assert exported == {"a": "public", "b": "members"}
        load(profile(key="b"))  # a file without the field changes nothing
        assert profile_service.get_partnership("b").challenges_visibility == "members"


def test_anonymous_visitors_see_neither_text_nor_quotes(private, client, auth):
    page = client.get(f"/partnerships/{KEY}").get_data(as_text=True)
    assert SECRET[:40] not in page
    assert "alleen met ingelogde partnerschappen" in page
    listing = client.get("/").get_data(as_text=True)
    assert SECRET[:40] not in listing
    found = client.get("/", query_string={"q": SECRET[:30]}).get_data(as_text=True)
    assert NEWCOMERS[0]["name"] not in found  # the text search does not read it for visitors either

    auth.login()
    page = client.get(f"/partnerships/{KEY}").get_data(as_text=True)
    assert SECRET[:40] in page
    assert NEWCOMERS[0]["name"] in client.get("/", query_string={"q": SECRET[:30]}).get_data(
        as_text=True
    )


def test_public_challenges_stay_public(private, client):
    other = NEWCOMERS[1]
    page = client.get(f"/partnerships/{other['key']}").get_data(as_text=True)
    assert other["challenges"][:40] in page


def test_api_hides_members_only_challenges_from_anonymous_callers(private, client, auth):
    one = client.get(f"/api/v1/partnerships/{KEY}").get_json()
    assert one["challenges"] is None and one["challenges_visibility"] == "members"
    listed = {
        p["key"]: p for p in client.get("/api/v1/partnerships?per_page=100").get_json()["items"]
    }
    assert listed[KEY]["challenges"] is None
    assert listed[NEWCOMERS[1]["key"]]["challenges"] == NEWCOMERS[1]["challenges"]
    response = client.get(f"/api/v1/partnerships/{KEY}/suggestions")
    assert response.status_code == 401 and "error" in response.get_json()
    assert SECRET[:40] not in response.get_data(as_text=True)

    auth.login()
    assert client.get(f"/api/v1/partnerships/{KEY}").get_json()["challenges"] == SECRET
    assert client.get(f"/api/v1/partnerships/{KEY}/suggestions").status_code in (200, 422)


def test_profile_form_sets_the_visibility(app, client, auth):
    with app.app_context():
        load(
            profile(
                key="voorbeeld", challenges="Wij willen leren hoe we studenten beter begeleiden."
            )
        )
        make_user(partnership_key="voorbeeld")
    auth.login()
    html = client.get("/profile/edit").get_data(as_text=True)
    assert 'name="challenges_visibility"' in html
    data = {
        "version": "1",
        "name": "Opleidingsschool Voorbeeld",
        "sectors": ["vo"],
        "province": "Utrecht",
        "place": "",
        "founded": "2010",
        "challenges": "Wij willen leren hoe we studenten beter begeleiden.",
        "challenges_visibility": "members",
        "mentor_capacity": "2",
        "open_to_mentor": "y",
    }
    response = client.post("/profile/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        assert profile_service.get_partnership("voorbeeld").challenges_visibility == "members"
    auth.logout()
    assert "beter begeleiden" not in client.get("/partnerships/voorbeeld").get_data(as_text=True)


def test_the_form_keeps_the_choice_when_the_field_is_missing_and_names_a_misspelling(
    app, client, auth
):
    with app.app_context():
        load(profile(key="voorbeeld", challenges_visibility="members"))
        make_user(partnership_key="voorbeeld")
    auth.login()
    data = {
        "version": "1",
        "name": "Opleidingsschool Voorbeeld",
        "sectors": ["vo"],
        "province": "Utrecht",
        "founded": "2010",
        "challenges": "Wij willen leren hoe we studenten beter begeleiden.",
        "mentor_capacity": "2",
    }
    assert client.post("/profile/edit", data=data).status_code == 302  # no field: kept
    with app.app_context():
        p = profile_service.get_partnership("voorbeeld")
        assert (p.challenges_visibility, p.version) == ("members", 2)
    response = client.post(
        "/profile/edit", data=dict(data, version="2", challenges_visibility="publiek")
    )
    assert response.status_code == 400
    assert "moet public of members zijn" in response.get_data(as_text=True)
    with app.app_context():
        assert profile_service.get_partnership("voorbeeld").challenges_visibility == "members"


def test_api_put_without_the_field_keeps_it(app, client, auth):
    with app.app_context():
        load(profile(key="voorbeeld", challenges_visibility="members"))
        make_user(partnership_key="voorbeeld")
    auth.login()
    got = client.get("/api/v1/me/partnership")
    body = got.get_json()
    body.pop("key")
    body.pop("challenges_visibility")
    response = client.put(
        "/api/v1/me/partnership", json=body, headers={"If-Match": got.headers["ETag"]}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    with app.app_context():
        assert profile_service.get_partnership("voorbeeld").challenges_visibility == "members"


def test_language_switch_keeps_what_was_typed(app, client):
    data = {
        "name": "Opleidingsschool Taalwissel",
        "place": "Zwolle",
        "province": "Overijssel",
        "founded": "2019",
        "sectors": ["mbo"],
        "challenges": "Wij zoeken hulp bij het inwerken.",
        "lang": "en",
    }
    response = client.post("/register", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'lang="en"' in html.split(">", 2)[1]
    assert (
        'value="Opleidingsschool Taalwissel"' in html
        and 'value="Zwolle"' in html
        and "Wij zoeken hulp bij het inwerken." in html
    )
    assert 'value="2019"' in html and "Register" in html
    with app.app_context():
        assert profile_service.list_partnerships(include_inactive=True).total == 0  # nothing saved
    back = client.post("/register", data=dict(data, lang="nl")).get_data(as_text=True)
    assert 'value="Opleidingsschool Taalwissel"' in back and "Aanmelden" in back
