"""Development only: the messages written as .eml files (instance/mail/), with clickable links.
Every page here is a 404 in production or when mail goes out over SMTP."""

from __future__ import annotations

import re
from email import message_from_bytes
from email.policy import default
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template

from ..services.mail_transport import mail_dir

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


def _folder() -> Path:
    """The folder the messages are written to (404 when there is none)."""
    folder = mail_dir()
    if folder is None:
        abort(404)
    return folder


def _read(path: Path) -> dict:
    """A written message's addressee, subject, date, and its plain text cut into text and links."""
    msg = message_from_bytes(path.read_bytes(), policy=default)
    plain = msg.get_body(("plain",)) if msg.is_multipart() else msg
    try:
        body = plain.get_content() if plain is not None else ""
    except Exception:  # a file that is not a readable message: shown without a body
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
    """The 50 newest messages, newest first."""
    folder = _folder()
    files = (
        sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True)[:50]
        if folder.is_dir()
        else []
    )
    return render_template("devmail/index.html", messages=[_read(p) for p in files], folder=folder)


@bp.get("/<name>")
def message(name: str):
    """One message by its file name."""
    path = _folder() / name
    if not _NAME_RE.match(name) or not path.is_file():
        abort(404)
    return render_template("devmail/message.html", message=_read(path))
