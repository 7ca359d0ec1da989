"""Adversarial input and the protections around it: CSRF, headers, limits, escaping, throttling."""

from __future__ import annotations

import json
import os

import pytest
import requests

from matchmaker import create_app
from matchmaker.services import accounts
from matchmaker.services.accounts import create_admin

from .conftest import (
    REQUIRE_REDIS,
    csrf_token_of,
    load,
    make_user,
    profile,
    second_app,
    skip_unless_required,
)
from .live_server import serve_process

PASSWORD = "correct horse battery"
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def member(network):
    with network.app_context():
        make_user("mentee@example.org", partnership_key="nieuw-assessment")
        create_admin("admin@example.org", PASSWORD)
    return network


def login(client, email="mentee@example.org"):
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302


# --- CSRF -------------------------------------------------------------------------------------


@pytest.fixture
def csrf_app(member):
    member.config["WTF_CSRF_ENABLED"] = True
    return member


def csrf_token(client, path="/login"):
    return csrf_token_of(client.get(path).get_data(as_text=True))


def test_forms_refuse_posts_without_a_csrf_token(csrf_app):
    client = csrf_app.test_client()
    assert (
        client.post(
            "/login", data={"email": "mentee@example.org", "password": PASSWORD}
        ).status_code
        == 400
    )
    token = csrf_token(client)
    response = client.post(
        "/login", data={"email": "mentee@example.org", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    for path in (
        "/logout",
        "/suggestions/beoordeling-west/dismiss",
        "/language",
        "/introductions/new/beoordeling-west",
    ):
        assert client.post(path, data={}).status_code == 400, path


def test_cookie_authenticated_api_changes_need_the_csrf_header(csrf_app):
    client = csrf_app.test_client()
    token = csrf_token(client)
    client.post(
        "/login", data={"email": "mentee@example.org", "password": PASSWORD, "csrf_token": token}
    )
    body = {"mentor": "beoordeling-west", "message": "hallo"}
    refused = client.post("/api/v1/introductions", json=body)
    assert refused.status_code == 400
    assert refused.json["error"]["code"] == "bad_request"
    page_token = csrf_token(client, "/suggestions")
    accepted = client.post("/api/v1/introductions", json=body, headers={"X-CSRFToken": page_token})
    assert accepted.status_code == 201


def test_token_authenticated_api_needs_no_csrf(csrf_app):
    with csrf_app.app_context():
        _, token = accounts.create_token(accounts.find_user("mentee@example.org"), "script")
    client = csrf_app.test_client()
    response = client.post(
        "/api/v1/introductions",
        json={"mentor": "beoordeling-west"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201


def test_no_state_change_on_get(app):
    """Every GET route is read-only: none of them is declared for a state-changing purpose."""
    for rule in app.url_map.iter_rules():
        endpoint = rule.endpoint
        if "GET" in rule.methods:
            assert not any(
                word in endpoint
                for word in (
                    "dismiss",
                    "restore",
                    "logout",
                    "revoke",
                    "active",
                    "decide",
                    "act",
                    "apply",
                )
            ), endpoint


# --- headers and cookies ------------------------------------------------------------------------


def test_security_headers_on_pages_and_api(network, client):
    for path in ("/", "/api/v1/partnerships", "/login"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert (
            "unsafe-inline" not in csp
            and "default-src 'self'" in csp
            and "frame-ancestors 'none'" in csp
        )
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"


def test_no_inline_scripts_or_styles_in_templates():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "templates"
    for path in root.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "<script" not in text and "style=" not in text and "<style" not in text, path
        assert "http://" not in text and "https://" not in text, (
            f"{path} loads something from elsewhere"
        )


def test_production_cookies_are_secure_and_refuse_a_missing_key(tmp_path, monkeypatch):
    from matchmaker.config import ConfigError

    monkeypatch.setenv("MATCHMAKER_ENV", "production")
    monkeypatch.setenv(
        "BASE_URL", "https://matchmaker.example.org"
    )  # required too (test_security_findings.py)
    monkeypatch.setenv("SMTP_HOST", "smtp.internal")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"})
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(ConfigError):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"})
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_deactivation_ends_sessions(member):
    client = member.test_client()
    login(client)
    assert client.get("/home").status_code == 200
    with member.app_context():
        accounts.set_user_active(accounts.find_user("mentee@example.org"), False)
    assert client.get("/home").status_code == 302


# --- bad input ----------------------------------------------------------------------------------


def test_oversized_bodies_are_refused(member, client):
    member.config["MAX_CONTENT_LENGTH"] = 10_000
    login(client)
    big = "x" * 20_000
    assert client.post("/profile/edit", data={"challenges": big}).status_code == 413
    response = client.put(
        "/api/v1/me/partnership", data=json.dumps({"name": big}), content_type="application/json"
    )
    assert response.status_code == 413
    assert response.json["error"]["code"] == "request_entity_too_large"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "N", "sectors": ["vo"], "founded": "2010"}, "founded"),
        ({"name": "N", "sectors": "vo", "founded": 2010}, "sectors"),
        ({"name": "N", "sectors": ["hbo"], "founded": 2010}, "sectors.0"),
        ({"name": "N", "sectors": ["vo"], "founded": 2010, "hobby": "golf"}, "hobby"),
        ({"name": "N", "sectors": ["vo"], "founded": 1800}, "founded"),
        (
            {"name": "N", "sectors": ["vo"], "founded": 2010, "mentor_capacity": 99},
            "mentor_capacity",
        ),
        (
            {"name": "N", "sectors": ["vo"], "founded": 2010, "contact": {"email": "nope"}},
            "contact.email",
        ),
        ({"name": 5, "sectors": ["vo"], "founded": 2010}, "name"),
    ],
)
def test_api_bad_input_names_the_field_and_writes_nothing(member, client, body, field):
    login(client)
    before = client.get("/api/v1/me").json["partnership"]
    response = client.put("/api/v1/me/partnership", json=body)
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "unprocessable_entity" and field in error["fields"], error
    assert client.get("/api/v1/me").json["partnership"] == before


def test_invalid_json_and_invalid_utf8(member, client):
    login(client)
    for raw in (b"{not json", b'{"name": "\xff\xfe"}', b"\xff\xfe\xfd"):
        response = client.put("/api/v1/me/partnership", data=raw, content_type="application/json")
        assert response.status_code in (400, 422), raw
        assert set(response.json["error"]) == {"code", "message", "fields"}
    response = client.post(
        "/profile/edit", data=b"name=\xff\xfe", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code < 500


def test_html_and_script_in_every_text_field_is_rendered_escaped(network, client):
    hostile = profile(
        key="hostile",
        name="Evil " + XSS,
        region="Utrecht, Plaats " + XSS,  # the place after the province is free text
        institutions=["Inst " + XSS],
        description="Desc " + XSS,
        challenges="Beoordeling " + XSS,
        experiences="Rubric voor beoordelen " + XSS,
        contact={"name": "C " + XSS, "email": "hostile@example.org"},
    )
    with network.app_context():
        load(hostile)
    for path in (
        "/",
        "/partnerships/hostile",
        "/partnerships/nieuw-assessment",
        "/?q=%3Cscript%3E",
    ):
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html, path
    assert "&lt;script&gt;" in client.get("/partnerships/hostile").get_data(as_text=True)
    api = client.get("/api/v1/partnerships/hostile")
    assert api.json["name"] == "Evil " + XSS and api.headers["Content-Type"].startswith(
        "application/json"
    )


@pytest.mark.parametrize(
    "value",
    [
        "' OR 1=1 --",
        "%",
        "_",
        "\\",
        "'; DROP TABLE partnership; --",
        "vo' UNION SELECT * FROM user_account --",
    ],
)
def test_sql_looking_filters_are_just_text(network, client, value):
    assert client.get("/", query_string={"q": value, "region": value}).status_code == 200
    response = client.get("/api/v1/partnerships", query_string={"q": value, "region": value})
    assert response.status_code == 200 and response.json["total"] == 0
    assert client.get("/api/v1/partnerships").json["total"] == 6  # the table is still there


def test_login_and_reset_messages_do_not_enumerate_users(member, client):
    known = client.post(
        "/login", data={"email": "mentee@example.org", "password": "wrong password"}
    )
    unknown = client.post(
        "/login", data={"email": "ghost@example.org", "password": "wrong password"}
    )
    assert known.status_code == unknown.status_code
    assert known.get_data(as_text=True).replace("mentee@example.org", "X") == unknown.get_data(
        as_text=True
    ).replace("ghost@example.org", "X")


def test_a_reset_request_takes_as_long_for_an_unknown_address(member, client):
    """Queueing the email made a known address answer measurably later; both now take at least
    RESET_MIN_SECONDS, far more than the work either does (a few milliseconds)."""
    import time

    def timed(email: str) -> float:
        start = time.monotonic()
        assert client.post("/password/forgot", data={"email": email}).status_code == 302
        return time.monotonic() - start

    known = [timed("mentee@example.org") for _ in range(3)]
    unknown = [timed(f"ghost{i}@example.org") for i in range(3)]
    assert min(known + unknown) >= accounts.RESET_MIN_SECONDS
    with member.app_context():
        from sqlalchemy import func, select

        from matchmaker.extensions import db
        from matchmaker.models import OutboxMessage

        assert db.session.scalar(select(func.count(OutboxMessage.id))) == 3  # the known ones


# --- throttling -----------------------------------------------------------------------------------


def throttled_app(database_url, storage="memory://"):
    return second_app(
        database_url,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=storage,
        RATELIMIT_KEY_PREFIX=f"test-{os.getpid()}-{id(object())}",
    )


def test_the_eleventh_failed_login_within_a_minute_is_refused(app, database_url):
    with app.app_context():
        make_user("victim@example.org")
    with throttled_app(database_url) as throttled:
        client = throttled.test_client()
        codes = [
            client.post(
                "/login", data={"email": "victim@example.org", "password": f"guess {i}"}
            ).status_code
            for i in range(11)
        ]
        assert codes[:10] == [401] * 10
        assert codes[10] == 429
        # even the right password is refused until the minute has passed, and the page says when
        refused = client.post("/login", data={"email": "victim@example.org", "password": PASSWORD})
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["Retry-After"]) <= 61  # the window, rounded up


def test_successful_logins_do_not_count(app, database_url):
    with app.app_context():
        make_user("busy@example.org")
    with throttled_app(database_url) as throttled:
        client = throttled.test_client()
        for _ in range(12):
            assert (
                client.post(
                    "/login", data={"email": "busy@example.org", "password": PASSWORD}
                ).status_code
                == 302
            )


REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_available() -> bool:
    try:
        import redis

        return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception:
        return False


def test_throttling_is_shared_by_two_app_processes_through_redis(app, database_url):
    # Where REDIS_URL is set, or MATCHMAKER_REQUIRE_REDIS=1 (CI), an outage fails instead of skipping.
    if not redis_available():
        skip_unless_required(
            REQUIRE_REDIS or "REDIS_URL" in os.environ, f"no Redis answers at {REDIS_URL}"
        )
    with app.app_context():
        make_user("victim@example.org")
    prefix = f"test-shared-{os.getpid()}"
    env = {"REDIS_URL": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix}
    with (
        serve_process(database_url, env=env) as first,
        serve_process(database_url, env=env) as second,
    ):
        codes = []
        for i in range(11):
            base = first if i % 2 == 0 else second
            # The processes run with CSRF on, like production: fetch a form token from the same process.
            session = requests.Session()
            page = session.get(base + "/login", timeout=30).text
            token = (
                page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
                if 'name="csrf_token" type="hidden"' in page
                else page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            )
            response = session.post(
                base + "/login",
                data={"email": "victim@example.org", "password": f"guess {i}", "csrf_token": token},
                timeout=30,
            )
            codes.append(response.status_code)
    assert codes[:10] == [401] * 10, codes
    assert codes[10] == 429, codes


def test_nul_characters_are_refused_at_the_door(member, client):
    """PostgreSQL cannot store NUL; no request may carry one into a query."""
    login(client)
    assert client.get("/api/v1/partnerships", query_string={"q": "a\x00b"}).status_code == 400
    assert client.get("/", query_string={"region": "\x00"}).status_code == 400
    assert (
        client.post("/login", data={"email": "x\x00@example.org", "password": "y"}).status_code
        == 400
    )
    response = client.post(
        "/api/v1/introductions", data='{"mentor": "a\\u0000"}', content_type="application/json"
    )
    assert (
        response.status_code == 400
        and response.json["error"]["message"] == "mentor: the text contains a NUL character"
    )
    assert client.get("/api/v1/partnerships", query_string={"q": "100%"}).status_code == 200
    # A backslash followed by "u0000" is text, not a NUL; a UTF-16 body is told to be UTF-8.
    text = client.post(
        "/api/v1/introductions",
        data='{"mentor": "beoordeling-west", "message": "zie C:\\\\u0000 in de map"}',
        content_type="application/json",
    )
    assert text.status_code != 400 or "NUL" not in text.json["error"]["message"]
    utf16 = client.post(
        "/api/v1/introductions",
        data='{"mentor": "beoordeling-west"}'.encode("utf-16"),
        content_type="application/json",
    )
    assert utf16.status_code == 400 and "UTF-8" in utf16.json["error"]["message"]


# --- what a form may be sent instead of form fields ------------------------------------------

FORM_PAGES = [  # (path, a field it reads, who is signed in)
    ("/login", "email", None),
    ("/password/forgot", "email", None),
    ("/register", "key", None),
    ("/register/claim", "claim-partnership", None),
    ("/profile/edit", "version", "mentee@example.org"),
    ("/account/password", "current_password", "mentee@example.org"),
    ("/account/tokens", "name", "mentee@example.org"),
    ("/introductions/new/beoordeling-west", "message", "mentee@example.org"),
    ("/sessies/nieuw", "title", "mentee@example.org"),
    ("/admin/partnerships/beoordeling-west/invitations", "email", "admin@example.org"),
]


@pytest.mark.parametrize("path, field, who", FORM_PAGES, ids=[p for p, _f, _w in FORM_PAGES])
@pytest.mark.parametrize("sent", ["file", "json list", "json object"])
def test_a_form_sent_a_file_or_json_answers_without_a_500(member, path, field, who, sent):
    """Flask-WTF would hand a file or a JSON value to the validators where text belongs."""
    import io

    client = member.test_client()
    if who:
        assert client.post("/login", data={"email": who, "password": PASSWORD}).status_code == 302
    if sent == "file":
        response = client.post(
            path,
            data={field: (io.BytesIO(b"x"), "x.txt"), "password": "x"},
            content_type="multipart/form-data",
        )
    elif sent == "json list":
        response = client.post(path, json=[1, 2])
    else:
        response = client.post(path, json={field: ["x"], "password": {"x": 1}})
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
