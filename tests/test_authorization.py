"""Every route × every kind of caller: allowed or denied, and contact details never leak.

A route missing from MATRIX fails ``test_every_route_is_in_the_matrix``: no new route goes
unchecked. Outcomes: OK (the request reached the feature: 2xx, a redirect that is not to the
log-in page, or a 400/409/422 about the input), LOGIN (401 or a redirect to log in), FORBID
(403) and MISSING (404: the thing is not visible to this caller).
"""

from __future__ import annotations

import re
from datetime import date

import pytest

from unittest.mock import patch

from matchmaker.services import accounts
from matchmaker.services import invitations
from matchmaker.services import introductions as intro_service
from matchmaker.services import practice_sessions
from matchmaker.services import profiles as profile_service
from matchmaker.services import stories
from matchmaker.services.accounts import create_admin, find_user

from .conftest import MENTORS, NEWCOMERS, make_user

PASSWORD = "correct horse battery"
OK, LOGIN, FORBID, MISSING = "ok", "login", "forbid", "missing"
PERSONAS = (
    "anon",
    "b",
    "mem",
    "a2",
    "a",
    "m",
    "admin",
)  # the order matters: callers share the data of one route
EMAILS = {
    "a": "a@example.org",
    "a2": "a2@example.org",
    "b": "b@example.org",
    "m": "m@example.org",
    "admin": "admin@example.org",
    "mem": "mem@example.org",
}
# Partnership A is new and was introduced to mentor M (accepted); B is another newcomer. A2 is a
# second account of A, joined through an invitation: it may do whatever A may, unless said otherwise.
# MEM is a read-only member of A's team (invited by A's coordinator): it reads what A reads and is
# refused (403) wherever A would change something.
A, B, M, OTHER = "nieuw-assessment", "nieuw-starters", "beoordeling-west", "starters-oost"
CONTACT = {
    "a": NEWCOMERS[0]["contact"]["email"],
    "b": NEWCOMERS[1]["contact"]["email"],
    "m": MENTORS[0]["contact"]["email"],
}


def expect(anon=OK, a=OK, b=OK, m=OK, admin=OK, a2=None, mem=None):
    return {
        "anon": anon,
        "a": a,
        "a2": a if a2 is None else a2,
        "b": b,
        "m": m,
        "admin": admin,
        "mem": a if mem is None else mem,
    }


PUBLIC = expect()
SIGNED_IN = expect(anon=LOGIN)
MEMBER = expect(anon=LOGIN)  # an admin without a partnership is sent on to the admin pages
ADMIN_ONLY = expect(anon=LOGIN, a=FORBID, b=FORBID, m=FORBID)
API_MEMBER = expect(anon=LOGIN, admin=MISSING)  # the admin account has no partnership of its own
INTRO_PARTIES = expect(anon=LOGIN, b=MISSING)
COORDINATORS = expect(
    anon=LOGIN, mem=FORBID
)  # a partnership's page that changes something: not for members
API_COORDINATORS = expect(anon=LOGIN, admin=MISSING, mem=FORBID)
INTRO_ACTORS = expect(anon=LOGIN, b=MISSING, mem=FORBID)
TEAM_OF_A = expect(
    anon=LOGIN, b=MISSING, m=MISSING, mem=FORBID
)  # A's invitations and accounts: A's coordinators

SESSION_OF_M = expect(
    anon=LOGIN, a=FORBID, b=FORBID, mem=FORBID
)  # M's session: M's coordinators change it
API_SESSION_OF_M = expect(anon=LOGIN, a=FORBID, b=FORBID, mem=FORBID, admin=MISSING)
SIGNED_UP_A = expect(
    anon=LOGIN, b=MISSING, mem=FORBID, a2=OK, a=MISSING, m=MISSING
)  # a2 signs A off first
SESSION_BODY = {
    "title": "Meekijken",
    "kind": "visit",
    "place": "Haarlem",
    "capacity": 5,
    "starts_at": f"{date.today().year + 1}-03-01T10:00",
    "ends_at": f"{date.today().year + 1}-03-01T12:00",
}

# (endpoint, method) -> (url, body, expectations). Bodies go as form data, or as JSON for /api/.
MATRIX = {
    ("static", "GET"): ("/static/style.css", None, PUBLIC),
    ("health.healthz", "GET"): ("/healthz", None, PUBLIC),
    ("health.readyz", "GET"): ("/readyz", None, PUBLIC),  # 503 while the index is being built
    ("main.index", "GET"): ("/", None, PUBLIC),
    ("main.partnership", "GET"): (f"/partnerships/{A}", None, PUBLIC),
    ("main.language", "POST"): ("/language", {"lang": "en"}, PUBLIC),
    ("search.index", "GET"): ("/zoeken?q=beoordeling+van+stagiairs", None, PUBLIC),
    ("auth.register", "GET"): ("/register", None, PUBLIC),
    ("auth.register", "POST"): ("/register", {"email": "x"}, PUBLIC),
    ("auth.check_email", "GET"): ("/register/sent", None, PUBLIC),
    # The claim form answers everyone alike: on to the log-in page with a notice.
    ("auth.claim", "POST"): (
        "/register/claim",
        {"claim-partnership": B},
        expect(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    ),
    # A bad or used invitation link sends everyone to the log-in page with an explanation.
    ("auth.accept_invitation", "GET"): (
        "/invitation/not-a-valid-invitation-token",
        None,
        expect(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    ),
    ("auth.accept_invitation", "POST"): (
        "/invitation/not-a-valid-invitation-token",
        {"password": PASSWORD},
        expect(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    ),
    # A bad link sends everyone to the log-in page with an explanation.
    ("auth.confirm_email", "GET"): (
        "/register/confirm/not-a-token",
        None,
        expect(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    ),
    ("auth.login", "GET"): ("/login", None, PUBLIC),
    ("auth.login", "POST"): ("/login", {"email": "nobody@example.org", "password": "x"}, SIGNED_IN),
    ("auth.logout", "POST"): ("/logout", {}, PUBLIC),
    ("auth.forgot_password", "GET"): ("/password/forgot", None, PUBLIC),
    ("auth.forgot_password", "POST"): (
        "/password/forgot",
        {"email": "nobody@example.org"},
        expect(LOGIN, LOGIN, LOGIN, LOGIN, LOGIN),
    ),
    ("auth.reset_password", "GET"): ("/password/reset/not-a-token", None, PUBLIC),
    ("auth.reset_password", "POST"): ("/password/reset/not-a-token", {"password": "x"}, PUBLIC),
    ("auth.change_password", "GET"): ("/account/password", None, SIGNED_IN),
    ("auth.change_password", "POST"): (
        "/account/password",
        {"current_password": "wrong one"},
        SIGNED_IN,
    ),
    ("auth.tokens", "GET"): ("/account/tokens", None, SIGNED_IN),
    ("auth.tokens", "POST"): ("/account/tokens", {"name": "matrix"}, SIGNED_IN),
    ("auth.revoke_token", "POST"): (
        "/account/tokens/{token_id}/revoke",
        {},
        expect(anon=LOGIN, b=MISSING, m=MISSING, admin=MISSING, a2=MISSING, mem=MISSING),
    ),
    ("web.home", "GET"): ("/home", None, MEMBER),
    ("web.edit_profile", "GET"): ("/profile/edit", None, COORDINATORS),
    ("web.edit_profile", "POST"): ("/profile/edit", {"name": ""}, COORDINATORS),
    ("web.suggestions", "GET"): ("/suggestions", None, MEMBER),
    ("web.dismiss", "POST"): (f"/suggestions/{OTHER}/dismiss", {}, COORDINATORS),
    ("web.restore", "POST"): (f"/suggestions/{OTHER}/restore", {}, COORDINATORS),
    ("intros.index", "GET"): ("/introductions/", None, MEMBER),
    ("intros.new", "GET"): (f"/introductions/new/{OTHER}", None, COORDINATORS),
    ("intros.new", "POST"): (f"/introductions/new/{OTHER}", {"message": "hallo"}, COORDINATORS),
    ("intros.detail", "GET"): ("/introductions/{intro_id}", None, INTRO_PARTIES),
    ("intros.act", "POST"): (
        "/introductions/{intro_id}/withdraw",
        {},
        expect(anon=LOGIN, b=MISSING, m=FORBID, mem=FORBID),
    ),
    ("intros.post_message", "POST"): (
        "/introductions/{intro_id}/messages",
        {"body": "Een vraag vooraf"},
        INTRO_ACTORS,
    ),
    # The team: everyone of a partnership sees it; A's coordinators manage A's (admins are sent to the admin pages).
    ("team.index", "GET"): ("/team/", None, MEMBER),
    ("team.invite", "POST"): (
        "/team/invitations",
        {"email": "colleague-x@example.org"},
        COORDINATORS,
    ),
    ("team.invitation_resend", "POST"): (
        "/team/invitations/{a_invitation_id}/resend",
        {},
        TEAM_OF_A,
    ),
    ("team.invitation_withdraw", "POST"): (
        "/team/invitations/{a_invitation_id}/withdraw",
        {},
        TEAM_OF_A,
    ),
    ("team.change_role", "POST"): (
        "/team/members/{a3_user_id}/role",
        {"role": "coordinator"},
        TEAM_OF_A,
    ),
    # a2 removes A's third account first; for a it is then gone.
    ("team.remove", "POST"): (
        "/team/members/{a3_user_id}/remove",
        {},
        expect(anon=LOGIN, b=MISSING, m=MISSING, mem=FORBID, a=MISSING, a2=OK),
    ),
    # Everyone may leave; the last coordinator (b, then a after a2 left, m) is refused with 409.
    ("team.leave", "POST"): ("/team/leave", {}, MEMBER),
    # Stories: everyone reads the list; a members-only story of A is hidden from visitors only;
    # A's coordinators write A's (admins are sent to the admin pages). a2 deletes first; for a it is then gone.
    ("stories.index", "GET"): ("/stories?tip=1", None, PUBLIC),
    ("stories.detail", "GET"): (
        f"/partnerships/{A}/stories/{{a_members_story_id}}",
        None,
        expect(anon=MISSING),
    ),
    ("stories.mine", "GET"): ("/profile/stories", None, MEMBER),
    ("stories.new", "GET"): ("/profile/stories/new", None, COORDINATORS),
    ("stories.new", "POST"): ("/profile/stories/new", {"title": ""}, COORDINATORS),
    ("stories.edit", "GET"): (
        "/profile/stories/{a_story_id}/edit",
        None,
        expect(anon=LOGIN, b=MISSING, m=MISSING, mem=FORBID),
    ),
    ("stories.edit", "POST"): (
        "/profile/stories/{a_story_id}/edit",
        {"title": ""},
        expect(anon=LOGIN, b=MISSING, m=MISSING, mem=FORBID),
    ),
    ("stories.delete", "POST"): (
        "/profile/stories/{a_story_id}/delete",
        {},
        expect(anon=LOGIN, b=MISSING, m=MISSING, mem=FORBID, a=MISSING, a2=OK),
    ),
    ("admin.dashboard", "GET"): ("/admin/", None, ADMIN_ONLY),
    ("admin.review", "GET"): ("/admin/review", None, ADMIN_ONLY),
    ("admin.decide", "POST"): (f"/admin/review/{B}/{OTHER}/endorsed", {"note": "goed"}, ADMIN_ONLY),
    ("admin.introduce", "POST"): (f"/admin/review/{B}/{OTHER}/introduce", {"note": ""}, ADMIN_ONLY),
    ("admin.introductions", "GET"): ("/admin/introductions", None, ADMIN_ONLY),
    ("admin.partnerships", "GET"): ("/admin/partnerships", None, ADMIN_ONLY),
    ("admin.partnership", "GET"): (f"/admin/partnerships/{B}", None, ADMIN_ONLY),
    ("admin.invite", "POST"): (
        f"/admin/partnerships/{B}/invitations",
        {"email": "colleague-b@example.org"},
        ADMIN_ONLY,
    ),
    ("admin.invitation_resend", "POST"): (
        "/admin/invitations/{invitation_id}/resend",
        {},
        ADMIN_ONLY,
    ),
    ("admin.invitation_withdraw", "POST"): (
        "/admin/invitations/{invitation_id}/withdraw",
        {},
        ADMIN_ONLY,
    ),
    ("admin.partnership_active", "POST"): (
        f"/admin/partnerships/{B}/active",
        {"active": "1"},
        ADMIN_ONLY,
    ),
    ("admin.users", "GET"): ("/admin/users", None, ADMIN_ONLY),
    ("admin.user_active", "POST"): ("/admin/users/{b_user_id}/active", {"active": "1"}, ADMIN_ONLY),
    ("admin.resend_mail", "POST"): ("/admin/mail/999/resend", {}, ADMIN_ONLY),
    # Development without SMTP only (a 404 in production, tests/test_outbox.py): the mail written to files.
    ("devmail.index", "GET"): ("/dev/mail/", None, PUBLIC),
    ("devmail.message", "GET"): (
        "/dev/mail/none.eml",
        None,
        expect(anon=MISSING, a=MISSING, b=MISSING, m=MISSING, admin=MISSING),
    ),
    ("programme.cohort_page", "GET"): ("/admin/cohort", None, ADMIN_ONLY),
    ("programme.cohort_propose", "POST"): ("/admin/cohort", {}, ADMIN_ONLY),
    ("programme.cohort_apply", "POST"): ("/admin/cohort/apply", {}, ADMIN_ONLY),
    ("programme.unmet_needs", "GET"): ("/admin/unmet-needs", None, ADMIN_ONLY),
    ("programme.reports_page", "GET"): ("/admin/reports", None, ADMIN_ONLY),
    ("programme.chart_svg", "GET"): ("/admin/reports/funnel.svg", None, ADMIN_ONLY),
    ("programme.chart_csv", "GET"): ("/admin/reports/funnel.csv", None, ADMIN_ONLY),
    ("api-docs.openapi_json", "GET"): ("/api/v1/openapi.json", None, PUBLIC),
    ("api_docs.docs", "GET"): ("/api/v1/docs", None, PUBLIC),
    ("api.list_partnerships", "GET"): ("/api/v1/partnerships?sector=vo", None, PUBLIC),
    ("api.search", "GET"): ("/api/v1/search?q=beoordeling+van+stagiairs", None, PUBLIC),
    ("api.get_partnership", "GET"): (f"/api/v1/partnerships/{M}", None, PUBLIC),
    ("api.partnership_suggestions", "GET"): (f"/api/v1/partnerships/{A}/suggestions", None, PUBLIC),
    ("api.me", "GET"): ("/api/v1/me", None, SIGNED_IN),
    ("api.own_profile", "GET"): ("/api/v1/me/partnership", None, API_MEMBER),
    ("api.update_partnership", "PUT"): (
        "/api/v1/me/partnership",
        {"name": "Nieuwe naam", "sectors": ["vo"], "founded": 2012},
        API_COORDINATORS,
    ),
    ("api.my_team", "GET"): ("/api/v1/me/team", None, API_MEMBER),
    ("api.my_suggestions", "GET"): ("/api/v1/me/suggestions", None, API_MEMBER),
    ("api.list_introductions", "GET"): ("/api/v1/introductions", None, SIGNED_IN),
    ("api.create_introduction", "POST"): (
        "/api/v1/introductions",
        {"mentor": OTHER},
        API_COORDINATORS,
    ),
    ("api.get_introduction", "GET"): ("/api/v1/introductions/{intro_id}", None, INTRO_PARTIES),
    ("api.accept", "POST"): (
        "/api/v1/introductions/{intro_id}/accept",
        {},
        expect(anon=LOGIN, a=FORBID, b=MISSING),
    ),
    ("api.decline", "POST"): (
        "/api/v1/introductions/{intro_id}/decline",
        {},
        expect(anon=LOGIN, a=FORBID, b=MISSING),
    ),
    ("api.withdraw", "POST"): (
        "/api/v1/introductions/{intro_id}/withdraw",
        {},
        expect(anon=LOGIN, b=MISSING, m=FORBID, mem=FORBID),
    ),
    ("api.approve", "POST"): (
        "/api/v1/introductions/{intro_id}/approve",
        {},
        expect(anon=LOGIN, a=FORBID, b=MISSING, m=FORBID),
    ),
    ("api.complete", "POST"): (
        "/api/v1/introductions/{intro_id}/complete",
        {"rating": 4},
        INTRO_ACTORS,
    ),
    ("api.list_messages", "GET"): (
        "/api/v1/introductions/{intro_id}/messages",
        None,
        INTRO_PARTIES,
    ),
    ("api.post_message", "POST"): (
        "/api/v1/introductions/{intro_id}/messages",
        {"body": "Een vraag vooraf"},
        INTRO_ACTORS,
    ),
    ("api.admin_introduce", "POST"): (
        "/api/v1/admin/introductions",
        {"mentee": B, "mentor": OTHER},
        ADMIN_ONLY,
    ),
    ("api.list_reviews", "GET"): ("/api/v1/admin/reviews", None, ADMIN_ONLY),
    ("api.review", "POST"): (
        "/api/v1/admin/reviews",
        {"mentee": B, "mentor": OTHER, "decision": "endorsed"},
        ADMIN_ONLY,
    ),
    ("api.export", "GET"): ("/api/v1/admin/export", None, ADMIN_ONLY),
    ("api.import_profiles", "POST"): ("/api/v1/admin/import", {"partnerships": []}, ADMIN_ONLY),
    # Praktijk-in-zicht sessions: M offers {session_id}; A is signed up for it already.
    ("sessions.index", "GET"): ("/sessies", None, PUBLIC),
    ("sessions.detail", "GET"): ("/sessies/{session_id}", None, PUBLIC),
    ("sessions.ics", "GET"): ("/sessions/{session_id}.ics", None, PUBLIC),
    ("sessions.new", "GET"): (
        "/sessies/nieuw",
        None,
        COORDINATORS,
    ),  # A and B, too young: sent back to the list
    ("sessions.new", "POST"): ("/sessies/nieuw", {"title": ""}, COORDINATORS),
    ("sessions.edit", "GET"): ("/sessies/{session_id}/bewerken", None, SESSION_OF_M),
    ("sessions.edit", "POST"): ("/sessies/{session_id}/bewerken", {"title": ""}, SESSION_OF_M),
    ("sessions.cancel", "POST"): ("/sessies/{session_id}/afgelasten", {}, SESSION_OF_M),
    ("sessions.sign_up", "POST"): (
        "/sessies/{session_id}/aanmelden",
        {},
        COORDINATORS,
    ),  # A already, M its own: 409
    ("sessions.sign_off", "POST"): ("/sessies/{session_id}/afmelden", {}, SIGNED_UP_A),
    ("api.list_sessions", "GET"): ("/api/v1/sessions", None, PUBLIC),
    ("api.get_session", "GET"): ("/api/v1/sessions/{session_id}", None, PUBLIC),
    ("api.create_session", "POST"): (
        "/api/v1/me/sessions",
        SESSION_BODY,
        API_COORDINATORS,
    ),  # A, B: too young (409)
    ("api.update_session", "PUT"): (
        "/api/v1/me/sessions/{session_id}",
        SESSION_BODY,
        API_SESSION_OF_M,
    ),
    ("api.cancel_session", "DELETE"): ("/api/v1/me/sessions/{session_id}", None, API_SESSION_OF_M),
    ("api.sign_up", "POST"): ("/api/v1/sessions/{session_id}/signup", {}, API_COORDINATORS),
    ("api.cancel_signup", "DELETE"): (
        "/api/v1/sessions/{session_id}/signup",
        None,
        {**SIGNED_UP_A, "admin": MISSING},
    ),
}


def app_routes(app) -> set[tuple[str, str]]:
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_route_is_in_the_matrix(app):
    routes = app_routes(app)
    assert sorted(routes - set(MATRIX)) == [], "add these routes to MATRIX"
    assert sorted(set(MATRIX) - routes) == [], "these MATRIX entries name no route"


def classify(response) -> str:
    status = response.status_code
    if status == 401 or (
        status in (301, 302, 303) and "/login" in response.headers.get("Location", "")
    ):
        return LOGIN
    if status == 403:
        return FORBID
    if status == 404:
        return MISSING
    if status == 503 and response.request.path == "/readyz":
        return OK  # "not ready yet" is the answer, not a failure
    assert status != 405 and status < 500, f"unexpected {status}"
    return OK


@pytest.fixture
def world(network):
    """The data every cell of the matrix starts from."""
    with network.app_context():
        for persona, key in (("a", A), ("b", B), ("m", M)):
            make_user(EMAILS[persona], partnership_key=key)
        create_admin(EMAILS["admin"], PASSWORD)
        # A's second account joins through an invitation, as on a real roll-out.
        with patch(
            "matchmaker.services.invitations.secrets.token_urlsafe",
            return_value="a2-invitation-token-0123456789",
        ):
            invitations.invite(profile_service.get_partnership(A), EMAILS["a2"])
        invitations.accept("a2-invitation-token-0123456789", PASSWORD)
        # MEM joins A's team as a read-only member, invited by A's coordinator.
        a_coordinator = find_user(EMAILS["a"])
        with patch(
            "matchmaker.services.invitations.secrets.token_urlsafe",
            return_value="mem-invitation-token-0123456789",
        ):
            invitations.invite(
                profile_service.get_partnership(A), EMAILS["mem"], by=a_coordinator, role="member"
            )
        invitations.accept("mem-invitation-token-0123456789", PASSWORD)
        a3 = make_user("a3@example.org", role="member", partnership_key=A)
        a_pending = invitations.invite(
            profile_service.get_partnership(A), "pending-a@example.org", by=a_coordinator
        )
        pending = invitations.invite(profile_service.get_partnership(B), "colleague-b@example.org")
        a_user = find_user(EMAILS["a"])
        intro = intro_service.request_introduction(
            profile_service.get_partnership(A), profile_service.get_partnership(M), "hallo", a_user
        )
        intro_service.transition(intro, "accept", find_user(EMAILS["m"]))
        token, _ = accounts.create_token(a_user, "a's token")
        ids = {
            "intro_id": intro.id,
            "token_id": token.id,
            "b_user_id": find_user(EMAILS["b"]).id,
            "invitation_id": pending.id,
            "a_invitation_id": a_pending.id,
            "a3_user_id": a3.id,
        }
        a_stories = [
            stories.create_story(
                profile_service.get_partnership(A),
                {
                    "title": f"Verhaal {visibility}",
                    "text": "Wat we probeerden.",
                    "tips": [1],
                    "outcome": "partly",
                    "visibility": visibility,
                },
                by=a_user,
            )
            for visibility in ("public", "members")
        ]
        ids.update(a_story_id=a_stories[0].id, a_members_story_id=a_stories[1].id)
        m_user = find_user(EMAILS["m"])
        session = practice_sessions.create_session(m_user.partnership, m_user, SESSION_BODY)
        practice_sessions.sign_up(session, profile_service.get_partnership(A), a_user)
        ids.update(session_id=session.id)
    return network, ids


def call(client, method, url, body):
    if url.startswith("/api/"):
        return client.open(url, method=method, json=body if method != "GET" else None)
    return client.open(url, method=method, data=body if method != "GET" else None)


@pytest.mark.parametrize("route", sorted(MATRIX), ids=lambda r: f"{r[0]}:{r[1]}")
def test_authorization_matrix_and_no_contact_leaks(world, route):
    app, ids = world
    url, body, expected = MATRIX[route]
    url = url.format(**ids)
    problems = []
    for persona in PERSONAS:
        client = app.test_client()
        if persona != "anon":
            assert (
                client.post(
                    "/login", data={"email": EMAILS[persona], "password": PASSWORD}
                ).status_code
                == 302
            )
        response = call(client, route[1], url, body)
        text = response.get_data(as_text=True)
        response.close()
        outcome = classify(response)
        if outcome != expected[persona]:
            problems.append(
                f"{persona}: expected {expected[persona]}, got {outcome} ({response.status_code})"
            )
        # Contact details only inside the accepted introduction A–M (admins manage them).
        hidden = {
            "anon": ("a", "b", "m"),
            "b": ("a", "m"),
            "a": ("b",),
            "a2": ("b",),
            "mem": ("b",),
            "m": ("b",),
            "admin": (),
        }[persona]
        for owner in hidden:
            if CONTACT[owner] in text:
                problems.append(f"{persona} saw the contact address of {owner}")
    assert problems == []


def test_contacts_reach_the_parties_of_the_accepted_introduction(world):
    app, ids = world
    client = app.test_client()
    client.post("/login", data={"email": EMAILS["a"], "password": PASSWORD})
    assert CONTACT["m"] in client.get(f"/introductions/{ids['intro_id']}").get_data(as_text=True)
    assert (
        client.get(f"/api/v1/introductions/{ids['intro_id']}").json["contacts"]["mentor"]["email"]
        == CONTACT["m"]
    )


def test_api_token_authenticates_and_revoked_token_does_not(world):
    app, ids = world
    with app.app_context():
        user = find_user(EMAILS["a"])
        _, token = accounts.create_token(user, "script")
        row = accounts.tokens_of(user)[0]
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).json["email"] == EMAILS["a"]
    assert (
        client.get("/api/v1/me", headers={"Authorization": "Bearer mm_not-a-token"}).status_code
        == 401
    )
    assert client.get("/api/v1/me", headers={"Authorization": "Basic abc"}).status_code == 401
    with app.app_context():
        accounts.revoke_token(find_user(EMAILS["a"]), row.id)
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_tokens_are_stored_hashed_and_shown_once(world):
    app, _ = world
    client = app.test_client()
    client.post("/login", data={"email": EMAILS["b"], "password": PASSWORD})
    html = client.post("/account/tokens", data={"name": "koppeling"}).get_data(as_text=True)
    token = re.search(r'id="new-token">(mm_[^<]+)<', html).group(1)
    assert token not in client.get("/account/tokens").get_data(as_text=True)
    with app.app_context():
        stored = accounts.tokens_of(find_user(EMAILS["b"]))[0]
        assert stored.token_hash != token and token not in stored.token_hash
