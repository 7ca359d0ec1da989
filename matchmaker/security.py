"""Hardening in one place: security headers, rate limits, proxy handling, logging of denials."""

from __future__ import annotations

import logging

from flask import Flask, abort, current_app, request
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

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


def login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def suggestions_limit() -> str:
    return current_app.config["SUGGESTIONS_RATE_LIMIT"]


def failed(response) -> bool:
    """Only failed attempts count towards the log-in limit."""
    return response.status_code in (400, 401)


# Limits, applied to the views in web/auth.py, web/member.py and the API.
login_limited = limiter.limit(login_limit, methods=["POST"], deduct_when=failed, scope="login")
reset_limited = limiter.limit("5 per 15 minutes", methods=["POST"], scope="password-reset")
register_limited = limiter.limit("10 per hour", methods=["POST"], scope="register")
suggestions_limited = limiter.limit(suggestions_limit, scope="suggestions")


def init_app(app: Flask) -> None:
    hops = app.config.get("PROXY_FIX_HOPS") or 0
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops)
    limiter.init_app(app)
    production = app.config.get("MATCHMAKER_ENV") == "production"

    @app.before_request
    def refuse_nul_characters():
        """NUL never belongs in text, and PostgreSQL cannot store it: refuse it at the door."""
        if "\x00" in request.path or any("\x00" in k or "\x00" in v for k, v in request.args.items(multi=True)):
            abort(400, description="the request contains a NUL character")
        if request.method in ("POST", "PUT", "PATCH"):
            body = request.get_data(cache=True)
            form_encoded = request.mimetype == "application/x-www-form-urlencoded"
            if b"\x00" in body or b"\\u0000" in body or (form_encoded and b"%00" in body):
                abort(400, description="the request contains a NUL character")

    @app.after_request
    def security_headers(response):
        headers = response.headers
        if "Content-Security-Policy" not in headers:
            headers["Content-Security-Policy"] = CSP
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if production:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if current_user and getattr(current_user, "is_authenticated", False):
            headers.setdefault("Cache-Control", "no-store")  # pages with personal data stay off shared caches
        if response.status_code in (401, 403):
            who = getattr(current_user, "email", None) if getattr(current_user, "is_authenticated", False) else "anonymous"
            log.warning("access denied: %s %s -> %s for %s from %s", request.method, request.path, response.status_code, who, request.remote_addr)
        return response
