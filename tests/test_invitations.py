"""Invitations: `invite KEY`, the link that sets a password and signs in, a second account on one
partnership, the admin's list with resend and withdraw, and the register page's claim form.
Mail is read from a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from matchmaker.config import ConfigError, from_environment
from matchmaker.extensions import db
from matchmaker.models import Invitation, User, utcnow
from matchmaker.services import invitations
from matchmaker.services import mail
from matchmaker.services import profiles as profile_service
from matchmaker.services.accounts import create_admin, find_user
from matchmaker.services.validation import ValidationError

from .conftest import make_user

KEY, CONTACT = "aos-po-noord-nederland", "m.zandstra@example.org"
OTHER_KEY, OTHER_CONTACT = "almeerse-aos", "j.vlietstra@example.org"
COLLEAGUE = "collega@example.org"
PASSWORD = "een lange zin als wachtwoord"
ADMIN = "admin@example.org"
LINK_RE = re.compile(r"https?://\S+/invitation/([A-Za-z0-9_-]+)")


@pytest.fixture
def seeded(mail_app):
    """The seed data, with mail going to a real SMTP server; yields (app, inbox)."""
    app, inbox = mail_app
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    return app, inbox


def delivered(app, inbox, address: str) -> list[dict]:
    """The messages ``address`` received, after delivering what the outbox holds."""
    with app.app_context():
        if hasattr(mail, "deliver_due"):
            mail.deliver_due()
    return inbox.to(address)


def token_in(message: dict) -> str:
    match = LINK_RE.search(message["body"])
    assert match, message["body"]
    return match.group(1)


def invite(app, *args: str):
    return app.test_cli_runner().invoke(args=["invite", *args])


def join(client, token: str, password: str = PASSWORD):
    return client.post(f"/invitation/{token}", data={"password": password})


def admin_client(app):
    with app.app_context():
        create_admin(ADMIN, PASSWORD)
    client = app.test_client()
    assert client.post("/login", data={"email": ADMIN, "password": PASSWORD}).status_code == 302
    return client


def test_invite_mails_the_contact_a_link_that_signs_in_once(seeded):
    app, inbox = seeded
    result = invite(app, KEY)
    assert result.exit_code == 0, result.output
    assert f"Invited {CONTACT} to {KEY}" in result.output
    [message] = delivered(app, inbox, CONTACT)
    assert (
        "uitnodiging" in message["subject"].lower()
        and "http://localhost:5000/invitation/" in message["body"]
    )
    token = token_in(message)
    with app.app_context():
        stored = db.session.scalar(select(Invitation))
        assert stored.token_hash != token and token not in stored.token_hash  # only a hash is kept
        assert (
            timedelta(days=13, hours=23)
            < stored.expires_at - stored.created_at
            <= timedelta(days=14)
        )

    client = app.test_client()
    page = client.get(f"/invitation/{token}")
    assert page.status_code == 200 and CONTACT in page.get_data(as_text=True)
    response = join(client, token)
    assert response.status_code == 302 and response.headers["Location"].endswith("/home")
    home = client.get("/home")
    assert home.status_code == 200
    with app.app_context():
        p = profile_service.get_partnership(KEY)
        assert p.name in home.get_data(as_text=True)
        user = find_user(CONTACT)
        assert (
            user.partnership_id == p.id
            and user.email_confirmed_at is not None
            and user.role == "coordinator"
        )  # an admin's (CLI) invitation
        assert db.session.scalar(select(Invitation)).state() == "joined"

    # The link works once: the page and the form both refuse it now.
    again = app.test_client()
    assert again.get(f"/invitation/{token}").headers["Location"].endswith("/login")
    assert join(again, token, "nog een ander wachtwoord").headers["Location"].endswith("/login")
    assert again.get("/home").status_code == 302  # not signed in
    # The password chosen on the link is the account's password.
    assert again.post("/login", data={"email": CONTACT, "password": PASSWORD}).status_code == 302


def test_a_short_password_is_refused_and_the_link_still_works(seeded):
    app, inbox = seeded
    invite(app, KEY)
    token = token_in(delivered(app, inbox, CONTACT)[0])
    client = app.test_client()
    response = join(client, token, "kort")
    assert response.status_code == 400 and "8" in response.get_data(as_text=True)
    assert join(client, token).status_code == 302


def test_email_gives_a_second_account_and_both_see_the_partnership_pages(seeded):
    app, inbox = seeded
    assert invite(app, KEY).exit_code == 0
    result = invite(app, KEY, "--email", COLLEAGUE)
    assert result.exit_code == 0, result.output
    assert f"Invited {COLLEAGUE} to {KEY}" in result.output
    clients = {}
    for address in (CONTACT, COLLEAGUE):
        [message] = delivered(app, inbox, address)
        clients[address] = app.test_client()
        assert join(clients[address], token_in(message)).status_code == 302
    with app.app_context():
        p = profile_service.get_partnership(KEY)
        assert sorted(u.email for u in p.users) == sorted([CONTACT, COLLEAGUE])
        name = p.name
    for client in clients.values():
        for url in ("/home", "/profile/edit"):
            response = client.get(url)
            assert response.status_code == 200, url
            assert name in response.get_data(as_text=True), url
        assert client.get("/introductions/").status_code == 200
        assert client.get("/suggestions").status_code == 200
        assert client.get("/api/v1/me").json["partnership"]["key"] == KEY


def test_an_introduction_of_the_partnership_is_visible_to_both_accounts(seeded):
    app, inbox = seeded
    invite(app, KEY)
    invite(app, KEY, "--email", COLLEAGUE)
    clients = []
    for address in (CONTACT, COLLEAGUE):
        client = app.test_client()
        join(client, token_in(delivered(app, inbox, address)[0]))
        clients.append(client)
    made = clients[0].post(
        f"/introductions/new/{OTHER_KEY}", data={"message": "Wij willen graag van u leren."}
    )
    assert made.status_code == 302
    intro_url = made.headers["Location"]
    assert clients[1].get(intro_url).status_code == 200
    assert intro_url in clients[1].get("/introductions/").get_data(as_text=True)


def test_an_expired_link_does_not_work_and_a_resend_makes_a_new_one(seeded):
    app, inbox = seeded
    invite(app, KEY)
    old = token_in(delivered(app, inbox, CONTACT)[0])
    with app.app_context():
        invitation = db.session.scalar(select(Invitation))
        invitation.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        invitation_id = invitation.id
    client = app.test_client()
    assert client.get(f"/invitation/{old}").headers["Location"].endswith("/login")
    assert join(client, old).headers["Location"].endswith("/login")
    with app.app_context():
        assert find_user(CONTACT) is None

    admin = admin_client(app)
    page = admin.get(f"/admin/partnerships/{KEY}").get_data(as_text=True)
    assert 'data-state="expired"' in page and CONTACT in page
    inbox.clear()
    assert admin.post(f"/admin/invitations/{invitation_id}/resend").status_code == 302
    [message] = delivered(app, inbox, CONTACT)
    new = token_in(message)
    assert new != old
    assert 'data-state="invited"' in admin.get(f"/admin/partnerships/{KEY}").get_data(as_text=True)
    assert join(client, old).headers["Location"].endswith("/login")  # the old link stays dead
    assert join(client, new).headers["Location"].endswith("/home")
    assert 'data-state="joined"' in admin.get(f"/admin/partnerships/{KEY}").get_data(as_text=True)


def test_expiry_follows_invitation_days(seeded):
    app, inbox = seeded
    app.config["INVITATION_DAYS"] = 3
    invite(app, KEY)
    with app.app_context():
        invitation = db.session.scalar(select(Invitation))
        assert (
            timedelta(days=2, hours=23)
            < invitation.expires_at - invitation.created_at
            <= timedelta(days=3)
        )


def test_a_withdrawn_link_does_not_work(seeded):
    app, inbox = seeded
    admin = admin_client(app)
    assert (
        admin.post(f"/admin/partnerships/{KEY}/invitations", data={"email": ""}).status_code == 302
    )
    token = token_in(delivered(app, inbox, CONTACT)[0])
    with app.app_context():
        invitation = db.session.scalar(select(Invitation))
        assert invitation.created_by.email == ADMIN
        invitation_id = invitation.id
    page = admin.get(f"/admin/partnerships/{KEY}").get_data(as_text=True)
    assert 'data-state="invited"' in page and "Intrekken" in page
    assert admin.post(f"/admin/invitations/{invitation_id}/withdraw").status_code == 302
    assert 'data-state="withdrawn"' in admin.get(f"/admin/partnerships/{KEY}").get_data(
        as_text=True
    )
    client = app.test_client()
    assert client.get(f"/invitation/{token}").headers["Location"].endswith("/login")
    assert join(client, token).headers["Location"].endswith("/login")
    with app.app_context():
        assert find_user(CONTACT) is None
        with pytest.raises(invitations.InvitationError):
            invitations.resend(db.session.get(Invitation, invitation_id))
        with pytest.raises(ValidationError):
            invitations.accept(token, PASSWORD)


def test_admin_invites_a_colleague_by_address(seeded):
    app, inbox = seeded
    admin = admin_client(app)
    admin.post(f"/admin/partnerships/{KEY}/invitations", data={"email": COLLEAGUE})
    assert delivered(app, inbox, COLLEAGUE) and not delivered(app, inbox, CONTACT)
    assert COLLEAGUE in admin.get(f"/admin/partnerships/{KEY}").get_data(as_text=True)
    assert f"/admin/partnerships/{KEY}" in admin.get("/admin/partnerships").get_data(as_text=True)


def test_inviting_again_resends_the_open_invitation(seeded):
    app, inbox = seeded
    invite(app, KEY)
    invite(app, KEY)
    first, second = delivered(app, inbox, CONTACT)
    with app.app_context():
        assert len(db.session.scalars(select(Invitation)).all()) == 1
    client = app.test_client()
    assert join(client, token_in(first)).headers["Location"].endswith("/login")  # replaced
    assert join(client, token_in(second)).headers["Location"].endswith("/home")


def test_invite_refuses_without_a_contact_address_naming_the_field(seeded):
    app, _ = seeded
    with app.app_context():
        p = profile_service.get_partnership(KEY)
        p.contact_email = None
        db.session.commit()
        with pytest.raises(ValidationError) as exc:
            invitations.invite(p)
        assert "contact.email" in exc.value.fields
    result = invite(app, KEY)
    assert result.exit_code == 1 and "contact.email" in result.output


def test_invite_refuses_an_address_that_has_an_account(seeded):
    app, inbox = seeded
    with app.app_context():
        make_user(COLLEAGUE, partnership_key=OTHER_KEY)
    result = invite(app, KEY, "--email", COLLEAGUE)
    assert result.exit_code == 1 and "already registered" in result.output
    assert not delivered(app, inbox, COLLEAGUE)


def test_a_link_for_an_address_that_got_an_account_meanwhile_is_refused(seeded):
    app, inbox = seeded
    invite(app, KEY, "--email", COLLEAGUE)
    token = token_in(delivered(app, inbox, COLLEAGUE)[0])
    with app.app_context():
        make_user(COLLEAGUE, partnership_key=OTHER_KEY)
    client = app.test_client()
    assert join(client, token).headers["Location"].endswith("/login")
    with app.app_context():
        assert find_user(COLLEAGUE).partnership.key == OTHER_KEY


def test_all_without_account_skips_partnerships_that_have_one(seeded):
    app, inbox = seeded
    with app.app_context():
        make_user(OTHER_CONTACT, partnership_key=OTHER_KEY)
        total = len(invitations.without_account())
    result = invite(app, "--all-without-account")
    assert result.exit_code == 0, result.output
    assert result.output.count("Invited ") == total > 30
    assert f"Invited {CONTACT} to {KEY}" in result.output and OTHER_KEY not in result.output
    assert delivered(app, inbox, CONTACT) and not inbox.to(OTHER_CONTACT)


@pytest.mark.parametrize(
    "args, message",
    [
        ((), "KEY"),
        ((KEY, OTHER_KEY, "--email", COLLEAGUE), "exactly one KEY"),
        (("--all-without-account", "--email", COLLEAGUE), "exactly one KEY"),
        ((KEY, "--email", "not-an-address"), "email"),
        (("no-such-partnership",), "unknown partnership key"),
    ],
)
def test_invite_refuses_bad_arguments(seeded, args, message):
    app, inbox = seeded
    result = invite(app, *args)
    assert result.exit_code != 0 and message in result.output
    with app.app_context():
        assert db.session.scalar(select(Invitation)) is None


def test_unknown_key_does_not_stop_the_others(seeded):
    app, inbox = seeded
    result = invite(app, "no-such-partnership", KEY)
    assert result.exit_code == 1 and f"Invited {CONTACT}" in result.output
    assert delivered(app, inbox, CONTACT)


def _claim(app, query: str):
    client = app.test_client()
    response = client.post(
        "/register/claim", data={"claim-partnership": query}, follow_redirects=True
    )
    # Everything but the session's own CSRF token is compared.
    return response.status_code, re.sub(
        r'name="csrf_token" value="[^"]*"', "", response.get_data(as_text=True)
    )


def test_register_page_offers_the_claim_form(seeded):
    app, _ = seeded
    html = app.test_client().get("/register").get_data(as_text=True)
    assert "Staat uw partnerschap al in Matchmaker?" in html and 'action="/register/claim"' in html


def test_claim_answers_alike_and_mails_only_the_registered_contact(seeded):
    app, inbox = seeded
    with app.app_context():
        name = profile_service.get_partnership(OTHER_KEY).name
    known = _claim(app, KEY)
    unknown = _claim(app, "geen-partnerschap-met-deze-naam")
    assert known == unknown and known[0] == 200
    assert len(delivered(app, inbox, CONTACT)) == 1
    assert [m["to"] for m in inbox.messages] == [[CONTACT]]
    # By name (any case) too; the message goes to the contact, never to whoever asked.
    assert _claim(app, name.upper()) == unknown
    [message] = delivered(app, inbox, OTHER_CONTACT)
    client = app.test_client()
    assert join(client, token_in(message)).headers["Location"].endswith("/home")
    with app.app_context():
        assert find_user(OTHER_CONTACT).partnership.key == OTHER_KEY


def test_claim_for_a_contact_with_an_account_sends_the_usual_notice(seeded):
    app, inbox = seeded
    with app.app_context():
        make_user(CONTACT, partnership_key=KEY)
    assert _claim(app, KEY) == _claim(app, "onbekend")
    [message] = delivered(app, inbox, CONTACT)
    assert "/invitation/" not in message["body"] and "/password/forgot" in message["body"]
    with app.app_context():
        assert db.session.scalar(select(Invitation)) is None


def test_claim_does_not_mail_a_contact_again_at_once(seeded):
    app, inbox = seeded
    _claim(app, KEY)
    _claim(app, KEY)
    assert len(delivered(app, inbox, CONTACT)) == 1


def test_claim_needs_a_name(seeded):
    app, inbox = seeded
    response = app.test_client().post("/register/claim", data={"claim-partnership": ""})
    assert response.status_code == 400
    assert not delivered(app, inbox, CONTACT)


def test_invitation_days_setting(tmp_path):
    assert from_environment(str(tmp_path), {})["INVITATION_DAYS"] == 14
    assert from_environment(str(tmp_path), {"INVITATION_DAYS": "30"})["INVITATION_DAYS"] == 30
    for bad in ("0", "1000", "veertien"):
        with pytest.raises(ConfigError, match="INVITATION_DAYS"):
            from_environment(str(tmp_path), {"INVITATION_DAYS": bad})


def test_bad_links_are_refused(seeded):
    app, _ = seeded
    client = app.test_client()
    for token in ("x", "a" * 43, "a" * 500):
        assert client.get(f"/invitation/{token}").headers["Location"].endswith("/login")
    with app.app_context():
        assert db.session.scalar(select(User).where(User.partnership_id.is_not(None))) is None


def test_claim_for_a_partnership_with_a_team_invites_nobody(seeded):
    """A stranger's claim must not make anyone coordinator of a partnership that has a team:
    not the contact address, and not an open member invitation to it."""
    app, inbox = seeded
    with app.app_context():
        coordinator = make_user("coordinator@example.org", partnership_key=KEY)
        p = profile_service.get_partnership(KEY)
        invitations.invite(p, CONTACT, by=coordinator, role="member")
        inbox.clear()
    assert _claim(app, KEY) == _claim(app, "onbekend")
    [notice] = delivered(app, inbox, CONTACT)
    assert "/invitation/" not in notice["body"] and "coördinator" in notice["body"]
    with app.app_context():
        [invitation] = db.session.scalars(select(Invitation)).all()
        assert invitation.role == "member" and invitation.email == CONTACT
    other = "tweede@example.org"  # the same for a contact address nobody invited
    with app.app_context():
        make_user(other, partnership_key=OTHER_KEY)
        other_id = profile_service.get_partnership(OTHER_KEY).id
    _claim(app, OTHER_KEY)
    assert len(delivered(app, inbox, OTHER_CONTACT)) == 1
    with app.app_context():
        invited = select(func.count(Invitation.id)).where(Invitation.partnership_id == other_id)
        assert db.session.scalar(invited) == 0


def test_claim_resends_an_open_invitation_with_its_own_role(seeded):
    """No team yet, but an admin invited the contact as a member: a claim sends that invitation
    again, still as member, never as coordinator."""
    app, inbox = seeded
    with app.app_context():
        admin = create_admin("beheer@example.org", "correct horse battery")
        invitation = invitations.invite(
            profile_service.get_partnership(KEY), CONTACT, by=admin, role="member"
        )
        invitation.sent_at = utcnow() - timedelta(minutes=invitations.CLAIM_QUIET_MINUTES + 1)
        db.session.commit()
        inbox.clear()
    _claim(app, KEY)
    [message] = delivered(app, inbox, CONTACT)
    assert "/invitation/" in message["body"]
    with app.app_context():
        [invitation] = db.session.scalars(select(Invitation)).all()
        assert invitation.role == "member"


def test_claim_notices_go_to_a_contact_once_in_the_quiet_time(seeded, database_url):
    """However many ask (from however many addresses), the contact of a partnership with a team
    gets one notice per CLAIM_QUIET_MINUTES."""
    from .conftest import second_app

    app, inbox = seeded
    with app.app_context():
        make_user("coordinator@example.org", partnership_key=KEY)
    with second_app(
        database_url,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        **{k: app.config[k] for k in ("SMTP_HOST", "SMTP_PORT", "MAIL_DELIVER_AFTER_COMMIT")},
    ) as limited:
        for i in range(4):
            limited.test_client().post(
                "/register/claim",
                data={"claim-partnership": KEY},
                environ_base={"REMOTE_ADDR": f"10.0.2.{i + 1}"},
            )
    assert len(delivered(app, inbox, CONTACT)) == 1
