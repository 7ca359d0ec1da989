"""A team per partnership: coordinators edit and act, members read and follow; the last
coordinator cannot leave, be removed or be demoted — not even by two requests at once."""

from __future__ import annotations

from unittest.mock import patch

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from matchmaker.extensions import db
from matchmaker.models import Invitation, User
from matchmaker.services import accounts, invitations, team
from matchmaker.services import profiles as profile_service
from matchmaker.services.accounts import create_admin, find_user
from matchmaker.services.permissions import NotCoordinator, can_act_for, can_read_partnership
from matchmaker.services.validation import ValidationError

from .conftest import load, make_user, profile
from .test_races import race

PASSWORD = "correct horse battery"
KEY, OTHER = "team-noord", "team-zuid"
BOSS, SECOND, READER = "boss@example.org", "second@example.org", "reader@example.org"


@pytest.fixture
def crew(app):
    """Partnership KEY with one coordinator (BOSS) and a member (READER); another partnership."""
    with app.app_context():
        load(
            profile(
                key=KEY,
                name="Team Noord",
                challenges="Stagebegeleiding en beoordeling van studenten.",
            ),
            profile(
                key=OTHER,
                name="Team Zuid",
                experiences="Een gedeelde rubric voor stagebeoordeling.",
            ),
        )
        make_user(BOSS, partnership_key=KEY)
        make_user(READER, role="member", partnership_key=KEY)
    return app


def user(email: str) -> User:
    return find_user(email)


def partnership(key: str = KEY):
    return profile_service.get_partnership(key)


def login(app, email: str):
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return client


def join(app, email: str, role: str | None, by: str | None) -> None:
    """``email`` joins KEY through an invitation made by ``by`` (None: the command line)."""
    token = f"team-invitation-{email}-0123456789"
    with (
        app.app_context(),
        patch("matchmaker.services.invitations.secrets.token_urlsafe", return_value=token),
    ):
        invitations.invite(partnership(), email, by=user(by) if by else None, role=role)
    with app.app_context():
        invitations.accept(token, PASSWORD)


# --- roles -----------------------------------------------------------------------------------


def test_who_registers_a_partnership_is_its_coordinator(app):
    with app.app_context():
        new = accounts.register(
            "founder@example.org", PASSWORD, profile(key="nieuw-team", name="Nieuw Team")
        )
        assert new.role == "coordinator"
        assert make_user("operator-made@example.org", partnership_key=None).role == "member"


def test_an_invitation_carries_the_role_it_grants(crew):
    with crew.app_context():
        assert invitations.invite(partnership(), "by-cli@example.org").role == "coordinator"
        create_admin("admin@example.org", PASSWORD)
        assert (
            invitations.invite(
                partnership(), "by-admin@example.org", by=user("admin@example.org")
            ).role
            == "coordinator"
        )
        assert (
            invitations.invite(partnership(), "by-boss@example.org", by=user(BOSS)).role == "member"
        )
        assert (
            invitations.invite(
                partnership(), "boss-picks@example.org", by=user(BOSS), role="coordinator"
            ).role
            == "coordinator"
        )
        with pytest.raises(NotCoordinator):
            invitations.invite(partnership(), "by-reader@example.org", by=user(READER))
        with pytest.raises(NotCoordinator):  # a coordinator of another partnership
            invitations.invite(partnership(OTHER), "elsewhere@example.org", by=user(BOSS))
        with pytest.raises(ValidationError) as bad_role:
            invitations.invite(partnership(), "bad-role@example.org", by=user(BOSS), role="owner")
        assert "role" in bad_role.value.fields
        with pytest.raises(ValidationError) as no_address:  # a coordinator names the colleague
            invitations.invite(partnership(), None, by=user(BOSS))
        assert "email" in no_address.value.fields
    join(crew, "member-joins@example.org", None, by=BOSS)
    join(crew, "coordinator-joins@example.org", "coordinator", by=BOSS)
    with crew.app_context():
        assert user("member-joins@example.org").role == "member"
        assert user("coordinator-joins@example.org").role == "coordinator"


def test_the_rule_is_one_function(crew):
    with crew.app_context():
        p, other = partnership(), partnership(OTHER)
        create_admin("admin@example.org", PASSWORD)
        assert can_act_for(user(BOSS), p.id) and not can_act_for(user(BOSS), other.id)
        assert not can_act_for(user(READER), p.id) and can_read_partnership(user(READER), p.id)
        assert not can_read_partnership(user(READER), other.id)
        assert can_read_partnership(user("admin@example.org"), other.id) and not can_act_for(
            user("admin@example.org"), p.id
        )


# --- what a member may and may not do ---------------------------------------------------------


def test_a_member_reads_but_changes_nothing(crew):
    client = login(crew, READER)
    home = client.get("/home").get_data(as_text=True)
    assert "Team Noord" in home and "/profile/edit" not in home
    assert client.get("/suggestions").status_code == 200
    assert client.get("/team/").status_code == 200
    refused = client.get("/profile/edit")
    assert refused.status_code == 403 and "alleen een coördinator" in refused.get_data(as_text=True)
    assert client.post(f"/suggestions/{OTHER}/dismiss").status_code == 403
    assert client.get(f"/introductions/new/{OTHER}").status_code == 403
    api = client.put(
        "/api/v1/me/partnership", json={"name": "Anders", "sectors": ["vo"], "founded": 2012}
    )
    assert api.status_code == 403 and "coordinator" in api.get_json()["error"]["message"]
    made = client.post("/api/v1/introductions", json={"mentor": OTHER, "message": "hallo"})
    assert made.status_code == 403 and "coordinator" in made.get_json()["error"]["message"]
    me = client.get("/api/v1/me").get_json()
    assert me["role"] == "member" and me["can_act"] is False
    with crew.app_context():
        assert partnership().name == "Team Noord"


def test_a_members_token_reads_and_cannot_act(crew):
    with crew.app_context():
        _, token = accounts.create_token(user(READER), "dashboard")
    client = crew.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me/partnership", headers=headers).status_code == 200
    assert (
        client.put(
            "/api/v1/me/partnership",
            headers=headers,
            json={"name": "X", "sectors": ["vo"], "founded": 2012},
        ).status_code
        == 403
    )


def test_a_member_sees_introductions_and_their_contacts_but_cannot_answer(crew):
    with crew.app_context():
        make_user("zuid@example.org", partnership_key=OTHER)
        intro = intro_request()
        from matchmaker.services import introductions as intro_service

        intro_service.transition(intro, "accept", user("zuid@example.org"))
        intro_id = intro.id
    client = login(crew, READER)
    page = client.get(f"/introductions/{intro_id}")
    assert page.status_code == 200 and profile(key=OTHER)["contact"]["email"] in page.get_data(
        as_text=True
    )
    refused = client.post(f"/introductions/{intro_id}/complete", data={"rating": "5"})
    assert refused.status_code == 403 and "coördinator" in refused.get_data(as_text=True)
    api = client.get(f"/api/v1/introductions/{intro_id}").get_json()
    assert (
        api["actions"] == []
        and api["contacts"]["mentor"]["email"] == profile(key=OTHER)["contact"]["email"]
    )


def intro_request():
    from matchmaker.services import introductions as intro_service

    return intro_service.request_introduction(
        partnership(), partnership(OTHER), "Graag!", user(BOSS)
    )


# --- the team page ----------------------------------------------------------------------------


def test_team_page_lists_accounts_and_open_invitations(crew):
    client = login(crew, BOSS)
    response = client.post(
        "/team/invitations", data={"email": "nieuw@example.org", "role": "member"}
    )
    assert response.status_code == 302
    html = client.get("/team/").get_data(as_text=True)
    for text_ in (
        BOSS,
        READER,
        "nieuw@example.org",
        'data-role="coordinator"',
        'data-role="member"',
        "Een collega uitnodigen",
    ):
        assert text_ in html
    with crew.app_context():
        invitation = db.session.scalar(
            select(Invitation).where(Invitation.email == "nieuw@example.org")
        )
        assert invitation.role == "member" and invitation.created_by_id == user(BOSS).id
    assert client.post(f"/team/invitations/{invitation.id}/resend").status_code == 302
    assert client.post(f"/team/invitations/{invitation.id}/withdraw").status_code == 302
    assert 'id="team-invitations"' not in client.get("/team/").get_data(
        as_text=True
    )  # no open invitation left
    team_api = client.get("/api/v1/me/team").get_json()
    assert [a["email"] for a in team_api["accounts"]] == [BOSS, READER] and team_api[
        "can_act"
    ] is True
    reader_page = login(crew, READER).get("/team/").get_data(as_text=True)
    assert BOSS in reader_page and "Een collega uitnodigen" not in reader_page


@pytest.mark.parametrize(
    ("data", "field_message"),
    [
        ({"email": "geen-adres", "role": "member"}, 'id="email-error">is geen geldig e-mailadres'),
        ({"email": "ok@example.org", "role": "eigenaar"}, 'id="role-error">Ongeldige keuze'),
        ({"email": "", "role": "member"}, 'id="email-error">Dit veld is vereist'),
    ],
    ids=["bad-email", "bad-role", "no-email"],
)
def test_bad_invitations_name_the_field(crew, data, field_message):
    client = login(crew, BOSS)
    response = client.post("/team/invitations", data=data)
    assert response.status_code == 400 and field_message in response.get_data(as_text=True)
    with crew.app_context():
        assert db.session.scalar(select(Invitation)) is None


def test_an_invitation_of_another_partnership_is_not_found(crew):
    with crew.app_context():
        make_user("zuid@example.org", partnership_key=OTHER)
        theirs = invitations.invite(
            partnership(OTHER), "hunne@example.org", by=user("zuid@example.org")
        ).id
    client = login(crew, BOSS)
    assert client.post(f"/team/invitations/{theirs}/withdraw").status_code == 404
    assert client.post("/team/members/99999/role", data={"role": "member"}).status_code == 404


def test_change_role_and_the_last_coordinator(crew):
    client = login(crew, BOSS)
    with crew.app_context():
        boss_id, reader_id = user(BOSS).id, user(READER).id
    demote_self = client.post(f"/team/members/{boss_id}/role", data={"role": "member"})
    assert demote_self.status_code == 409 and "minstens één coördinator" in demote_self.get_data(
        as_text=True
    )
    assert client.post("/team/leave").status_code == 409
    with crew.app_context():
        with pytest.raises(team.TeamError):
            team.remove(None, user(BOSS))
        assert user(BOSS).role == "coordinator" and user(BOSS).active
    assert (
        client.post(f"/team/members/{reader_id}/role", data={"role": "coordinator"}).status_code
        == 302
    )
    assert client.post(f"/team/members/{boss_id}/role", data={"role": "member"}).status_code == 302
    with crew.app_context():
        assert user(BOSS).role == "member" and user(READER).role == "coordinator"
    # Now a member, BOSS can no longer manage the team (nor promote itself back).
    assert (
        client.post(f"/team/members/{boss_id}/role", data={"role": "coordinator"}).status_code
        == 403
    )
    with crew.app_context():
        with pytest.raises(NotCoordinator):
            team.change_role(user(BOSS), user(BOSS), "coordinator")
        with pytest.raises(ValidationError):
            team.change_role(user(READER), user(BOSS), "owner")


def test_removing_a_colleague_ends_its_sessions_and_tokens(crew):
    reader = login(crew, READER)
    with crew.app_context():
        _, token = accounts.create_token(user(READER), "script")
        reader_id = user(READER).id
    boss = login(crew, BOSS)
    assert boss.post(f"/team/members/{reader_id}/remove").status_code == 302
    assert reader.get("/home").status_code == 302  # to the log-in page: the session is gone
    assert (
        crew.test_client()
        .get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        .status_code
        == 401
    )
    assert (
        crew.test_client().post("/login", data={"email": READER, "password": PASSWORD}).status_code
        == 401
    )
    with crew.app_context():
        gone = user(READER)
        assert not gone.active and gone.role == "member" and gone.partnership_id == partnership().id
        assert READER not in [u.email for u in team.members_of(partnership())]
        with pytest.raises(ValidationError) as again:
            invitations.invite(partnership(), READER, by=user(BOSS))
        assert "deactivated" in again.value.fields["email"]


def test_a_member_may_leave(crew):
    client = login(crew, READER)
    response = client.post("/team/leave")
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    assert client.get("/home").status_code == 302
    with crew.app_context():
        assert not user(READER).active


def test_set_role_command(crew):
    runner = crew.test_cli_runner()
    result = runner.invoke(args=["set-role", READER, "coordinator"])
    assert result.exit_code == 0 and "coordinator" in result.output
    assert runner.invoke(args=["set-role", BOSS, "member"]).exit_code == 0
    last = runner.invoke(args=["set-role", READER, "member"])
    assert last.exit_code != 0 and "at least one coordinator" in last.output
    assert runner.invoke(args=["set-role", "nobody@example.org", "member"]).exit_code != 0
    assert runner.invoke(args=["set-role", READER, "owner"]).exit_code != 0


# --- two coordinators at once -----------------------------------------------------------------


ROUNDS = 6


@pytest.mark.race
@pytest.mark.parametrize("move", ["demote-each-other", "both-leave"])
def test_two_coordinators_at_once_never_leave_the_team_without_one(crew, move):
    """Two coordinators demote each other (or both leave) at the same moment: the partnership's
    row lock lets one through, the other is refused (403 or 409), and a coordinator remains."""
    for _ in range(ROUNDS):
        with crew.app_context():
            for email in (BOSS, SECOND):
                found = user(email)
                if found is None:
                    make_user(email, partnership_key=KEY)
                else:
                    found.role, found.active = "coordinator", True
            db.session.commit()
            ids = {email: user(email).id for email in (BOSS, SECOND)}
        first, second = login(crew, BOSS), login(crew, SECOND)
        if move == "demote-each-other":
            calls = (
                lambda: first.post(f"/team/members/{ids[SECOND]}/role", data={"role": "member"}),
                lambda: second.post(f"/team/members/{ids[BOSS]}/role", data={"role": "member"}),
            )
        else:
            calls = (lambda: first.post("/team/leave"), lambda: second.post("/team/leave"))
        statuses = sorted(r.status_code for r in race(*calls))
        assert statuses[0] == 302 and statuses[1] in (403, 409), statuses
        with crew.app_context():
            coordinators = db.session.scalars(
                select(User).where(
                    User.partnership_id == partnership().id,
                    User.role == "coordinator",
                    User.active.is_(True),
                )
            ).all()
            assert len(coordinators) == 1


# --- the migration ----------------------------------------------------------------------------


def test_team_roles_migration_upgrades_and_downgrades(empty_app):
    """8f1a2b3c4d93: partnership accounts become coordinators and invitations grant coordinator;
    downgrading gives members back (on SQLite and PostgreSQL alike)."""
    directory = empty_app.extensions["migrate"].directory
    with empty_app.app_context():
        upgrade(directory=directory, revision="6e3f4a5b7c82")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO partnership (id, key, name, founded, institutions, description, challenges, "
                    "experiences, open_to_mentor, mentor_capacity, active, version, created_at, updated_at) "
                    "VALUES (1, 'oud', 'Oud', 2001, '[]', '', '', '', true, 2, true, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
            for ident, email, role, pid in (
                (1, "lid@example.org", "member", 1),
                (2, "admin@example.org", "admin", None),
                (3, "los@example.org", "member", None),
            ):
                conn.execute(
                    text(
                        "INSERT INTO user_account (id, email, password_hash, role, partnership_id, active, "
                        "session_version, created_at, updated_at) VALUES (:i, :e, 'x', :r, :p, true, 1, "
                        "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {"i": ident, "e": email, "r": role, "p": pid},
                )
            conn.execute(
                text(
                    "INSERT INTO invitation (partnership_id, email, token_hash, created_at, sent_at, expires_at) "
                    "VALUES (1, 'nieuw@example.org', 'h', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
        upgrade(directory=directory, revision="8f1a2b3c4d93")
        with db.engine.begin() as conn:
            roles = dict(conn.execute(text("SELECT email, role FROM user_account")).all())
            assert roles == {
                "lid@example.org": "coordinator",
                "admin@example.org": "admin",
                "los@example.org": "member",
            }
            assert conn.execute(text("SELECT role FROM invitation")).scalar() == "coordinator"
        with pytest.raises(Exception):  # the database refuses unknown roles
            with db.engine.begin() as conn:
                conn.execute(text("UPDATE invitation SET role = 'admin'"))
        downgrade(directory=directory, revision="6e3f4a5b7c82")
        with db.engine.begin() as conn:
            assert (
                conn.execute(text("SELECT role FROM user_account WHERE id = 1")).scalar()
                == "member"
            )
        upgrade(directory=directory)  # and forward again to the newest revision


def test_a_coordinator_learns_only_that_an_address_cannot_be_invited(crew):
    """An account of another partnership and a deactivated one answer alike: no way to tell
    whose address it is, or whether it was deactivated; an own colleague is named as such."""
    with crew.app_context():
        make_user("zuid@example.org", partnership_key=OTHER)
        make_user("weg@example.org", partnership_key=OTHER).active = False
        db.session.commit()
    client = login(crew, BOSS)
    answers = {}
    for address in ("zuid@example.org", "weg@example.org", READER):
        response = client.post("/team/invitations", data={"email": address, "role": "member"})
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        answers[address] = html[html.index('id="email-error">') :].split("<", 1)[0]
    assert answers["zuid@example.org"] == answers["weg@example.org"]
    assert "gedeactiveerd" not in answers["weg@example.org"]
    assert answers[READER] != answers["zuid@example.org"] and "team" in answers[READER]
    with crew.app_context():
        assert db.session.scalar(select(Invitation)) is None
        with pytest.raises(ValidationError, match="deactivated"):  # an admin is told
            invitations.invite(
                partnership(), "weg@example.org", by=create_admin("a@example.org", PASSWORD)
            )


def test_inviting_colleagues_is_rate_limited(crew, database_url):
    from .conftest import second_app

    with second_app(database_url, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://") as app:
        client = login(app, BOSS)
        codes = [
            client.post(
                "/team/invitations", data={"email": f"collega{i}@example.org", "role": "member"}
            ).status_code
            for i in range(22)
        ]
    assert codes[:20] == [302] * 20 and codes[20:] == [429, 429]


def test_resending_invitations_counts_with_inviting(crew, database_url):
    from .conftest import second_app

    with second_app(database_url, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://") as app:
        client = login(app, BOSS)
        for i in range(19):
            client.post("/team/invitations", data={"email": f"c{i}@example.org", "role": "member"})
        with app.app_context():
            invitation_id = db.session.scalar(select(Invitation.id))
        resend = f"/team/invitations/{invitation_id}/resend"
        assert client.post(resend).status_code == 302
        assert client.post(resend).status_code == 429
