"""The one rule for an email address a person types (a contact address, an account's address):
valid syntax without a DNS look-up, the domain lower-cased, and a reason in the reader's language
when it is not (email-validator explains in English only)."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _


def normalize_email(value, field: str, errors: dict) -> str | None:
    """A syntactically valid address (no DNS look-up), lower-cased domain; or an error."""
    if not isinstance(value, str):
        errors[field] = _("must be an email address")
        return None
    try:
        # SMTPUTF8 off: every mail server must be able to take the address ("jürgen@…" in
        # one message's recipients made a server without it refuse the message for all of them).
        result = validate_email(value.strip(), check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        errors[field] = _(
            "is not a valid email address (%(reason)s)", reason=email_reason(str(exc))
        )
        return None
    return f"{result.local_part}@{result.ascii_domain}"  # an international domain as punycode


# email-validator explains in English only: its common reasons, by a phrase in its message, as our own
# msgids (so a Dutch page never shows English); anything else gets the generic reason.
_EMAIL_REASONS = (
    ("must have an @-sign", lambda: _("the @-sign is missing")),
    ("something before the @-sign", lambda: _("nothing comes before the @-sign")),
    ("something after the @-sign", lambda: _("nothing comes after the @-sign")),
    (
        "should have a period",
        lambda: _("the part after the @-sign needs a period, as in example.nl"),
    ),
    ("two periods in a row", lambda: _("it has two periods in a row")),
    ("cannot start with", lambda: _("a period or hyphen is in the wrong place")),
    ("cannot end with", lambda: _("a period or hyphen is in the wrong place")),
    ("too long", lambda: _("it is too long")),
    ("instead of a regular at-sign", lambda: _("type a regular @-sign")),
    ("top-level domain", lambda: _("the part after the @-sign is not an existing domain")),
    ("special-use or reserved", lambda: _("the part after the @-sign is not an existing domain")),
    (
        "anything after the email address",
        lambda: _("give only the address, without a name or brackets"),
    ),
    ("display name", lambda: _("give only the address, without a name or brackets")),
    (
        "nternationalized characters",
        lambda: _("use only letters a-z, digits and . _ - + before the @-sign"),
    ),
    ("character", lambda: _("it contains a character that is not allowed")),
)


def email_reason(message: str) -> str:
    """email-validator's English reason as a short reason in the reader's language."""
    for phrase, reason in _EMAIL_REASONS:
        if phrase in message:
            return reason()
    return _("check the spelling")
