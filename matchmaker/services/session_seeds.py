"""Demo sessions for ``flask --app wsgi seed``: seeds/sessions.json, with dates relative to today
so they are always upcoming. Each is validated by the same rules as the web form and the API."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from ..extensions import db
from ..models import PracticeSession, utcnow
from .profiles import NotFound, get_partnership
from .session_rules import AMSTERDAM, clean_session
from .validation import ValidationError

SEED_FILE = "sessions.json"


def load_seed_sessions(document, today: date | None = None) -> int:
    """Add the document's sessions that are not there yet (same partnership and title, upcoming);
    nothing is written when one of them is wrong. Returns how many were added."""
    today = today or datetime.now(AMSTERDAM).date()
    items = document.get("sessions") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise ValidationError({"sessions": "must be a list of sessions"})
    added, now = [], utcnow()
    for i, item in enumerate(items):
        try:
            record = dict(item)
            partnership = get_partnership(record.pop("partnership", ""))
            day = today + timedelta(days=int(record.pop("days_from_today")))
            record["starts_at"] = datetime.combine(day, time.fromisoformat(record.pop("start")))
            record["ends_at"] = datetime.combine(day, time.fromisoformat(record.pop("end")))
            clean = clean_session(record, now=now)
        except ValidationError as exc:
            raise ValidationError(
                {f"sessions[{i}].{k}": v for k, v in exc.fields.items()}
            ) from None
        except (NotFound, KeyError, TypeError, ValueError) as exc:
            raise ValidationError(
                {f"sessions[{i}]": f"is not a valid seed session ({exc})"}
            ) from None
        exists = db.session.scalar(
            select(PracticeSession.id).where(
                PracticeSession.partnership_id == partnership.id,
                PracticeSession.title == clean["title"],
                PracticeSession.starts_at > now,
            )
        )
        if exists is None:
            added.append(PracticeSession(partnership_id=partnership.id, sequence=0, **clean))
    db.session.add_all(added)
    db.session.commit()
    return len(added)
