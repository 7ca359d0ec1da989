"""Friendly error pages for HTML; JSON errors in one shape for the API."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(exc: HTTPException, fields: dict | None = None):
    code = exc.code or 500
    if wants_json():
        body = {"error": {"code": exc.name.lower().replace(" ", "_"), "message": exc.description, "fields": fields or {}}}
        response = jsonify(body)
        response.status_code = code
        return response
    return render_template("errors/error.html", error=exc), code


def register(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return error_response(exc)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(InternalServerError())
