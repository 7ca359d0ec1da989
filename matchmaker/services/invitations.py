"""Invitations: a one-time link that lets someone set a password and join a partnership.

One service function per use, called alike by the command line (cli/accounts.py), the admin's
partnership pages and the register page's "is your partnership already in Matchmaker?" form.
Only a hash of a link's token is stored; a link works once, until ``INVITATION_DAYS`` have
passed, and not after it was withdrawn or resent (a resend makes a new link).

An invitation carries the team role it grants (services/team.py): ``coordinator`` by default
when an admin or the command line invites (the first people of a partnership), ``member`` by
default when a coordinator invites a colleague (who may choose ``coordinator``). Members cannot
invite: inviting, resending and withdrawing act for the partnership (services/permissions.py).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any, cast

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import CursorResult, func, select, update

from ..domain import LANGUAGES
from ..extensions import allow_once, db
from ..models import TEAM_ROLES, Invitation, Partnership, User, get_by_id, utcnow
from .accounts import clean_email, find_user
from .notifications import absolute_url, send_email
from .passwords import check_password_rules, hash_password
from .permissions import COORDINATOR, MEMBER, require_act_for
from .validation import ValidationError

DEFAULT_DAYS = 14
CLAIM_QUIET_MINUTES = 15  # the claim form mails a contact at most once in this time


class InvitationError(Exception):
    """The invitation cannot change this way (already joined, withdrawn)."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _days() -> int:
    return int(current_app.config.get("INVITATION_DAYS") or DEFAULT_DAYS)


def _new_link(invitation: Invitation, now: datetime) -> str:
    """A fresh token for ``invitation`` (any older link stops working); returns the token."""
    token = secrets.token_urlsafe(32)
    invitation.token_hash = _hash(token)
    invitation.sent_at = now
    invitation.expires_at = now + timedelta(days=_days())
    return token


def _mail(invitation: Invitation, token: str) -> None:
    """The invitation email, queued in the outbox (in the caller's transaction)."""
    p = invitation.partnership
    send_email(
        invitation.email,
        "invitation",
        _l("Matchmaker: invitation to join %(name)s", name=p.name),
        invitation=invitation,
        partnership=p,
        days=_days(),
        link=absolute_url("auth.accept_invitation", token=token),
    )


def _check_inviter(partnership_id: int, by: User | None) -> None:
    """Admins and the command line (``by`` None) invite anywhere; others must be coordinators of it."""
    if by is not None and not by.is_admin:
        require_act_for(by, partnership_id)


def _clean_role(role, by: User | None) -> str:
    if role is None or role == "":
        return COORDINATOR if by is None or by.is_admin else MEMBER
    if role not in TEAM_ROLES:
        raise ValidationError({"role": _("must be one of %(roles)s", roles=", ".join(TEAM_ROLES))})
    return role


def pending(partnership: Partnership, email: str, now: datetime | None = None) -> Invitation | None:
    """The open (not joined, withdrawn or expired) invitation of ``email`` to ``partnership``."""
    return db.session.scalar(
        select(Invitation)
        .where(
            Invitation.partnership_id == partnership.id,
            func.lower(Invitation.email) == email.lower(),
            Invitation.accepted_at.is_(None),
            Invitation.withdrawn_at.is_(None),
            Invitation.expires_at > (now or utcnow()),
        )
        .order_by(Invitation.id.desc())
        .limit(1)
    )


def invite(
    partnership: Partnership,
    email: str | None = None,
    by: User | None = None,
    role: str | None = None,
) -> Invitation:
    """Invite ``email`` (default: the partnership's contact address; a coordinator must name
    one) to join ``partnership`` as ``role`` and mail the link. An open invitation of the same
    address is sent again with a new link (and this role). ValidationError when there is no
    address, the address already has an account, or the role is unknown; NotCoordinator when
    ``by`` is a member."""
    _check_inviter(partnership.id, by)
    role = _clean_role(role, by)
    if (email is None or not str(email).strip()) and by is not None and not by.is_admin:
        raise ValidationError({"email": _("is required")})
    if email is None or not str(email).strip():
        if not partnership.contact_email:
            raise ValidationError(
                {
                    "contact.email": _(
                        "the partnership has no contact email address; give an address"
                    )
                }
            )
        email = partnership.contact_email
    email = clean_email(email)
    existing = find_user(email)
    if existing is not None:
        ours = existing.partnership_id == partnership.id
        if existing.active and ours:
            raise ValidationError({"email": _("is already in the team")})
        if not ours and by is not None and not by.is_admin:
            # A coordinator learns no more than that the address cannot be invited: not whose
            # account it is, nor whether it was deactivated (admins see every account anyway,
            # and a team its own former colleagues).
            raise ValidationError(
                {"email": _("cannot be invited: it already has an account; an admin can help")}
            )
        if not existing.active:
            raise ValidationError(
                {"email": _("belongs to a deactivated account; an admin can reactivate it")}
            )
        raise ValidationError({"email": _("is already registered")})
    now = utcnow()
    invitation = pending(partnership, email, now)
    if invitation is None:
        invitation = Invitation(
            partnership=partnership, email=email, created_by=by, created_at=now, role=role
        )
        db.session.add(invitation)
    invitation.role = role
    token = _new_link(invitation, now)
    db.session.flush()
    _mail(invitation, token)
    db.session.commit()
    return invitation


def resend(invitation: Invitation, by: User | None = None) -> Invitation:
    """Mail a new link (valid ``INVITATION_DAYS`` from now; the old one stops working).
    An expired invitation is renewed; a joined or withdrawn one cannot be resent."""
    _check_inviter(invitation.partnership_id, by)
    if invitation.accepted_at is not None or invitation.withdrawn_at is not None:
        raise InvitationError(invitation.state())
    token = _new_link(invitation, utcnow())
    _mail(invitation, token)
    db.session.commit()
    return invitation


def withdraw(invitation: Invitation, by: User | None = None) -> Invitation:
    """End an invitation that was not yet used: its link stops working."""
    _check_inviter(invitation.partnership_id, by)
    if invitation.accepted_at is not None or invitation.withdrawn_at is not None:
        raise InvitationError(invitation.state())
    invitation.withdrawn_at = utcnow()
    db.session.commit()
    return invitation


def for_token(token) -> Invitation | None:
    """The open invitation behind a link, or None (unknown, used, withdrawn or expired)."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == _hash(token)))
    if invitation is None or invitation.state() != "invited":
        return None
    return invitation


def accept(token: str, password: str, locale: str | None = None) -> User:
    """Use a link: a confirmed account on the invitation's partnership, with the invitation's
    role, this password and ``locale`` (the language the page was shown in). The link works
    once (two tabs racing: one wins). ValidationError otherwise."""
    invitation = for_token(token)
    if invitation is None:
        raise ValidationError(
            {"token": _("this invitation is invalid, expired, withdrawn or already used")}
        )
    check_password_rules(password, "password")
    if find_user(invitation.email) is not None:
        raise ValidationError({"email": _("is already registered; log in or reset the password")})
    now = utcnow()
    # Claim the invitation in the same transaction as the account: only one use succeeds.
    claim = (
        update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.accepted_at.is_(None),
            Invitation.withdrawn_at.is_(None),
            Invitation.token_hash == _hash(token),
        )
        .values(accepted_at=now)
        .execution_options(synchronize_session=False)
    )
    claimed = cast(CursorResult[Any], db.session.execute(claim)).rowcount
    if claimed != 1:
        db.session.rollback()
        raise ValidationError(
            {"token": _("this invitation is invalid, expired, withdrawn or already used")}
        )
    user = User(
        email=invitation.email,
        password_hash=hash_password(password),
        role=invitation.role,
        partnership_id=invitation.partnership_id,
        email_confirmed_at=now,
        last_login_at=now,
        locale=locale if locale in LANGUAGES else None,
    )
    db.session.add(user)
    try:
        db.session.flush()
        invitation.user_id = user.id
        invitation.accepted_at = now
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return user


def of_partnership(partnership: Partnership) -> list[Invitation]:
    """Every invitation of a partnership, newest first."""
    return list(
        db.session.scalars(
            select(Invitation)
            .where(Invitation.partnership_id == partnership.id)
            .order_by(Invitation.id.desc())
        )
    )


def get(invitation_id) -> Invitation | None:
    """The invitation with this id, or None (also for an id no row can have)."""
    return get_by_id(Invitation, invitation_id)


def without_account() -> list[Partnership]:
    """Active partnerships that have no account yet, by key."""
    has_account = select(User.partnership_id).where(User.partnership_id.is_not(None))
    return list(
        db.session.scalars(
            select(Partnership)
            .where(Partnership.active.is_(True), Partnership.id.not_in(has_account))
            .order_by(Partnership.key)
        )
    )


def has_team(partnership: Partnership) -> bool:
    """Does the partnership have an active account (a team that invites its own people)?"""
    return (
        db.session.scalar(
            select(User.id)
            .where(User.partnership_id == partnership.id, User.active.is_(True))
            .limit(1)
        )
        is not None
    )


def find_partnership(query: str) -> Partnership | None:
    """An active partnership by its key or, ignoring case, its exact name."""
    query = (query or "").strip()
    if not query or len(query) > 200:
        return None
    return db.session.scalar(
        select(Partnership)
        .where(
            Partnership.active.is_(True),
            (Partnership.key == query.lower()) | (func.lower(Partnership.name) == query.lower()),
        )
        .order_by(Partnership.id)
        .limit(1)
    )


def claim(query: str) -> None:
    """The register page's "is your partnership already in Matchmaker?": invite the registered
    contact address of the partnership named by key or name, and say nothing either way.

    The asker never learns whether the partnership exists, has a contact address or accounts:
    the answer is the same, and an unknown name costs the same token and hash as a known one.
    A contact who already has an account gets the "you already have an account" notice. When
    the partnership already has a team (an active account), the claim invites nobody: only its
    coordinators add people, and the contact is told so (an open invitation keeps its role; a
    stranger's claim never turns a member invitation, or the contact address, into a
    coordinator). An open invitation to the contact is sent again with its own role, not
    replaced; a contact invited in the last ``CLAIM_QUIET_MINUTES`` is not mailed again."""
    from . import notifications

    partnership = find_partnership(query)
    token = secrets.token_urlsafe(32)
    _hash(token)  # the same work for an unknown name
    if partnership is None or not partnership.contact_email:
        return
    now = utcnow()
    email = partnership.contact_email
    existing = find_user(email)
    if existing is not None or has_team(partnership):
        # A notice, not an invitation; one per contact in the quiet time, however many ask.
        if allow_once(f"1 per {CLAIM_QUIET_MINUTES} minutes", "claim-notice", email.lower()):
            if existing is not None:
                notifications.already_registered(existing, absolute_url("auth.forgot_password"))
            else:
                notifications.team_exists(email, partnership)
            db.session.commit()
        return
    invitation = pending(partnership, email, now)
    if invitation is not None:
        # An open invitation is sent again as it is: its role was chosen by whoever invited,
        # and an anonymous claim must not change it.
        if invitation.sent_at <= now - timedelta(minutes=CLAIM_QUIET_MINUTES):
            resend(invitation)
        return
    try:
        invite(partnership, email)
    except ValidationError:
        db.session.rollback()  # e.g. a contact address no longer valid: nothing to say to the asker
