"""Personal API tokens: made by their owner on /account/tokens, shown once, stored as a hash;
revoked one by one, or all at once on a password change or reset and on deactivation."""

from __future__ import annotations

import hashlib
import secrets

from flask_babel import gettext as _
from sqlalchemy import select, update

from ..extensions import db
from ..models import ApiToken, User, get_by_id, utcnow
from .validation import ValidationError

TOKEN_PREFIX = "mm_"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new personal API token; returns the row and the token itself (shown once, never stored)."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationError({"name": _("must be 1–100 characters")})
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name, token_hash=_token_hash(token), prefix=token[:10])
    db.session.add(row)
    db.session.commit()
    return row, token


def user_for_token(token: str) -> User | None:
    """The active user owning an unrevoked token, or None."""
    if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(token)))
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    row.last_used_at = utcnow()
    db.session.commit()
    return row.user


def revoke_token(user: User, token_id: int) -> bool:
    """Revoke one of ``user``'s own API tokens; False when the id names no unrevoked token of
    theirs."""
    row = get_by_id(ApiToken, token_id)
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    db.session.commit()
    return True


def revoke_all_tokens(user: User) -> None:
    """End every API token of ``user`` (in the caller's transaction): on a password change or
    reset, and on deactivation."""
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def tokens_of(user: User) -> list[ApiToken]:
    """All of ``user``'s API tokens, revoked ones too, newest first."""
    return list(
        db.session.scalars(
            select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        )
    )
