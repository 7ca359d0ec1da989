"""Hardening in one place: security headers, rate limits, proxy handling, logging of denials."""

from __future__ import annotations

import hashlib
import logging
import re
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from . import json_input
from .extensions import limiter

log = logging.getLogger("matchmaker.security")

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


# C0 controls, DEL and C1 controls: browsers drop tab, CR and LF from URLs, so "/\t/evil" is "//evil".
_URL_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def local_target(target) -> str | None:
    """``target`` if it is a path on this site (safe for a redirect after log-in), else None.

    The one check for every ``next`` parameter: control characters are dropped first (as a
    browser would), then the target must start with a single ``/`` (not ``//`` or a slash and a backslash),
    hold no backslash and have neither scheme nor host."""
    if not isinstance(target, str):
        return None
    target = _URL_CONTROL_RE.sub("", target).strip()
    if not target.startswith("/") or target.startswith(("//", "/\\")) or "\\" in target:
        return None
    try:
        parts = urlsplit(target)
    except ValueError:
        return None
    if parts.scheme or parts.netloc:
        return None
    return target


def safe_next(target, default: str) -> str:
    """``target`` when it is local (see ``local_target``), otherwise ``default``."""
    return local_target(target) or default


def login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def login_account_limit() -> str:
    return current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"]


def login_account_key() -> str:
    """The account a log-in attempt is for (hashed: no addresses in the limiter's storage)."""
    email = request.form.get("email", "") if request.method == "POST" else ""
    return (
        "account:"
        + hashlib.sha256(email.strip().lower().encode("utf-8", "replace")).hexdigest()[:32]
    )


def suggestions_limit() -> str:
    return current_app.config["SUGGESTIONS_RATE_LIMIT"]


def failed(response) -> bool:
    """Only failed attempts count towards the log-in limit."""
    return response.status_code in (400, 401)


# Limits, applied to the views in web/auth.py, web/member.py and the API.
_login_per_address = limiter.limit(login_limit, methods=["POST"], deduct_when=failed, scope="login")
_login_per_account = limiter.limit(
    login_account_limit,
    key_func=login_account_key,
    methods=["POST"],
    deduct_when=failed,
    scope="login-account",
)


def login_limited(view):
    """Failed log-ins are limited per client address and, against guessing from many
    addresses, per account."""
    return _login_per_address(_login_per_account(view))


reset_limited = limiter.limit("5 per 15 minutes", methods=["POST"], scope="password-reset")
register_limited = limiter.limit("10 per hour", methods=["POST"], scope="register")
claim_limited = limiter.limit("5 per 15 minutes", methods=["POST"], scope="claim")
invitation_limited = limiter.limit("10 per 15 minutes", methods=["POST"], scope="invitation")
# A coordinator inviting colleagues: generous for a real team, a wall for trying many addresses.
team_invite_limited = limiter.shared_limit("20 per hour", scope="team-invite", methods=["POST"])
suggestions_limited = limiter.limit(suggestions_limit, scope="suggestions")


def refuse_hostile_json(body: bytes) -> None:
    """400 for JSON that parses but must not be accepted (``json_input.read_document``: a key
    written twice, a lone surrogate, nesting deeper than ``json_input.MAX_DEPTH``, a number past
    Python's digit limit), with the place named. Malformed JSON is left to the API's own
    parser, which names the problem."""
    try:
        json_input.read_document(body)
    except json_input.BadDocument as exc:
        abort(400, description=str(exc))
    except ValueError:  # not JSON, or not UTF-8
        return


def redis_client_options() -> dict:
    """For every Redis connection: give up within half a second, retry once without waiting
    (redis-py's default backs off for seconds, on every request while Redis is down)."""
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return {"socket_connect_timeout": 0.5, "socket_timeout": 0.5, "retry": Retry(NoBackoff(), 1)}


def init_app(app: Flask) -> None:
    hops = app.config.get("PROXY_FIX_HOPS") or 0
    if hops:
        # X-Forwarded-Host and -Prefix only when the proxy is known to overwrite them
        # (PROXY_TRUST_FORWARDED_HOST): otherwise a client could send its own. Emailed links
        # never depend on them anyway (they are built from BASE_URL).
        trusted = hops if app.config.get("PROXY_TRUST_FORWARDED_HOST") else 0
        # Flask's documented way to wrap the app in a middleware; its stubs declare a method.
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=trusted, x_prefix=trusted
        )
    if str(app.config.get("RATELIMIT_STORAGE_URI", "")).startswith(
        ("redis://", "rediss://", "unix://")
    ):
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", redis_client_options())
    limiter.init_app(app)
    production = app.config.get("MATCHMAKER_ENV") == "production"

    @app.before_request
    def refuse_nul_characters():
        """NUL never belongs in text, and PostgreSQL cannot store it: refuse it at the door."""
        if "\x00" in request.path or any(
            "\x00" in k or "\x00" in v for k, v in request.args.items(multi=True)
        ):
            abort(400, description="the request contains a NUL character")
        if request.method in ("POST", "PUT", "PATCH"):
            body = request.get_data(cache=True)
            form_encoded = request.mimetype == "application/x-www-form-urlencoded"
            if request.is_json and b"\x00" in body:  # UTF-16 or UTF-32 text has NUL bytes
                abort(400, description="the JSON body must be UTF-8")
            if b"\x00" in body or (form_encoded and b"%00" in body):
                abort(400, description="the request contains a NUL character")
            if body and request.is_json:
                refuse_hostile_json(body)  # a "\u0000" escape in any string among the rest

    @app.after_request
    def security_headers(response):
        headers = response.headers
        if "Content-Security-Policy" not in headers:
            headers["Content-Security-Policy"] = CSP
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"
        )
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if production:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if current_user and getattr(current_user, "is_authenticated", False):
            headers.setdefault(
                "Cache-Control", "no-store"
            )  # pages with personal data stay off shared caches
        if response.status_code in (401, 403):
            who = (
                getattr(current_user, "email", None)
                if getattr(current_user, "is_authenticated", False)
                else "anonymous"
            )
            log.warning(
                "access denied: %s %s -> %s for %s from %s",
                request.method,
                request.path,
                response.status_code,
                who,
                request.remote_addr,
            )
        return response
