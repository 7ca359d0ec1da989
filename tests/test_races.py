"""Races that really happen: parallel requests on their own connections, released together.

Each round starts two or more requests at one barrier, each in its own thread with its own test
client, app context, session and database connection — on PostgreSQL (``TEST_DATABASE_URL``)
as in production, and on SQLite against one database file. Whatever the order the database lets
them through in, exactly one wins and the others get a clear 4xx: never both, never a lost
change, never a mail for the loser.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import OPEN_INTRO_STATES, Introduction, IntroductionEvent, Partnership
from matchmaker.services import importing
from matchmaker.services import introductions as intro_service
from matchmaker.services import profiles as profile_service
from matchmaker.services.accounts import find_user

from .conftest import MENTORS, NEWCOMERS, load, make_user, profile

pytestmark = pytest.mark.race

ROUNDS = 10
PASSWORD = "correct horse battery"
MENTOR_KEY = "beoordeling-west"


def race(*calls):
    """Run ``calls`` in threads released together by a barrier; their results, in order."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(run, call) for call in calls]
        return [future.result(timeout=120) for future in futures]


def signed_in(app, email):
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return client


@pytest.fixture
def pair(app):
    """A mentee and a mentor (capacity 2), each with a coordinator."""
    with app.app_context():
        load(*MENTORS, *NEWCOMERS)
        make_user("mentee@example.org", partnership_key="nieuw-assessment")
        make_user("mentor@example.org", partnership_key=MENTOR_KEY)
    return app


def new_request(app) -> int:
    with app.app_context():
        mentee = profile_service.get_partnership("nieuw-assessment")
        mentor = profile_service.get_partnership(MENTOR_KEY)
        return intro_service.request_introduction(
            mentee, mentor, "Hallo", find_user("mentee@example.org")
        ).id


def close(app, intro_id: int) -> None:
    """End an introduction so the pair may ask again (and capacity is free)."""
    with app.app_context():
        intro = intro_service.get_introduction(intro_id)
        actor = find_user("mentor@example.org")
        if intro.state == "accepted":
            intro_service.transition(intro, "complete", actor)
        elif intro.state == "requested":
            intro_service.transition(intro, "decline", actor)


def events(app, intro_id: int) -> list[tuple]:
    with app.app_context():
        rows = db.session.execute(
            select(IntroductionEvent.from_state, IntroductionEvent.to_state)
            .where(IntroductionEvent.introduction_id == intro_id)
            .order_by(IntroductionEvent.id)
        )
        return [tuple(row) for row in rows]


def state(app, intro_id: int) -> str:
    with app.app_context():
        return db.session.scalar(select(Introduction.state).where(Introduction.id == intro_id))


# --- accept ∥ withdraw ------------------------------------------------------------------------


def _api(client, intro_id, action):
    return lambda: client.post(f"/api/v1/introductions/{intro_id}/{action}", json={"note": ""})


def _web(client, intro_id, action):
    return lambda: client.post(f"/introductions/{intro_id}/{action}", data={"note": ""})


@pytest.mark.parametrize("via", [_api, _web], ids=["api", "web"])
def test_accept_and_withdraw_never_both_succeed(pair, smtp_server, via):
    host, port, inbox = smtp_server
    pair.config.update(SMTP_HOST=host, SMTP_PORT=port, MAIL_DELIVER_AFTER_COMMIT=True)
    mentor, mentee = signed_in(pair, "mentor@example.org"), signed_in(pair, "mentee@example.org")
    ok = 200 if via is _api else 302
    winners = []
    for _ in range(ROUNDS):
        intro_id = new_request(pair)
        inbox.clear()
        accepted, withdrawn = race(
            via(mentor, intro_id, "accept"), via(mentee, intro_id, "withdraw")
        )
        statuses = sorted([accepted.status_code, withdrawn.status_code])
        assert statuses == sorted([ok, 409]), statuses
        winner = "accepted" if accepted.status_code == ok else "withdrawn"
        winners.append(winner)
        assert state(pair, intro_id) == winner
        assert events(pair, intro_id) == [(None, "requested"), ("requested", winner)]
        mails = [m["subject"] for m in inbox.messages]
        if winner == "accepted":
            assert mails and all("geaccepteerd" in subject for subject in mails), (
                mails
            )  # Dutch: no account chose English
        else:
            assert mails == []  # withdrawing tells no one, and the losing accept sent nothing
        loser = withdrawn if winner == "accepted" else accepted
        if via is _api:
            assert loser.get_json()["error"]["code"] == "conflict"
        else:
            assert "Dat kan niet in de huidige stand van de kennismaking." in loser.get_data(
                as_text=True
            )
        close(pair, intro_id)
    assert len(winners) == ROUNDS


def test_two_mentors_accepting_at_once_record_one_acceptance(pair, smtp_server):
    """Two coordinators of the mentor press accept together: one acceptance, one set of mails."""
    host, port, inbox = smtp_server
    pair.config.update(SMTP_HOST=host, SMTP_PORT=port, MAIL_DELIVER_AFTER_COMMIT=True)
    with pair.app_context():
        make_user("mentor2@example.org", partnership_key=MENTOR_KEY)
    first, second = signed_in(pair, "mentor@example.org"), signed_in(pair, "mentor2@example.org")
    for _ in range(ROUNDS):
        intro_id = new_request(pair)
        inbox.clear()
        responses = race(_api(first, intro_id, "accept"), _api(second, intro_id, "accept"))
        assert sorted(r.status_code for r in responses) == [200, 409]
        assert events(pair, intro_id) == [(None, "requested"), ("requested", "accepted")]
        assert len(inbox.to("mentee@example.org")) == 1  # not two "accepted" mails
        close(pair, intro_id)


# --- capacity ----------------------------------------------------------------------------------

MENTEES = ["nieuw-assessment", "nieuw-starters", "nieuw-drie", "nieuw-vier"]


@pytest.fixture
def crowd(app):
    """Four newcomers, each with a coordinator, and a mentor with room for one."""
    with app.app_context():
        extra = [
            profile(
                key=key,
                name=f"Nieuw {key}",
                founded=2025,
                open_to_mentor=False,
                mentor_capacity=0,
                challenges="Onze stagebeoordeling verschilt per school.",
            )
            for key in MENTEES[2:]
        ]
        load(
            *[{**m, "mentor_capacity": 1} if m["key"] == MENTOR_KEY else m for m in MENTORS],
            *NEWCOMERS,
            *extra,
        )
        for key in MENTEES:
            make_user(f"{key}@example.org", partnership_key=key)
        make_user("mentor@example.org", partnership_key=MENTOR_KEY)
    return app


def open_requests(app) -> int:
    with app.app_context():
        mentor_id = db.session.scalar(select(Partnership.id).where(Partnership.key == MENTOR_KEY))
        return db.session.scalar(
            select(func.count()).where(
                Introduction.mentor_id == mentor_id, Introduction.state.in_(OPEN_INTRO_STATES)
            )
        )


def test_parallel_requests_never_exceed_capacity(crowd):
    clients = [signed_in(crowd, f"{key}@example.org") for key in MENTEES]
    for _ in range(ROUNDS):
        responses = race(
            *[
                (
                    lambda c=c: c.post(
                        "/api/v1/introductions", json={"mentor": MENTOR_KEY, "message": "Graag"}
                    )
                )
                for c in clients
            ]
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [201, 409, 409, 409], statuses
        assert {r.get_json()["error"]["code"] for r in responses if r.status_code == 409} == {
            "conflict"
        }
        assert open_requests(crowd) == 1
        (created,) = [r.get_json()["id"] for r in responses if r.status_code == 201]
        close(crowd, created)
        assert open_requests(crowd) == 0


def test_parallel_requests_through_the_web_never_exceed_capacity(crowd):
    clients = [signed_in(crowd, f"{key}@example.org") for key in MENTEES]
    for _ in range(ROUNDS):
        responses = race(
            *[
                (lambda c=c: c.post(f"/introductions/new/{MENTOR_KEY}", data={"message": "Graag"}))
                for c in clients
            ]
        )
        assert all(r.status_code == 302 for r in responses)
        made = [r for r in responses if "/introductions/" in r.headers["Location"]]
        assert len(made) == 1 and open_requests(crowd) == 1
        refused = [r for r in responses if r not in made]
        assert all(r.headers["Location"].endswith("/suggestions") for r in refused)
        close(crowd, int(made[0].headers["Location"].rstrip("/").rsplit("/", 1)[1]))


# --- profile edits -----------------------------------------------------------------------------


@pytest.fixture
def editors(app):
    """Two coordinators of one partnership."""
    with app.app_context():
        load(*MENTORS)
        make_user("one@example.org", partnership_key=MENTOR_KEY)
        make_user("two@example.org", partnership_key=MENTOR_KEY)
    return app


def stored(app) -> dict:
    with app.app_context():
        return profile_service.to_record(profile_service.get_partnership(MENTOR_KEY))


def test_parallel_api_edits_with_one_etag_keep_one_and_refuse_the_other(editors):
    one, two = signed_in(editors, "one@example.org"), signed_in(editors, "two@example.org")
    body = {k: v for k, v in MENTORS[0].items() if k != "key"}
    for n in range(ROUNDS):
        etag = one.get("/api/v1/me/partnership").headers["ETag"]
        first, second = race(
            lambda: one.put(
                "/api/v1/me/partnership",
                json={**body, "region": f"Utrecht, Eerste {n}"},
                headers={"If-Match": etag},
            ),
            lambda: two.put(
                "/api/v1/me/partnership",
                json={**body, "description": f"Tweede {n}"},
                headers={"If-Match": etag},
            ),
        )
        assert sorted([first.status_code, second.status_code]) == [200, 412]
        won, lost = (first, second) if first.status_code == 200 else (second, first)
        assert lost.get_json()["error"]["code"] == "precondition_failed"
        assert won.headers["ETag"] != etag
        record = stored(editors)
        if won is first:
            assert (record["region"], record["description"]) == (
                f"Utrecht, Eerste {n}",
                body["description"],
            )
        else:
            assert (record["region"], record["description"]) == (body["region"], f"Tweede {n}")


def _form(record: dict, version: str, **changes) -> dict:
    data = {
        "name": record["name"],
        "sectors": record["sectors"],
        "province": (record["region"] or "").partition(",")[0],
        "place": (record["region"] or "").partition(",")[2].strip(),
        "founded": str(record["founded"]),
        "schools_count": str(record["schools_count"] or ""),
        "institutions": "\n".join(record["institutions"]),
        "description": record["description"],
        "challenges": record["challenges"],
        "experiences": record["experiences"],
        "open_to_mentor": "y" if record["open_to_mentor"] else "",
        "mentor_capacity": str(record["mentor_capacity"]),
        "contact_name": record["contact"]["name"],
        "contact_email": record["contact"]["email"],
        "version": version,
    }
    if "region" in changes:  # the form has a province select and a place
        province, _sep, place = changes.pop("region").rpartition(",")
        changes.update(
            province=province.strip() or (record["region"] or "").partition(",")[0],
            place=place.strip(),
        )
    data.update(changes)
    return data


def test_parallel_form_edits_keep_one_and_tell_the_other(editors):
    import re

    one, two = signed_in(editors, "one@example.org"), signed_in(editors, "two@example.org")
    for n in range(ROUNDS):
        page = one.get("/profile/edit").get_data(as_text=True)
        version = re.search(
            r'name="version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="version"', page
        )
        version = next(v for v in version.groups() if v)
        record = stored(editors)
        first, second = race(
            lambda: one.post(
                "/profile/edit", data=_form(record, version, region=f"Utrecht, Eerste {n}")
            ),
            lambda: two.post(
                "/profile/edit", data=_form(record, version, challenges=f"Tweede wijziging {n}")
            ),
        )
        assert sorted([first.status_code, second.status_code]) == [302, 409]
        won, lost = (first, second) if first.status_code == 302 else (second, first)
        html = lost.get_data(as_text=True)
        assert "Iemand anders heeft dit profiel intussen opgeslagen" in html
        # The loser's own text is still in the form, nothing typed is lost.
        assert (f'value="Eerste {n}"' if lost is first else f"Tweede wijziging {n}") in html
        after = stored(editors)
        if won is first:
            assert (
                after["region"] == f"Utrecht, Eerste {n}"
                and after["challenges"] == record["challenges"]
            )
        else:
            assert (
                after["challenges"] == f"Tweede wijziging {n}"
                and after["region"] == record["region"]
            )


# --- the same rules, one step at a time ------------------------------------------------------


def test_a_transition_based_on_a_stale_read_changes_nothing_and_sends_nothing(pair, smtp_server):
    """What the loser of a race sees: its read said "requested", the database says otherwise."""
    host, port, inbox = smtp_server
    pair.config.update(SMTP_HOST=host, SMTP_PORT=port, MAIL_DELIVER_AFTER_COMMIT=True)
    intro_id = new_request(pair)
    inbox.clear()
    with pair.app_context():
        intro = intro_service.get_introduction(intro_id)
        assert intro.state == "requested"  # read, and kept in this session
        with pair.app_context():  # another request, another session, withdraws meanwhile
            other = intro_service.get_introduction(intro_id)
            intro_service.transition(other, "withdraw", find_user("mentee@example.org"))
        with pytest.raises(intro_service.TransitionError) as refused:
            intro_service.transition(intro, "accept", find_user("mentor@example.org"))
        assert refused.value.code == "conflict" and "withdrawn" in str(refused.value)
        assert intro.state == "withdrawn"
    assert events(pair, intro_id) == [(None, "requested"), ("requested", "withdrawn")]
    assert inbox.messages == []


def test_api_profile_has_an_etag_and_a_stale_if_match_gets_412(editors):
    client = signed_in(editors, "one@example.org")
    body = {k: v for k, v in MENTORS[0].items() if k != "key"}
    first = client.get("/api/v1/me/partnership")
    assert first.status_code == 200 and first.get_json()["key"] == MENTOR_KEY
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    saved = client.put(
        "/api/v1/me/partnership", json={**body, "region": "Utrecht"}, headers={"If-Match": etag}
    )
    assert saved.status_code == 200 and saved.headers["ETag"] != etag
    assert client.get("/api/v1/me/partnership").headers["ETag"] == saved.headers["ETag"]
    stale = client.put(
        "/api/v1/me/partnership", json={**body, "region": "Zeeland"}, headers={"If-Match": etag}
    )
    assert stale.status_code == 412
    assert stale.headers["ETag"] == saved.headers["ETag"]  # what to read again
    assert stale.get_json()["error"]["code"] == "precondition_failed"
    assert stored(editors)["region"] == "Utrecht"
    weak = client.put(
        "/api/v1/me/partnership", json=body, headers={"If-Match": f"W/{saved.headers['ETag']}"}
    )
    assert weak.status_code == 412  # If-Match compares strongly
    several = client.put(
        "/api/v1/me/partnership",
        json={**body, "region": "Drenthe"},
        headers={"If-Match": f'"v999", {saved.headers["ETag"]}'},
    )
    assert several.status_code == 200


@pytest.mark.parametrize("headers", [{}, {"If-Match": "*"}], ids=["without", "star"])
def test_api_profile_edit_without_a_version_replaces_as_before(editors, headers):
    """The documented rule for clients that send no If-Match: the PUT replaces the profile."""
    client = signed_in(editors, "one@example.org")
    body = {k: v for k, v in MENTORS[0].items() if k != "key"}
    response = client.put(
        "/api/v1/me/partnership", json={**body, "region": "Friesland"}, headers=headers
    )
    assert response.status_code == 200 and response.headers["ETag"]
    assert stored(editors)["region"] == "Friesland"


def test_a_stale_form_keeps_what_was_typed_and_says_what_is_stored_now(editors):
    import re

    one, two = signed_in(editors, "one@example.org"), signed_in(editors, "two@example.org")
    page = one.get("/profile/edit").get_data(as_text=True)
    version = re.search(r'id="version" name="version" type="hidden" value="(\d+)"', page).group(1)
    record = stored(editors)
    assert (
        two.post(
            "/profile/edit", data=_form(record, version, region="Eerst opgeslagen")
        ).status_code
        == 302
    )
    response = one.post(
        "/profile/edit", data=_form(record, version, challenges="Mijn nieuwe uitdaging")
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Iemand anders heeft dit profiel intussen opgeslagen." in html
    assert "Mijn nieuwe uitdaging" in html  # what was typed is still in the form
    assert "Eerst opgeslagen" in html  # and what is stored now is shown beside it
    assert stored(editors)["challenges"] == record["challenges"]  # nothing written
    newer = re.search(r'id="version" name="version" type="hidden" value="(\d+)"', html).group(1)
    assert int(newer) > int(version)
    # Saving again on purpose, from the form as shown, keeps this editor's version.
    again = one.post("/profile/edit", data=_form(record, newer, challenges="Mijn nieuwe uitdaging"))
    assert again.status_code == 302
    assert stored(editors)["challenges"] == "Mijn nieuwe uitdaging"


@pytest.mark.parametrize("version", ["", "abc", "0", "99999999999999999999"])
def test_a_form_without_a_usable_version_is_not_saved_blindly(editors, version):
    client = signed_in(editors, "one@example.org")
    record = stored(editors)
    response = client.post("/profile/edit", data=_form(record, version, region="Blind"))
    assert response.status_code == 409
    assert stored(editors)["region"] == record["region"]


def test_an_import_that_changes_a_profile_makes_open_edits_stale(editors):
    # A partnership with a team is imported onto only under one of its own accounts' addresses.
    record = {**MENTORS[0], "contact": {"name": "Een", "email": "one@example.org"}}
    with editors.app_context():
        load(record)
    client = signed_in(editors, "one@example.org")
    etag = client.get("/api/v1/me/partnership").headers["ETag"]
    with editors.app_context():
        load(record)  # unchanged: the version stays
    assert client.get("/api/v1/me/partnership").headers["ETag"] == etag
    with editors.app_context():
        load({**record, "region": "Flevoland"})
    assert client.get("/api/v1/me/partnership").headers["ETag"] != etag
    body = {k: v for k, v in MENTORS[0].items() if k != "key"}
    assert (
        client.put("/api/v1/me/partnership", json=body, headers={"If-Match": etag}).status_code
        == 412
    )


# --- import ∥ import --------------------------------------------------------------------------


def test_two_imports_creating_the_same_partnerships_leave_one_writer_and_a_clear_409(
    app, monkeypatch
):
    """Both find the keys free; the second INSERT waits for the first transaction and then fails
    on the unique key: it answers 409 naming the keys and writes nothing (no 500, no half
    import). One that starts after the winner committed simply updates."""
    from matchmaker.services import accounts, change_log

    with app.app_context():
        admin = make_user("admin@example.org", role="admin")
        tokens = [accounts.create_token(admin, f"script {i}")[1] for i in range(2)]
    note_written = change_log.note_written

    def slow_note(keys, session=None):  # hold the transaction open after the INSERT a moment
        note_written(keys, session)
        threading.Event().wait(0.5)

    monkeypatch.setattr(importing, "note_written", slow_note)
    conflicts = 0
    for r in range(3):
        keys = [f"race-{r}-a", f"race-{r}-b"]
        document = {"partnerships": [profile(key=k) for k in keys]}

        def post(token):
            client = app.test_client()
            headers = {"Authorization": f"Bearer {token}"}
            return lambda: client.post("/api/v1/admin/import", json=document, headers=headers)

        responses = race(post(tokens[0]), post(tokens[1]))
        statuses = sorted(response.status_code for response in responses)
        assert statuses in ([200, 200], [200, 409]), [resp.json for resp in responses]
        ok = [resp.json for resp in responses if resp.status_code == 200]
        assert sum(body["created"] for body in ok) == 2
        for response in responses:
            if response.status_code == 409:
                conflicts += 1
                assert all(k in response.json["error"]["message"] for k in keys)
        with app.app_context():
            stored = select(func.count()).where(Partnership.key.in_(keys))
            assert db.session.scalar(stored) == 2
    assert conflicts >= 1  # the INSERTs did overlap, and the loser said so


# --- deactivate ∥ accept ----------------------------------------------------------------------


def test_an_accept_racing_a_deactivation_waits_for_it_and_is_refused(pair):
    """The admin's deactivation of the mentor is written but not yet committed when its
    coordinator accepts: the accept waits for the partnership's row, reads it again and is
    refused; no contact details are shared with a partnership that has left."""
    import time

    from sqlalchemy import update

    from matchmaker.models import Partnership

    intro_id = new_request(pair)
    written = threading.Event()

    def deactivate():
        with pair.app_context():
            db.session.execute(
                update(Partnership).where(Partnership.key == MENTOR_KEY).values(active=False)
            )
            written.set()
            time.sleep(0.5)  # the accept arrives while this transaction is open
            db.session.commit()
            return "deactivated"

    def accept():
        assert written.wait(timeout=10)
        time.sleep(0.1)
        with pair.app_context():
            intro = intro_service.get_introduction(intro_id)
            try:
                intro_service.transition(intro, "accept", find_user("mentor@example.org"))
            except intro_service.TransitionError as exc:
                return exc.code
            return "accepted"

    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.submit(deactivate), pool.submit(accept)
        assert (first.result(timeout=60), second.result(timeout=60)) == ("deactivated", "inactive")
    assert state(pair, intro_id) == "requested"
