"""/api/v1: the same service functions as the web, as JSON, with an OpenAPI 3 document.

Authentication: the browser session (state changes then need the CSRF token in an
``X-CSRFToken`` header) or a personal token in ``Authorization: Bearer mm_…``. Every error
has one shape: ``{"error": {"code", "message", "fields"}}``.
"""

from __future__ import annotations

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from flask.typing import ResponseReturnValue
from flask_smorest import Api as _Api
from werkzeug.exceptions import HTTPException

from ..web.errors import error_response
from .schemas import ErrorSchema


class Api(_Api):
    """flask-smorest, but its errors answer in the app's one shape (web/errors.py).

    ``Api.init_app`` registers the public ``handle_http_exception`` for every HTTPException, and
    ``ERROR_SCHEMA`` documents what it answers; both are the app's own here, so an API error has
    the same body whichever handler Flask calls (the app's, registered later, takes the slot)."""

    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error: HTTPException) -> ResponseReturnValue:
        """The error as ``{"error": {"code", "message", "fields"}}`` (HTML off /api/)."""
        return error_response(error)


api = Api()


def init_app(app: Flask) -> None:
    """Bind the API to ``app``: its settings, the OpenAPI document, /api/v1 and its docs page."""
    # Each module adds its endpoints to the one blueprint. The OpenAPI document lists the paths
    # in the order they were added, so keep this order (not alphabetical) when adding a module.
    from . import profiles  # noqa: F401
    from . import introductions  # noqa: F401
    from . import admin  # noqa: F401
    from . import conversations, search, team, sessions  # noqa: F401
    from .blueprint import blp

    app.config.setdefault("API_TITLE", "Matchmaker API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {
                "description": "Partnerships, suggestions and introductions of Matchmaker. "
                "Authenticate with a personal token (Authorization: Bearer mm_…) made on /account/tokens, "
                "or with the browser session plus an X-CSRFToken header for changes.",
            },
            "components": {
                "securitySchemes": {
                    "token": {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "personal API token",
                    },
                    "session": {"type": "apiKey", "in": "cookie", "name": "session"},
                }
            },
        },
    )
    from . import docs
    from .auth import TokenSessionInterface

    if type(app.session_interface) is SecureCookieSessionInterface:  # Flask's default
        app.session_interface = TokenSessionInterface()  # token calls never save the session
    api.init_app(app)
    api.register_blueprint(blp)
    app.register_blueprint(docs.bp)
