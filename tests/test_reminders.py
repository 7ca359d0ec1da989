"""Reminders: the worker reminds a mentor once about an unanswered request, tells admins after
twice that, and asks both sides how it went after acceptance; each once, read over a real SMTP
server (aiosmtpd), even with two workers at once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from matchmaker.config import ConfigError, from_environment
from matchmaker.extensions import db
from matchmaker.models import OutboxMessage, Reminder, utcnow
from matchmaker.services import accounts, mail, reminders
from matchmaker.services import introductions as intro_service
from matchmaker.services import profiles as profile_service

from .conftest import make_user
from .live_server import free_port
from .test_outbox import smtp_on

PASSWORD = "correct horse battery"
MENTEE_ADDRESSES = ("mentee@example.org", "nieuw-assessment@example.org")
MENTOR_ADDRESSES = ("mentor@example.org", "beoordeling-west@example.org")


@pytest.fixture
def people(network):
    with network.app_context():
        make_user("mentee@example.org", partnership_key="nieuw-assessment")
        make_user("mentor@example.org", partnership_key="beoordeling-west")
        accounts.create_admin("admin@example.org", PASSWORD)
    return network


@pytest.fixture
def inbox(people):
    """A real SMTP server the app delivers to; the mail of setting things up is already read."""
    with smtp_on(free_port()) as received:
        people.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=received.port)
        yield received


def P(key):
    return profile_service.get_partnership(key)


def user(email):
    return accounts.find_user(email)


def request(
    app, mentee="nieuw-assessment", mentor="beoordeling-west", by="mentee@example.org"
) -> int:
    with app.app_context():
        actor = user(by)
        intro = intro_service.request_introduction(
            P(mentee), P(mentor), "Graag!", actor, by_admin=actor.is_admin
        )
        return intro.id


def act(app, intro_id: int, action: str, by: str) -> None:
    with app.app_context():
        intro_service.transition(intro_service.get_introduction(intro_id), action, user(by))


def settle(app, inbox) -> None:
    """Deliver what setting up queued (the request and acceptance mails) and forget it."""
    result = app.test_cli_runner().invoke(args=["send-mail"])
    assert result.exit_code == 0, result.output
    inbox.clear()


def worker_at(app, days: float) -> str:
    moment = (utcnow() + timedelta(days=days)).isoformat()
    result = app.test_cli_runner().invoke(args=["worker", "--once", "--now", moment])
    assert result.exit_code == 0, result.output
    return result.output


def addressed(inbox, addresses) -> list[dict]:
    return [m for m in inbox.messages if set(m["to"]) & set(addresses)]


def test_a_mentor_is_reminded_once_about_an_unanswered_request(people, inbox):
    intro_id = request(people)
    settle(people, inbox)

    assert "0 sent" in worker_at(people, 6)  # not yet due
    assert inbox.messages == []

    output = worker_at(people, 8)
    assert "1 sent" in output, output
    [reminder] = inbox.messages
    assert set(reminder["to"]) == set(MENTOR_ADDRESSES)
    assert (
        "wacht op uw antwoord" in reminder["subject"]
        and "Nieuw Assessmentnetwerk" in reminder["subject"]
    )
    assert f"http://localhost:5000/introductions/{intro_id}" in reminder["body"]
    assert (
        "7 dagen" in reminder["body"] and "7 days" not in reminder["body"]
    )  # Dutch: the mentor chose no language

    assert "0 sent" in worker_at(people, 8)  # the same moment again: nothing twice
    assert "0 sent" in worker_at(people, 10)
    assert len(inbox.messages) == 1
    with people.app_context():
        assert db.session.scalars(select(Reminder.kind)).all() == ["mentor_reminder"]


def test_admins_are_told_once_after_twice_the_reminder_days(people, inbox):
    intro_id = request(people)
    settle(people, inbox)
    worker_at(people, 8)
    inbox.clear()

    worker_at(people, 13)
    assert inbox.messages == []
    worker_at(people, 15)
    [told] = inbox.messages
    assert told["to"] == ["admin@example.org"]
    assert "onbeantwoord" in told["subject"] and "14 dagen" in told["body"]
    assert f"/introductions/{intro_id}" in told["body"]
    worker_at(people, 15)
    worker_at(people, 40)
    assert len(inbox.messages) == 1  # and the mentor was not reminded a second time


def test_an_answered_request_gets_no_reminder(people, inbox):
    declined = request(people)
    act(people, declined, "decline", "mentor@example.org")
    withdrawn = request(people, mentor="starters-oost")
    act(people, withdrawn, "withdraw", "mentee@example.org")
    settle(people, inbox)
    worker_at(people, 20)
    assert inbox.messages == []
    with people.app_context():
        assert db.session.scalar(select(func.count()).select_from(Reminder)) == 0


def test_an_approved_request_is_reminded_counting_from_the_approval(people, inbox):
    people.config["REQUIRE_ADMIN_APPROVAL"] = True
    intro_id = request(people)
    with people.app_context():
        intro = intro_service.get_introduction(intro_id)
        for event in intro.events:
            event.created_at -= timedelta(days=5)  # asked five days ago, approved just now
        intro.created_at -= timedelta(days=5)
        db.session.commit()
    act(people, intro_id, "approve", "admin@example.org")
    settle(people, inbox)
    worker_at(people, 3)
    assert inbox.messages == []
    worker_at(people, 7.5)
    assert len(addressed(inbox, MENTOR_ADDRESSES)) == 1


def test_both_sides_are_asked_how_it_went_once_after_acceptance(people, inbox):
    intro_id = request(people)
    act(people, intro_id, "accept", "mentor@example.org")
    settle(people, inbox)

    worker_at(people, 29)
    assert inbox.messages == []  # accepted in time: no reminders about the request either
    worker_at(people, 31)
    mentee_mail, mentor_mail = (
        addressed(inbox, MENTEE_ADDRESSES),
        addressed(inbox, MENTOR_ADDRESSES),
    )
    assert len(mentee_mail) == len(mentor_mail) == 1 and len(inbox.messages) == 2
    assert "Beoordelingsnetwerk West" in mentee_mail[0]["subject"]
    assert "Nieuw Assessmentnetwerk" in mentor_mail[0]["subject"]
    for message in inbox.messages:
        assert f"http://localhost:5000/introductions/{intro_id}" in message["body"]
        assert (
            "waardering" in message["body"] and "rating" not in message["body"]
        )  # one language per email
    worker_at(people, 31)
    worker_at(people, 90)
    assert len(inbox.messages) == 2


def test_a_completed_introduction_gets_no_followup(people, inbox):
    intro_id = request(people)
    act(people, intro_id, "accept", "mentor@example.org")
    act(people, intro_id, "complete", "mentee@example.org")
    settle(people, inbox)
    worker_at(people, 31)
    assert inbox.messages == []


def test_the_days_are_settings(people, inbox):
    people.config.update(REMINDER_DAYS=2, FOLLOWUP_DAYS=5)
    waiting = request(people)
    accepted = request(people, mentor="starters-oost")
    act(people, accepted, "accept", "admin@example.org")
    settle(people, inbox)
    worker_at(people, 3)
    assert len(addressed(inbox, MENTOR_ADDRESSES)) == 1 and not addressed(
        inbox, ["admin@example.org"]
    )
    worker_at(people, 6)
    assert len(addressed(inbox, ["admin@example.org"])) == 1
    assert len(addressed(inbox, MENTEE_ADDRESSES)) == 1  # the follow-up of the accepted one
    assert waiting != accepted


def test_settings_are_validated(tmp_path):
    config = from_environment(str(tmp_path), {})
    assert (config["REMINDER_DAYS"], config["FOLLOWUP_DAYS"]) == (7, 30)
    assert (
        from_environment(str(tmp_path), {"REMINDER_DAYS": "3", "FOLLOWUP_DAYS": "60"})[
            "FOLLOWUP_DAYS"
        ]
        == 60
    )
    for name in ("REMINDER_DAYS", "FOLLOWUP_DAYS"):
        for bad in ("0", "-1", "week", "1000"):
            with pytest.raises(ConfigError, match=name):
                from_environment(str(tmp_path), {name: bad})


def test_a_reminder_is_recorded_with_its_mail_or_not_at_all(people, monkeypatch):
    request(people)
    with people.app_context():
        db.session.query(OutboxMessage).delete()
        db.session.commit()

        def broken(*args, **kwargs):
            raise RuntimeError("template exploded")

        monkeypatch.setattr(
            "matchmaker.services.notifications.render_template", broken
        )  # where every email is rendered
        assert reminders.run_reminders(utcnow() + timedelta(days=8)) == 0
        assert db.session.scalar(select(func.count()).select_from(Reminder)) == 0
        monkeypatch.undo()
        assert reminders.run_reminders(utcnow() + timedelta(days=8)) == 1
        assert db.session.scalar(select(func.count()).select_from(Reminder)) == 1
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 1


@pytest.mark.race
def test_two_workers_at_once_send_each_reminder_once(people):
    ids = []
    with people.app_context():
        make_user("starters@example.org", partnership_key="nieuw-starters")
    for mentee, by in (
        ("nieuw-assessment", "mentee@example.org"),
        ("nieuw-starters", "starters@example.org"),
    ):
        for mentor in ("beoordeling-west", "starters-oost", "krimp-noord", "onderzoek-zuid"):
            ids.append(request(people, mentee=mentee, mentor=mentor, by=by))
    with people.app_context():
        db.session.query(OutboxMessage).delete()
        db.session.commit()
    now = utcnow() + timedelta(days=15)  # each request: one mentor reminder and one to the admins
    start, queued, errors = threading.Barrier(2), [0, 0], []

    def run(slot: int) -> None:
        try:
            with people.app_context():
                start.wait(timeout=30)
                queued[slot] = reminders.run_reminders(now)
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert sum(queued) == 2 * len(ids), queued
    with people.app_context():
        kinds = db.session.execute(select(Reminder.introduction_id, Reminder.kind)).all()
        assert sorted(kinds) == sorted(
            (i, k) for i in ids for k in ("mentor_reminder", "admin_unanswered")
        )
    with smtp_on(free_port()) as inbox, people.app_context():
        people.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=inbox.port)
        assert mail.deliver_due(now=now).sent == 2 * len(ids)
    assert len(inbox.to("admin@example.org")) == len(ids)
    assert len(inbox.to("mentor@example.org")) == 2  # its two requests, once each
    mails = [
        (m["body"], tuple(m["to"])) for m in inbox.messages
    ]  # each body links its introduction
    assert len(mails) == len(set(mails)) == 2 * len(ids)
