"""Accounts: creating users, checking passwords, and loading the user of a session."""

from __future__ import annotations

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import db
from ..models import ROLES, Partnership, User, utcnow
from .validation import ValidationError, normalize_email

MIN_PASSWORD = 8
MAX_PASSWORD = 256
# A real hash to compare against when the email is unknown, so timing does not reveal accounts.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def hash_password(password: str) -> str:
    """scrypt (werkzeug's default key-derivation function) with a random salt."""
    return generate_password_hash(password)


def check_password_rules(password, field: str = "password") -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise ValidationError({field: f"must be at least {MIN_PASSWORD} characters"})
    if len(password) > MAX_PASSWORD:
        raise ValidationError({field: f"must be at most {MAX_PASSWORD} characters"})


def clean_email(value, field: str = "email") -> str:
    errors: dict[str, str] = {}
    email = normalize_email(value, field, errors)
    if errors or email is None:
        raise ValidationError(errors or {field: "is required"})
    return email.lower()


def find_user(email: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(
    email: str, password: str, *, role: str = "member", partnership: Partnership | None = None, commit: bool = True
) -> User:
    """A new account; the email must be unused (ValidationError otherwise)."""
    email = clean_email(email)
    check_password_rules(password)
    if role not in ROLES:
        raise ValidationError({"role": f"must be one of {', '.join(ROLES)}"})
    if find_user(email) is not None:
        raise ValidationError({"email": "is already registered"})
    user = User(email=email, password_hash=hash_password(password), role=role, partnership=partnership)
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
    db.session.commit()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None (same work either way)."""
    user = find_user(email or "") if isinstance(email, str) else None
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.active:
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
    user = db.session.get(User, user_id)
    if user is None or user.session_version != version or not user.active:
        return None
    return user
