"""How a message leaves: composed from its outbox row, then sent over SMTP or written as an .eml
file (services/mail.py decides when, and what a failure means)."""

from __future__ import annotations

import logging
import os
import re
import smtplib
import time
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path

from flask import current_app

from ..models import OutboxMessage, utcnow

log = logging.getLogger("matchmaker.services.mail")
_HEADER_BREAK_RE = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def one_line(value: str) -> str:
    """A header value on one line: line breaks and other controls become a space."""
    return _HEADER_BREAK_RE.sub(" ", value).strip()


def recipient_address(recipient: str) -> str:
    """The address smtplib gives the server for a recipient ("Naam <a@b.nl>" → "a@b.nl")."""
    return parseaddr(recipient)[1] or recipient


def compose(cfg, row: OutboxMessage) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = cfg["MAIL_FROM"]
    msg["To"] = ", ".join(one_line(r) for r in row.recipients)
    msg["Subject"] = one_line(row.subject)
    msg["Message-ID"] = row.message_id
    msg["Date"] = format_datetime(row.created_at or utcnow())
    if row.language:
        msg["Content-Language"] = row.language
    msg.set_content(row.body)
    if row.calendar:  # METHOD (REQUEST, CANCEL) goes on the part too, as calendar clients expect
        method = re.search(r"^METHOD:(\w+)", row.calendar, re.MULTILINE)
        params = {"method": method.group(1)} if method else None
        msg.add_attachment(row.calendar, subtype="calendar", filename="invite.ics", params=params)
    return msg


def mail_dir(app=None) -> Path | None:
    """Where messages are written as files: MAIL_FILE_DIR, else instance/mail/ in development."""
    app = app or current_app
    if app.config.get("MAIL_FILE_DIR"):
        return Path(app.config["MAIL_FILE_DIR"])
    if app.config.get("MATCHMAKER_ENV") == "production":
        return None
    return Path(app.instance_path) / "mail"


def transmit(cfg, msg: EmailMessage) -> dict[str, tuple[int, bytes]]:
    """Send over SMTP, or write a file; raises when the message did not leave at all, and
    returns the recipients the server refused while it took the message for the others."""
    if cfg.get("SMTP_HOST"):
        return send_smtp(cfg, msg)
    directory = mail_dir()
    if directory is None:  # config.py refuses this in production; never log links anyway
        raise RuntimeError("no SMTP_HOST or MAIL_FILE_DIR configured")
    write_file(directory, msg)
    return {}


def send_smtp(cfg, msg: EmailMessage) -> dict[str, tuple[int, bytes]]:
    """smtplib raises when every recipient is refused, and returns those refused when only some
    are (``{address: (code, reply)}``). Once the server has taken the message (250 after DATA)
    it is sent: a failing QUIT afterwards must not make it go again."""
    smtp = smtplib.SMTP(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=10)
    try:
        if cfg.get("SMTP_STARTTLS"):
            smtp.starttls()
        if cfg.get("SMTP_USERNAME"):
            smtp.login(cfg["SMTP_USERNAME"], cfg.get("SMTP_PASSWORD") or "")
        return smtp.send_message(msg)
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def write_file(directory: Path, msg: EmailMessage) -> Path:
    """One .eml file per message, readable by its owner only; the log names the file, not the body."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    path = (
        folder
        / f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}-{make_msgid().strip('<>').split('@')[0]}.eml"
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(msg.as_bytes())
    log.info("email written to %s: to=%s subject=%s", path, msg["To"], msg["Subject"])
    return path
