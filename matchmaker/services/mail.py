"""Outgoing email over SMTP; in development without SMTP_HOST, messages go to the log."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app

log = logging.getLogger(__name__)


def send(to: str | list[str], subject: str, body: str) -> bool:
    """Send one plain-text message. Returns False (and logs) when delivery failed: a failed
    email must never undo the change that caused it."""
    recipients = [to] if isinstance(to, str) else [r for r in to if r]
    if not recipients:
        return False
    cfg = current_app.config
    msg = EmailMessage()
    msg["From"] = cfg["MAIL_FROM"]
    msg["To"] = ", ".join(recipients)
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="matchmaker")
    msg.set_content(body)
    if not cfg.get("SMTP_HOST"):
        log.info("email (no SMTP configured) to=%s subject=%s\n%s", msg["To"], subject, body)
        return True
    try:
        with smtplib.SMTP(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=10) as smtp:
            if cfg.get("SMTP_STARTTLS"):
                smtp.starttls()
            if cfg.get("SMTP_USERNAME"):
                smtp.login(cfg["SMTP_USERNAME"], cfg.get("SMTP_PASSWORD") or "")
            smtp.send_message(msg)
        return True
    except (OSError, smtplib.SMTPException):
        log.exception("could not send email to %s (%s)", msg["To"], subject)
        return False
