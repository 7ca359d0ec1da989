"""Accounts: registration, log-in, log-out, passwords and resets."""

import re

import pytest
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import Partnership, User
from matchmaker.services import accounts

from .conftest import make_user, profile

PASSWORD = "correct horse battery"


def register_data(**overrides):
    data = {
        "email": "coordinator@example.org",
        "password": PASSWORD,
        "key": "nieuw-partnerschap",
        "name": "Nieuw Partnerschap",
        "sectors": ["po"],
        "region": "Drenthe",
        "founded": "2025",
        "challenges": "Beginnende leraren stoppen snel.",
        "mentor_capacity": "0",
        "contact_name": "Coördinator",
        "contact_email": "contact@example.org",
    }
    data.update(overrides)
    return data


def counts():
    return (
        db.session.scalar(select(func.count(User.id))),
        db.session.scalar(select(func.count(Partnership.id))),
    )


def confirm_link(inbox, address):
    body = inbox.to(address)[-1]["body"]
    link = re.search(r"(http\S+/register/confirm/\S+)", body).group(1)
    return (
        link.split("localhost:5000", 1)[1]
        if "localhost:5000" in link
        else link.split("localhost", 1)[1]
    )


def test_register_then_confirm_by_email(mail_app, client):
    app, inbox = mail_app
    response = client.post("/register", data=register_data())
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/register/sent")
    with app.app_context():
        user = accounts.find_user("coordinator@example.org")
        assert user.email_confirmed_at is None
        assert user.partnership.key == "nieuw-partnerschap" and not user.partnership.active
        assert user.partnership.registered_at is not None  # its contact: typed, not proven
        assert user.partnership.sectors == ["po"]
        assert PASSWORD not in user.password_hash
    assert client.get("/partnerships/nieuw-partnerschap").status_code == 404  # not public yet
    assert (
        client.post(
            "/login", data={"email": "coordinator@example.org", "password": PASSWORD}
        ).status_code
        == 401
    )
    response = client.get(confirm_link(inbox, "coordinator@example.org"))
    # confirmed, but not signed in: the link is no password (tests/test_security_findings.py)
    assert (
        response.status_code == 302 and response.headers["Location"] == "/login?next=/suggestions"
    )
    assert client.get("/partnerships/nieuw-partnerschap").status_code == 200
    response = client.post(
        "/login",
        data={"email": "coordinator@example.org", "password": PASSWORD, "next": "/suggestions"},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/suggestions"
    assert client.get("/home").status_code == 200


def test_registering_a_taken_address_looks_the_same_and_warns_the_owner(mail_app, client):
    app, inbox = mail_app
    with app.app_context():
        make_user("taken@example.org")
    new = client.post("/register", data=register_data(email="fresh@example.org", key="vers"))
    taken = client.post("/register", data=register_data(email="taken@example.org", key="anders"))
    assert new.status_code == taken.status_code == 302
    assert new.headers["Location"] == taken.headers["Location"]
    assert "al een account" in inbox.to("taken@example.org")[0]["body"]
    with app.app_context():
        assert profile_service_keys() == ["vers"]


def profile_service_keys():
    return sorted(db.session.scalars(select(Partnership.key)))


def test_confirmation_links_are_signed(app, client):
    response = client.get("/register/confirm/not-a-token")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")


def test_unconfirmed_login_resends_the_link(mail_app, client):
    app, inbox = mail_app
    client.post("/register", data=register_data())
    inbox.clear()
    assert (
        client.post(
            "/login", data={"email": "coordinator@example.org", "password": PASSWORD}
        ).status_code
        == 401
    )
    assert inbox.to("coordinator@example.org")
    assert (
        client.post(
            "/login", data={"email": "coordinator@example.org", "password": "wrong wrong"}
        ).status_code
        == 401
    )


@pytest.mark.parametrize(
    ("overrides", "field_text"),
    [
        ({"email": "geen-adres"}, "valid email"),
        ({"password": "kort"}, "at least 8"),
        ({"founded": "3000"}, "1950"),
        ({"founded": "vorig jaar"}, "whole number"),
        ({"key": "Met Spaties"}, "a-z"),
        ({"sectors": []}, "required"),
        ({"challenges": "x" * 5001}, "5000"),
        ({"contact_email": "fout@"}, "valid email"),
    ],
)
def test_register_errors_beside_the_field_and_nothing_written(app, client, overrides, field_text):
    response = client.post(
        "/register", data=register_data(**overrides), headers={"Accept-Language": "en"}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert field_text in html
    assert 'class="field-error"' in html
    with app.app_context():
        assert counts() == (0, 0)


def test_register_with_a_taken_key(app, client):
    with app.app_context():
        from .conftest import load

        load(profile(key="bezet"))
    response = client.post("/register", data=register_data(key="bezet"))
    assert response.status_code == 400
    assert "already used" in response.get_data(
        as_text=True
    ) or "al in gebruik" in response.get_data(as_text=True)
    with app.app_context():
        assert counts() == (0, 1)


def test_passwords_have_no_composition_rules(app):
    with app.app_context():
        user = make_user("simple@example.org", password="aaaaaaaa")
        assert accounts.authenticate("simple@example.org", "aaaaaaaa").id == user.id


def test_login_logout(app, client, auth):
    with app.app_context():
        make_user()
    response = auth.login()
    assert response.status_code == 302
    assert client.get("/account/password").status_code == 200
    auth.logout()
    assert client.get("/account/password").status_code == 302


def test_login_failure_does_not_reveal_whether_the_account_exists(app, client, caplog):
    with app.app_context():
        make_user()
    wrong_password = client.post(
        "/login", data={"email": "member@example.org", "password": "wrong wrong"}
    )
    unknown = client.post("/login", data={"email": "nobody@example.org", "password": "wrong wrong"})
    assert wrong_password.status_code == unknown.status_code == 401

    def message(r):
        return re.search(r'role="alert">(.*?)</div>', r.get_data(as_text=True), re.S).group(1)

    assert message(wrong_password) == message(unknown)
    assert "failed log-in" in caplog.text


def test_login_issues_a_fresh_session(app, client, auth):
    with app.app_context():
        make_user()
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
        sess["lang"] = "en"
    auth.login()
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["lang"] == "en"


def test_login_redirects_only_to_local_pages(app, client):
    with app.app_context():
        make_user()
    for target, expected in (
        ("/suggestions", "/suggestions"),
        ("https://evil.example/", "/home"),
        ("//evil.example", "/home"),
    ):
        client.post("/logout")
        response = client.post(
            "/login", data={"email": "member@example.org", "password": PASSWORD, "next": target}
        )
        assert response.headers["Location"] == expected


def test_inactive_user_cannot_log_in(app, client, auth):
    with app.app_context():
        accounts.set_user_active(make_user(), False)
    assert auth.login().status_code == 401


def test_change_password_ends_other_sessions(app, client, auth):
    with app.app_context():
        make_user()
    auth.login()
    other = app.test_client()
    other.post("/login", data={"email": "member@example.org", "password": PASSWORD})
    assert other.get("/account/password").status_code == 200
    response = client.post(
        "/account/password", data={"current_password": PASSWORD, "new_password": "nieuw wachtwoord"}
    )
    assert response.status_code == 302
    assert client.get("/account/password").status_code == 200  # this session goes on
    assert other.get("/account/password").status_code == 302  # the other one ended
    with app.app_context():
        assert accounts.authenticate("member@example.org", "nieuw wachtwoord") is not None


def test_change_password_checks_the_current_one(app, client, auth):
    with app.app_context():
        make_user()
    auth.login()
    response = client.post(
        "/account/password",
        data={"current_password": "fout fout fout", "new_password": "nieuw wachtwoord"},
    )
    assert response.status_code == 400
    response = client.post(
        "/account/password", data={"current_password": PASSWORD, "new_password": "kort"}
    )
    assert response.status_code == 400


def test_logout_ends_remember_me_sessions_too(app, client):
    with app.app_context():
        make_user()
    client.post(
        "/login", data={"email": "member@example.org", "password": PASSWORD, "remember": "y"}
    )
    remember = client.get_cookie("remember_token")
    assert remember is not None
    client.post("/logout")
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remember.value)
    assert fresh.get("/account/password").status_code == 302


def test_remember_me_restores_a_session(app, client):
    with app.app_context():
        make_user()
    client.post(
        "/login", data={"email": "member@example.org", "password": PASSWORD, "remember": "y"}
    )
    remember = client.get_cookie("remember_token")
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remember.value)
    assert fresh.get("/account/password").status_code == 200


def test_password_reset_by_email(mail_app, client):
    app, inbox = mail_app
    with app.app_context():
        make_user()
    response = client.post("/password/forgot", data={"email": "member@example.org"})
    assert response.status_code == 302
    assert len(inbox.to("member@example.org")) == 1
    body = inbox.messages[0]["body"]
    link = re.search(r"(http\S+/password/reset/\S+)", body).group(1)
    path = link.split("localhost", 1)[1].split(":5000", 1)[-1]
    assert client.get(path).status_code == 200
    response = client.post(path, data={"password": "heel nieuw wachtwoord"})
    assert response.status_code == 302
    with app.app_context():
        assert accounts.authenticate("member@example.org", "heel nieuw wachtwoord") is not None
    # the link works once
    assert client.post(path, data={"password": "nog een keer anders"}).status_code == 302
    with app.app_context():
        assert accounts.authenticate("member@example.org", "nog een keer anders") is None


def test_an_address_someone_registered_and_never_confirmed_is_not_lost_to_its_owner(
    mail_app, client
):
    """Someone registers with another's address and never confirms. The owner, registering,
    hears "you already have an account"; a password reset from there gives the owner the
    account with a password of their own (the stranger's stops working) and lets them in."""
    app, inbox = mail_app
    squat = register_data(
        email="owner@example.org", key="bezet", password="wachtwoord van een ander"
    )
    assert client.post("/register", data=squat).status_code == 302
    inbox.clear()
    assert (
        client.post(
            "/register", data=register_data(email="owner@example.org", key="eigen")
        ).status_code
        == 302
    )
    [notice] = inbox.to("owner@example.org")
    assert "/password/forgot" in notice["body"]
    assert client.post("/password/forgot", data={"email": "owner@example.org"}).status_code == 302
    body = inbox.to("owner@example.org")[-1]["body"]
    link = re.search(r"(http\S+/password/reset/\S+)", body).group(1)
    path = link.split("localhost", 1)[1].split(":5000", 1)[-1]
    assert client.post(path, data={"password": "mijn eigen wachtwoord"}).status_code == 302
    with app.app_context():
        assert accounts.authenticate("owner@example.org", "wachtwoord van een ander") is None
        user = accounts.authenticate("owner@example.org", "mijn eigen wachtwoord")
        assert user is not None and user.email_confirmed_at is not None
        assert user.partnership.key == "bezet" and user.partnership.active  # theirs to edit now


def test_password_reset_for_unknown_address_says_the_same_and_sends_nothing(mail_app, client):
    app, inbox = mail_app
    known_user = None
    with app.app_context():
        known_user = make_user().email
    unknown = client.post(
        "/password/forgot", data={"email": "nobody@example.org"}, follow_redirects=True
    )
    known = client.post("/password/forgot", data={"email": known_user}, follow_redirects=True)
    assert unknown.status_code == known.status_code == 200
    flash = re.compile(r'class="flash flash-success">(.*?)</p>', re.S)
    assert flash.search(unknown.get_data(as_text=True)).group(1) == flash.search(
        known.get_data(as_text=True)
    ).group(1)
    assert inbox.to("nobody@example.org") == []


def test_reset_tokens_expire_and_are_signed(app, monkeypatch):
    with app.app_context():
        user = make_user()
        token = accounts.reset_token(user)
        assert accounts.user_for_reset_token(token).id == user.id
        assert accounts.user_for_reset_token(token[:-2] + "xx") is None
        monkeypatch.setattr(accounts, "RESET_MAX_AGE", -1)
        assert accounts.user_for_reset_token(token) is None


def test_session_cookie_flags(app, client, auth):
    with app.app_context():
        make_user()
    response = client.post(
        "/login", data={"email": "member@example.org", "password": PASSWORD, "remember": "y"}
    )
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    remember_cookie = next(c for c in cookies if c.startswith("remember_token="))
    assert "HttpOnly" in remember_cookie and "SameSite=Lax" in remember_cookie


def test_production_hashing_is_scrypt(app):
    app.config.pop("PASSWORD_HASH_METHOD")
    with app.app_context():
        user = make_user("kdf@example.org")
        assert user.password_hash.startswith("scrypt:")
        assert accounts.authenticate("kdf@example.org", PASSWORD).id == user.id


def test_confirming_an_address_does_not_undo_an_admins_deactivation(mail_app, client):
    """A registration waits for its confirmation inactive; if an admin deactivates it meanwhile
    (spam, a duplicate), confirming the address later must not bring it back."""
    from matchmaker.services import profiles as profile_service

    app, inbox = mail_app
    assert client.post("/register", data=register_data()).status_code == 302
    path = confirm_link(inbox, "coordinator@example.org")
    with app.app_context():
        p = profile_service.get_partnership("nieuw-partnerschap", include_inactive=True)
        profile_service.set_active(p, False)
    assert client.get(path).status_code == 302
    with app.app_context():
        user = accounts.find_user("coordinator@example.org")
        assert user.email_confirmed_at is not None and not user.partnership.active
        profile_service.set_active(user.partnership, True)  # the admin's own way back
        assert profile_service.get_partnership("nieuw-partnerschap").deactivated_at is None


def test_an_address_typed_in_the_other_unicode_form_finds_its_account(app):
    """The same accented letter as one character or as a letter plus a combining accent."""
    import unicodedata

    with app.app_context():
        make_user("jose.garcia@café.example")
        stored = accounts.find_user("jose.garcia@café.example").email
        decomposed = unicodedata.normalize("NFD", "JOSE.GARCIA@CAFÉ.EXAMPLE")
        assert decomposed != unicodedata.normalize("NFC", decomposed)
        assert accounts.find_user(decomposed).email == stored


def test_an_admin_can_tell_a_waiting_registration_from_a_deactivated_one_and_stop_it(
    mail_app, client
):
    from matchmaker.services import profiles as profile_service

    app, inbox = mail_app
    assert client.post("/register", data=register_data()).status_code == 302
    with app.app_context():
        accounts.create_admin("beheer@example.org", PASSWORD)
    admin = app.test_client()
    admin.post("/login", data={"email": "beheer@example.org", "password": PASSWORD})
    html = admin.get("/admin/partnerships").get_data(as_text=True)
    assert "wacht op bevestiging" in html
    response = admin.post("/admin/partnerships/nieuw-partnerschap/active", data={"active": "0"})
    assert response.status_code == 302
    assert "gedeactiveerd" in admin.get("/admin/partnerships").get_data(as_text=True)
    client.get(confirm_link(inbox, "coordinator@example.org"))  # confirming no longer brings it in
    with app.app_context():
        p = profile_service.get_partnership("nieuw-partnerschap", include_inactive=True)
        assert not p.active and p.deactivated_at is not None
