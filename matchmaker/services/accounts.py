"""Accounts: creating users, signing in, registration and email confirmation, password changes
and resets, personal API tokens, and loading the user of a session. The password rules and
hashing live in services/passwords.py."""

from __future__ import annotations

import hashlib
import secrets
import time
import unicodedata

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..domain import LANGUAGES
from ..extensions import db
from ..models import ROLES, Partnership, User, get_by_id, utcnow
from . import notifications
from .passwords import check_password_rules, dummy_check, hash_password, password_matches
from .profiles import save_profile, unique_key
from .api_tokens import TOKEN_PREFIX as TOKEN_PREFIX  # the API's tokens, kept in api_tokens.py
from .api_tokens import create_token as create_token
from .api_tokens import revoke_all_tokens
from .api_tokens import revoke_token as revoke_token
from .api_tokens import tokens_of as tokens_of
from .api_tokens import user_for_token as user_for_token
from .email_rules import normalize_email
from .validation import ValidationError, validate_profile


def clean_email(value, field: str = "email") -> str:
    """The address, checked (no DNS look-up) and lower-cased; ValidationError under ``field``
    otherwise."""
    errors: dict[str, str] = {}
    email = normalize_email(value, field, errors)
    if errors or email is None:
        raise ValidationError(errors or {field: _("is required")})
    return email.lower()


def find_user(email: str) -> User | None:
    """The account with this email address (in any case, spaces around ignored, an accented
    letter in either Unicode form, an international domain as typed or in its stored ASCII
    form), or None."""
    typed = unicodedata.normalize("NFC", email.strip()).lower()
    stored = normalize_email(typed, "email", {})  # as addresses are stored: the domain in ASCII
    wanted = {typed} | ({stored.lower()} if stored else set())
    return db.session.scalar(
        select(User).where(func.lower(User.email).in_(sorted(wanted))).order_by(User.id).limit(1)
    )


def create_user(
    email: str,
    password: str,
    *,
    role: str | None = None,
    partnership: Partnership | None = None,
    commit: bool = True,
    confirmed: bool = True,
) -> User:
    """A new account; the email must be unused (ValidationError otherwise). Accounts made by
    an operator are confirmed; self-registered ones confirm by email (see ``register``).
    Without a role, an account with a partnership is its coordinator, one without a member."""
    email = clean_email(email)
    if role is None:
        role = "coordinator" if partnership is not None else "member"
    check_password_rules(password)
    if role not in ROLES:
        raise ValidationError({"role": _("must be one of %(roles)s", roles=", ".join(ROLES))})
    if find_user(email) is not None:
        raise ValidationError({"email": _("is already registered")})
    user = User(
        email=email,
        password_hash=hash_password(password),
        role=role,
        partnership=partnership,
        email_confirmed_at=utcnow() if confirmed else None,
    )
    db.session.add(user)
    if commit:
        db.session.commit()
    return user


def create_admin(email: str, password: str) -> User:
    """An admin account, or promote an existing account to admin with this password."""
    email = clean_email(email)
    check_password_rules(password)
    user = find_user(email)
    if user is None:
        return create_user(email, password, role="admin")
    user.role = "admin"
    user.password_hash = hash_password(password)
    user.session_version += 1
    revoke_all_tokens(user)
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None (same work either way)."""
    user = find_user(email or "") if isinstance(email, str) else None
    if user is None:
        dummy_check(password)
        return None
    if not password_matches(user.password_hash, password) or not user.active:
        return None
    if user.email_confirmed_at is None:
        send_confirmation(user)  # the owner gets a fresh link; the caller says the usual "no"
        db.session.commit()
        return None
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def load_session_user(session_id: str) -> User | None:
    """The user behind a session id ``"<id>:<session_version>"``; None once the version moved."""
    try:
        user_id, version = (int(part) for part in session_id.split(":", 1))
    except (ValueError, AttributeError):
        return None
    user = get_by_id(User, user_id)
    if user is None or user.session_version != version or not user.active:
        return None
    return user


# --- registration, passwords, deactivation -----------------------------------------------------

RESET_SALT = "password-reset"
RESET_MAX_AGE = 60 * 60  # seconds


CONFIRM_SALT = "confirm-email"
CONFIRM_MAX_AGE = 3 * 24 * 60 * 60  # seconds


def register(
    email: str, password: str, profile_record: dict, locale: str | None = None
) -> User | None:
    """Start a registration: the partnership's profile and its first account, its coordinator
    (with ``locale``, the language the form was shown in), all or nothing. Without a key the
    profile gets one made from its name (``profiles.unique_key``).

    The account and profile stay inactive until the address is confirmed by email. When the
    address already has an account, nothing is created and its owner gets a notice instead.
    Known and unknown addresses get the same answer after the same work (the checks, a
    password hash, one email), so registration does not reveal which addresses have accounts:
    a taken key is refused alike for both. Returns the new user, or None.
    """
    name = profile_record.get("name")
    if not profile_record.get("key") and isinstance(name, str) and name.strip():
        profile_record = dict(profile_record, key=unique_key(name))  # the key made from the name
    errors: dict[str, str] = {}
    for check in (lambda: clean_email(email), lambda: check_password_rules(password)):
        try:
            check()
        except ValidationError as exc:
            errors.update(exc.fields)
    try:
        validate_profile(profile_record)
    except ValidationError as exc:
        errors.update({f"profile.{k}": v for k, v in exc.fields.items()})
    if errors:
        raise ValidationError(errors)
    if _key_taken(profile_record["key"]):
        raise _key_taken_error()
    password_hash = hash_password(password)  # for a known address too: the same time either way
    existing = find_user(email)
    if existing is not None:
        notifications.already_registered(
            existing, notifications.absolute_url("auth.forgot_password")
        )
        db.session.commit()
        return None
    try:
        partnership = save_profile(profile_record, commit=False)
        partnership.active = False
        partnership.registered_at = utcnow()
        user = User(
            email=clean_email(email),
            password_hash=password_hash,
            role="coordinator",
            partnership=partnership,
            locale=locale if locale in LANGUAGES else None,
        )
        db.session.add(user)
        db.session.flush()  # the id the confirmation link carries
        send_confirmation(user)  # queued in the outbox: committed with the account or not at all
        db.session.commit()
    except ValidationError as exc:
        db.session.rollback()
        raise ValidationError({f"profile.{k}": v for k, v in exc.fields.items()}) from None
    except IntegrityError:
        # A parallel registration took the key or the address between the checks and the commit.
        db.session.rollback()
        if _key_taken(profile_record["key"]):
            raise _key_taken_error() from None
        if find_user(email) is not None:
            return None  # as for any known address
        raise
    except Exception:
        db.session.rollback()
        raise
    return user


def _key_taken(key) -> bool:
    return db.session.scalar(select(Partnership.id).where(Partnership.key == key)) is not None


def _key_taken_error() -> ValidationError:
    return ValidationError({"profile.key": _("is already used by another partnership")})


def _confirm_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=CONFIRM_SALT)


def _account_state(user: User) -> str:
    """A digest of what a confirmation link is good for: it stops working once the address is
    confirmed (so it works once), or the password, address or sessions changed."""
    state = f"{user.id}|{user.email}|{user.password_hash}|{user.session_version}|{user.email_confirmed_at is not None}"
    return hashlib.sha256(state.encode()).hexdigest()[:24]


def send_confirmation(user: User) -> None:
    """Queue a confirmation link for ``user`` (the caller commits)."""
    token = _confirm_serializer().dumps({"uid": user.id, "st": _account_state(user)})
    notifications.confirm_email(user, notifications.absolute_url("auth.confirm_email", token=token))


def confirm_email(token: str) -> User | None:
    """Confirm the address behind a link and activate the account's partnership; None if the
    link is invalid, expired or already used. Confirming does not sign anyone in."""

    try:
        data = _confirm_serializer().loads(token, max_age=CONFIRM_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("uid"), int):
        return None
    user = get_by_id(User, data["uid"])
    if user is None or not user.active or user.email_confirmed_at is not None:
        return None
    if not secrets.compare_digest(str(data.get("st", "")), _account_state(user)):
        return None
    _mark_confirmed(user)
    db.session.commit()
    return user


def _mark_confirmed(user: User) -> None:
    """The address is the owner's: confirm it, and bring its registered partnership in."""
    user.email_confirmed_at = utcnow()
    p = user.partnership
    if p is not None and not p.active and p.deactivated_at is None:  # not an admin's decision
        p.active = True


def change_password(user: User, current: str, new: str) -> None:
    """Change a password; every other session of the user ends."""
    if not password_matches(user.password_hash, current):
        raise ValidationError({"current_password": _("is not correct")})
    check_password_rules(new, "new_password")
    user.password_hash = hash_password(new)
    user.session_version += 1
    revoke_all_tokens(user)
    db.session.commit()


def set_locale(user: User, locale: str) -> None:
    """Remember the language ``user`` chose in the interface; emails to the user use it."""
    if locale in LANGUAGES and user.locale != locale:
        user.locale = locale
        db.session.commit()


def end_all_sessions(user: User) -> None:
    """Sign ``user`` out everywhere: every session made before now stops working (API
    tokens stay)."""
    user.session_version += 1
    db.session.commit()


def set_user_active(user: User, active: bool) -> None:
    """Activate or deactivate an account; either way its sessions end, and deactivation
    revokes its API tokens too."""
    user.active = active
    user.session_version += 1
    if not active:
        revoke_all_tokens(user)
    db.session.commit()


def _fingerprint(user: User) -> str:
    """Changes with the password (every hash has its own salt) and the session version, so a
    reset link works once and dies with a password change, log-out everywhere or deactivation."""
    return hashlib.sha256(f"{user.password_hash}|{user.session_version}".encode()).hexdigest()[:16]


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)


def reset_token(user: User) -> str:
    """A signed link token; it expires and stops working once the password changed."""
    return _serializer().dumps({"uid": user.id, "fp": _fingerprint(user)})


def user_for_reset_token(token: str) -> User | None:
    """The active user a reset link was made for, or None when the link is forged, older
    than RESET_MAX_AGE, or the password or sessions changed since."""
    try:
        data = _serializer().loads(token, max_age=RESET_MAX_AGE)
    except BadSignature:  # also SignatureExpired
        return None
    if not isinstance(data, dict):
        return None
    user = get_by_id(User, data.get("uid"))
    if user is None or not user.active or data.get("fp") != _fingerprint(user):
        return None
    return user


# A reset request takes at least this long, known address or not: queueing the email (a row
# and a commit) took 13-18 ms against 5-7 ms for an unknown address, enough to tell them apart.
RESET_MIN_SECONDS = 0.15


def request_password_reset(email: str) -> None:
    """Email a reset link if the address has an account; say nothing either way, and take
    ``RESET_MIN_SECONDS`` either way."""
    done = time.monotonic() + RESET_MIN_SECONDS
    try:
        user = find_user(email) if isinstance(email, str) else None
        if user is None or not user.active:
            return
        link = notifications.absolute_url("auth.reset_password", token=reset_token(user))
        notifications.password_reset(user, link, RESET_MAX_AGE // 60)
        db.session.commit()
    finally:
        time.sleep(max(0.0, done - time.monotonic()))


def reset_password(token: str, new: str) -> User:
    """Set a new password through a reset link and end every session and API token of the
    account (an unconfirmed address is confirmed by it); ValidationError for a bad link or a
    password that breaks the rules."""
    user = user_for_reset_token(token)
    if user is None:
        raise ValidationError({"token": _("this link is invalid or has expired")})
    check_password_rules(new, "password")
    user.password_hash = hash_password(new)
    user.session_version += 1
    revoke_all_tokens(user)
    if user.email_confirmed_at is None:
        # The link reached the address, so its owner set this password: the account is theirs.
        # Without this, an address someone registered and never confirmed stayed blocked (a new
        # registration only says "you already have an account"), and whoever registered it
        # kept a password the owner never chose.
        _mark_confirmed(user)
    db.session.commit()
    return user
