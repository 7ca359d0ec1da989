"""Outgoing email: over SMTP; or written to files (MAIL_FILE_DIR); in development with neither,
to the log. Production refuses to start without SMTP_HOST or MAIL_FILE_DIR (config.py), and never
writes a message's body (its links) to the log."""

from __future__ import annotations

import logging
import os
import re
import smtplib
import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from flask import current_app

log = logging.getLogger(__name__)
_HEADER_BREAK_RE = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def one_line(value: str) -> str:
    """A header value on one line: line breaks and other controls become a space."""
    return _HEADER_BREAK_RE.sub(" ", value).strip()


def send(to: str | list[str], subject: str, body: str) -> bool:
    """Send one plain-text message. Returns False (and logs) when delivery failed: a failed
    email must never undo, or turn into an error, the change that caused it."""
    recipients = [to] if isinstance(to, str) else [r for r in to if r]
    if not recipients:
        return False
    cfg = current_app.config
    try:
        msg = EmailMessage()
        msg["From"] = cfg["MAIL_FROM"]
        msg["To"] = ", ".join(one_line(r) for r in recipients)
        msg["Subject"] = one_line(subject)
        msg["Message-ID"] = make_msgid(domain="matchmaker")
        msg.set_content(body)
    except Exception:
        log.exception("could not compose email to %s", recipients)
        return False
    if cfg.get("SMTP_HOST"):
        return _send_smtp(cfg, msg)
    if cfg.get("MAIL_FILE_DIR"):
        return _write_file(cfg["MAIL_FILE_DIR"], msg)
    if cfg.get("MATCHMAKER_ENV") == "production":  # config.py refuses this; never log links anyway
        log.error("email not sent (no SMTP_HOST or MAIL_FILE_DIR) to=%s subject=%s", msg["To"], msg["Subject"])
        return False
    log.info("email (no SMTP configured) to=%s subject=%s\n%s", msg["To"], msg["Subject"], body)
    return True


def _send_smtp(cfg, msg: EmailMessage) -> bool:
    try:
        with smtplib.SMTP(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=10) as smtp:
            if cfg.get("SMTP_STARTTLS"):
                smtp.starttls()
            if cfg.get("SMTP_USERNAME"):
                smtp.login(cfg["SMTP_USERNAME"], cfg.get("SMTP_PASSWORD") or "")
            smtp.send_message(msg)
        return True
    except Exception:  # OSError, SMTPException, a refused header …: log, never raise
        log.exception("could not send email to %s (%s)", msg["To"], msg["Subject"])
        return False


def _write_file(directory: str, msg: EmailMessage) -> bool:
    """One .eml file per message, readable by its owner only; the log names the file, not the body."""
    try:
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{make_msgid().strip('<>').split('@')[0]}.eml"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(msg.as_bytes())
    except Exception:
        log.exception("could not write email to %s (%s) into %s", msg["To"], msg["Subject"], directory)
        return False
    log.info("email written to %s: to=%s subject=%s", path, msg["To"], msg["Subject"])
    return True
