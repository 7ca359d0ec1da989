"""Structured logs: one JSON object per line, carrying the id of the request being served.

Each request gets an id: the incoming ``X-Request-ID`` header when it looks like one (a proxy
or load balancer set it), otherwise a new random one. It is ``g.request_id`` in the app, it is
in every log line written while serving the request, and it is echoed in the ``X-Request-ID``
response header, so the proxy's log, the app's log and a user's error report can be matched.

Logs are JSON unless ``LOG_FORMAT=text``. The app configures logging itself only when nothing
else did (gunicorn does, with ``gunicorn_log_config``; tests keep pytest's handlers).
"""

from __future__ import annotations

import json
import logging
import logging.config
import re
import sys
import uuid
from datetime import datetime, timezone
from urllib.parse import unquote

from flask import Flask, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")
_ACCESS_FIELDS = {  # gunicorn's access-log atoms by the names we log them under
    "remote": "h",
    "method": "m",
    "path": "U",
    "query": "q",
    "protocol": "H",
    "status": "s",
    "bytes": "B",
    "referrer": "f",
    "agent": "a",
}


# Paths whose last part is a secret that works as a key (a password reset, an invitation, an
# email confirmation): the token is replaced before a request line or referrer is logged.
SECRET_PATH_RE = re.compile(r"(/(?:password/reset|invitation|register/confirm)/)[^/?#\s\"]+")


def hide_secrets(text: str) -> str:
    """``text`` with the token of every secret link replaced by ``[hidden]``. A link written
    another way that the app still routes there ("/password/rese%74/T", "//invitation/T",
    "/./invitation/T") is logged decoded and resolved, with its token hidden."""
    if SECRET_PATH_RE.search(text):
        return SECRET_PATH_RE.sub(r"\1[hidden]", text)
    resolved = re.sub(r"(?<!:)/(?:\.?/)+", "/", unquote(text))  # "//" and "/./", not "https://"
    if SECRET_PATH_RE.search(resolved):
        # Decoded, "%0A" would be a line break: a forged log line. Control characters stay
        # written as they came.
        visible = re.sub(r"[\x00-\x1f\x7f]", lambda m: f"%{ord(m.group()):02X}", resolved)
        return SECRET_PATH_RE.sub(r"\1[hidden]", visible)
    return text


class SecretPathFilter(logging.Filter):
    """Hides the tokens of secret links in gunicorn's access records (request line, path,
    query, referrer and every other logged atom) before they are formatted."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            record.args = {
                k: hide_secrets(v) if isinstance(v, str) else v for k, v in record.args.items()
            }
        return True


def current_request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` to every record logged while a request is served."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON; gunicorn's access records get their fields spelled out."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
        }
        atoms = (
            record.args
            if record.name == "gunicorn.access" and isinstance(record.args, dict)
            else None
        )
        if atoms is not None:
            out["message"] = "request"
            out.update({name: atoms.get(atom) for name, atom in _ACCESS_FIELDS.items()})
            out["duration_ms"] = round(int(atoms.get("D", 0) or 0) / 1000, 3)
            out["request_id"] = atoms.get("{x-request-id}o") or atoms.get("{x-request-id}i") or None
        else:
            out["message"] = record.getMessage()
            request_id = getattr(record, "request_id", None) or current_request_id()
            if request_id:
                out["request_id"] = request_id
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def _formatter(text: bool) -> dict:
    if text:
        return {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    return {"()": JsonFormatter}


def gunicorn_log_config(level: str = "INFO", text: bool = False, access: bool = True) -> dict:
    """``logging.config`` for gunicorn's ``logconfig_dict``: gunicorn's and the app's logs alike.

    ``access=False`` drops the access log (one line per request)."""
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "default",
        "filters": ["request_id"],
        "stream": "ext://sys.stderr",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}, "secrets": {"()": SecretPathFilter}},
        "formatters": {"default": _formatter(text)},
        "handlers": {
            "default": handler,
            "access": {
                **handler,
                "stream": "ext://sys.stdout",
                "filters": ["request_id", "secrets"],
            },
        },
        "root": {"level": level, "handlers": ["default"]},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": ["default"], "propagate": False},
            "gunicorn.access": {
                "level": "INFO",
                "handlers": ["access"] if access else [],
                "propagate": False,
            },
        },
    }


def _configure(app: Flask) -> None:
    """Log JSON (or text) to stderr, unless logging was set up already (gunicorn, pytest)."""
    root = logging.getLogger()
    if root.handlers or app.testing:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RequestIdFilter())
    text = app.config.get("LOG_FORMAT", "json") == "text"
    handler.setFormatter(logging.Formatter(_formatter(True)["format"]) if text else JsonFormatter())
    root.addHandler(handler)
    root.setLevel(app.config.get("LOG_LEVEL", "INFO"))


def init_app(app: Flask) -> None:
    """Request ids on every request and response; structured logs."""
    _configure(app)

    @app.before_request
    def assign_request_id() -> None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex

    @app.after_request
    def echo_request_id(response):
        request_id = g.get("request_id")
        if request_id:
            response.headers[REQUEST_ID_HEADER] = request_id
        return response
