"""/api/v1: the same service functions as the web, as JSON, with an OpenAPI 3 document.

Authentication: the browser session (state changes then need the CSRF token in an
``X-CSRFToken`` header) or a personal token in ``Authorization: Bearer mm_…``. Every error
has one shape: ``{"error": {"code", "message", "fields"}}``.
"""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api as _Api

from .schemas import ErrorSchema


class Api(_Api):
    """flask-smorest, but errors go through the app's own handler (one shape for all)."""

    ERROR_SCHEMA = ErrorSchema

    def _register_error_handlers(self):  # the app registers its own (web/errors.py)
        pass


api = Api()


def init_app(app: Flask) -> None:
    from . import conversations, search, team, views  # noqa: F401  (conversations, search and team add their routes to views.blp)
    from . import sessions  # noqa: F401  (Praktijk-in-zicht sessions, on views.blp too)

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

    api.init_app(app)
    api.register_blueprint(views.blp)
    app.register_blueprint(docs.bp)
