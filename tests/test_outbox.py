"""The outbox: mail is written with the change that causes it and delivered by a worker, over a
real SMTP server (aiosmtpd), retrying with backoff for a day; several workers deliver each once."""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import OutboxMessage, utcnow
from matchmaker.services import accounts, mail

from .conftest import TEST_DATABASE_URL, _Inbox, make_user
from .live_server import free_port
from .test_auth import register_data

PASSWORD = "correct horse battery"


@contextmanager
def smtp_on(port: int, inbox: _Inbox | None = None):
    """A real SMTP server on 127.0.0.1:``port``; yields its inbox."""
    from aiosmtpd.controller import Controller

    inbox = inbox or _Inbox()
    inbox.port = port
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()


def rows(state: str | None = None) -> list[OutboxMessage]:
    stmt = select(OutboxMessage).order_by(OutboxMessage.id)
    if state:
        stmt = stmt.where(OutboxMessage.state == state)
    return list(db.session.scalars(stmt))


@pytest.fixture
def members(network):
    with network.app_context():
        make_user("mentee@example.org", partnership_key="nieuw-assessment")
        make_user("mentor@example.org", partnership_key="beoordeling-west")
        accounts.create_admin("admin@example.org", PASSWORD)
    return network


def queue_one(app, subject="Hallo", to="someone@example.org"):
    with app.app_context():
        assert mail.send(to, subject, "Een bericht met een link: http://localhost:5000/x")
        db.session.commit()


def test_send_only_queues_and_goes_with_the_transaction(app):
    with app.app_context():
        assert mail.send("a@example.org", "Weg", "body")
        db.session.rollback()
        assert rows() == []
        assert mail.send(["b@example.org", ""], "Blijft\nBcc: x@evil.example", "body")
        assert mail.send([], "Niemand", "body") is False
        db.session.commit()
        [row] = rows()
        assert (
            row.state == "pending"
            and row.recipients == ["b@example.org"]
            and "\n" not in row.subject
        )


def test_with_smtp_down_requests_answer_at_once_and_the_mail_waits_until_it_is_up(members, client):
    port = free_port()  # nothing listens here yet
    members.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    runner = members.test_cli_runner()

    started = time.monotonic()
    assert client.post("/register", data=register_data()).status_code == 302
    client.post("/login", data={"email": "mentee@example.org", "password": PASSWORD})
    assert (
        client.post("/introductions/new/beoordeling-west", data={"message": "Graag"}).status_code
        == 302
    )
    assert time.monotonic() - started < 5  # no request waited for SMTP
    with members.app_context():
        queued = rows()
        assert len(queued) == 2 and {m.state for m in queued} == {"pending"}
        assert all(m.attempts == 0 for m in queued)

    failed = runner.invoke(args=["send-mail"])
    assert failed.exit_code == 1 and "0 sent, 2 to retry" in failed.output, failed.output
    with members.app_context():
        assert [(m.state, m.attempts) for m in rows()] == [("pending", 1), ("pending", 1)]
        assert all("Connection refused" in m.last_error or "Errno" in m.last_error for m in rows())

    with smtp_on(port) as inbox:
        later = (utcnow() + timedelta(minutes=2)).isoformat()
        delivered = runner.invoke(args=["send-mail", "--now", later])
        assert delivered.exit_code == 0 and "2 sent" in delivered.output, delivered.output
        again = runner.invoke(args=["send-mail", "--now", later])
        assert "0 sent, 0 to retry, 0 failed" in again.output
    assert (
        len(inbox.to("coordinator@example.org")) == 1
        and "/register/confirm/" in inbox.to("coordinator@example.org")[0]["body"]
    )
    assert len(inbox.to("mentor@example.org")) == 1
    assert len({m["message"]["Message-ID"] for m in inbox.messages}) == len(inbox.messages) == 2
    with members.app_context():
        assert {m.state for m in rows()} == {"sent"} and all(m.sent_at for m in rows())


def test_retries_with_backoff_for_a_day_then_fails_and_shows_it_to_admins(members, client):
    members.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())
    queue_one(members, "Verloren bericht")
    with members.app_context():
        start = rows()[0].due_at
        now, waits = start, []
        for _ in range(100):
            if mail.deliver_due(now=now - timedelta(seconds=1)).attempted:  # not due yet: untouched
                pytest.fail("a message was tried before it was due")
            outcome = mail.deliver_due(now=now)
            assert outcome.attempted == 1
            db.session.expire_all()
            row = rows()[0]
            if row.state == "failed":
                break
            waits.append(round((row.due_at - now).total_seconds() / 60))
            now = row.due_at
        assert waits[:5] == [1, 5, 15, 60, 60]
        assert row.state == "failed" and row.attempts == len(waits) + 1
        assert timedelta(hours=23) <= now - start <= timedelta(days=1)
        assert mail.deliver_due(now=now + timedelta(days=2)).attempted == 0  # given up: left alone

    client.post("/login", data={"email": "admin@example.org", "password": PASSWORD})
    page = client.get("/admin/").get_data(as_text=True)
    assert "Verloren bericht" in page and "someone@example.org" in page
    assert client.post(f"/admin/mail/{row.id}/resend").status_code == 302
    assert "Verloren bericht" not in client.get("/admin/").get_data(as_text=True)
    with members.app_context():
        assert [(m.state, m.attempts) for m in rows()] == [("pending", 0)]
    with smtp_on(members.config["SMTP_PORT"]) as inbox, members.app_context():
        assert mail.deliver_due().sent == 1
    assert [m["subject"] for m in inbox.messages] == ["Verloren bericht"]


def test_members_cannot_resend(members, client):
    client.post("/login", data={"email": "mentee@example.org", "password": PASSWORD})
    assert client.post("/admin/mail/1/resend").status_code == 403


@pytest.mark.race
def test_two_workers_draining_one_outbox_deliver_each_message_once(app):
    count = 60
    with app.app_context():
        for i in range(count):
            mail.send(f"r{i}@example.org", f"Bericht {i}", "body")
        db.session.commit()
    with smtp_on(free_port()) as inbox:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=inbox.port)
        sent, errors = [0, 0], []

        def drain(slot: int) -> None:
            try:
                with app.app_context():
                    while (outcome := mail.deliver_due(limit=5)).attempted:
                        sent[slot] += outcome.sent
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=drain, args=(slot,)) for slot in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert not errors, errors
    assert sum(sent) == count
    if TEST_DATABASE_URL:
        assert all(sent), sent  # both workers took part (SKIP LOCKED: neither waited for the other)
    ids = [m["message"]["Message-ID"] for m in inbox.messages]
    assert len(ids) == len(set(ids)) == count
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(OutboxMessage.state == "sent")) == count


def test_without_smtp_development_writes_eml_files_and_lists_them(app, client):
    app.config.update(MAIL_DELIVER_AFTER_COMMIT=True)  # the development default without SMTP_HOST
    check = client.get("/register/sent").get_data(as_text=True)
    assert 'href="/dev/mail/"' in check
    assert client.post("/register", data=register_data()).status_code == 302
    [eml] = list(Path(app.config["MAIL_FILE_DIR"]).glob("*.eml"))
    assert "/register/confirm/" in eml.read_text()
    page = client.get("/dev/mail/").get_data(as_text=True)
    assert 'href="http://localhost:5000/register/confirm/' in page
    assert client.get(f"/dev/mail/{eml.name}").status_code == 200
    assert client.get("/dev/mail/..%2Fsecret_key").status_code == 404
    with app.app_context():
        assert [m.state for m in rows()] == ["sent"]


@pytest.mark.parametrize(
    "setting", [{"MATCHMAKER_ENV": "production"}, {"SMTP_HOST": "smtp.example.org"}]
)
def test_the_development_mail_page_is_not_there_otherwise(app, client, setting):
    app.config.update(setting)
    assert client.get("/dev/mail/").status_code == 404
    assert "/dev/mail/" not in client.get("/register/sent").get_data(as_text=True)


def test_worker_once_and_its_options(app):
    queue_one(app)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0 and "1 sent, 0 to retry, 0 failed." in result.output, result.output
    assert (
        runner.invoke(args=["worker", "--now", "2030-01-01T00:00"]).exit_code == 2
    )  # --now needs --once
    assert runner.invoke(args=["send-mail", "--now", "not a time"]).exit_code == 2


def test_a_claim_held_by_another_worker_is_skipped_until_it_runs_out(app):
    queue_one(app)
    with app.app_context():
        now = utcnow()
        assert mail._claim(db.session(), now, 10, "worker-a") == [rows()[0].id]
        assert mail._claim(db.session(), now, 10, "worker-b") == []
        later = now + mail.CLAIM_FOR + timedelta(seconds=1)  # worker-a died
        assert mail._claim(db.session(), later, 10, "worker-b") == [rows()[0].id]


class _Refusing(_Inbox):
    """An inbox whose server refuses some recipients at RCPT TO (``refuse``: address → reply)."""

    def __init__(self, refuse: dict[str, str]) -> None:
        super().__init__()
        self.refuse = dict(refuse)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.mark.parametrize(
    "reply, state",
    [("450 4.2.1 Mailbox busy, try later", "pending"), ("550 5.1.1 No such user", "failed")],
    ids=["temporary", "permanent"],
)
def test_a_recipient_refused_while_another_is_accepted_is_not_lost(app, reply, state):
    with smtp_on(free_port(), _Refusing({"busy@example.org": reply})) as refusing:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=refusing.port)
        with app.app_context():
            assert mail.send(["taken@example.org", "busy@example.org"], "Uitnodiging", "Tekst")
            db.session.commit()
            outcome = mail.deliver_due()
            assert (outcome.sent, outcome.retrying + outcome.failed) == (1, 1)
            first, second = rows()
            assert (first.state, first.recipients) == ("sent", ["taken@example.org"])
            assert second.recipients == ["busy@example.org"] and second.state == state
            assert second.message_id == first.message_id and second.subject == "Uitnodiging"
            assert reply.split()[0] in second.last_error and "busy@example.org" in second.last_error
            assert [m["to"] for m in refusing.messages] == [["taken@example.org"]]
            if state == "failed":  # an admin sees it and may resend it after the address is fixed
                assert [m.id for m in mail.failed_messages()] == [second.id]
                return
            refusing.refuse.clear()  # the mailbox has room again: the next round after the backoff
            assert mail.deliver_due().attempted == 0
            later = utcnow() + timedelta(minutes=2)
            assert mail.deliver_due(now=later).sent == 1
            assert [m["to"] for m in refusing.messages][-1] == ["busy@example.org"]
            db.session.expire_all()
            assert [r.state for r in rows()] == ["sent", "sent"]


class _BadQuit(_Inbox):
    """A server that takes the message (250 after DATA) and then answers QUIT with an error."""

    async def handle_QUIT(self, server, session, envelope):
        return "421 4.3.0 closing badly"


def test_a_message_the_server_took_is_not_sent_again_when_quit_fails(app):
    with smtp_on(free_port(), _BadQuit()) as inbox:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=inbox.port)
        queue_one(app)
        with app.app_context():
            assert mail.deliver_due().sent == 1
            later = utcnow() + timedelta(hours=2)
            assert mail.deliver_due(now=later).attempted == 0
            db.session.expire_all()
            assert [r.state for r in rows()] == ["sent"]
    assert len(inbox.messages) == 1


def test_a_temporary_and_a_permanent_refusal_go_their_own_ways(app):
    refuse = {"busy@example.org": "450 4.2.1 busy", "gone@example.org": "550 5.1.1 no such user"}
    with smtp_on(free_port(), _Refusing(refuse)) as server:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=server.port)
        with app.app_context():
            mail.send(["ok@example.org", "busy@example.org", "gone@example.org"], "Drie", "Tekst")
            db.session.commit()
            outcome = mail.deliver_due()
            assert (outcome.sent, outcome.retrying, outcome.failed) == (1, 1, 1)
            states = {tuple(r.recipients): r.state for r in rows()}
    assert states == {
        ("ok@example.org",): "sent",
        ("busy@example.org",): "pending",
        ("gone@example.org",): "failed",
    }
