"""Matchmaker: partnerships that train teachers together learn from those who did it before."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, has_request_context, request, session
from flask_login import current_user

from . import config as config_module
from . import logging_setup, security
from .domain import LANGUAGES
from .extensions import babel, csrf, db, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the application; ``config`` overrides settings read from the environment."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    overrides = dict(config or {})
    env = dict(os.environ)
    if (
        "SECRET_KEY" in overrides
    ):  # a key given in code: no need to read or make instance/secret_key
        env["SECRET_KEY"] = overrides["SECRET_KEY"]
    app.config.update(config_module.from_environment(app.instance_path, env))
    app.config.update(overrides)
    logging_setup.init_app(app)

    register_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    return app


def select_locale() -> str:
    """The reader's language: chosen in the session, else the browser's, else Dutch.
    Outside a request (command line, background work) messages are in English."""
    if not has_request_context():
        return "en"
    if request.path.startswith("/api/"):  # the API speaks English unless asked otherwise
        return request.accept_languages.best_match(LANGUAGES, default="en") or "en"
    if (
        current_user
        and getattr(current_user, "is_authenticated", False)
        and current_user.locale in LANGUAGES
    ):
        if "lang" not in session:
            return current_user.locale
    lang = session.get("lang")
    if lang in LANGUAGES:
        return lang
    return request.accept_languages.best_match(LANGUAGES, default="nl") or "nl"


def register_extensions(app: Flask) -> None:
    from .services.matching import IndexCache

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(ROOT / "translations"),
    )
    app.extensions["matchmaker.index"] = IndexCache()
    security.init_app(app)

    # Who ``current_user`` is: the session's (or remember-me cookie's) account, except on an
    # /api/v1 call with an Authorization header, where the token alone decides (api/auth.py).
    # A token is never stored in the session, so it sets no cookie and changes no session.
    @login_manager.user_loader
    def load_user(user_id: str):
        from .api import auth as api_auth
        from .services.accounts import load_session_user

        if api_auth.sends_credentials(request):
            return api_auth.token_user(request)
        return load_session_user(user_id)

    @login_manager.request_loader
    def load_user_from_request(req):
        from .api import auth as api_auth

        return api_auth.token_user(req)

    @app.context_processor
    def inject_globals():
        from flask_babel import get_locale

        return {"current_locale": str(get_locale() or "nl"), "languages": LANGUAGES}


def register_blueprints(app: Flask) -> None:
    from .web import (
        admin,
        auth,
        devmail,
        health,
        helpers,
        intros,
        main,
        member,
        programme,
        stories,
        team,
    )
    from .web import search as search_pages

    helpers.register(app)
    for blueprint in (
        main.bp,
        auth.bp,
        member.bp,
        intros.bp,
        admin.bp,
        programme.bp,
        devmail.bp,
        team.bp,
        stories.bp,
        search_pages.bp,
    ):
        app.register_blueprint(blueprint)
    app.register_blueprint(health.bp)
    from .web import practice_sessions

    app.register_blueprint(practice_sessions.bp)
    from . import api

    api.init_app(app)


def register_error_handlers(app: Flask) -> None:
    from .web.errors import register

    register(app)


def register_commands(app: Flask) -> None:
    from .cli import register

    register(app)
