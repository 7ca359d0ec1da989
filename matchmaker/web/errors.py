"""Friendly error pages for HTML; for /api/ one JSON shape: {"error": {"code", "message", "fields"}}."""

from __future__ import annotations

import logging
import math
import time

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from ..extensions import limiter

log = logging.getLogger(__name__)


def wants_json() -> bool:
    return request.path.startswith("/api/")


def _flatten(messages, prefix: str = "") -> dict[str, str]:
    """webargs/marshmallow messages ({"json": {"contact": {"email": ["…"]}}}) → {"contact.email": "…"}."""
    out: dict[str, str] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = str(key)
            if not prefix and name in ("json", "query", "form", "headers", "files", "view_args"):
                out.update(_flatten(value, ""))
                continue
            out.update(_flatten(value, f"{prefix}.{name}" if prefix else name))
    elif isinstance(messages, (list, tuple)):
        if all(isinstance(m, str) for m in messages):
            out[prefix or "body"] = " ".join(messages)
        else:
            for item in messages:
                out.update(_flatten(item, prefix))
    else:
        out[prefix or "body"] = str(messages)
    return out


def error_code(exc: HTTPException) -> str:
    return (exc.name or "error").lower().replace(" ", "_").replace("'", "")


def error_response(exc: HTTPException):
    code = exc.code or 500
    if wants_json():
        data = getattr(exc, "data", None) or {}
        fields = data.get("errors") or data.get("messages") or {}
        fields = (
            fields
            if isinstance(fields, dict) and all(isinstance(v, str) for v in fields.values())
            else _flatten(fields)
        )
        message = data.get("message") or exc.description or exc.name
        if code == 422 and not data.get("message"):
            message = "the request has invalid fields"
        response = jsonify(
            {"error": {"code": error_code(exc), "message": str(message), "fields": fields}}
        )
        response.status_code = code
        if code == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="matchmaker"'
        for name, value in (data.get("headers") or {}).items():
            response.headers[name] = value
        if code == 429:
            _retry_after(response)
        return response
    response = current_app.make_response((render_template("errors/error.html", error=exc), code))
    if code == 429:
        _retry_after(response)
    return response


def _retry_after(response) -> None:
    """Seconds until the limit that refused the request resets."""
    current = limiter.current_limit
    if current is not None:
        response.headers["Retry-After"] = str(max(1, math.ceil(current.reset_at - time.time())))


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return error_response(exc)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(InternalServerError())
