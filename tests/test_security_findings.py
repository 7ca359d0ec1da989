"""One test (or a few) per finding of the adversarial test of issue 11: poisoned links, reusable
confirmation links, open redirects, enumeration, CSV formulas, Redis outages, 500s on hostile
input, and API tokens that outlived a password change."""

from __future__ import annotations

import csv
import io
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import time

import pytest
from sqlalchemy import event, insert, select, update

from matchmaker import create_app
from matchmaker.config import ConfigError
from matchmaker.extensions import db
from matchmaker.models import Introduction, Partnership, utcnow
from matchmaker.security import local_target
from matchmaker.services import accounts, mail, passwords, profiles
from matchmaker.services.validation import ValidationError

from .conftest import (
    REQUIRE_REDIS,
    load,
    make_user,
    profile,
    second_app,
    skip_unless_required,
    without_csrf_tokens,
)
from .test_auth import register_data

PASSWORD = "correct horse battery"
BASE_URL = "https://matchmaker.example.org"
LINK_RE = re.compile(r"https?://[^\s/]+[^\s]*")


@pytest.fixture
def member(network):
    with network.app_context():
        make_user("mentee@example.org", partnership_key="nieuw-assessment")
        make_user("mentor@example.org", partnership_key="beoordeling-west")
        accounts.create_admin("admin@example.org", PASSWORD)
    return network


def login(client, email="mentee@example.org", password=PASSWORD):
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.status_code
    return response


def links_in(inbox) -> list[str]:
    return [link for message in inbox.messages for link in LINK_RE.findall(message["body"])]


# --- 1. poisoned links ---------------------------------------------------------------------------


@pytest.mark.parametrize("hops", [0, 1])
def test_emailed_links_use_base_url_whatever_the_host_says(member, smtp_server, database_url, hops):
    host, port, inbox = smtp_server
    with second_app(
        database_url,
        BASE_URL=BASE_URL,
        SMTP_HOST=host,
        SMTP_PORT=port,
        PROXY_FIX_HOPS=hops,
        MAIL_DELIVER_AFTER_COMMIT=True,
    ) as app:
        client = app.test_client()
        evil = {
            "Host": "evil.example",
            "X-Forwarded-Host": "evil.example",
            "X-Forwarded-Prefix": "/evil",
        }
        client.post("/password/forgot", data={"email": "mentee@example.org"}, headers=evil)
        client.post(
            "/register", data=register_data(email="fresh@example.org", key="vers"), headers=evil
        )
        client.post(
            "/register", data=register_data(email="mentor@example.org", key="anders"), headers=evil
        )
        client.post(
            "/login", data={"email": "mentee@example.org", "password": PASSWORD}, headers=evil
        )
        client.post("/introductions/new/beoordeling-west", data={"message": "Graag"}, headers=evil)
    kinds = {m["subject"].split(":")[1].split("/")[0].strip() for m in inbox.messages}
    assert len(kinds) >= 4, kinds  # reset, confirmation, already registered, introduction
    links = links_in(inbox)
    assert links and all(link.startswith(BASE_URL + "/") for link in links), links


def test_production_refuses_to_start_without_base_url(tmp_path, monkeypatch):
    monkeypatch.setenv("MATCHMAKER_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("SMTP_HOST", "smtp.internal")
    monkeypatch.delenv("BASE_URL", raising=False)
    uri = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"}
    with pytest.raises(ConfigError, match="BASE_URL"):
        create_app(uri)
    monkeypatch.setenv("BASE_URL", "http://matchmaker.example.org")  # links with tokens go over TLS
    with pytest.raises(ConfigError, match="BASE_URL"):
        create_app(uri)
    monkeypatch.setenv("BASE_URL", BASE_URL)
    assert create_app(uri).config["BASE_URL"] == BASE_URL


@pytest.mark.parametrize(("trust", "expected_host"), [(False, "localhost"), (True, "evil.example")])
def test_x_forwarded_host_is_trusted_only_when_a_setting_says_so(
    database_url, trust, expected_host
):
    from flask import request

    with second_app(database_url, PROXY_FIX_HOPS=1, PROXY_TRUST_FORWARDED_HOST=trust) as app:
        app.add_url_rule("/_host", "_host", lambda: request.host)
        assert (
            app.test_client().get("/_host", headers={"X-Forwarded-Host": "evil.example"}).text
            == expected_host
        )


# --- 2. confirmation and reset links --------------------------------------------------------------


def link_path(inbox, address, fragment):
    body = [m for m in inbox.to(address) if fragment in m["body"]][-1]["body"]
    link = re.search(r"https?://\S+" + re.escape(fragment) + r"\S+", body).group(0)
    return "/" + link.split("/", 3)[3]


def test_a_confirmation_link_works_once_and_signs_nobody_in(mail_app, client):
    app, inbox = mail_app
    assert client.post("/register", data=register_data()).status_code == 302
    path = link_path(inbox, "coordinator@example.org", "/register/confirm/")
    first = client.get(path)
    assert first.status_code == 302 and "/login" in first.headers["Location"]
    assert client.get("/home").status_code == 302  # not signed in
    with app.app_context():
        assert accounts.find_user("coordinator@example.org").email_confirmed_at is not None
        assert profiles.get_partnership("nieuw-partnerschap").active
    stranger = app.test_client()  # the link opened again, anywhere, signs nobody in
    again = stranger.get(path)
    assert again.status_code == 302 and "/login" in again.headers["Location"]
    assert stranger.get("/home").status_code == 302
    # the owner logs in with the password and lands on the suggestions
    response = client.post(
        "/login?next=/suggestions",
        data={"email": "coordinator@example.org", "password": PASSWORD, "next": "/suggestions"},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/suggestions"


def test_a_confirmation_link_dies_with_a_password_reset(mail_app, client):
    app, inbox = mail_app
    client.post("/register", data=register_data())
    path = link_path(inbox, "coordinator@example.org", "/register/confirm/")
    with app.app_context():
        user = accounts.find_user("coordinator@example.org")
        accounts.reset_password(accounts.reset_token(user), "a brand new password")
        confirmed = accounts.find_user("coordinator@example.org").email_confirmed_at
    assert confirmed is not None  # the reset link reached the address: it confirms it
    client.get(path)
    with app.app_context():  # the old link changed nothing
        assert accounts.find_user("coordinator@example.org").email_confirmed_at == confirmed
        assert accounts.confirm_email(path.rsplit("/", 1)[1]) is None


def test_a_reset_link_works_once(member):
    with member.app_context():
        token = accounts.reset_token(accounts.find_user("mentee@example.org"))
        accounts.reset_password(token, "a brand new password")
        with pytest.raises(ValidationError):
            accounts.reset_password(token, "another new password")
        assert accounts.authenticate("mentee@example.org", "a brand new password") is not None


# --- 3. open redirects ------------------------------------------------------------------------------

HOSTILE_NEXT = [
    "/\t/evil.example/",
    "/\n/evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "/\\/evil.example/",
    " //evil.example/",
    "\x0b//evil.example/",
    "https://evil.example/",
    "https:/evil.example/",
    "https:evil.example",
    "javascript:alert(1)",
    "java\nscript:alert(1)",
    "/home\r\nSet-Cookie: owned=1",
    "/home\r\n\r\n<script>alert(1)</script>",
    "/\u00e9t\u00e9",
    "/" + "a" * 5000,
]


def assert_local(response):
    assert response.status_code < 500, response.status_code
    if response.status_code in (301, 302, 303, 307, 308):
        location = response.headers["Location"]
        assert local_target(location) == location, location
        assert "Set-Cookie" not in response.headers or "owned" not in response.headers["Set-Cookie"]


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_every_next_stays_on_the_site(member, target):
    with member.app_context():
        mentee = profiles.get_partnership("nieuw-assessment")
        mentor = profiles.get_partnership("beoordeling-west")
        intro = Introduction(
            mentee_id=mentee.id, mentor_id=mentor.id, state="requested", message=""
        )
        db.session.add(intro)
        db.session.commit()
        intro_id = intro.id
    client = member.test_client()
    response = client.post(
        "/login", data={"email": "mentee@example.org", "password": PASSWORD, "next": target}
    )
    assert_local(response)
    assert_local(client.post("/language", data={"lang": "en", "next": target}))
    assert_local(client.post(f"/introductions/{intro_id}/withdraw", data={"next": target}))
    admin = member.test_client()
    login(admin, "admin@example.org")
    assert_local(
        admin.post("/admin/partnerships/krimp-noord/active", data={"active": "1", "next": target})
    )


@pytest.mark.parametrize(
    "target", ["/suggestions", "/?page=2&q=rubric", "/partnerships/krimp-noord#top"]
)
def test_local_next_is_kept(member, target):
    client = member.test_client()
    response = client.post(
        "/login", data={"email": "mentee@example.org", "password": PASSWORD, "next": target}
    )
    assert response.headers["Location"] == target
    assert (
        client.post("/language", data={"lang": "en", "next": target}).headers["Location"] == target
    )


# --- 4. enumeration and registration races --------------------------------------------------------


def test_registration_with_a_taken_key_answers_known_and_unknown_addresses_alike(member, client):
    known = client.post(
        "/register", data=register_data(email="mentee@example.org", key="krimp-noord")
    )
    unknown = client.post(
        "/register", data=register_data(email="nobody@example.org", key="krimp-noord")
    )
    assert known.status_code == unknown.status_code == 400
    assert without_csrf_tokens(known.text).replace("mentee@example.org", "X") == (
        without_csrf_tokens(unknown.text).replace("nobody@example.org", "X")
    )


def test_registration_does_the_same_work_for_known_and_unknown_addresses(
    member, client, monkeypatch
):
    hashed = []
    real = passwords.generate_password_hash
    monkeypatch.setattr(
        passwords, "generate_password_hash", lambda *a, **k: hashed.append(1) or real(*a, **k)
    )
    known = client.post("/register", data=register_data(email="mentee@example.org", key="vers-1"))
    known_hashes = len(hashed)
    unknown = client.post("/register", data=register_data(email="nobody@example.org", key="vers-2"))
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    assert (
        known_hashes == len(hashed) - known_hashes == 1
    )  # one password hash either way: the same time


def test_parallel_registrations_with_one_key_answer_4xx(member, client):
    """Another registration commits the same key after this one's checks, just before its
    first write (the moment two parallel requests collide)."""
    raced = []

    def other_registration_commits_first(conn, cursor, statement, *args):
        if raced or not statement.lstrip().upper().startswith(("INSERT", "UPDATE")):
            return
        raced.append(statement)
        with db.engine.begin() as other:
            other.execute(
                insert(Partnership.__table__).values(
                    key="gelijktijdig", name="De snellere", founded=2020, active=False
                )
            )

    with member.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", other_registration_commits_first)
    try:
        response = client.post(
            "/register", data=register_data(email="second@example.org", key="gelijktijdig")
        )
    finally:
        event.remove(engine, "before_cursor_execute", other_registration_commits_first)
    assert raced
    assert response.status_code == 400
    assert "already used" in response.text or "al in gebruik" in response.text
    with member.app_context():
        assert accounts.find_user("second@example.org") is None
        assert profiles.get_partnership("gelijktijdig", include_inactive=True).name == "De snellere"


# --- 5. CSV formulas -------------------------------------------------------------------------------


def test_no_csv_cell_can_start_a_formula(member):
    hostile = ['=HYPERLINK("https://evil.example","klik")', "+1+2", "-1+2", "@SUM(A1)", "=1+2"]
    with member.app_context():
        load(profile(key="formule", name=hostile[0], mentor_capacity=3))
        load(profile(key="formule-2", name="@SUM(A1)"))
        load(profile(key="formule-3", name="+1+2"))
        # Regions that no import accepts any more, as old rows the migration could not map may hold.
        for key, region in (("formule", "=1+2"), ("formule-2", "-1+2"), ("formule-3", "@x")):
            db.session.execute(
                update(Partnership).where(Partnership.key == key).values(region=region)
            )
        db.session.commit()
    admin = member.test_client()
    login(admin, "admin@example.org")
    cells = []
    for chart in ("mentor-load", "regions"):
        response = admin.get(f"/admin/reports/{chart}.csv")
        assert response.status_code == 200
        cells += [cell for row in csv.reader(io.StringIO(response.text)) for cell in row]
    assert "'" + hostile[0] in cells and "'=1+2" in cells and "'@SUM(A1)" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]


@pytest.mark.parametrize(
    ("value", "cell"),
    [("=1", "'=1"), ("\tx", "'\tx"), ("\rx", "'\rx"), ("a=1", "a=1"), (-3, -3), (None, "")],
)
def test_csv_cell(value, cell):
    from matchmaker.services.reports import csv_cell

    assert csv_cell(value) == cell


# --- 6. Redis outage -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of this test's own on a free port (never the shared one on 6379)."""
    if not shutil.which("redis-server"):
        skip_unless_required(REQUIRE_REDIS, "redis-server is not installed")
    port = free_port()
    pidfile = tmp_path / "redis.pid"
    subprocess.run(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "yes",
            "--pidfile",
            str(pidfile),
            "--dir",
            str(tmp_path),
        ],
        check=True,
    )

    def listening() -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", port)) == 0

    deadline = time.monotonic() + 10
    while not listening():
        assert time.monotonic() < deadline, "redis-server did not start"
        time.sleep(0.05)

    def stop():
        if listening():
            subprocess.run(
                ["redis-cli", "-p", str(port), "shutdown", "nosave"],
                capture_output=True,
                timeout=10,
            )
        deadline = time.monotonic() + 5
        while listening():
            if (
                time.monotonic() > deadline and pidfile.exists()
            ):  # this test's own server, by its pid
                os.kill(int(pidfile.read_text()), signal.SIGTERM)
                deadline = time.monotonic() + 5
            time.sleep(0.05)

    yield f"redis://127.0.0.1:{port}/0", stop
    stop()


# limits looks for the optional "valkey" package; pygal's import hook warns about any new import
@pytest.mark.filterwarnings("ignore:PluginImportFixer:ImportWarning")
def test_login_and_suggestions_answer_while_redis_is_down(member, database_url, own_redis):
    url, stop = own_redis
    with second_app(
        database_url, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=url, REDIS_URL=url
    ) as app:
        client = app.test_client()
        assert client.get("/readyz").json["redis"] == "ok"
        assert (
            client.post(
                "/login", data={"email": "mentee@example.org", "password": "wrong"}
            ).status_code
            == 401
        )
        stop()
        assert (
            client.post(
                "/login", data={"email": "mentee@example.org", "password": PASSWORD}
            ).status_code
            == 302
        )
        assert client.get("/api/v1/partnerships/nieuw-assessment/suggestions").status_code == 200
        assert client.get("/readyz").json["redis"] == "unreachable"
        # limits still hold, counted in the process's memory until Redis is back
        other = app.test_client()
        codes = [
            other.post(
                "/login", data={"email": "mentor@example.org", "password": f"guess {i}"}
            ).status_code
            for i in range(12)
        ]
        assert 429 in codes and not [c for c in codes if c >= 500]


def test_login_is_throttled_per_account_too(member, database_url):
    config = {"LOGIN_RATE_LIMIT": "100 per minute", "LOGIN_ACCOUNT_RATE_LIMIT": "3 per minute"}
    with second_app(
        database_url, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", **config
    ) as app:
        client = app.test_client()

        def attempt(email, i, password=None):
            return client.post(
                "/login",
                data={"email": email, "password": password or f"guess {i}"},
                environ_base={"REMOTE_ADDR": f"10.0.0.{i + 1}"},
            ).status_code

        assert [attempt("mentee@example.org", i) for i in range(3)] == [401] * 3
        assert attempt("MENTEE@example.org", 3) == 429  # from a fourth address, in other letters
        assert attempt("mentee@example.org", 4, PASSWORD) == 429
        assert attempt("mentor@example.org", 5) == 401  # other accounts are not affected


def test_login_limit_has_no_double_burst_at_the_turn_of_a_window(member, database_url, monkeypatch):
    # A fixed window (counted from its first hit) forgets all its failures when it ends: one
    # failure, two more just before the window ends and three just after would make five in two
    # seconds. The moving window counts any 60 seconds.
    config = {"LOGIN_RATE_LIMIT": "100 per minute", "LOGIN_ACCOUNT_RATE_LIMIT": "3 per minute"}
    clock = [1_000_000.0]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    with second_app(
        database_url, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", **config
    ) as app:
        client = app.test_client()

        def attempt(i):
            return client.post(
                "/login",
                data={"email": "mentee@example.org", "password": f"guess {i}"},
                environ_base={"REMOTE_ADDR": f"10.0.1.{i + 1}"},
            ).status_code

        assert attempt(0) == 401
        clock[0] += 59.0
        assert [attempt(1), attempt(2)] == [401, 401]
        clock[0] += 1.5  # the first failure is now more than a minute old; the other two are not
        assert attempt(3) == 401
        assert attempt(4) == 429


# --- 7. hostile input ------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["1e20", str(10**20), "-3", "0", "9" * 5000])
def test_odd_page_numbers_are_not_a_500(member, client, page):
    assert client.get("/", query_string={"page": page}).status_code == 200
    admin = member.test_client()
    login(admin, "admin@example.org")
    assert admin.get("/admin/partnerships", query_string={"page": page}).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        "[" * 1500 + "]" * 1500,
        '{"mentor": ' + "[" * 100 + "]" * 100 + ', "message": "x"}',
        '{"mentor": "krimp-noord", "message": "x", "n": ' + "9" * 5000 + "}",
    ],
    ids=["nested-1500", "nested-100", "5000-digits"],
)
def test_hostile_json_gets_400(member, client, body):
    login(client)
    response = client.post("/api/v1/introductions", data=body, content_type="application/json")
    assert response.status_code == 400
    assert set(response.json["error"]) == {"code", "message", "fields"}
    with member.app_context():
        assert db.session.scalar(select(Introduction.id)) is None


@pytest.mark.parametrize("field", ["name", "region", "contact.name", "institutions"])
@pytest.mark.parametrize(
    "bad",
    [
        "Naam\nBcc: x@evil.example",
        "Naam\rX",
        "Naam\tmet tab",
        "Naam\u2028X",
        "Naam\x1bX",
        # invisible format characters: a right-to-left override ("\u202eenalp" shows as
        # "plane"), a zero-width space, a byte order mark, an isolate, a direction mark
        "\u202eenalp",
        "Naam\u200bmet",
        "\ufeffNaam",
        "Naam\u2066X\u2069",
        "Naam\u200fX",
        # characters that show as nothing, alone or in a name
        "\u3164",
        "\u2800",
        "Naam\u00adX",
        "\U000e0020Naam",
        "Naam\u061cX",
        "Naam\u180eX",
    ],
)
def test_single_line_fields_refuse_control_characters(app, field, bad):
    record = profile(key="regels")
    if field == "contact.name":
        record["contact"]["name"] = bad
    elif field == "institutions":
        record["institutions"] = [bad]
    else:
        record[field] = bad
    with app.app_context(), pytest.raises(ValidationError) as caught:
        load(record)
    assert any(field in where for where in caught.value.fields)


def test_the_import_refuses_a_key_with_a_trailing_newline(network):
    with network.app_context():
        with pytest.raises(ValidationError) as caught:
            load(
                profile(
                    key="krimp-noord\n",
                    contact={"name": "Lookalike", "email": "lookalike@example.org"},
                )
            )
        assert [where.rsplit(": ", 1)[-1] for where in caught.value.fields] == ["key"]
        assert profiles.get_partnership("krimp-noord").name == "Dorpsscholen Noord"


def test_a_failing_email_never_turns_a_committed_introduction_into_a_500(
    member, smtp_server, caplog
):
    host, port, inbox = smtp_server
    member.config.update(SMTP_HOST=host, SMTP_PORT=port, MAIL_DELIVER_AFTER_COMMIT=True)
    with member.app_context():  # a name stored before single-line names were enforced
        db.session.execute(
            update(Partnership)
            .where(Partnership.key == "nieuw-assessment")
            .values(name="Nieuw\nBcc: victim@evil.example")
        )
        db.session.commit()
    client = member.test_client()
    login(client)
    response = client.post("/introductions/new/beoordeling-west", data={"message": "Graag"})
    assert response.status_code == 302
    with member.app_context():
        assert db.session.scalar(select(Introduction.state)) == "requested"
    assert not inbox.to("victim@evil.example")
    again = client.post("/introductions/new/beoordeling-west", data={"message": "Graag"})
    assert again.status_code < 500


# --- 8. API tokens, mail in production -----------------------------------------------------------


def token_works(client, token) -> bool:
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


@pytest.mark.parametrize("change", ["password change", "password reset", "deactivation"])
def test_api_tokens_end_with_a_password_change_reset_or_deactivation(member, client, change):
    with member.app_context():
        user = accounts.find_user("mentee@example.org")
        _row, token = accounts.create_token(user, "script")
    assert token_works(client, token)
    with member.app_context():
        user = accounts.find_user("mentee@example.org")
        if change == "password change":
            accounts.change_password(user, PASSWORD, "a brand new password")
        elif change == "password reset":
            accounts.reset_password(accounts.reset_token(user), "a brand new password")
        else:
            accounts.set_user_active(user, False)
            accounts.set_user_active(accounts.find_user("mentee@example.org"), True)
    assert not token_works(client, token)


def production_env(monkeypatch, **env):
    monkeypatch.setenv("MATCHMAKER_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.setenv("BASE_URL", BASE_URL)
    for name in ("SMTP_HOST", "MAIL_FILE_DIR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def test_production_refuses_to_start_without_a_way_to_send_mail(tmp_path, monkeypatch):
    production_env(monkeypatch)
    with pytest.raises(ConfigError, match="SMTP_HOST"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"})


def test_production_mail_to_files_keeps_links_out_of_the_log(
    tmp_path, monkeypatch, caplog, database_url
):
    outbox = tmp_path / "outbox"
    production_env(monkeypatch, MAIL_FILE_DIR=str(outbox))
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}
    )
    try:
        with app.app_context():
            db.create_all()
            make_user("owner@example.org")
            caplog.set_level(logging.DEBUG)
            accounts.request_password_reset("owner@example.org")
            assert (
                list(outbox.glob("*.eml")) == []
            )  # production: in the outbox until the worker runs
            assert mail.deliver_due().sent == 1
        files = list(outbox.glob("*.eml"))
        assert len(files) == 1 and (files[0].stat().st_mode & 0o777) == 0o600
        assert f"{BASE_URL}/password/reset/" in files[0].read_text()
        assert "/password/reset/" not in caplog.text and "owner@example.org" in caplog.text
    finally:
        with app.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


# --- an import does not hand a profile to whoever registered its key first -----------------------


def test_an_import_does_not_take_over_a_partnership_with_its_own_team(app):
    """A stranger registers the key of a partnership that is about to be imported; the import
    must not turn the stranger's account into the coordinator of the real profile."""
    real = profile(
        key="opleidingsschool-zuid",
        name="Opleidingsschool Zuid",
        contact={"name": "Echte contactpersoon", "email": "echt@zuid.example.org"},
    )
    with app.app_context():
        load(profile(key="opleidingsschool-zuid", name="Nep", contact=None))
        make_user("stranger@example.org", partnership_key="opleidingsschool-zuid")
        with pytest.raises(ValidationError) as caught:
            load(real, profile(key="ander-partnerschap"))
        [(where, message)] = caught.value.fields.items()
        assert where == "record 0 (key 'opleidingsschool-zuid'): key" and "own accounts" in message
        stored = profiles.get_partnership("opleidingsschool-zuid")
        assert stored.name == "Nep" and stored.contact_email is None
        assert (
            db.session.scalar(select(Partnership.id).where(Partnership.key == "ander-partnerschap"))
            is None
        )
        # A contact address the stranger typed when registering proves nothing ...
        stored.contact_email, stored.registered_at = "echt@zuid.example.org", utcnow()
        db.session.commit()
        with pytest.raises(ValidationError):
            load(real)
        # ... an address of the team's own confirmed account does: the same partnership.
        load(dict(real, contact={"name": "Zelfde", "email": "Stranger@example.org"}))
        assert profiles.get_partnership("opleidingsschool-zuid").name == "Opleidingsschool Zuid"
        # A partnership without a team (imported, nobody joined yet) is updated by key alone.
        load(
            profile(key="zonder-team", contact=None),
            real | {"contact": {"name": "Zelfde", "email": "stranger@example.org"}},
        )
        load(profile(key="zonder-team", name="Nieuwe naam"))
        assert profiles.get_partnership("zonder-team").name == "Nieuwe naam"


def test_the_api_import_names_the_record_that_would_take_over_a_team(member):
    with member.app_context():
        _row, token = accounts.create_token(accounts.find_user("admin@example.org"), "import")
        record = profile(
            key="beoordeling-west", contact={"name": "Iemand", "email": "iemand@example.org"}
        )
    response = member.test_client().post(
        "/api/v1/admin/import",
        json={"partnerships": [record]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422
    assert "record 0 (key 'beoordeling-west'): key" in response.json["error"]["fields"]
