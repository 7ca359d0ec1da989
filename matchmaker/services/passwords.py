"""Passwords: the rules a new password must meet, and how passwords are hashed and checked.

Hashes use werkzeug's scrypt key-derivation function unless PASSWORD_HASH_METHOD names another
(the tests use a fast one); every hash has its own random salt."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from werkzeug.security import check_password_hash, generate_password_hash

from .validation import ValidationError

MIN_PASSWORD = 8
MAX_PASSWORD = 256
DEFAULT_HASH_METHOD = "scrypt"  # werkzeug's scrypt key-derivation function, random salt
_dummy_hashes: dict[str, str] = {}


def _method() -> str:
    return current_app.config.get("PASSWORD_HASH_METHOD") or DEFAULT_HASH_METHOD


def hash_password(password: str) -> str:
    """A salted hash of ``password`` made with the configured method: what is stored instead."""
    return generate_password_hash(password, method=_method())


def password_matches(password_hash: str, password: str | None) -> bool:
    """Does ``password`` (None counts as empty) match the stored ``password_hash``?"""
    return check_password_hash(password_hash, password or "")


def _dummy_hash() -> str:
    """A real hash to compare against when the email is unknown, so timing reveals nothing."""
    method = _method()
    if method not in _dummy_hashes:
        _dummy_hashes[method] = generate_password_hash("not-a-real-password", method=method)
    return _dummy_hashes[method]


def dummy_check(password: str | None) -> None:
    """The work of one password check, for an email without an account: the answer then takes
    as long as for an account's wrong password."""
    check_password_hash(_dummy_hash(), password or "")


def check_password_rules(password, field: str = "password") -> None:
    """Raise ValidationError (under ``field``) unless ``password`` is text of MIN_PASSWORD to
    MAX_PASSWORD characters."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise ValidationError(
            {field: _("must be at least %(limit)d characters", limit=MIN_PASSWORD)}
        )
    if len(password) > MAX_PASSWORD:
        raise ValidationError(
            {field: _("must be at most %(limit)d characters", limit=MAX_PASSWORD)}
        )
