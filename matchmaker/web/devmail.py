"""Development only: the messages written as .eml files (instance/mail/), with clickable links.
Every page here is a 404 in production or when mail goes out over SMTP."""

from __future__ import annotations

import re
from email import message_from_bytes
from email.policy import default

from flask import Blueprint, abort, current_app, render_template

from ..services.mail import mail_dir

bp = Blueprint("devmail", __name__, url_prefix="/dev/mail")
_LINK_RE = re.compile(r"(https?://[^\s<>\"]+)")
_NAME_RE = re.compile(r"^[\w.-]+\.eml$")


def available() -> bool:
    """Whether this page exists: development, and mail written to files rather than sent."""
    cfg = current_app.config
    return (
        cfg.get("MATCHMAKER_ENV") != "production"
        and not cfg.get("SMTP_HOST")
        and mail_dir() is not None
    )


@bp.before_request
def only_in_development():
    if not available():
        abort(404)


def _read(path) -> dict:
    msg = message_from_bytes(path.read_bytes(), policy=default)
    try:
        body = (
            msg.get_content() if not msg.is_multipart() else msg.get_body(("plain",)).get_content()
        )
    except Exception:
        body = ""
    parts = [(piece, bool(_LINK_RE.fullmatch(piece))) for piece in _LINK_RE.split(body) if piece]
    return {
        "name": path.name,
        "to": msg["To"],
        "subject": msg["Subject"],
        "date": msg["Date"],
        "parts": parts,
    }


@bp.get("/")
def index():
    folder = mail_dir()
    files = (
        sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True)[:50]
        if folder.is_dir()
        else []
    )
    return render_template("devmail/index.html", messages=[_read(p) for p in files], folder=folder)


@bp.get("/<name>")
def message(name: str):
    path = mail_dir() / name
    if not _NAME_RE.match(name) or not path.is_file():
        abort(404)
    return render_template("devmail/message.html", message=_read(path))
