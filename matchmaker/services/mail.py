"""Outgoing email through an outbox: ``send`` adds a row to the current session, committed (or
rolled back) with the change that causes it; ``deliver_due`` claims due rows and sends them over
SMTP, or writes them as .eml files (MAIL_FILE_DIR; in development without SMTP_HOST,
instance/mail/). No request talks to SMTP unless MAIL_DELIVER_AFTER_COMMIT says so (the
development default without SMTP_HOST, so the Quick start needs no second process).

Several workers may deliver at once: a row is claimed for CLAIM_FOR by one worker
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, a conditional update elsewhere) and marked sent by
that worker only. A failure is retried after 1, 5, 15 and then every 60 minutes; when the
retries would pass a day the message is marked failed and shown to admins. When the server
takes a message for some recipients and refuses others, the refused ones get a row of their own,
retried the same way (or failed at once when every refusal is permanent): no recipient is lost
because another one was accepted.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import make_msgid
from typing import Any, cast

from flask import current_app, has_app_context
from sqlalchemy import CursorResult, event, or_, select, update
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import OutboxMessage, utcnow
from .mail_transport import compose, one_line, recipient_address, transmit

log = logging.getLogger(__name__)
_QUEUED = "matchmaker.mail_queued"

BACKOFF_MINUTES = (1, 5, 15, 60)  # after the 1st, 2nd, 3rd, 4th and later failures
GIVE_UP_AFTER = timedelta(days=1)
CLAIM_FOR = timedelta(minutes=15)  # a worker that dies mid-batch lets its rows go after this
DEFAULT_LIMIT = 50


def send(
    to: str | list[str],
    subject: str,
    body: str,
    *,
    language: str | None = None,
    calendar: str | None = None,
) -> bool:
    """Queue one plain-text message in the current session; the caller's commit sends it on its
    way. Returns False (and logs) when there is nobody to send to or it cannot be composed.
    ``calendar``: an iCalendar text sent along as a text/calendar attachment (invite.ics)."""
    recipients = [to] if isinstance(to, str) else [r for r in to if r]
    if not recipients:
        return False
    row = OutboxMessage(
        recipients=[one_line(r) for r in recipients],
        subject=one_line(subject)[:300],
        body=body,
        language=language,
        calendar=calendar,
        message_id=make_msgid(domain="matchmaker"),
        state="pending",
        attempts=0,
    )
    try:
        compose(current_app.config, row)  # refuse now what could never be sent
    except Exception:
        log.exception("could not compose email to %s", recipients)
        return False
    db.session.add(row)
    db.session.info[_QUEUED] = True
    return True


@event.listens_for(db.session, "after_commit")
def _after_commit(session) -> None:
    """With MAIL_DELIVER_AFTER_COMMIT, deliver what this commit queued at once (own connection)."""
    if not session.info.pop(_QUEUED, False) or not has_app_context():
        return
    if not current_app.config.get("MAIL_DELIVER_AFTER_COMMIT"):
        return
    try:
        deliver_due()
    except Exception:  # the change is committed and the message kept: the worker retries it
        log.exception("could not deliver email right after the commit")


@event.listens_for(db.session, "after_soft_rollback")
def _forget_queued(session, _previous_transaction) -> None:
    session.info.pop(_QUEUED, None)


# --- delivery ---------------------------------------------------------------------------------


@dataclass
class Delivery:
    """What one ``deliver_due`` round did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def attempted(self) -> int:
        """The messages this round tried: sent, to be retried, or given up."""
        return self.sent + self.retrying + self.failed


def worker_name() -> str:
    """A name for this delivering process (host, process id and a random part), unique enough
    to mark the rows it claims."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def deliver_due(
    now: datetime | None = None, limit: int = DEFAULT_LIMIT, worker: str | None = None
) -> Delivery:
    """Claim up to ``limit`` due messages and send each; ``now`` stands in for the clock."""
    now = now or utcnow()
    worker = worker or worker_name()
    cfg = current_app.config
    outcome = Delivery()
    with Session(db.engine, expire_on_commit=False) as session:
        for ident in _claim(session, now, limit, worker):
            row = session.get(OutboxMessage, ident)
            if row is None:
                continue
            try:
                refused = transmit(cfg, compose(cfg, row))
            except Exception as exc:  # OSError, SMTPException, a full disk …: retry later
                log.warning(
                    "could not send email %s to %s (%s): %s",
                    row.id,
                    row.recipients,
                    row.subject,
                    exc,
                )
                state = _record_failure(session, row, worker, now, f"{type(exc).__name__}: {exc}")
                if state == "failed":
                    outcome.failed += 1
                    log.error(
                        "gave up on email %s to %s (%s) after %s attempts",
                        row.id,
                        row.recipients,
                        row.subject,
                        row.attempts + 1,
                    )
                else:
                    outcome.retrying += 1
            else:
                accepted = [r for r in row.recipients if recipient_address(r) not in refused]
                if _record_success(session, row, worker, now, accepted):
                    outcome.sent += 1
                    for state in _requeue_refused(session, row, refused, now):
                        if state == "failed":
                            outcome.failed += 1
                        else:
                            outcome.retrying += 1
            session.commit()
    return outcome


def _requeue_refused(
    session: Session, row: OutboxMessage, refused: dict[str, tuple[int, bytes]], now: datetime
) -> list[str]:
    """The server took the message for some recipients and refused others: the row stays sent
    to those it took, and the same message goes on in a new row to those refused for now (4xx),
    retried like any failure, and in another, failed at once and shown to admins, to those
    refused for good (5xx). Returns the new rows' states."""
    states = []
    delay = timedelta(minutes=BACKOFF_MINUTES[0])  # as after any first failure
    for permanent in (False, True):
        these = {a: r for a, r in refused.items() if (r[0] >= 500) is permanent}
        if not these:
            continue
        error = "refused by the mail server: " + "; ".join(
            f"{address}: {code} {reply.decode('utf-8', 'replace')}"
            for address, (code, reply) in sorted(these.items())
        )
        state = "failed" if permanent else "pending"
        session.add(
            OutboxMessage(
                recipients=[r for r in row.recipients if recipient_address(r) in these],
                subject=row.subject,
                body=row.body,
                language=row.language,
                calendar=row.calendar,
                message_id=row.message_id,  # the same message, to the rest of its recipients
                state=state,
                attempts=1,
                last_error=error[:2000],
                created_at=row.created_at,
                due_at=now + delay,
            )
        )
        log.warning("email %s was refused for some recipients (%s): %s", row.id, state, error)
        states.append(state)
    return states


def _claim(session: Session, now: datetime, limit: int, worker: str) -> list[int]:
    """Ids of due rows now claimed by ``worker`` (committed, so other workers skip them)."""
    due = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.state == "pending",
            OutboxMessage.due_at <= now,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
        .limit(limit)
    )
    claim = update(OutboxMessage).values(claimed_by=worker, claimed_until=now + CLAIM_FOR)
    if session.get_bind().dialect.name == "postgresql":
        ids = list(session.scalars(due.with_for_update(skip_locked=True)))
        if ids:
            session.execute(claim.where(OutboxMessage.id.in_(ids)))
    else:  # SQLite: claim each row with an update that only succeeds while it is unclaimed
        ids = []
        for ident in list(session.scalars(due)):
            still_free = claim.where(
                OutboxMessage.id == ident,
                OutboxMessage.state == "pending",
                or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
            )
            if cast(CursorResult[Any], session.execute(still_free)).rowcount == 1:
                ids.append(ident)
    session.commit()
    return ids


def _mine(row: OutboxMessage, worker: str):
    return (
        update(OutboxMessage)
        .where(
            OutboxMessage.id == row.id,
            OutboxMessage.claimed_by == worker,
            OutboxMessage.state == "pending",
        )
        .execution_options(synchronize_session=False)
    )


def _record_success(
    session: Session, row: OutboxMessage, worker: str, now: datetime, recipients: list[str]
) -> bool:
    """Mark the row sent, to ``recipients`` (those the server accepted)."""
    sent = _mine(row, worker).values(
        recipients=recipients,
        state="sent",
        sent_at=now,
        attempts=OutboxMessage.attempts + 1,
        last_error=None,
        claimed_by=None,
        claimed_until=None,
    )
    done = cast(CursorResult[Any], session.execute(sent)).rowcount
    if done != 1:  # our claim ran out and another worker took the row: it may go twice
        log.warning("email %s was sent after its claim by %s expired", row.id, worker)
    return done == 1


def retry_delay(attempts: int) -> timedelta | None:
    """How long to wait after the ``attempts``-th failure; None once the retries would pass a day."""
    delays = [
        timedelta(minutes=BACKOFF_MINUTES[min(i, len(BACKOFF_MINUTES) - 1)])
        for i in range(attempts)
    ]
    if sum(delays, timedelta()) > GIVE_UP_AFTER:
        return None
    return delays[-1]


def _record_failure(
    session: Session, row: OutboxMessage, worker: str, now: datetime, error: str
) -> str:
    attempts = row.attempts + 1
    delay = retry_delay(attempts)
    values: dict[str, object] = {
        "attempts": OutboxMessage.attempts + 1,
        "last_error": error[:2000],
        "claimed_by": None,
        "claimed_until": None,
    }
    if delay is None:
        state = values["state"] = "failed"
    else:
        state = "pending"
        values["due_at"] = now + delay
    session.execute(_mine(row, worker).values(**values))
    return state


# --- for admins and the development mail page --------------------------------------------------


def failed_messages(limit: int = 100) -> list[OutboxMessage]:
    """Messages given up on, newest first."""
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.state == "failed")
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def resend(message_id: int) -> bool:
    """Put a failed message back in the queue for another day of attempts."""
    again = (
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.state == "failed")
        .values(state="pending", attempts=0, due_at=utcnow(), claimed_by=None, claimed_until=None)
        .execution_options(synchronize_session=False)
    )
    done = cast(CursorResult[Any], db.session.execute(again)).rowcount
    db.session.info[_QUEUED] = True
    db.session.commit()
    return done == 1


def counts() -> dict[str, int]:
    """Messages per state (for the admin overview)."""
    from sqlalchemy import func

    rows = db.session.execute(
        select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
    )
    return {state: n for state, n in rows}
