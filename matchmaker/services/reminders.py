"""Reminders the worker sends about introductions, each at most once:

- ``mentor_reminder``: a request still ``requested`` REMINDER_DAYS after it was made (or approved)
  → the mentor partnership;
- ``admin_unanswered``: still unanswered after twice that → the admins;
- ``followup``: FOLLOWUP_DAYS after acceptance, still ``accepted`` (not completed) → both sides,
  asked how it went, with a link to the page where they complete it with a rating.

Each reminder is a ``reminder`` row, unique per (introduction, kind), inserted first in the same
transaction as its outbox message: running twice sends nothing twice, and of two workers at once
the second hits the unique constraint, rolls back and sends nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Introduction, IntroductionEvent, Reminder, utcnow
from .notifications import absolute_url, admins, recipients, send_email

log = logging.getLogger(__name__)

MENTOR_REMINDER, ADMIN_UNANSWERED, FOLLOWUP = "mentor_reminder", "admin_unanswered", "followup"
BATCH = 200  # candidates per kind and round; the next round takes the rest


@dataclass(frozen=True)
class _Rule:
    kind: str
    state: str
    since: Callable  # the moment the waiting started, as an SQL expression
    wait: Callable[[dict], timedelta]
    mail: Callable[[Introduction], int]


def _requested_since():
    """When the introduction last entered ``requested`` (made, or approved by an admin)."""
    entered = (
        select(func.max(IntroductionEvent.created_at))
        .where(
            IntroductionEvent.introduction_id == Introduction.id,
            IntroductionEvent.to_state == "requested",
        )
        .scalar_subquery()
    )
    return func.coalesce(entered, Introduction.created_at)


def _accepted_since():
    return func.coalesce(Introduction.responded_at, Introduction.updated_at)


def _queue(to: list[str], template: str, subject, **context) -> int:
    """Queue the reminder, one message per recipients' language (services/notifications.py)."""
    return send_email(to, template, subject, **context)


def _mentor_reminder(intro: Introduction) -> int:
    return _queue(
        recipients(intro.mentor),
        "reminder_mentor",
        _l("Matchmaker: %(name)s is waiting for your answer", name=intro.mentee.name),
        intro=intro,
        days=current_app.config["REMINDER_DAYS"],
        link=absolute_url("intros.detail", intro_id=intro.id),
    )


def _admin_unanswered(intro: Introduction) -> int:
    return _queue(
        admins(),
        "reminder_admin",
        _l("Matchmaker: the request to %(name)s is unanswered", name=intro.mentor.name),
        intro=intro,
        days=2 * current_app.config["REMINDER_DAYS"],
        link=absolute_url("intros.detail", intro_id=intro.id),
    )


def _followup(intro: Introduction) -> int:
    link = absolute_url("intros.detail", intro_id=intro.id)
    sent = 0
    for me, other in ((intro.mentee, intro.mentor), (intro.mentor, intro.mentee)):
        sent += _queue(
            recipients(me),
            "followup",
            _l("Matchmaker: how did the introduction to %(name)s go?", name=other.name),
            intro=intro,
            me=me,
            other=other,
            link=link,
        )
    return sent


RULES = (
    _Rule(
        MENTOR_REMINDER,
        "requested",
        _requested_since,
        lambda cfg: timedelta(days=cfg["REMINDER_DAYS"]),
        _mentor_reminder,
    ),
    _Rule(
        ADMIN_UNANSWERED,
        "requested",
        _requested_since,
        lambda cfg: timedelta(days=2 * cfg["REMINDER_DAYS"]),
        _admin_unanswered,
    ),
    _Rule(
        FOLLOWUP,
        "accepted",
        _accepted_since,
        lambda cfg: timedelta(days=cfg["FOLLOWUP_DAYS"]),
        _followup,
    ),
)


def run_reminders(now: datetime | None = None) -> int:
    """Send the reminders due at ``now`` (default: the clock) that were not sent before; returns
    how many emails were queued. Commits its own work, one reminder per transaction; call it
    with no pending changes in the session."""
    now = now or utcnow()
    cfg = current_app.config
    queued = 0
    for rule in RULES:
        since = rule.since()
        already = select(Reminder.id).where(
            Reminder.introduction_id == Introduction.id, Reminder.kind == rule.kind
        )
        due = list(
            db.session.scalars(
                select(Introduction.id)
                .where(
                    Introduction.state == rule.state,
                    since <= now - rule.wait(cfg),
                    ~already.exists(),
                )
                .order_by(Introduction.id)
                .limit(BATCH)
            )
        )
        db.session.rollback()  # end the read; each reminder gets its own transaction
        for intro_id in due:
            queued += _send_once(rule, intro_id)
    return queued


def _send_once(rule: _Rule, intro_id: int) -> int:
    """Record and queue one reminder in one transaction; 0 if another worker already did it or
    the introduction moved on meanwhile."""
    try:
        db.session.add(Reminder(introduction_id=intro_id, kind=rule.kind))
        db.session.flush()  # the unique constraint decides who sends: a second worker stops here
        intro = db.session.scalar(
            select(Introduction)
            .where(Introduction.id == intro_id)
            .execution_options(populate_existing=True)
        )
        if intro is None or intro.state != rule.state:  # answered since the candidates were read
            db.session.rollback()
            return 0
        queued = rule.mail(intro)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        log.info("%s for introduction %s was already sent", rule.kind, intro_id)
        return 0
    except Exception:
        db.session.rollback()
        log.exception("could not send the %s for introduction %s", rule.kind, intro_id)
        return 0
    log.info("%s for introduction %s: %s email(s) queued", rule.kind, intro_id, queued)
    return queued
