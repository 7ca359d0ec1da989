"""Who hears about what: emails when introductions change and for password resets."""

from __future__ import annotations

from contextlib import nullcontext

from flask import current_app, has_request_context, render_template, url_for
from sqlalchemy import select

from ..extensions import db
from ..models import Introduction, Partnership, User
from . import mail


def absolute_url(endpoint: str, **values) -> str:
    """An absolute link for emails: from the request, or from BASE_URL outside one."""
    base = current_app.config.get("BASE_URL") or "http://localhost:5000"
    ctx = nullcontext() if has_request_context() else current_app.test_request_context(base_url=base)
    with ctx:
        return url_for(endpoint, _external=True, **values)


def recipients(partnership: Partnership) -> list[str]:
    """Active accounts of a partnership, plus its contact address."""
    emails = [u.email for u in partnership.users if u.active]
    if partnership.contact_email and partnership.contact_email not in emails:
        emails.append(partnership.contact_email)
    return emails


def admins() -> list[str]:
    return list(db.session.scalars(select(User.email).where(User.role == "admin", User.active.is_(True))))


def _send(to: list[str], template: str, subject: str, **context) -> None:
    body = render_template(f"email/{template}.txt", **context)
    mail.send(to, subject, body)


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
