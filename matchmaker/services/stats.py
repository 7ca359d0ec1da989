"""Programme figures for the admin dashboard."""

from __future__ import annotations

from statistics import median

from sqlalchemy import func, select

from ..extensions import db
from ..models import INTRO_STATES, OPEN_INTRO_STATES, Introduction, Partnership, PartnershipSector


def dashboard() -> dict:
    """The figures on the admin dashboard: partnerships by sector and region, introductions by
    state, acceptance rate, median reply time, and the mentors at capacity."""
    active = Partnership.active.is_(True)
    by_sector = dict(
        db.session.execute(
            select(PartnershipSector.sector, func.count())
            .join(Partnership, Partnership.id == PartnershipSector.partnership_id)
            .where(active)
            .group_by(PartnershipSector.sector)
        )
        .tuples()
        .all()
    )
    by_region = db.session.execute(
        select(func.coalesce(Partnership.region, ""), func.count())
        .where(active)
        .group_by(Partnership.region)
        .order_by(func.count().desc())
    ).all()
    by_state = dict(
        db.session.execute(select(Introduction.state, func.count()).group_by(Introduction.state))
        .tuples()
        .all()
    )
    answered = (
        by_state.get("accepted", 0) + by_state.get("completed", 0) + by_state.get("declined", 0)
    )
    accepted = by_state.get("accepted", 0) + by_state.get("completed", 0)
    replies = db.session.execute(
        select(Introduction.created_at, Introduction.responded_at).where(
            Introduction.responded_at.is_not(None)
        )
    ).all()
    reply_days = [max(0.0, (r - c).total_seconds() / 86400) for c, r in replies if c and r]
    load = dict(
        db.session.execute(
            select(Introduction.mentor_id, func.count())
            .where(Introduction.state.in_(OPEN_INTRO_STATES))
            .group_by(Introduction.mentor_id)
        )
        .tuples()
        .all()
    )
    mentors = db.session.scalars(
        select(Partnership).where(
            active, Partnership.open_to_mentor.is_(True), Partnership.experiences != ""
        )
    ).all()
    at_capacity = [p for p in mentors if load.get(p.id, 0) >= p.mentor_capacity]
    return {
        "partnerships": db.session.scalar(
            select(func.count()).select_from(Partnership).where(active)
        )
        or 0,
        "by_sector": by_sector,
        "by_region": [(r or "—", n) for r, n in by_region],
        "by_state": {s: by_state.get(s, 0) for s in INTRO_STATES},
        "introductions": sum(by_state.values()),
        "acceptance_rate": (accepted / answered) if answered else None,
        "median_reply_days": median(reply_days) if reply_days else None,
        "mentors": len(mentors),
        "at_capacity": at_capacity,
    }
