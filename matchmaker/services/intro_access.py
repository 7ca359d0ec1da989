"""Who may see an introduction and do what with it: the state machine's table of transitions
with the sides that may take each (services/introductions.py applies it), and the rules for
seeing an introduction, its contact details and its conversation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..models import Introduction, User
from .permissions import can_act_for, can_read_partnership

MENTEE, MENTOR, ADMIN = "mentee", "mentor", "admin"


@dataclass(frozen=True)
class Transition:
    """One row of the state machine: ``action`` moves an introduction from one of ``source``
    to ``target``, for the sides named in ``roles``."""

    action: str
    source: tuple[str, ...]
    target: str
    roles: tuple[str, ...]


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition("approve", ("awaiting_admin",), "requested", (ADMIN,)),
        Transition("accept", ("requested",), "accepted", (MENTOR, ADMIN)),
        Transition("decline", ("requested", "awaiting_admin"), "declined", (MENTOR, ADMIN)),
        Transition("withdraw", ("requested", "awaiting_admin"), "withdrawn", (MENTEE, ADMIN)),
        Transition("complete", ("accepted",), "completed", (MENTEE, MENTOR, ADMIN)),
    )
}


# Actions that carry an introduction further (to the mentor, to shared contact details): not
# while either partnership is deactivated. Declining, withdrawing and completing stay possible.
LEADS_ON = ("approve", "accept")
REACHED_STATES = ("requested", "accepted", "completed")  # only ever reached through "requested"
INACTIVE_MESSAGE = "the other partnership is no longer active in Matchmaker"


def roles_of(user: User, intro: Introduction) -> set[str]:
    """The sides ``user`` may act as on ``intro``: a partnership's coordinators act for it, its
    members only read (services/permissions.py)."""
    roles = set()
    if user.is_admin:
        roles.add(ADMIN)
    if can_act_for(user, intro.mentee_id):
        roles.add(MENTEE)
    if can_act_for(user, intro.mentor_id) and mentor_asked(intro):
        roles.add(MENTOR)
    return roles


def reached_mentor_at(intro: Introduction) -> datetime | None:
    """When the request reached the mentor: its first move to "requested" (made so, or approved
    by an admin); None for one that never did (awaiting approval, or declined or withdrawn
    before an admin approved it)."""
    times = [e.created_at for e in intro.events if e.to_state == "requested"]
    return min(times) if times else None


def mentor_asked(intro: Introduction) -> bool:
    """Has the request reached the mentor? Until then the mentor side neither sees nor answers
    it, and what was said before stays between the asking partnership and the admins. Only a
    declined or withdrawn one needs its events read: the other states say it themselves."""
    if intro.state in REACHED_STATES:
        return True
    return intro.state != "awaiting_admin" and reached_mentor_at(intro) is not None


def can_view(user: User, intro: Introduction) -> bool:
    """Admins and every account of either partnership (members too) see the introduction; the
    mentor's side once the request has reached it (``mentor_asked``)."""
    return can_read_partnership(user, intro.mentee_id) or (
        mentor_asked(intro) and can_read_partnership(user, intro.mentor_id)
    )


def allowed_actions(user: User, intro: Introduction) -> list[str]:
    """The actions this user may take on this introduction now (for buttons and the API)."""
    roles = roles_of(user, intro)
    actions = [
        t.action for t in TRANSITIONS.values() if intro.state in t.source and roles & set(t.roles)
    ]
    if any(a in LEADS_ON for a in actions) and not both_active(intro):
        actions = [a for a in actions if a not in LEADS_ON]
    return actions


def both_active(intro: Introduction) -> bool:
    """Are both partnerships of the introduction still in the programme (not deactivated)?"""
    return bool(intro.mentee.active and intro.mentor.active)


def contacts_visible(user: User | None, intro: Introduction) -> bool:
    """Contact details are shared only inside an accepted (or completed) introduction, and,
    but for admins, only while both partnerships are active."""
    return (
        user is not None
        and intro.state in ("accepted", "completed")
        and can_view(user, intro)
        and (user.is_admin or both_active(intro))
    )
