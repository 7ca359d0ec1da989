"""A conversation per introduction: who may write when, the order, the mail to the other side
through the outbox, no contact details before acceptance, and the mentor's view of the request."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import IntroductionMessage, OutboxMessage
from matchmaker.services import conversations
from matchmaker.services import introductions as intro_service
from matchmaker.services import profiles as profile_service
from matchmaker.services.accounts import create_admin, find_user
from matchmaker.services.introductions import NotAllowed
from matchmaker.services.matching import pair_evidence
from matchmaker.services.validation import ValidationError

from .conftest import MENTORS, NEWCOMERS, make_user

PASSWORD = "correct horse battery"
MENTEE, MENTOR, OTHER = "nieuw-assessment", "beoordeling-west", "starters-oost"
MENTEE_CONTACT = NEWCOMERS[0]["contact"]["email"]
MENTOR_CONTACT = MENTORS[0]["contact"]["email"]


@pytest.fixture
def people(network):
    """Coordinators of a newcomer (two accounts), of its mentor and of a bystander; a read-only
    member of the newcomer; two admins."""
    with network.app_context():
        make_user("mentee@example.org", role="coordinator", partnership_key=MENTEE)
        make_user("mentee2@example.org", role="coordinator", partnership_key=MENTEE)
        make_user("reader@example.org", role="member", partnership_key=MENTEE)
        make_user("mentor@example.org", role="coordinator", partnership_key=MENTOR)
        make_user("other@example.org", role="coordinator", partnership_key=OTHER)
        create_admin("admin@example.org", PASSWORD)
        create_admin("admin2@example.org", PASSWORD)
    return network


def user(email):
    return find_user(email)


def P(key):
    return profile_service.get_partnership(key)


def new_intro(mentor=MENTOR, message="Hallo"):
    return intro_service.request_introduction(
        P(MENTEE), P(mentor), message, user("mentee@example.org")
    )


def login(client, email):
    client.post("/logout")
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302


def outbox_count() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


# --- the service ---------------------------------------------------------------------------------


def test_both_sides_and_admins_write_and_the_conversation_is_in_order(people):
    with people.app_context():
        intro = new_intro()
        conversations.post_message(
            intro, user("mentee@example.org"), "  Mogen we eerst iets vragen?  "
        )
        conversations.post_message(intro, user("mentor@example.org"), "Natuurlijk.")
        conversations.post_message(intro, user("admin@example.org"), "Ik lees mee.")
        conversations.post_message(intro, user("mentee2@example.org"), "Dank!")
        got = [(m.author_side, m.author.email, m.body) for m in conversations.messages_of(intro)]
    assert got == [
        ("mentee", "mentee@example.org", "Mogen we eerst iets vragen?"),
        ("mentor", "mentor@example.org", "Natuurlijk."),
        ("admin", "admin@example.org", "Ik lees mee."),
        ("mentee", "mentee2@example.org", "Dank!"),
    ]


def test_messages_continue_after_acceptance(people):
    with people.app_context():
        intro = new_intro()
        intro_service.transition(intro, "accept", user("mentor@example.org"))
        message = conversations.post_message(
            intro, user("mentor@example.org"), "Welkom, tot dinsdag."
        )
        assert message.author_side == "mentor" and intro.state == "accepted"


@pytest.mark.parametrize(
    ("close", "state"),
    [
        (lambda i: intro_service.transition(i, "decline", user("mentor@example.org")), "declined"),
        (
            lambda i: intro_service.transition(i, "withdraw", user("mentee@example.org")),
            "withdrawn",
        ),
        (
            lambda i: (
                intro_service.transition(i, "accept", user("mentor@example.org")),
                intro_service.transition(i, "complete", user("mentee@example.org"), rating=4),
            ),
            "completed",
        ),
    ],
    ids=["declined", "withdrawn", "completed"],
)
def test_closed_introductions_refuse_messages(people, close, state):
    with people.app_context():
        intro = new_intro()
        close(intro)
        before = outbox_count()
        for who in ("mentee@example.org", "mentor@example.org", "admin@example.org"):
            with pytest.raises(conversations.ConversationClosed, match=state):
                conversations.post_message(intro, user(who), "Nog één vraag")
        assert outbox_count() == before
        assert conversations.messages_of(intro) == []


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (None, "is required"),
        ("", "is required"),
        (" \n\t ", "is required"),
        (42, "must be text"),
        ("x" * (intro_service.MESSAGE_LIMIT + 1), str(intro_service.MESSAGE_LIMIT)),
        ("a\x00b", "NUL"),
    ],
    ids=["none", "empty", "whitespace", "number", "too-long", "nul"],
)
def test_bad_bodies_are_refused_naming_the_field(people, body, problem):
    with people.app_context():
        intro = new_intro()
        with force_locale("en"), pytest.raises(ValidationError) as caught:
            conversations.post_message(intro, user("mentee@example.org"), body)
        assert list(caught.value.fields) == ["body"] and problem in caught.value.fields["body"]
        assert db.session.scalar(select(func.count()).select_from(IntroductionMessage)) == 0


def test_a_message_of_exactly_the_limit_is_accepted(people):
    with people.app_context():
        intro = new_intro()
        body = "x" * intro_service.MESSAGE_LIMIT
        assert conversations.post_message(intro, user("mentee@example.org"), body).body == body


def test_who_may_write(people):
    with people.app_context():
        intro = new_intro()
        with pytest.raises(NotAllowed):
            conversations.post_message(intro, user("other@example.org"), "Hallo")  # a bystander
        with pytest.raises(NotAllowed):
            conversations.post_message(
                intro, user("reader@example.org"), "Hallo"
            )  # read-only member
        assert conversations.may_write(user("admin2@example.org"), intro)
        assert not conversations.may_write(user("reader@example.org"), intro)


def test_while_awaiting_approval_the_conversation_is_with_the_admins(people, mail_app):
    app, inbox = mail_app
    app.config["REQUIRE_ADMIN_APPROVAL"] = True
    with app.app_context():
        intro = new_intro()
        assert intro.state == "awaiting_admin"
        inbox.clear()
        with pytest.raises(NotAllowed):  # the request has not reached the mentor yet
            conversations.post_message(intro, user("mentor@example.org"), "Hallo")
        conversations.post_message(intro, user("mentee@example.org"), "Kan dit snel?")
        assert not inbox.to("mentor@example.org") and not inbox.to(MENTOR_CONTACT)
        assert inbox.to("admin@example.org") and inbox.to("admin2@example.org")
        inbox.clear()
        conversations.post_message(intro, user("admin@example.org"), "We kijken er vandaag naar.")
        assert inbox.to("mentee@example.org") and not inbox.to("mentor@example.org")


# --- mail through the outbox ---------------------------------------------------------------------


def test_each_message_is_queued_in_the_outbox_with_it(people):
    with people.app_context():
        intro = new_intro()
        before = outbox_count()
        conversations.post_message(intro, user("mentee@example.org"), "Een vraag vooraf")
        rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc())).all()
        assert outbox_count() == before + 1
        assert set(rows[0].recipients) == {"mentor@example.org", MENTOR_CONTACT}
        assert rows[0].state == "pending" and "Een vraag vooraf" in rows[0].body


def test_the_other_side_is_mailed_never_the_authors_own(people, mail_app):
    app, inbox = mail_app
    with app.app_context():
        intro = new_intro()
        inbox.clear()
        conversations.post_message(
            intro, user("mentee@example.org"), "Hoe schoolden jullie de beoordelaars?"
        )
        [mail] = inbox.messages
        assert set(mail["to"]) == {"mentor@example.org", MENTOR_CONTACT}
        assert (
            "Hoe schoolden jullie de beoordelaars?" in mail["body"]
            and "Nieuw Assessmentnetwerk" in mail["subject"]
        )
        assert f"/introductions/{intro.id}#gesprek" in mail["body"]
        assert (
            MENTEE_CONTACT not in mail["body"] and "mentee@example.org" not in mail["body"]
        )  # not accepted yet
        inbox.clear()
        conversations.post_message(
            intro, user("mentor@example.org"), "Met een jaarlijkse kalibratiesessie."
        )
        [mail] = inbox.messages
        assert set(mail["to"]) == {
            "mentee@example.org",
            "mentee2@example.org",
            "reader@example.org",
            MENTEE_CONTACT,
        }
        assert (
            "Met een jaarlijkse kalibratiesessie." in mail["body"]
            and MENTOR_CONTACT not in mail["body"]
        )


def test_an_admin_message_reaches_both_sides_separately_and_admins_hear_replies(people, mail_app):
    app, inbox = mail_app
    with app.app_context():
        intro = new_intro()
        inbox.clear()
        conversations.post_message(intro, user("mentee@example.org"), "Eerste vraag")
        assert not inbox.to("admin@example.org")  # no admin in the conversation yet
        inbox.clear()
        conversations.post_message(intro, user("admin@example.org"), "Ik help graag.")
        to_mentee, to_mentor = inbox.to("mentee@example.org"), inbox.to("mentor@example.org")
        assert len(inbox.messages) == 2 and len(to_mentee) == 1 and len(to_mentor) == 1
        assert MENTOR_CONTACT not in to_mentee[0]["to"] and MENTEE_CONTACT not in to_mentor[0]["to"]
        assert "admin@example.org" not in to_mentee[0]["body"]  # an admin is named by role
        assert not inbox.to("admin@example.org")  # not to the author
        inbox.clear()
        conversations.post_message(intro, user("mentor@example.org"), "Antwoord")
        assert inbox.to("admin@example.org") and not inbox.to("admin2@example.org")


# --- the web -------------------------------------------------------------------------------------


def test_web_post_and_read_the_conversation(people, client):
    with people.app_context():
        intro_id = new_intro().id
    page = f"/introductions/{intro_id}"
    login(client, "mentee@example.org")
    assert 'id="message-form"' in client.get(page).get_data(as_text=True)
    response = client.post(f"{page}/messages", data={"body": "Mogen we jullie rubric zien?"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{page}#gesprek")
    login(client, "mentor@example.org")
    client.post(f"{page}/messages", data={"body": "Ja, <b>graag</b>."})
    html = client.get(page).get_data(as_text=True)
    first, second = (
        html.index("Mogen we jullie rubric zien?"),
        html.index("Ja, &lt;b&gt;graag&lt;/b&gt;."),
    )
    assert first < second  # in order, and plain text (escaped)
    assert (
        'class="card message message-mentee"' in html
        and 'class="card message message-mentor"' in html
    )
    assert "<time datetime=" in html


def test_times_are_shown_in_amsterdam(people, client):
    from datetime import datetime, timezone

    with people.app_context():
        intro = new_intro()
        message = conversations.post_message(intro, user("mentee@example.org"), "Tijd")
        message.created_at = datetime(
            2026, 1, 15, 11, 30, tzinfo=timezone.utc
        )  # 12:30 in Amsterdam (CET)
        db.session.commit()
        intro_id = intro.id
    login(client, "mentee@example.org")  # the mentor reads only what came after its request
    assert "12:30" in client.get(f"/introductions/{intro_id}").get_data(as_text=True)


def test_web_validation_names_the_field(people, client):
    with people.app_context():
        intro_id = new_intro().id
    login(client, "mentee@example.org")
    response = client.post(f"/introductions/{intro_id}/messages", data={"body": "   "})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="body-error"' in html
    with people.app_context():
        assert db.session.scalar(select(func.count()).select_from(IntroductionMessage)) == 0


def test_web_refuses_closed_bystander_and_read_only(people, client):
    with people.app_context():
        intro = new_intro()
        intro_service.transition(intro, "decline", user("mentor@example.org"))
        intro_id = intro.id
        open_id = new_intro(mentor=OTHER).id
    login(client, "mentee@example.org")
    response = client.post(f"/introductions/{intro_id}/messages", data={"body": "Toch nog?"})
    assert response.status_code == 409 and "afgesloten" in response.get_data(as_text=True)
    assert 'id="message-form"' not in client.get(f"/introductions/{intro_id}").get_data(
        as_text=True
    )
    login(client, "mentor@example.org")  # not a party to the introduction with OTHER
    assert (
        client.post(f"/introductions/{open_id}/messages", data={"body": "Hallo"}).status_code == 404
    )
    login(client, "reader@example.org")
    assert 'id="message-form"' not in client.get(f"/introductions/{open_id}").get_data(as_text=True)
    assert (
        client.post(f"/introductions/{open_id}/messages", data={"body": "Hallo"}).status_code == 403
    )


def test_no_contact_details_on_the_page_before_acceptance(people, client):
    with people.app_context():
        intro_id = new_intro().id
    page = f"/introductions/{intro_id}"
    login(client, "mentee@example.org")
    client.post(f"{page}/messages", data={"body": "Vraag"})
    login(client, "mentor@example.org")
    client.post(f"{page}/messages", data={"body": "Antwoord"})
    for who in ("mentee@example.org", "mentor@example.org", "reader@example.org"):
        login(client, who)
        html = client.get(page).get_data(as_text=True)
        assert "Vraag" in html and "Antwoord" in html
        for address in (MENTEE_CONTACT, MENTOR_CONTACT, "mentee@example.org", "mentor@example.org"):
            assert address not in html, (who, address)
        api = client.get(f"/api/v1{page}/messages").get_data(as_text=True)
        assert "@" not in api


def test_the_mentor_sees_the_challenge_and_the_evidence(people, client):
    with people.app_context():
        intro_id = new_intro().id
        evidence = pair_evidence(MENTEE, MENTOR)
    assert evidence and evidence[0].mentor_text and evidence[0].own_text
    login(client, "mentor@example.org")
    html = client.get(f"/introductions/{intro_id}").get_data(as_text=True)
    assert 'id="mentee-challenges"' in html and "dezelfde criteria voor iedereen" in html
    assert 'id="match-evidence"' in html and "gedeelde rubric" in html
    login(client, "mentee@example.org")  # the asking partnership knows its own challenge
    assert 'id="match-evidence"' not in client.get(f"/introductions/{intro_id}").get_data(
        as_text=True
    )


def test_a_pair_without_evidence_shows_the_challenge_only(people, client):
    with people.app_context():
        intro_id = new_intro(mentor=OTHER).id
        assert pair_evidence(MENTEE, OTHER) == []
    login(client, "other@example.org")
    response = client.get(f"/introductions/{intro_id}")
    html = response.get_data(as_text=True)
    assert (
        response.status_code == 200
        and 'id="mentee-challenges"' in html
        and 'id="match-evidence"' not in html
    )


def test_pair_evidence_is_empty_for_unknown_or_same_partnerships(people):
    with people.app_context():
        assert pair_evidence("no-such-key", MENTOR) == []
        assert pair_evidence(MENTOR, MENTOR) == []


# --- the API -------------------------------------------------------------------------------------


def test_api_post_and_list(people, client):
    with people.app_context():
        intro_id = new_intro().id
    url = f"/api/v1/introductions/{intro_id}/messages"
    login(client, "mentee@example.org")
    assert client.get(url).json == []
    response = client.post(url, json={"body": "  Een vraag vooraf "})
    assert response.status_code == 201
    posted = response.json
    assert posted["body"] == "Een vraag vooraf" and posted["author_side"] == "mentee"
    assert (
        posted["author"] == {"key": MENTEE, "name": "Nieuw Assessmentnetwerk"}
        and posted["created_at"]
    )
    login(client, "admin@example.org")
    admin_post = client.post(url, json={"body": "Van de beheerder"}).json
    assert admin_post["author_side"] == "admin" and admin_post["author"] is None
    login(client, "mentor@example.org")
    assert [m["body"] for m in client.get(url).json] == ["Een vraag vooraf", "Van de beheerder"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"body": None},
        {"body": "   "},
        {"body": 7},
        {"body": "x" * (intro_service.MESSAGE_LIMIT + 1)},
    ],
    ids=["missing", "null", "whitespace", "number", "too-long"],
)
def test_api_validation_names_body(people, client, body):
    with people.app_context():
        intro_id = new_intro().id
    login(client, "mentee@example.org")
    response = client.post(f"/api/v1/introductions/{intro_id}/messages", json=body)
    assert response.status_code == 422
    assert list(response.json["error"]["fields"]) == ["body"]


def test_api_unknown_fields_are_refused(people, client):
    with people.app_context():
        intro_id = new_intro().id
    login(client, "mentee@example.org")
    response = client.post(
        f"/api/v1/introductions/{intro_id}/messages", json={"body": "hoi", "author_side": "admin"}
    )
    assert response.status_code == 422 and "author_side" in response.json["error"]["fields"]


def test_api_status_codes(people, client):
    with people.app_context():
        intro = new_intro()
        closed = new_intro(mentor=OTHER)
        intro_service.transition(closed, "withdraw", user("mentee@example.org"))
        ids = intro.id, closed.id
    open_url, closed_url = (f"/api/v1/introductions/{i}/messages" for i in ids)
    assert client.get(open_url).status_code == 401
    login(client, "other@example.org")  # a bystander: the introduction is not visible
    assert (
        client.get(open_url).status_code == 404
        and client.post(open_url, json={"body": "x"}).status_code == 404
    )
    assert client.get("/api/v1/introductions/999999/messages").status_code == 404
    login(client, "reader@example.org")  # may read, not write
    assert client.get(open_url).status_code == 200
    response = client.post(open_url, json={"body": "x"})
    assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"
    login(client, "mentee@example.org")
    response = client.post(closed_url, json={"body": "x"})
    assert response.status_code == 409 and "withdrawn" in response.json["error"]["message"]


def test_api_messages_are_in_the_openapi_document(people, client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    operations = paths["/api/v1/introductions/{intro_id}/messages"]
    assert set(operations) >= {"get", "post"} and "201" in operations["post"]["responses"]
