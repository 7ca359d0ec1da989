"""Who hears about what: emails when introductions change and for password resets.

Each function queues its email in the outbox (services/mail.py) in the current session: call it
before the commit of the change it reports, so the message is committed with the change."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import current_app, render_template
from sqlalchemy import select

from ..extensions import db
from ..models import Introduction, Partnership, User
from . import mail

log = logging.getLogger(__name__)


def absolute_url(endpoint: str, **values) -> str:
    """An absolute link for emails, always from BASE_URL: nothing a request says (Host,
    X-Forwarded-Host, X-Forwarded-Prefix) reaches a link sent to someone else."""
    base = urlsplit(current_app.config.get("BASE_URL") or "http://localhost:5000")
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def recipients(partnership: Partnership) -> list[str]:
    """Active accounts of a partnership, plus its contact address."""
    emails = [u.email for u in partnership.users if u.active]
    if partnership.contact_email and partnership.contact_email not in emails:
        emails.append(partnership.contact_email)
    return emails


def admins() -> list[str]:
    return list(db.session.scalars(select(User.email).where(User.role == "admin", User.active.is_(True))))


def _send(to: list[str], template: str, subject: str, **context) -> None:
    """Render and queue; a failure is logged, never raised (it must not undo the change it reports)."""
    try:
        body = render_template(f"email/{template}.txt", **context)
        mail.send(to, subject, body)
    except Exception:
        log.exception("could not send the %s email", template)


def introduction_changed(intro: Introduction) -> None:
    """Tell the right people about the introduction's new state."""
    link = absolute_url("intros.detail", intro_id=intro.id)
    mentee, mentor = intro.mentee, intro.mentor
    if intro.state == "awaiting_admin":
        _send(admins(), "awaiting_admin", "Matchmaker: verzoek wacht op goedkeuring / request awaits approval",
              intro=intro, link=absolute_url("admin.introductions", state="awaiting_admin"))
    elif intro.state == "requested":
        _send(recipients(mentor), "requested", f"Matchmaker: {mentee.name} wil graag van u leren / would like to learn from you",
              intro=intro, link=link)
    elif intro.state == "accepted":
        for me, other in ((mentee, mentor), (mentor, mentee)):
            _send(recipients(me), "accepted", f"Matchmaker: kennismaking met {other.name} / introduction accepted",
                  intro=intro, me=me, other=other, link=link)
    elif intro.state == "declined":
        _send(recipients(mentee), "declined", f"Matchmaker: {mentor.name} kan nu niet / cannot help now",
              intro=intro, link=absolute_url("web.suggestions"))


def password_reset(user: User, link: str, minutes: int) -> None:
    _send([user.email], "password_reset", "Matchmaker: nieuw wachtwoord instellen / reset your password",
          user=user, link=link, minutes=minutes)


def confirm_email(user: User, link: str) -> None:
    _send([user.email], "confirm_email", "Matchmaker: bevestig uw e-mailadres / confirm your email address",
          user=user, link=link)


def already_registered(user: User, link: str) -> None:
    _send([user.email], "already_registered", "Matchmaker: u heeft al een account / you already have an account",
          user=user, link=link)
