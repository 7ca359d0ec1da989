"""The one blueprint of /api/v1 and what its endpoint modules share: the authentication hook,
the ``signed_in``/``admin_only`` guards, the error documentation and the lookups that answer
404 or 403 in the API's one error shape."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn, TypeVar, cast

from flask_login import current_user
from flask_smorest import Blueprint
from webargs.flaskparser import abort  # flask-smorest's ``abort`` is this one, re-exported

from ..extensions import csrf
from ..models import Partnership
from ..services import profiles as profile_service
from ..services.permissions import READ_ONLY_MESSAGE, can_act_for
from ..services.validation import ValidationError
from . import schemas as s
from .auth import authenticate

blp = Blueprint("api", __name__, url_prefix="/api/v1", description="Matchmaker API, version 1")
csrf.exempt(blp)  # token calls need no CSRF; session calls are checked in auth.authenticate()
blp.before_request(authenticate)

COMMON_ERRORS = (400, 413, 429)

View = TypeVar("View", bound=Callable[..., Any])


def errors(*codes: int) -> Callable[[View], View]:
    """Document the error responses an endpoint can give, all in the one error shape."""

    def decorate(view: View) -> View:
        for code in sorted(set(codes) | set(COMMON_ERRORS)):
            view = blp.alt_response(code, schema=s.ErrorSchema, description="error")(view)
        return view

    return decorate


def signed_in(view: View) -> View:
    """Let the view run for a signed-in caller (session or token) only; 401 otherwise."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            abort(401, message="sign in, or send a personal API token")
        return view(*args, **kwargs)

    return cast(View, wrapped)


def admin_only(view: View) -> View:
    """Let the view run for a signed-in admin only: 401 for nobody, 403 for anyone else."""

    @wraps(view)
    @signed_in
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_admin:
            abort(403, message="admins only")
        return view(*args, **kwargs)

    return cast(View, wrapped)


def own_partnership() -> Partnership:
    """The caller's active partnership; 404 when the account has none."""
    p = current_user.partnership
    if p is None or not p.active:
        abort(404, message="your account has no active partnership")
    return cast(Partnership, p)


def partnership_to_change() -> Partnership:
    """The caller's partnership, when the caller may act for it (403 for a member of its team)."""
    p = own_partnership()
    if not can_act_for(current_user, p.id):
        abort(403, message=READ_ONLY_MESSAGE)
    return p


def partnership_or_404(key: str, include_inactive: bool = False) -> Partnership:
    """The partnership with ``key`` (active ones only unless ``include_inactive``); 404 otherwise."""
    try:
        return profile_service.get_partnership(key, include_inactive=include_inactive)
    except profile_service.NotFound:
        abort(404, message=f"unknown partnership {key!r}")


def bad_input(exc: ValidationError) -> NoReturn:
    """Answer 422 with the service's per-field messages."""
    abort(422, message="the request has invalid fields", errors=exc.fields)


def ref(p: Partnership) -> dict[str, str]:
    """A partnership as others refer to it: its key and name."""
    return {"key": p.key, "name": p.name}
