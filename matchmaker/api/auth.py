"""Who calls /api/v1: a personal token (``Authorization: Bearer mm_…``) or the browser session.

Flask-Login's public ``user_loader`` and ``request_loader`` (set up in ``matchmaker/__init__.py``)
ask this module, so that ``current_user`` is the token's user for an API call made with a token:

- On an /api/v1 request that carries an Authorization header, the token alone names the
  caller, whatever session or remember-me cookie comes along; an unknown, revoked or malformed
  token names nobody, and ``authenticate`` answers 401.
- A token is never written to the session, and ``TokenSessionInterface`` does not save the
  session on a token call at all (not even what a remember-me cookie restores on the way): a
  token request sets no cookie and leaves the browser's session as it was. Web pages never
  look at the header.
"""

from __future__ import annotations

from flask import Flask, Request, current_app, has_request_context, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from flask_login import current_user
from webargs.flaskparser import abort  # flask-smorest's ``abort`` is this one, re-exported

from ..extensions import csrf
from ..models import User
from ..services import accounts

BLUEPRINT = "api"  # the name of the blueprint (blueprint.py) whose requests a token may sign
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
TOKEN_REFUSED = "invalid or revoked API token"


def sends_credentials(req: Request) -> bool:
    """Whether ``req`` is an /api/v1 call with an Authorization header: then its token, not the
    session, says who the caller is."""
    return req.blueprint == BLUEPRINT and bool(req.headers.get("Authorization"))


def token_user(req: Request) -> User | None:
    """The active user owning the unrevoked bearer token of the API call ``req``; None for any
    other request, scheme or token."""
    if not sends_credentials(req):
        return None
    scheme, _, token = req.headers["Authorization"].partition(" ")
    if scheme.lower() != "bearer":
        return None
    return accounts.user_for_token(token.strip())


def authenticate() -> None:
    """Before every /api/v1 call: a token the loaders did not accept is a 401; without a token,
    the session's state changes need the CSRF token (``X-CSRFToken``)."""
    if sends_credentials(request):
        if not current_user.is_authenticated:
            abort(401, message=TOKEN_REFUSED)
    elif (
        request.method in UNSAFE
        and current_user.is_authenticated
        and current_app.config.get("WTF_CSRF_ENABLED", True)
    ):
        csrf.protect()


class TokenSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, except that an API call made with a token never saves it."""

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        """No cookie for a token call; otherwise as Flask decides."""
        if has_request_context() and sends_credentials(request):
            return False
        return super().should_set_cookie(app, session)
