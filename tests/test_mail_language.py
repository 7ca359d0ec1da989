"""Each email in its recipient's language: the account's choice (User.locale), else Dutch; one
message per language group, composed centrally (services/notifications.py)."""

from __future__ import annotations

from unittest.mock import patch

from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import OutboxMessage
from matchmaker.services import accounts, invitations, notifications
from matchmaker.services import introductions as intro_service
from matchmaker.services import profiles as profile_service
from matchmaker.services.accounts import find_user

from .conftest import MENTORS, NEWCOMERS, load, make_user

PASSWORD = "correct horse battery"
MENTEE, MENTOR = NEWCOMERS[0], MENTORS[0]
MENTOR_CONTACT = MENTOR["contact"]["email"]


def outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def english(email: str) -> None:
    user = find_user(email)
    user.locale = "en"
    db.session.commit()


def test_a_dutch_and_an_english_recipient_each_get_one_message_in_their_language(app):
    with app.app_context():
        load(MENTEE, MENTOR)
        make_user("vraag@example.org", partnership_key=MENTEE["key"])
        make_user("nl@example.org", partnership_key=MENTOR["key"])
        make_user("en@example.org", role="member", partnership_key=MENTOR["key"])
        english("en@example.org")
        intro_service.request_introduction(
            profile_service.get_partnership(MENTEE["key"]),
            profile_service.get_partnership(MENTOR["key"]),
            "Wij willen leren beoordelen.",
            find_user("vraag@example.org"),
        )
        dutch, eng = outbox()
        assert dutch.language == "nl" and sorted(dutch.recipients) == sorted(
            ["nl@example.org", MENTOR_CONTACT]
        )
        assert dutch.subject == f"Matchmaker: {MENTEE['name']} wil graag van u leren"
        assert (
            "wil graag leren van de ervaringen van" in dutch.body and "would like" not in dutch.body
        )
        assert eng.language == "en" and eng.recipients == ["en@example.org"]
        assert eng.subject == f"Matchmaker: {MENTEE['name']} would like to learn from you"
        assert (
            "would like to learn from the experiences of" in eng.body and "Bericht" not in eng.body
        )
        assert (
            "Message:\nWij willen leren beoordelen." in eng.body
        )  # the user's own words stay as written


def test_an_invitation_to_an_unknown_address_is_dutch(app):
    with app.app_context():
        load(MENTEE)
        invitations.invite(profile_service.get_partnership(MENTEE["key"]), "onbekend@example.org")
        [message] = outbox()
        assert message.language == "nl" and message.recipients == ["onbekend@example.org"]
        assert message.subject == f"Matchmaker: uitnodiging voor {MENTEE['name']}"
        assert "U bent uitgenodigd" in message.body and "You are invited" not in message.body
        assert "als coördinator van" in message.body


def test_an_address_without_an_account_follows_the_account_that_has_it(app):
    """A partnership's contact address that is also an English account's address gets English."""
    with app.app_context():
        load(MENTEE, MENTOR)
        make_user("vraag@example.org", partnership_key=MENTEE["key"])
        make_user(
            MENTOR_CONTACT.upper(), partnership_key=MENTOR["key"]
        )  # the same address, other case
        english(MENTOR_CONTACT)
        assert notifications.languages_of([MENTOR_CONTACT, "nobody@example.org"]) == {
            MENTOR_CONTACT: "en",
            "nobody@example.org": "nl",
        }
        intro_service.request_introduction(
            profile_service.get_partnership(MENTEE["key"]),
            profile_service.get_partnership(MENTOR["key"]),
            "",
            find_user("vraag@example.org"),
        )
        [message] = outbox()
        assert message.language == "en" and "would like to learn" in message.body


def test_choosing_a_language_while_signed_in_is_remembered_for_emails(app):
    with app.app_context():
        load(MENTEE)
        make_user("kiezer@example.org", partnership_key=MENTEE["key"])
    client = app.test_client()
    client.post("/login", data={"email": "kiezer@example.org", "password": PASSWORD})
    assert client.post("/language", data={"lang": "en", "next": "/home"}).status_code == 302
    with app.app_context():
        assert find_user("kiezer@example.org").locale == "en"
        accounts.request_password_reset("kiezer@example.org")
        [message] = outbox()
        assert message.language == "en" and message.subject == "Matchmaker: set a new password"
        assert (
            "Set a new password with this link" in message.body and "wachtwoord" not in message.body
        )
    client.post("/language", data={"lang": "nl"})
    with app.app_context():
        assert find_user("kiezer@example.org").locale == "nl"


def test_a_language_picked_before_logging_in_becomes_the_accounts_choice(app):
    with app.app_context():
        load(MENTEE)
        make_user("vooraf@example.org", partnership_key=MENTEE["key"])
    client = app.test_client()
    client.post("/language", data={"lang": "en"})
    client.post("/login", data={"email": "vooraf@example.org", "password": PASSWORD})
    with app.app_context():
        assert find_user("vooraf@example.org").locale == "en"


def test_an_invitation_accepted_in_english_makes_an_english_account(app):
    with app.app_context():
        load(MENTEE)
        with patch(
            "matchmaker.services.invitations.secrets.token_urlsafe",
            return_value="english-invitation-token-0123",
        ):
            invitations.invite(profile_service.get_partnership(MENTEE["key"]), "new@example.org")
    client = app.test_client()
    client.post("/language", data={"lang": "en"})
    assert (
        client.post(
            "/invitation/english-invitation-token-0123", data={"password": PASSWORD}
        ).status_code
        == 302
    )
    with app.app_context():
        assert find_user("new@example.org").locale == "en"


def test_every_email_template_renders_in_both_languages_without_the_other(app):
    """No template mixes the languages any more: each rendering is one language."""
    from flask import render_template
    from flask_babel import force_locale

    with app.app_context():
        load(MENTEE, MENTOR)
        make_user("vraag@example.org", partnership_key=MENTEE["key"])
        intro = intro_service.request_introduction(
            profile_service.get_partnership(MENTEE["key"]),
            profile_service.get_partnership(MENTOR["key"]),
            "Hallo",
            find_user("vraag@example.org"),
        )
        user = find_user("vraag@example.org")
        invitation = invitations.invite(
            profile_service.get_partnership(MENTEE["key"]), "x@example.org"
        )
        context = dict(
            intro=intro,
            me=intro.mentee,
            other=intro.mentor,
            link="http://l",
            user=user,
            minutes=60,
            days=7,
            invitation=invitation,
            partnership=intro.mentee,
        )
        for name in (
            "accepted",
            "already_registered",
            "awaiting_admin",
            "confirm_email",
            "declined",
            "followup",
            "invitation",
            "password_reset",
            "reminder_admin",
            "reminder_mentor",
            "requested",
        ):
            for lang, foreign in (
                ("nl", (" the ", " your ", " you ")),
                ("en", (" de ", " het ", " uw ")),
            ):
                with force_locale(lang):
                    body = render_template(f"email/{name}.txt", **context)
                assert "---" not in body, name
                assert not any(
                    word in body.replace(intro.mentee.name, "").replace(intro.mentor.name, "")
                    for word in foreign
                ), (name, lang, body)


def test_an_address_written_twice_in_other_cases_gets_one_message(app):
    """The contact address "Contact@…" and the account "contact@…" are one person: one email."""
    with app.app_context():
        load(MENTEE, dict(MENTOR, contact={"name": "C", "email": MENTOR_CONTACT.upper()}))
        make_user("vraag@example.org", partnership_key=MENTEE["key"])
        make_user(MENTOR_CONTACT, partnership_key=MENTOR["key"])
        intro_service.request_introduction(
            profile_service.get_partnership(MENTEE["key"]),
            profile_service.get_partnership(MENTOR["key"]),
            "Wij willen leren beoordelen.",
            find_user("vraag@example.org"),
        )
        [message] = outbox()
        assert message.recipients == [MENTOR_CONTACT]
        assert notifications.by_language(["A@x.nl", "b@x.nl", " a@X.nl", "B@x.nl"]) == [
            ("nl", ["A@x.nl", "b@x.nl"])
        ]
