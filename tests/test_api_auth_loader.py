"""API tokens reach ``current_user`` through Flask-Login's public loaders (api/auth.py): a token
names the caller of /api/v1 only, never starts or changes a browser session, and a bad token is
the same 401 in the API's one error shape."""

from __future__ import annotations

import pytest

from matchmaker.services import accounts

from .conftest import make_user

PASSWORD = "correct horse battery"
WEB_EMAIL = "web@example.org"
TOKEN_EMAIL = "token@example.org"
UNAUTHORIZED = {
    "error": {"code": "unauthorized", "message": "invalid or revoked API token", "fields": {}}
}


@pytest.fixture
def accounts_and_token(network):
    """Two coordinators: one signs in on the web, the other calls the API with a token."""
    app = network
    with app.app_context():
        make_user(WEB_EMAIL, PASSWORD, partnership_key="nieuw-assessment")
        token_user = make_user(TOKEN_EMAIL, PASSWORD, partnership_key="nieuw-starters")
        _, token = accounts.create_token(token_user, "script")
    return app, token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def no_cookie_set(response) -> bool:
    return response.headers.getlist("Set-Cookie") == []


def test_a_token_is_the_caller_of_api_endpoints(accounts_and_token):
    app, token = accounts_and_token
    client = app.test_client()
    me = client.get("/api/v1/me", headers=bearer(token))
    assert me.status_code == 200 and me.json["email"] == TOKEN_EMAIL
    assert me.json["partnership"]["key"] == "nieuw-starters"
    team = client.get("/api/v1/me/team", headers=bearer(token))
    assert team.status_code == 200 and team.json["partnership"] == "nieuw-starters"
    # A change needs no CSRF token when a token authenticates, even with CSRF switched on.
    app.config["WTF_CSRF_ENABLED"] = True
    created = client.post(
        "/api/v1/introductions",
        json={"mentor": "starters-oost", "message": "Mogen we van jullie leren?"},
        headers=bearer(token),
    )
    assert created.status_code == 201, created.json
    assert created.json["mentee"]["key"] == "nieuw-starters"


@pytest.mark.parametrize(
    "header",
    ["Bearer mm_not-a-token", "Bearer ", "Basic abc", "mm_no-scheme", "Bearer mm_" + "x" * 300],
)
@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/partnerships"])
def test_a_bad_token_is_the_same_401_everywhere(accounts_and_token, header, path):
    app, _ = accounts_and_token
    response = app.test_client().get(path, headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json == UNAUTHORIZED
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="matchmaker"'
    assert no_cookie_set(response)


def test_a_revoked_token_is_refused(accounts_and_token):
    app, token = accounts_and_token
    client = app.test_client()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    with app.app_context():
        user = accounts.find_user(TOKEN_EMAIL)
        accounts.revoke_token(user, accounts.tokens_of(user)[0].id)
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 401 and response.json == UNAUTHORIZED


def test_token_requests_never_set_a_cookie(accounts_and_token):
    app, token = accounts_and_token
    client = app.test_client()
    for method, path, body in (
        ("GET", "/api/v1/me", None),
        ("GET", "/api/v1/me/suggestions", None),
        ("GET", "/api/v1/introductions", None),
        ("GET", "/api/v1/introductions/999999", None),  # an error answer too
        ("POST", "/api/v1/introductions", {"mentor": "krimp-noord", "message": "Hallo"}),
    ):
        response = client.open(path, method=method, json=body, headers=bearer(token))
        assert response.status_code < 500
        assert no_cookie_set(response), (path, response.headers.getlist("Set-Cookie"))
    assert client.get_cookie("session") is None
    assert client.get_cookie("remember_token") is None
    # Without the token the client is nobody: nothing of the token stayed behind.
    assert client.get("/api/v1/me").status_code == 401


def test_a_token_does_not_replace_the_web_session(accounts_and_token):
    app, token = accounts_and_token
    client = app.test_client()
    assert client.post("/login", data={"email": WEB_EMAIL, "password": PASSWORD}).status_code == 302
    session_cookie = client.get_cookie("session").value
    assert client.get("/api/v1/me").json["email"] == WEB_EMAIL

    # The token names the caller of the API call, whatever session comes along ...
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.json["email"] == TOKEN_EMAIL
    assert no_cookie_set(response)
    # ... a bad token is refused even with a valid session beside it ...
    refused = client.get("/api/v1/me", headers=bearer("mm_not-a-token"))
    assert refused.status_code == 401 and refused.json == UNAUTHORIZED
    assert no_cookie_set(refused)

    # ... and the browser's session is untouched: still the web user, on the API and the web.
    assert client.get_cookie("session").value == session_cookie
    assert client.get("/api/v1/me").json["email"] == WEB_EMAIL
    page = client.get("/account/password")
    assert page.status_code == 200


def test_a_token_outranks_a_remember_me_cookie(accounts_and_token):
    app, token = accounts_and_token
    client = app.test_client()
    client.post("/login", data={"email": WEB_EMAIL, "password": PASSWORD, "remember": "y"})
    remembered = client.get_cookie("remember_token")
    assert remembered is not None
    browser = app.test_client()  # a session that expired; only the remember-me cookie is left
    browser.set_cookie("remember_token", remembered.value)
    response = browser.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 200 and response.json["email"] == TOKEN_EMAIL
    assert no_cookie_set(response) and browser.get_cookie("session") is None
    # Without the token the cookie restores the web user's session, as on any page.
    assert browser.get("/api/v1/me").json["email"] == WEB_EMAIL


def test_a_token_does_not_sign_in_on_web_pages(accounts_and_token):
    app, token = accounts_and_token
    client = app.test_client()
    response = client.get("/account/password", headers=bearer(token))
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert no_cookie_set(response) or all(
        not c.startswith("remember_token=") for c in response.headers.getlist("Set-Cookie")
    )


def test_session_changes_still_need_the_csrf_token(accounts_and_token):
    app, _ = accounts_and_token
    client = app.test_client()
    client.post("/login", data={"email": WEB_EMAIL, "password": PASSWORD})
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post(
        "/api/v1/introductions", json={"mentor": "starters-oost", "message": "Hallo"}
    )
    assert response.status_code == 400
    assert response.json["error"]["code"] == "bad_request"
