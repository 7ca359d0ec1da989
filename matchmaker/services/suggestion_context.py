"""What suggestions read besides the profiles: open introductions per mentor, rejected and
dismissed pairs, endorsements and ratings, as one ``ContextSnapshot`` per context version
(the index cache in services/matching.py keeps it per process)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import bindparam, func, select, union

from ..extensions import db
from ..models import OPEN_INTRO_STATES, Dismissal, Introduction, MatchReview, Partnership
from .feedback import endorsed_pairs, rating_summaries


@lru_cache(maxsize=1)
def _load_statement():
    return (
        select(Partnership.key, func.count(Introduction.id))
        .join(Introduction, Introduction.mentor_id == Partnership.id)
        .where(Introduction.state.in_(OPEN_INTRO_STATES))
        .group_by(Partnership.key)
    )


def mentor_load() -> dict[str, int]:
    """Open introductions per mentor key (requested, awaiting admin or accepted)."""
    return {key: count for key, count in db.session.execute(_load_statement())}


@lru_cache(maxsize=2)
def _excluded_statement(by_mentee: bool):
    """Rejected and dismissed pairs: all, or of one mentee (by id, a bound parameter)."""
    mentee = Partnership.__table__.alias("mentee")
    mentor = Partnership.__table__.alias("mentor")
    rejected = (
        select(mentee.c.key, mentor.c.key)
        .select_from(MatchReview)
        .join(mentee, mentee.c.id == MatchReview.mentee_id)
        .join(mentor, mentor.c.id == MatchReview.mentor_id)
        .where(MatchReview.decision == "rejected")
    )
    dismissed = (
        select(mentee.c.key, mentor.c.key)
        .select_from(Dismissal)
        .join(mentee, mentee.c.id == Dismissal.partnership_id)
        .join(mentor, mentor.c.id == Dismissal.mentor_id)
    )
    if by_mentee:
        rejected = rejected.where(mentee.c.id == bindparam("mentee"))
        dismissed = dismissed.where(mentee.c.id == bindparam("mentee"))
    return union(rejected, dismissed)


def excluded_pairs(mentee_id: int | None = None) -> frozenset[tuple[str, str]]:
    """(mentee key, mentor key) pairs never to suggest: rejected by an admin or dismissed.

    All pairs, or those of one mentee. Read now, from the database: for the checks made when
    something is written; suggestions read them from the context snapshot.
    """
    if mentee_id is not None:
        rows = db.session.execute(_excluded_statement(True), {"mentee": mentee_id})
    else:
        rows = db.session.execute(_excluded_statement(False))
    return frozenset((a, b) for a, b in rows)


@dataclass(frozen=True)
class ContextSnapshot:
    """What suggestions read besides the profiles, for every partnership, at one context version.

    Shared by the requests of a process: read-only."""

    version: int
    load: dict[str, int]  # mentor key -> open introductions
    excluded: dict[
        str, frozenset[tuple[str, str]]
    ]  # mentee key -> its rejected and dismissed pairs
    endorsed: dict[str, list[tuple[str, str]]]  # mentee key -> its endorsed pairs
    ratings: dict  # mentor key -> RatingSummary


def read_context(version: int) -> ContextSnapshot:
    """A ContextSnapshot at ``version``: mentor loads, excluded and endorsed pairs by mentee,
    and rating summaries, read now."""
    excluded: dict[str, set] = {}
    for pair in excluded_pairs():
        excluded.setdefault(pair[0], set()).add(pair)
    endorsed: dict[str, list] = {}
    for pair in endorsed_pairs():
        endorsed.setdefault(pair[0], []).append(pair)
    return ContextSnapshot(
        version=version,
        load=mentor_load(),
        excluded={k: frozenset(v) for k, v in excluded.items()},
        endorsed=endorsed,
        ratings=rating_summaries(),
    )
