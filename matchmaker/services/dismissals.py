"""Dismissals: a partnership says a suggested mentor is not relevant; hidden for it alone."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..models import Dismissal, Partnership
from .permissions import require_act_for


def dismiss(partnership: Partnership, mentor: Partnership, user=None) -> None:
    """Hide ``mentor`` from ``partnership``'s suggestions ("not relevant"). ``user``, when
    given, must act for the partnership (a coordinator; NotCoordinator otherwise)."""
    if user is not None:
        require_act_for(user, partnership.id)
    if partnership.id == mentor.id:
        return
    exists = db.session.get(Dismissal, (partnership.id, mentor.id))
    if exists is None:
        db.session.add(
            Dismissal(
                partnership_id=partnership.id,
                mentor_id=mentor.id,
                user_id=getattr(user, "id", None),
            )
        )
        db.session.commit()


def undismiss(partnership: Partnership, mentor: Partnership, user=None) -> None:
    """Suggest ``mentor`` again; ``user`` as for ``dismiss``."""
    if user is not None:
        require_act_for(user, partnership.id)
    row = db.session.get(Dismissal, (partnership.id, mentor.id))
    if row is not None:
        db.session.delete(row)
        db.session.commit()


def dismissed_mentors(partnership: Partnership) -> list[Partnership]:
    """The active partnerships ``partnership`` no longer wants suggested, by name."""
    stmt = (
        select(Partnership)
        .join(Dismissal, Dismissal.mentor_id == Partnership.id)
        .where(Dismissal.partnership_id == partnership.id, Partnership.active.is_(True))
        .order_by(Partnership.name)
    )
    return list(db.session.scalars(stmt))
