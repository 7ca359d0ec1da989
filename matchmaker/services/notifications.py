"""Who hears about what: emails when introductions change and for password resets.

Each function queues its email in the outbox (services/mail.py) in the current session: call it
before the commit of the change it reports, so the message is committed with the change.

Every email is in its recipient's language: ``send_email`` (and ``_send``) looks up the language
of each address (its account's choice, ``User.locale``; else Dutch, also for addresses without an
account), and renders the template and the subject once per language, each with Flask-Babel's
``force_locale``: one message per language group. Subjects are given as lazy strings
(``lazy_gettext``) or callables, so they are translated inside that ``force_locale``."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ..domain import LANGUAGES
from ..extensions import db
from ..models import Introduction, IntroductionMessage, Partnership, User
from . import mail

log = logging.getLogger(__name__)


def absolute_url(endpoint: str, **values) -> str:
    """An absolute link for emails, always from BASE_URL: nothing a request says (Host,
    X-Forwarded-Host, X-Forwarded-Prefix) reaches a link sent to someone else."""
    base = urlsplit(current_app.config.get("BASE_URL") or "http://localhost:5000")
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme
    )
    return adapter.build(endpoint, values, force_external=True)


def recipients(partnership: Partnership) -> list[str]:
    """Active accounts of a partnership, plus its contact address."""
    emails = [u.email for u in partnership.users if u.active]
    if partnership.contact_email and partnership.contact_email not in emails:
        emails.append(partnership.contact_email)
    return emails  # each address once, in any case, is by_language's work


def admins() -> list[str]:
    """The email addresses of the active admin accounts."""
    return list(
        db.session.scalars(select(User.email).where(User.role == "admin", User.active.is_(True)))
    )


DEFAULT_LANGUAGE = "nl"


def languages_of(addresses: list[str]) -> dict[str, str]:
    """Each address's email language: the choice of the account with that address, else Dutch."""
    lowered = {a.strip().lower() for a in addresses if a}
    chosen: dict[str, str] = {}
    if lowered:
        rows = db.session.execute(
            select(func.lower(User.email), User.locale).where(func.lower(User.email).in_(lowered))
        )
        chosen = {email: locale for email, locale in rows if locale in LANGUAGES}
    return {a: chosen.get(a.strip().lower(), DEFAULT_LANGUAGE) for a in addresses if a}


def by_language(addresses: list[str]) -> list[tuple[str, list[str]]]:
    """The addresses (each once, in order; "A@x.nl" and "a@x.nl" are one address, written as it
    came first) grouped by language: [(language, addresses), …], Dutch first."""
    unique: list[str] = []
    seen: set[str] = set()
    for address in addresses:
        if address and address.strip().lower() not in seen:
            seen.add(address.strip().lower())
            unique.append(address.strip())
    languages = languages_of(unique)
    return [
        (lang, group)
        for lang in LANGUAGES
        if (group := [a for a in unique if languages[a] == lang])
    ]


def _text(subject) -> str:
    if isinstance(subject, str):
        return subject
    return subject() if callable(subject) else str(subject)  # a lazy string translates now


def send_email(
    to: str | list[str], template: str, subject, *, calendar: str | None = None, **context
) -> int:
    """Queue ``email/<template>.txt`` to ``to``: one message per language of the recipients,
    template and subject (a lazy string, a callable or plain text) rendered in that language.
    ``calendar``: an .ics text attached to each message. Returns how many messages were queued.
    Raises when a template cannot be rendered."""
    addresses = [to] if isinstance(to, str) else list(to)
    queued = 0
    for lang, group in by_language(addresses):
        with force_locale(lang):
            subject_text = _text(subject)
            body = render_template(f"email/{template}.txt", **context)
        queued += int(mail.send(group, subject_text, body, language=lang, calendar=calendar))
    return queued


def _send(to: list[str], template: str, subject, **context) -> None:
    """``send_email``; a failure is logged, never raised (it must not undo the change it reports)."""
    try:
        send_email(to, template, subject, **context)
    except Exception:
        log.exception("could not send the %s email", template)


def introduction_changed(intro: Introduction) -> None:
    """Tell the right people about the introduction's new state."""
    link = absolute_url("intros.detail", intro_id=intro.id)
    mentee, mentor = intro.mentee, intro.mentor
    if intro.state == "awaiting_admin":
        _send(
            admins(),
            "awaiting_admin",
            _l("Matchmaker: a request awaits your approval"),
            intro=intro,
            link=absolute_url("admin.introductions", state="awaiting_admin"),
        )
    elif intro.state == "requested":
        subject = (
            _l(
                "Matchmaker: the administrator suggests an introduction to %(name)s",
                name=mentee.name,
            )
            if intro.by_admin
            else _l("Matchmaker: %(name)s would like to learn from you", name=mentee.name)
        )
        _send(recipients(mentor), "requested", subject, intro=intro, link=link)
    elif intro.state == "accepted":
        for me, other in ((mentee, mentor), (mentor, mentee)):
            _send(
                recipients(me),
                "accepted",
                _l("Matchmaker: introduction to %(name)s accepted", name=other.name),
                intro=intro,
                me=me,
                other=other,
                link=link,
            )
    elif intro.state == "declined":
        _send(
            recipients(mentee),
            "declined",
            _l("Matchmaker: %(name)s cannot help right now", name=mentor.name),
            intro=intro,
            link=absolute_url("web.suggestions"),
        )


def message_posted(message: IntroductionMessage) -> None:
    """Mail a new conversation message to the other side, one email per side (no address of one
    side reaches the other): the mentee's and the mentor's recipients except the author's own
    side; the mentor only once the request has reached it; admins who wrote in the conversation
    (and, while a request awaits approval, every admin when the asking partnership writes)."""
    intro = message.introduction
    side = message.author_side
    author = {"mentee": intro.mentee.name, "mentor": intro.mentor.name}.get(side)
    link = absolute_url("intros.detail", intro_id=intro.id) + "#gesprek"
    groups = []
    if side != "mentee":
        groups.append(recipients(intro.mentee))
    if side != "mentor" and intro.state != "awaiting_admin":
        groups.append(recipients(intro.mentor))
    if side == "mentee" and intro.state == "awaiting_admin":
        groups.append(admins())
    else:
        groups.append(
            list(
                db.session.scalars(
                    select(User.email)
                    .join(IntroductionMessage, IntroductionMessage.author_id == User.id)
                    .where(
                        IntroductionMessage.introduction_id == intro.id,
                        IntroductionMessage.author_side == "admin",
                        User.role == "admin",
                        User.active.is_(True),
                    )
                    .distinct()
                )
            )
        )
    own = message.author.email if message.author else None
    subject = (
        _l("Matchmaker: message from %(name)s", name=author)
        if author
        else _l("Matchmaker: message from the admin")
    )
    for group in groups:
        to = [email for email in group if email != own]
        if to:
            _send(to, "message", subject, intro=intro, message=message, author=author, link=link)


def password_reset(user: User, link: str, minutes: int) -> None:
    """Queue the email with a password-reset ``link`` to ``user``, saying it works for
    ``minutes``."""
    _send(
        [user.email],
        "password_reset",
        _l("Matchmaker: set a new password"),
        user=user,
        link=link,
        minutes=minutes,
    )


def confirm_email(user: User, link: str) -> None:
    """Queue the email with the ``link`` that confirms ``user``'s address."""
    _send(
        [user.email],
        "confirm_email",
        _l("Matchmaker: confirm your email address"),
        user=user,
        link=link,
    )


def team_exists(email: str, partnership) -> None:
    """Queue a notice to a partnership's contact address that someone asked for an invitation
    while the partnership already has a team: only its coordinators invite."""
    _send(
        [email],
        "team_exists",
        _l("Matchmaker: %(name)s already has a team", name=partnership.name),
        partnership=partnership,
        link=absolute_url("auth.login"),
    )


def already_registered(user: User, link: str) -> None:
    """Queue a notice to ``user`` that someone tried to register the address again, with a
    ``link`` to reset the password."""
    _send(
        [user.email],
        "already_registered",
        _l("Matchmaker: you already have an account"),
        user=user,
        link=link,
    )
