"""Praktijk-in-zicht sessions: offering, signing up (capacity, waiting list), the .ics, the emails
that carry it, the pages, the admin's report and the seeds."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import OutboxMessage, PracticeSession, SessionSignup
from matchmaker.services import mail_transport
from matchmaker.services import practice_sessions as service
from matchmaker.services.accounts import create_admin, find_user
from matchmaker.services.validation import ValidationError

from .conftest import MENTORS, NEWCOMERS, load, make_user, profile

AMS = ZoneInfo("Europe/Amsterdam")
PASSWORD = "correct horse battery"
ORGANISER = "beoordeling-west"  # founded 2010: experienced
NEXT_YEAR = date.today().year + 1
OTHERS = [f"deelnemer-{i}" for i in range(8)]


def last_sunday(year: int, month: int) -> date:
    day = date(year, month + 1, 1) - timedelta(days=1)
    return day - timedelta(days=(day.weekday() + 1) % 7)


def session_data(**overrides) -> dict:
    data = {
        "title": "Kijken bij een kalibratiesessie",
        "description": "U ziet hoe wij samen beoordelen met een rubric.",
        "kind": "visit",
        "starts_at": f"{NEXT_YEAR}-01-15T14:30",
        "ends_at": f"{NEXT_YEAR}-01-15T16:00",
        "place": "Schoolstraat 1, Haarlem",
        "online_url": "",
        "capacity": 3,
        "language": "nl",
    }
    data.update(overrides)
    return data


@pytest.fixture
def world(app):
    """The organiser (with a coordinator and a read-only member), a newcomer and eight others."""
    with app.app_context():
        load(*MENTORS, *NEWCOMERS, *(profile(key=k, name=f"Deelnemer {k}") for k in OTHERS))
        make_user("org@example.org", partnership_key=ORGANISER)
        make_user("reader@example.org", role="member", partnership_key=ORGANISER)
        make_user("new@example.org", partnership_key=NEWCOMERS[0]["key"])
        for key in OTHERS:
            make_user(f"{key}@example.org", partnership_key=key)
        create_admin("admin@example.org", PASSWORD)
    return app


def client_for(app, email):
    client = app.test_client()
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return client


def new_session(app, **overrides) -> int:
    with app.app_context():
        user = find_user("org@example.org")
        return service.create_session(user.partnership, user, session_data(**overrides)).id


def outbox(app, subject_part: str) -> list[OutboxMessage]:
    """Queued messages whose subject contains ``subject_part`` (Dutch: the recipients have no language set)."""
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [r for r in rows if subject_part in r.subject]


def states(app, session_id) -> dict[str, str]:
    with app.app_context():
        rows = db.session.scalars(
            select(SessionSignup).where(SessionSignup.session_id == session_id)
        )
        return {r.partnership.key: r.state for r in rows if r.state != "cancelled"}


# --- offering ------------------------------------------------------------------------------------


def test_create_through_the_api_in_amsterdam_time(world):
    client = client_for(world, "org@example.org")
    winter = client.post("/api/v1/me/sessions", json=session_data())
    assert winter.status_code == 201, winter.json
    assert winter.json["starts_at"] == f"{NEXT_YEAR}-01-15T14:30:00+01:00"
    summer = client.post(
        "/api/v1/me/sessions",
        json=session_data(starts_at=f"{NEXT_YEAR}-07-15T14:30", ends_at=f"{NEXT_YEAR}-07-15T16:00"),
    )
    assert summer.json["starts_at"] == f"{NEXT_YEAR}-07-15T14:30:00+02:00"
    with world.app_context():
        stored = {s.id: s.starts_at for s in db.session.scalars(select(PracticeSession))}
    assert stored[winter.json["id"]] == datetime(NEXT_YEAR, 1, 15, 13, 30, tzinfo=timezone.utc)
    assert stored[summer.json["id"]] == datetime(NEXT_YEAR, 7, 15, 12, 30, tzinfo=timezone.utc)
    listed = client.get("/api/v1/sessions").json
    assert [s["id"] for s in listed] == [winter.json["id"], summer.json["id"]]


SPRING_GAP = f"{last_sunday(NEXT_YEAR, 3).isoformat()}T02:30"


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "twee\nregels"}, "title"),
        ({"description": "x" * 5001}, "description"),
        ({"kind": "party"}, "kind"),
        ({"starts_at": "morgen"}, "starts_at"),
        ({"starts_at": "2001-01-01T10:00", "ends_at": "2001-01-01T11:00"}, "starts_at"),
        ({"starts_at": SPRING_GAP, "ends_at": f"{SPRING_GAP[:10]}T05:00"}, "starts_at"),
        ({"ends_at": f"{NEXT_YEAR}-01-15T14:00"}, "ends_at"),
        ({"ends_at": f"{NEXT_YEAR}-01-17T14:00"}, "ends_at"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": "veel"}, "capacity"),
        ({"capacity": True}, "capacity"),
        ({"kind": "online", "place": ""}, "online_url"),
        ({"online_url": "javascript:alert(1)"}, "online_url"),
        ({"place": ""}, "place"),
        ({"language": "de"}, "language"),
        # each of these answered 500 (OverflowError, ValueError) before
        ({"starts_at": "0001-01-01T00:00"}, "starts_at"),
        ({"starts_at": "0001-01-01T00:00+01:00"}, "starts_at"),
        ({"ends_at": "9999-12-31T23:59-01:00"}, "ends_at"),
        ({"capacity": "9" * 5000}, "capacity"),
        ({"capacity": "²"}, "capacity"),
        ({"online_url": "http://[::1"}, "online_url"),
        ({"online_url": "http://a.example:99999/x"}, "online_url"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(world, overrides, field):
    client = client_for(world, "org@example.org")
    response = client.post("/api/v1/me/sessions", json=session_data(**overrides))
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["fields"]
    with world.app_context():
        assert db.session.scalar(select(PracticeSession.id)) is None


def test_unknown_field_refused(world):
    response = client_for(world, "org@example.org").post(
        "/api/v1/me/sessions", json=session_data(price=10)
    )
    assert response.status_code == 422 and "price" in response.json["error"]["fields"]


def test_who_may_offer(world):
    assert (
        client_for(world, "reader@example.org")
        .post("/api/v1/me/sessions", json=session_data())
        .status_code
        == 403
    )
    assert (
        client_for(world, "new@example.org")
        .post("/api/v1/me/sessions", json=session_data())
        .status_code
        == 409
    )  # too young
    assert (
        client_for(world, "admin@example.org")
        .post("/api/v1/me/sessions", json=session_data())
        .status_code
        == 404
    )
    assert world.test_client().post("/api/v1/me/sessions", json=session_data()).status_code == 401


# --- signing up ----------------------------------------------------------------------------------


def test_signup_confirmed_then_waiting_and_errors(world):
    session_id = new_session(world, capacity=1)
    first, second = (
        client_for(world, "deelnemer-0@example.org"),
        client_for(world, "deelnemer-1@example.org"),
    )
    ok = first.post(f"/api/v1/sessions/{session_id}/signup")
    assert ok.status_code == 201 and ok.json["state"] == "confirmed"
    assert ok.json["session"]["online_url"] == ""  # a visit has none; confirmed may see it
    waiting = second.post(f"/api/v1/sessions/{session_id}/signup")
    assert waiting.status_code == 202 and waiting.json == {
        **waiting.json,
        "state": "waiting",
        "position": 1,
    }
    assert (
        first.post(f"/api/v1/sessions/{session_id}/signup").status_code == 409
    )  # already signed up
    assert (
        client_for(world, "org@example.org")
        .post(f"/api/v1/sessions/{session_id}/signup")
        .status_code
        == 409
    )  # own
    assert (
        client_for(world, "reader@example.org")
        .post(f"/api/v1/sessions/{session_id}/signup")
        .status_code
        == 403
    )
    assert first.post("/api/v1/sessions/999999/signup").status_code == 404
    assert (
        client_for(world, "deelnemer-2@example.org")
        .delete(f"/api/v1/sessions/{session_id}/signup")
        .status_code
        == 404
    )
    assert [m.recipients for m in outbox(world, "u bent aangemeld")] == [
        ["deelnemer-0@example.org"]
    ]


def test_cancellation_moves_the_first_waiting_one_up_and_mails_them(world):
    session_id = new_session(world, capacity=2)
    clients = [client_for(world, f"{k}@example.org") for k in OTHERS[:4]]
    codes = [c.post(f"/api/v1/sessions/{session_id}/signup").status_code for c in clients]
    assert codes == [201, 201, 202, 202]
    confirmations = outbox(world, "u bent aangemeld")
    assert len(confirmations) == 2 and all(
        m.calendar and "METHOD:REQUEST" in m.calendar for m in confirmations
    )
    assert all(m.calendar is None for m in outbox(world, "op de wachtlijst"))

    gone = clients[0].delete(f"/api/v1/sessions/{session_id}/signup")
    assert gone.status_code == 200 and gone.json["state"] == "cancelled"
    assert states(world, session_id) == {
        OTHERS[1]: "confirmed",
        OTHERS[2]: "confirmed",
        OTHERS[3]: "waiting",
    }
    moved = outbox(world, "u heeft een plaats")
    assert len(moved) == 1 and "deelnemer-2@example.org" in moved[0].recipients
    assert (
        "METHOD:REQUEST" in moved[0].calendar and "van de wachtlijst doorgeschoven" in moved[0].body
    )
    signed_off = outbox(world, "afgemeld:")
    assert (
        "deelnemer-0@example.org" in signed_off[0].recipients
        and "METHOD:CANCEL" in signed_off[0].calendar
    )
    assert clients[3].get(f"/api/v1/sessions/{session_id}").json["my_signup"] == {
        "state": "waiting",
        "position": 1,
    }

    # A waiting one who leaves frees no place: nobody moves up.
    clients[3].delete(f"/api/v1/sessions/{session_id}/signup")
    assert len(outbox(world, "u heeft een plaats")) == 1


def test_the_ics_parses_in_amsterdam_time_and_follows_changes(world):
    session_id = new_session(
        world, kind="online", place="", online_url="https://meet.example.org/kijk"
    )
    anon = world.test_client()
    response = anon.get(f"/sessions/{session_id}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    event = calendar.events[0]
    assert str(calendar["METHOD"]) == "REQUEST"
    assert event["DTSTART"].params["TZID"] == "Europe/Amsterdam"
    assert event.start == datetime(NEXT_YEAR, 1, 15, 14, 30, tzinfo=AMS)
    assert event.end == datetime(NEXT_YEAR, 1, 15, 16, 0, tzinfo=AMS)
    assert event.start.utcoffset() == timedelta(hours=1)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Amsterdam"]
    assert "meet.example.org" not in response.get_data(as_text=True)  # the link is for those coming
    uid = str(event["UID"])

    member = client_for(world, "deelnemer-0@example.org")
    member.post(f"/api/v1/sessions/{session_id}/signup")
    assert "meet.example.org/kijk" in member.get(f"/sessions/{session_id}.ics").get_data(
        as_text=True
    )

    org = client_for(world, "org@example.org")
    changed = org.put(
        f"/api/v1/me/sessions/{session_id}",
        json=session_data(
            kind="online",
            place="",
            online_url="https://meet.example.org/kijk",
            starts_at=f"{NEXT_YEAR}-07-01T09:00",
            ends_at=f"{NEXT_YEAR}-07-01T10:15",
        ),
    )
    assert changed.status_code == 200, changed.json
    update = outbox(world, "sessie gewijzigd")
    assert len(update) == 1 and "deelnemer-0@example.org" in update[0].recipients
    event = Calendar.from_ical(update[0].calendar).events[0]
    assert str(event["UID"]) == uid and event["SEQUENCE"] == 1
    assert event.start == datetime(
        NEXT_YEAR, 7, 1, 9, 0, tzinfo=AMS
    ) and event.start.utcoffset() == timedelta(hours=2)

    assert org.delete(f"/api/v1/me/sessions/{session_id}").status_code == 200
    cancelled = Calendar.from_ical(outbox(world, "sessie afgelast")[0].calendar)
    assert str(cancelled["METHOD"]) == "CANCEL" and str(cancelled.events[0]["UID"]) == uid
    assert (
        cancelled.events[0]["SEQUENCE"] == 2 and str(cancelled.events[0]["STATUS"]) == "CANCELLED"
    )
    assert (
        client_for(world, "deelnemer-1@example.org")
        .post(f"/api/v1/sessions/{session_id}/signup")
        .status_code
        == 409
    )
    assert anon.get("/api/v1/sessions").json == []


def test_capacity_changes(world):
    session_id = new_session(world, capacity=2)
    for key in OTHERS[:4]:
        client_for(world, f"{key}@example.org").post(f"/api/v1/sessions/{session_id}/signup")
    org = client_for(world, "org@example.org")
    lower = org.put(f"/api/v1/me/sessions/{session_id}", json=session_data(capacity=1))
    assert lower.status_code == 422 and "capacity" in lower.json["error"]["fields"]
    higher = org.put(f"/api/v1/me/sessions/{session_id}", json=session_data(capacity=3))
    assert (
        higher.status_code == 200 and higher.json["confirmed"] == 3 and higher.json["waiting"] == 1
    )
    assert [a["state"] for a in higher.json["attendees"]] == ["confirmed"] * 3 + ["waiting"]
    assert len(outbox(world, "u heeft een plaats")) == 1
    assert outbox(world, "sessie gewijzigd") == []  # capacity alone is the organiser's business
    other = client_for(world, "deelnemer-5@example.org")
    assert other.put(f"/api/v1/me/sessions/{session_id}", json=session_data()).status_code == 403
    assert other.get(f"/api/v1/sessions/{session_id}").json["attendees"] is None


def test_the_confirmation_arrives_with_the_ics_attached(world, smtp_server):
    host, port, inbox = smtp_server
    world.config.update(SMTP_HOST=host, SMTP_PORT=port, MAIL_DELIVER_AFTER_COMMIT=True)
    session_id = new_session(world)
    client_for(world, "deelnemer-0@example.org").post(f"/sessies/{session_id}/aanmelden")
    message = inbox.to("deelnemer-0@example.org")[0]
    assert "Er is een plaats voor u" in message["body"]
    parts = [
        p for p in message["message"].iter_attachments() if p.get_content_type() == "text/calendar"
    ]
    assert (
        len(parts) == 1
        and parts[0].get_param("method") == "REQUEST"
        and parts[0].get_filename() == "invite.ics"
    )
    event = Calendar.from_ical(parts[0].get_content()).events[0]
    assert event.start == datetime(NEXT_YEAR, 1, 15, 14, 30, tzinfo=AMS)


def test_compose_without_a_calendar_stays_plain(app):
    with app.app_context():
        row = OutboxMessage(
            recipients=["x@example.org"],
            subject="s",
            body="b",
            message_id="<1@x>",
            state="pending",
            attempts=0,
        )
        assert not mail_transport.compose(app.config, row).is_multipart()
        row.calendar = "BEGIN:VCALENDAR\r\nMETHOD:CANCEL\r\nEND:VCALENDAR\r\n"
        part = next(mail_transport.compose(app.config, row).iter_attachments())
        assert part.get_content_type() == "text/calendar" and part.get_param("method") == "CANCEL"


def test_service_refuses_changes_to_a_started_session(world):
    session_id = new_session(world)
    with world.app_context():
        session = db.session.get(PracticeSession, session_id)
        later = session.starts_at + timedelta(minutes=1)
        user = find_user("deelnemer-0@example.org")
        with pytest.raises(service.SessionError) as exc:
            service.sign_up(session, user.partnership, user, now=later)
        assert exc.value.code == "started"
        with pytest.raises(ValidationError):
            service.update_session(session, find_user("org@example.org"), session_data(), now=later)


# --- eight at once -------------------------------------------------------------------------------


def race(*calls):
    """Run ``calls`` in threads released together by a barrier (own client, own connection each)."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return [f.result(timeout=120) for f in [pool.submit(run, call) for call in calls]]


@pytest.mark.race
def test_eight_partnerships_at_once_for_three_places(world):
    session_id = new_session(world, capacity=3)
    clients = [client_for(world, f"{key}@example.org") for key in OTHERS]
    responses = race(
        *(lambda c=c: c.post(f"/api/v1/sessions/{session_id}/signup") for c in clients)
    )
    assert sorted(r.status_code for r in responses) == [201] * 3 + [202] * 5
    assert sorted(r.json["position"] for r in responses if r.status_code == 202) == [1, 2, 3, 4, 5]
    assert sorted(states(world, session_id).values()) == ["confirmed"] * 3 + ["waiting"] * 5
    assert (
        len(outbox(world, "u bent aangemeld")) == 3 and len(outbox(world, "op de wachtlijst")) == 5
    )


# --- pages ---------------------------------------------------------------------------------------


def test_pages_sign_up_and_off(world):
    session_id = new_session(world, capacity=1)
    anon = world.test_client()
    listing = anon.get("/sessies").get_data(as_text=True)
    assert "Kijken bij een kalibratiesessie" in listing and "14:30–16:00" in listing
    assert "Log in om u aan te melden" in anon.get(f"/sessies/{session_id}").get_data(as_text=True)
    member = client_for(world, "deelnemer-0@example.org")
    assert member.post(f"/sessies/{session_id}/aanmelden").status_code == 302
    page = member.get(f"/sessies/{session_id}").get_data(as_text=True)
    assert "Uw partnerschap is aangemeld" in page and "Afmelden" in page
    assert member.post(f"/sessies/{session_id}/aanmelden").status_code == 409
    waiting = client_for(world, "deelnemer-1@example.org")
    waiting.post(f"/sessies/{session_id}/aanmelden")
    assert "wachtlijst, plaats 1" in waiting.get(f"/sessies/{session_id}").get_data(as_text=True)
    organiser = (
        client_for(world, "org@example.org").get(f"/sessies/{session_id}").get_data(as_text=True)
    )
    assert (
        "Wie komt er" in organiser
        and "deelnemer-0@example.org" in organiser
        and "Deelnemer deelnemer-1" in organiser
    )
    assert "Wie komt er" not in waiting.get(f"/sessies/{session_id}").get_data(as_text=True)
    assert member.post(f"/sessies/{session_id}/afmelden").status_code == 302
    assert "Uw partnerschap is aangemeld" in waiting.get(f"/sessies/{session_id}").get_data(
        as_text=True
    )
    assert (
        client_for(world, "reader@example.org").post(f"/sessies/{session_id}/aanmelden").status_code
        == 403
    )


def test_organiser_form_shows_field_errors_and_saves(world):
    org = client_for(world, "org@example.org")
    assert org.get("/sessies/nieuw").status_code == 200
    bad = org.post("/sessies/nieuw", data={**session_data(), "ends_at": f"{NEXT_YEAR}-01-15T13:00"})
    assert bad.status_code == 400 and "moet na het begin liggen" in bad.get_data(as_text=True)
    good = org.post("/sessies/nieuw", data=session_data())
    assert good.status_code == 302
    session_id = int(good.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    form = org.get(f"/sessies/{session_id}/bewerken").get_data(as_text=True)
    assert f'value="{NEXT_YEAR}-01-15T14:30"' in form
    assert (
        org.post(
            f"/sessies/{session_id}/bewerken", data=session_data(title="Nieuwe titel")
        ).status_code
        == 302
    )
    assert org.post(f"/sessies/{session_id}/afgelasten").status_code == 302
    assert "Deze sessie is afgelast" in org.get(f"/sessies/{session_id}").get_data(as_text=True)
    assert (
        client_for(world, "new@example.org").get("/sessies/nieuw").status_code == 302
    )  # too young: back to the list
    assert client_for(world, "deelnemer-0@example.org").get(
        f"/sessies/{session_id}/bewerken"
    ).status_code in (403, 302)


def test_admin_report_lists_upcoming_sessions_and_signups(world):
    session_id = new_session(world, capacity=1)
    for key in OTHERS[:2]:
        client_for(world, f"{key}@example.org").post(f"/api/v1/sessions/{session_id}/signup")
    html = client_for(world, "admin@example.org").get("/admin/reports").get_data(as_text=True)
    section = html[html.index('id="sessions"') :]
    assert "Kijken bij een kalibratiesessie" in section and "Beoordelingsnetwerk West" in section
    assert '<td class="num full">1</td><td class="num">1</td>' in section


def test_seed_adds_upcoming_sessions_once(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert "Added 2 sessions" in result.output
    assert "Added 0 sessions" in runner.invoke(args=["seed"]).output
    with app.app_context():
        assert len(service.upcoming()) == 2
