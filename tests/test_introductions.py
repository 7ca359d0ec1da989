"""The introductions state machine: every rule, capacity, privacy of contact details, approval."""

from pathlib import Path

import pytest
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import IntroductionEvent, OutboxMessage
from matchmaker.services import introductions as intro_service
from matchmaker.services import profiles as profile_service
from matchmaker.services.accounts import create_admin
from matchmaker.services.introductions import NotAllowed, TransitionError, transition
from matchmaker.services.matching import suggest
from matchmaker.services.reviews import review_pair
from matchmaker.services.validation import ValidationError

from .conftest import MENTORS, NEWCOMERS, load, make_user, profile

PASSWORD = "correct horse battery"


@pytest.fixture
def people(network):
    """Users for a newcomer (mentee), its best mentor, a bystander partnership and an admin."""
    with network.app_context():
        make_user("mentee@example.org", partnership_key="nieuw-assessment")
        make_user("mentor@example.org", partnership_key="beoordeling-west")
        make_user("other@example.org", partnership_key="starters-oost")
        create_admin("admin@example.org", PASSWORD)
    return network


def user(email):
    from matchmaker.services.accounts import find_user

    return find_user(email)


def P(key):
    return profile_service.get_partnership(key)


def new_intro(message="Hallo"):
    return intro_service.request_introduction(
        P("nieuw-assessment"), P("beoordeling-west"), message, user("mentee@example.org")
    )


def test_request_creates_a_recorded_introduction(people):
    with people.app_context():
        intro = new_intro("Wij willen graag leren van jullie rubric.")
        assert intro.state == "requested"
        assert [(e.from_state, e.to_state) for e in intro.events] == [(None, "requested")]
        assert intro.events[0].actor.email == "mentee@example.org"


ALL_ACTIONS = list(intro_service.TRANSITIONS)


@pytest.mark.parametrize(
    ("path", "actor", "action", "allowed"),
    [
        # from "requested"
        ([], "mentor@example.org", "accept", True),
        ([], "mentor@example.org", "decline", True),
        ([], "mentee@example.org", "withdraw", True),
        ([], "admin@example.org", "accept", True),
        ([], "mentee@example.org", "accept", False),  # cannot accept one's own request
        ([], "mentor@example.org", "withdraw", False),  # only the asking side withdraws
        ([], "other@example.org", "accept", False),  # a bystander
        ([], "mentor@example.org", "complete", False),  # not accepted yet
        ([], "admin@example.org", "approve", False),  # nothing to approve
        # from "accepted"
        (["accept"], "mentee@example.org", "complete", True),
        (["accept"], "mentor@example.org", "complete", True),
        (["accept"], "mentor@example.org", "decline", False),
        (["accept"], "mentee@example.org", "withdraw", False),
        # terminal states
        (["decline"], "mentor@example.org", "accept", False),
        (["withdraw"], "mentor@example.org", "accept", False),
        (["accept", "complete"], "mentor@example.org", "complete", False),
        (["accept", "complete"], "mentee@example.org", "withdraw", False),
    ],
)
def test_transition_rules(people, path, actor, action, allowed):
    with people.app_context():
        intro = new_intro()
        for step in path:
            transition(intro, step, user("admin@example.org"))
        before = intro.state
        events = len(intro.events)
        if allowed:
            transition(intro, action, user(actor))
            assert intro.state == intro_service.TRANSITIONS[action].target
            assert intro.events[-1].from_state == before and intro.events[-1].actor.email == actor
        else:
            with pytest.raises(TransitionError):
                transition(intro, action, user(actor))
            db.session.rollback()
            assert intro.state == before and len(intro.events) == events


def test_every_transition_is_recorded_with_who_and_when(people):
    with people.app_context():
        intro = new_intro()
        transition(intro, "accept", user("mentor@example.org"), note="Graag!")
        transition(intro, "complete", user("mentee@example.org"), rating=5, feedback="Heel nuttig")
        events = db.session.scalars(
            select(IntroductionEvent)
            .where(IntroductionEvent.introduction_id == intro.id)
            .order_by(IntroductionEvent.id)
        ).all()
        assert [(e.from_state, e.to_state, e.actor.email) for e in events] == [
            (None, "requested", "mentee@example.org"),
            ("requested", "accepted", "mentor@example.org"),
            ("accepted", "completed", "mentee@example.org"),
        ]
        assert all(e.created_at is not None for e in events)
        assert intro.response == "Graag!" and intro.rating == 5 and intro.feedback == "Heel nuttig"
        assert intro.responded_at is not None and intro.completed_at is not None


@pytest.mark.parametrize("rating", [0, 6, "vijf", 4.5, True])
def test_rating_must_be_1_to_5(people, rating):
    with people.app_context():
        intro = new_intro()
        transition(intro, "accept", user("mentor@example.org"))
        with pytest.raises(ValidationError):
            transition(intro, "complete", user("mentee@example.org"), rating=rating)
        db.session.rollback()
        assert intro.state == "accepted"


def test_unknown_action(people):
    with people.app_context():
        with pytest.raises(TransitionError):
            transition(new_intro(), "explode", user("admin@example.org"))


def test_one_open_introduction_per_pair(people):
    with people.app_context():
        new_intro()
        with pytest.raises(TransitionError):
            new_intro()


def test_a_declined_pair_may_ask_again(people):
    with people.app_context():
        transition(new_intro(), "decline", user("mentor@example.org"))
        assert new_intro().state == "requested"


def test_only_the_partnership_itself_may_ask(people):
    with people.app_context():
        with pytest.raises(NotAllowed):
            intro_service.request_introduction(
                P("nieuw-assessment"), P("beoordeling-west"), "", user("other@example.org")
            )


def test_message_length_is_limited(people):
    with people.app_context():
        with pytest.raises(ValidationError) as err:
            new_intro("x" * 2001)
        assert "message" in err.value.fields


@pytest.mark.parametrize(
    ("mentor_overrides", "code"),
    [
        ({"open_to_mentor": False}, "closed"),
        ({"founded": 2025}, "too_young"),
        ({"experiences": ""}, "no_experiences"),
        ({"mentor_capacity": 0}, "full"),
    ],
)
def test_ineligible_mentors_cannot_be_asked(people, mentor_overrides, code):
    with people.app_context():
        load(
            profile(
                key="beoordeling-west",
                **{**{k: v for k, v in MENTORS[0].items() if k != "key"}, **mentor_overrides},
            )
        )
        with pytest.raises(TransitionError) as err:
            new_intro()
        assert err.value.code == code


def test_rejected_pair_cannot_be_asked(people):
    with people.app_context():
        review_pair(
            P("nieuw-assessment"),
            P("beoordeling-west"),
            "rejected",
            "past niet",
            user("admin@example.org"),
        )
        with pytest.raises(TransitionError) as err:
            new_intro()
        assert err.value.code == "excluded"


def test_capacity_counts_open_introductions(people):
    with people.app_context():
        load(
            profile(
                key="beoordeling-west",
                **{**{k: v for k, v in MENTORS[0].items() if k != "key"}, "mentor_capacity": 1},
            )
        )
        new_intro()
        assert "beoordeling-west" not in [s.key for s in suggest("nieuw-starters")]
        with pytest.raises(TransitionError) as err:
            intro_service.request_introduction(
                P("nieuw-starters"),
                P("beoordeling-west"),
                "",
                user("admin@example.org"),
                by_admin=True,
            )
        assert err.value.code == "full"


def test_capacity_frees_up_when_an_introduction_ends(people):
    with people.app_context():
        load(
            profile(
                key="beoordeling-west",
                **{**{k: v for k, v in MENTORS[0].items() if k != "key"}, "mentor_capacity": 1},
            )
        )
        intro = new_intro()
        transition(intro, "accept", user("mentor@example.org"))
        assert "beoordeling-west" not in [s.key for s in suggest("nieuw-starters", limit=10)]
        transition(intro, "complete", user("mentor@example.org"))
        assert "beoordeling-west" in [s.key for s in suggest("nieuw-starters", limit=10)]


def test_admin_can_introduce_for_others(people):
    with people.app_context():
        intro = intro_service.request_introduction(
            P("nieuw-starters"), P("starters-oost"), "", user("admin@example.org"), by_admin=True
        )
        assert intro.by_admin and intro.state == "requested"
        with pytest.raises(NotAllowed):
            intro_service.request_introduction(
                P("nieuw-starters"), P("krimp-noord"), "", user("mentor@example.org"), by_admin=True
            )


# --- admin approval setting -------------------------------------------------------------------


def test_with_admin_approval_requests_wait_for_the_admin(people):
    people.config["REQUIRE_ADMIN_APPROVAL"] = True
    with people.app_context():
        intro = new_intro()
        assert intro.state == "awaiting_admin"
        _, incoming = intro_service.for_partnership(P("beoordeling-west"))
        assert incoming == []  # the mentor does not see it yet
        with pytest.raises(TransitionError):
            transition(intro, "accept", user("mentor@example.org"))
        db.session.rollback()
        with pytest.raises(NotAllowed):
            transition(intro, "approve", user("mentor@example.org"))
        db.session.rollback()
        transition(intro, "approve", user("admin@example.org"))
        assert intro.state == "requested"
        _, incoming = intro_service.for_partnership(P("beoordeling-west"))
        assert [i.id for i in incoming] == [intro.id]
        transition(intro, "accept", user("mentor@example.org"))
        assert intro.state == "accepted"


def test_with_admin_approval_the_admin_may_decline_and_the_mentee_withdraw(people):
    people.config["REQUIRE_ADMIN_APPROVAL"] = True
    with people.app_context():
        first = new_intro()
        transition(first, "withdraw", user("mentee@example.org"))
        second = new_intro()
        transition(second, "decline", user("admin@example.org"), note="Nog niet")
        assert (first.state, second.state) == ("withdrawn", "declined")


def test_a_request_awaiting_approval_is_not_the_mentors_yet(people, client):
    """Not by its id either: the mentor side neither sees nor declines it (nor through the API)."""
    from matchmaker.services import accounts

    people.config["REQUIRE_ADMIN_APPROVAL"] = True
    with people.app_context():
        intro = new_intro("Alleen voor de beheerder")
        intro_id, mentor = intro.id, user("mentor@example.org")
        assert not intro_service.can_view(mentor, intro)
        assert intro_service.allowed_actions(mentor, intro) == []
        with pytest.raises(NotAllowed, match="not yours"):
            transition(intro, "decline", mentor)
        db.session.rollback()
        _row, token = accounts.create_token(mentor, "script")
    login(client, "mentor@example.org")
    page = f"/introductions/{intro_id}"
    assert client.get(page).status_code == 404
    assert client.post(f"{page}/decline", data={}).status_code == 404
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/v1/introductions/{intro_id}", headers=headers).status_code == 404
    declined = client.post(f"/api/v1/introductions/{intro_id}/decline", json={}, headers=headers)
    assert declined.status_code == 404
    with people.app_context():
        assert intro_service.get_introduction(intro_id).state == "awaiting_admin"
        transition(intro_service.get_introduction(intro_id), "approve", user("admin@example.org"))
    assert client.get(page).status_code == 200  # once approved, it has reached the mentor


@pytest.mark.parametrize("end", ["decline", "withdraw"])
def test_a_request_ended_before_approval_never_reaches_the_mentor(people, client, end):
    """Declined by the admin or withdrawn while it waited: the mentor side never sees it, nor
    the admin's note, nor the conversation between the asking side and the admins."""
    from matchmaker.services import accounts, conversations

    people.config["REQUIRE_ADMIN_APPROVAL"] = True
    with people.app_context():
        intro = new_intro("Alleen voor de beheerder")
        conversations.post_message(intro, user("admin@example.org"), "Interne vraag")
        actor = "admin@example.org" if end == "decline" else "mentee@example.org"
        transition(intro, end, user(actor), note="Niet doen: interne reden")
        intro_id, mentor = intro.id, user("mentor@example.org")
        assert not intro_service.can_view(mentor, intro)
        assert intro_service.for_partnership(P("beoordeling-west"))[1] == []
        _row, token = accounts.create_token(mentor, "script")
    login(client, "mentor@example.org")
    assert client.get(f"/introductions/{intro_id}").status_code == 404
    assert "Alleen voor de beheerder" not in client.get("/introductions/").get_data(as_text=True)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get(f"/api/v1/introductions/{intro_id}", headers=headers).status_code == 404
    listed = client.get("/api/v1/introductions", headers=headers).get_json()
    assert intro_id not in [i["id"] for i in listed["items"]]
    messages = client.get(f"/api/v1/introductions/{intro_id}/messages", headers=headers)
    assert messages.status_code == 404


def test_after_approval_the_mentor_reads_only_what_came_after(people):
    from matchmaker.services import conversations

    people.config["REQUIRE_ADMIN_APPROVAL"] = True
    with people.app_context():
        intro = new_intro()
        conversations.post_message(intro, user("mentee@example.org"), "Alleen voor de beheerder")
        transition(intro, "approve", user("admin@example.org"))
        conversations.post_message(intro, user("mentee@example.org"), "Welkom, mentor")
        seen = {
            who: [m.body for m in conversations.messages_of(intro, user(who))]
            for who in ("mentor@example.org", "mentee@example.org", "admin@example.org")
        }
    assert seen["mentor@example.org"] == ["Welkom, mentor"]
    assert (
        seen["mentee@example.org"]
        == seen["admin@example.org"]
        == [
            "Alleen voor de beheerder",
            "Welkom, mentor",
        ]
    )


def test_admin_introductions_skip_approval(people):
    people.config["REQUIRE_ADMIN_APPROVAL"] = True
    with people.app_context():
        intro = intro_service.request_introduction(
            P("nieuw-starters"), P("starters-oost"), "", user("admin@example.org"), by_admin=True
        )
        assert intro.state == "requested"


# --- privacy of contact details ---------------------------------------------------------------

MENTOR_EMAIL = MENTORS[0]["contact"]["email"]
MENTEE_EMAIL = NEWCOMERS[0]["contact"]["email"]


def login(client, email):
    client.post("/logout")
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302


def assert_no_contacts_for_either_side(client, page: str) -> None:
    for who in ("mentee@example.org", "mentor@example.org"):
        login(client, who)
        html = client.get(page).get_data(as_text=True)
        assert MENTOR_EMAIL not in html and MENTEE_EMAIL not in html, who


def test_contacts_hidden_until_accepted_then_shared_with_both_only(people, client):
    with people.app_context():
        intro_id = new_intro().id
    page = f"/introductions/{intro_id}"
    assert_no_contacts_for_either_side(client, page)
    login(client, "mentor@example.org")
    assert client.post(f"{page}/accept", data={"note": "Welkom"}).status_code == 302
    for who in ("mentee@example.org", "mentor@example.org"):
        login(client, who)
        html = client.get(page).get_data(as_text=True)
        assert MENTOR_EMAIL in html and MENTEE_EMAIL in html
    login(client, "other@example.org")
    assert client.get(page).status_code == 404
    for url in (
        "/",
        "/partnerships/beoordeling-west",
        "/partnerships/nieuw-assessment",
        "/suggestions",
    ):
        html = client.get(url).get_data(as_text=True)
        assert MENTOR_EMAIL not in html and MENTEE_EMAIL not in html


def test_declined_introduction_shares_nothing(people, client):
    with people.app_context():
        intro = new_intro()
        transition(intro, "decline", user("mentor@example.org"))
        intro_id = intro.id
    login(client, "mentee@example.org")
    assert MENTOR_EMAIL not in client.get(f"/introductions/{intro_id}").get_data(as_text=True)


# --- through the web --------------------------------------------------------------------------


def test_web_flow_request_accept_complete(people, client):
    login(client, "mentee@example.org")
    html = client.get("/suggestions").get_data(as_text=True)
    assert 'data-key="beoordeling-west"' in html
    response = client.post(
        "/introductions/new/beoordeling-west",
        data={"message": "Wij willen leren van jullie rubric."},
    )
    assert response.status_code == 302
    detail = response.headers["Location"]
    assert "aangevraagd" in client.get("/suggestions").get_data(as_text=True)
    login(client, "mentor@example.org")
    assert "Nieuw Assessmentnetwerk" in client.get("/home").get_data(as_text=True)
    client.post(detail + "/accept", data={"note": "Graag"})
    client.post(detail + "/complete", data={"rating": "4", "feedback": "Nuttig"})
    html = client.get(detail).get_data(as_text=True)
    assert "afgerond" in html and "4/5" in html


def test_web_refuses_bad_actions(people, client):
    with people.app_context():
        intro_id = new_intro().id
    login(client, "mentee@example.org")
    assert client.post(f"/introductions/{intro_id}/accept", data={}).status_code == 403
    assert client.post(f"/introductions/{intro_id}/explode").status_code == 404
    assert client.get(f"/introductions/{intro_id}/accept").status_code == 405
    assert client.get("/introductions/999999").status_code == 404


def test_dismissed_mentor_is_hidden_for_that_partnership_only(people, client):
    login(client, "mentee@example.org")
    client.post("/suggestions/beoordeling-west/dismiss")
    html = client.get("/suggestions").get_data(as_text=True)
    assert 'data-key="beoordeling-west"' not in html
    assert "Toch weer voorstellen" in html
    with people.app_context():
        assert "beoordeling-west" in [s.key for s in suggest("nieuw-starters", limit=10)]
    client.post("/suggestions/beoordeling-west/restore")
    assert 'data-key="beoordeling-west"' in client.get("/suggestions").get_data(as_text=True)


def test_suggestion_filters(people, client):
    login(client, "mentee@example.org")
    html = client.get("/suggestions?sector=po").get_data(as_text=True)
    assert 'data-key="krimp-noord"' in html and 'data-key="beoordeling-west"' not in html


# --- email --------------------------------------------------------------------------------------


def test_emails_on_request_and_acceptance(people, smtp_server):
    host, port, inbox = smtp_server
    people.config.update(SMTP_HOST=host, SMTP_PORT=port, MAIL_DELIVER_AFTER_COMMIT=True)
    with people.app_context():
        intro = new_intro("Graag kennismaken")
        request_mail = inbox.to("mentor@example.org")
        assert len(request_mail) == 1 and "Graag kennismaken" in request_mail[0]["body"]
        assert MENTOR_EMAIL in request_mail[0]["to"]  # the partnership's contact address too
        assert MENTOR_EMAIL not in inbox.to("mentee@example.org")  # not shared yet
        inbox.clear()
        transition(intro, "accept", user("mentor@example.org"))
        to_mentee = inbox.to("mentee@example.org")[0]["body"]
        to_mentor = inbox.to("mentor@example.org")[0]["body"]
        assert MENTOR_EMAIL in to_mentee and MENTEE_EMAIL in to_mentor


def test_admins_hear_about_requests_awaiting_approval(people, smtp_server):
    host, port, inbox = smtp_server
    people.config.update(
        SMTP_HOST=host, SMTP_PORT=port, MAIL_DELIVER_AFTER_COMMIT=True, REQUIRE_ADMIN_APPROVAL=True
    )
    with people.app_context():
        new_intro()
        assert inbox.to("admin@example.org") and not inbox.to("mentor@example.org")


def test_without_smtp_mail_is_written_to_files_in_development(people, caplog):
    people.config.update(
        MAIL_DELIVER_AFTER_COMMIT=True
    )  # the development default without SMTP_HOST
    with people.app_context():
        caplog.set_level("INFO", logger="matchmaker.services.mail")
        new_intro("Graag kennismaken")
    files = list((Path(people.config["MAIL_FILE_DIR"])).glob("*.eml"))
    assert len(files) == 1 and "Graag kennismaken" in files[0].read_text()
    assert "email written to" in caplog.text


def test_a_failing_mail_server_does_not_undo_the_request(people, caplog):
    people.config.update(
        SMTP_HOST="127.0.0.1", SMTP_PORT=1, MAIL_DELIVER_AFTER_COMMIT=True
    )  # nothing listens there
    with people.app_context():
        intro = new_intro()
        assert intro.id is not None and intro.state == "requested"
        kept = db.session.scalars(select(OutboxMessage)).all()
        assert (
            [m.state for m in kept] == ["pending"] and kept[0].attempts == 1 and kept[0].last_error
        )
    assert "could not send email" in caplog.text


# --- a partnership an admin deactivated ----------------------------------------------------------


def deactivate(key, active=False):
    profile_service.set_active(profile_service.get_partnership(key, include_inactive=True), active)


@pytest.mark.parametrize("gone", ["beoordeling-west", "nieuw-assessment"], ids=["mentor", "mentee"])
def test_a_deactivated_partnership_cannot_take_a_request_further(people, gone):
    from matchmaker.services import conversations

    with people.app_context():
        intro_id = new_intro().id
        deactivate(gone)
        intro = intro_service.get_introduction(intro_id)
        mentor, mentee, admin = (
            user("mentor@example.org"),
            user("mentee@example.org"),
            user("admin@example.org"),
        )
        assert intro_service.allowed_actions(mentor, intro) == (
            [] if gone == "beoordeling-west" else ["decline"]
        )
        with pytest.raises(TransitionError) as caught:
            transition(intro, "accept", mentor)
        assert caught.value.code == ("forbidden" if gone == "beoordeling-west" else "inactive")
        if gone == "beoordeling-west":
            assert "deactivated" in str(caught.value)
        with pytest.raises(TransitionError):  # neither side writes to a partnership that left
            conversations.post_message(intro, mentee, "Nog iemand daar?")
        with pytest.raises(TransitionError):
            conversations.post_message(intro, mentor, "Ja hoor")
        assert intro_service.get_introduction(intro_id).state == "requested"
        assert conversations.messages_of(intro) == []
        conversations.post_message(intro, admin, "Dit partnerschap is gestopt.")  # admins may
        if gone == "beoordeling-west":  # the asking side may still end its own request
            assert transition(intro, "withdraw", mentee).state == "withdrawn"
        else:
            assert transition(intro, "decline", mentor).state == "declined"


def test_contact_details_are_not_shared_with_or_from_a_deactivated_partnership(people, client):
    with people.app_context():
        intro = new_intro()
        transition(intro, "accept", user("mentor@example.org"))
        intro_id = intro.id
        deactivate("beoordeling-west")
    page = f"/introductions/{intro_id}"
    assert_no_contacts_for_either_side(client, page)
    login(client, "mentor@example.org")
    client.post(f"{page}/messages", data={"body": "Hallo"})
    with people.app_context():
        from matchmaker.services import conversations

        assert conversations.messages_of(intro_service.get_introduction(intro_id)) == []
    login(client, "admin@example.org")
    assert MENTOR_EMAIL in client.get(page).get_data(as_text=True)
    with people.app_context():
        deactivate("beoordeling-west", active=True)  # back in the programme: shared again
    login(client, "mentee@example.org")
    assert MENTOR_EMAIL in client.get(page).get_data(as_text=True)


def test_the_api_refuses_an_accept_for_a_deactivated_partnership(people, client):
    from matchmaker.services import accounts

    with people.app_context():
        intro_id = new_intro().id
        _row, token = accounts.create_token(user("mentor@example.org"), "script")
        deactivate("nieuw-assessment")
    headers = {"Authorization": f"Bearer {token}"}
    response = client.post(f"/api/v1/introductions/{intro_id}/accept", json={}, headers=headers)
    assert response.status_code == 409
    assert "no longer active" in response.json["error"]["message"]
    contact = client.get(f"/api/v1/introductions/{intro_id}", headers=headers).json
    assert contact["state"] == "requested" and MENTEE_EMAIL not in str(contact)
