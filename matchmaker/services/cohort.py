"""Cohort assignment: one mentor for every partnership looking, chosen for the whole cohort at once.

``propose`` hands the fitted index, a context with the exclusions of every selected mentee and
the current mentor load to the exact solver (``matching.assignment``); ``apply`` turns approved
rows into introductions through ``introductions.request_introduction``, one by one, so every
rule, notification and record applies. The web page, the ``assign`` command and the tests all
call these two functions.

An introduction made by an admin skips the admin-approval step (``REQUIRE_ADMIN_APPROVAL``):
the admin approving the cohort *is* that approval.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..matching.assignment import (
    Assignment,
    AssignmentResult,
    allowed_pairs,
    assign_cohort,
    mentor_capacities,
    score_matrix,
)
from ..matching.eligibility import MatchContext
from ..models import OPEN_INTRO_STATES, Introduction, Partnership, User
from . import introductions as intro_service
from . import profiles as profile_service
from .matching import current_index, excluded_pairs, match_context, mentor_load
from .validation import ValidationError

# A partnership with an introduction in one of these states as mentee is not looking any more.
SETTLED_STATES = (*OPEN_INTRO_STATES, "completed")
OPTION_LIMIT = 15  # mentors offered per row when the admin overrides the proposal


@dataclass
class Proposal:
    """The solver's proposal for a cohort, with what the admin page needs to show and change it."""

    result: AssignmentResult
    mentees: list[Partnership]  # the selection, in the order the greedy baseline took them
    partnerships: dict[str, Partnership]  # every partnership named in the proposal, by key
    capacities: dict[str, int]  # mentor key -> remaining capacity before this cohort
    options: dict[str, list[tuple[str, float]]] = field(
        default_factory=dict
    )  # mentee -> (mentor, score), best first
    spread_load: bool = False
    min_score: float = 0.0

    def to_dict(self) -> dict:
        """The shape ``flask assign --json`` prints."""
        full = self.result.to_dict()
        return {
            key: full[key]
            for key in ("assignments", "total_score", "greedy_total_score", "unassigned")
        }

    def greedy_of(self, mentee: str) -> Assignment | None:
        """The greedy baseline's assignment of ``mentee`` (a key), or None."""
        return next((a for a in self.result.greedy if a.mentee == mentee), None)

    def proposed_of(self, mentee: str) -> Assignment | None:
        """The solver's assignment of ``mentee`` (a key), or None when it got no mentor."""
        return next((a for a in self.result.assignments if a.mentee == mentee), None)


def looking() -> list[Partnership]:
    """Active partnerships with challenges and no open, accepted or completed introduction as mentee.

    Oldest first: the greedy baseline then serves whoever has waited longest.
    """
    settled = select(Introduction.mentee_id).where(Introduction.state.in_(SETTLED_STATES))
    stmt = (
        select(Partnership)
        .where(
            Partnership.active.is_(True),
            Partnership.challenges != "",
            Partnership.id.not_in(settled),
        )
        .order_by(Partnership.created_at, Partnership.id)
    )
    return list(db.session.scalars(stmt))


def candidates() -> list[Partnership]:
    """Every active partnership with challenges: who an admin may put in a cohort."""
    stmt = (
        select(Partnership)
        .where(Partnership.active.is_(True), Partnership.challenges != "")
        .order_by(Partnership.created_at, Partnership.id)
    )
    return list(db.session.scalars(stmt))


def _selected(mentee_keys: Iterable[str] | None) -> list[Partnership]:
    if mentee_keys is None:
        return looking()
    keys = list(dict.fromkeys(str(k).strip() for k in mentee_keys if str(k).strip()))
    found = profile_service.by_keys(keys, active_only=True)
    unknown = [k for k in keys if k not in found]
    if unknown:
        raise ValidationError(
            {"mentees": _("unknown or inactive partnership: %(keys)s", keys=", ".join(unknown))}
        )
    return [found[k] for k in keys]


def _check_min_score(min_score: float | str) -> float:
    try:
        value = float(min_score)
    except (TypeError, ValueError):
        value = float("nan")
    if not 0.0 <= value <= 1.0:  # also refuses NaN
        raise ValidationError({"min_score": _("must be a number from 0 to 1")})
    return value


def cohort_context(mentee_ids: Sequence[int]) -> MatchContext:
    """``match_context`` with the exclusions of all mentees (rejected and dismissed pairs) and
    every pair that already had an introduction (the cohort makes new introductions only)."""
    context = match_context(None)
    mentee = db.aliased(Partnership)
    mentor = db.aliased(Partnership)
    earlier = set()
    if mentee_ids:
        earlier = set(
            db.session.execute(
                select(mentee.key, mentor.key)
                .select_from(Introduction)
                .join(mentee, mentee.id == Introduction.mentee_id)
                .join(mentor, mentor.id == Introduction.mentor_id)
                .where(Introduction.mentee_id.in_(list(mentee_ids)))
            ).all()
        )
    excluded = set(context.excluded) | {(a, b) for a, b in earlier}
    return replace(context, excluded=frozenset(excluded))


def propose(
    mentee_keys: Iterable[str] | None = None,
    spread_load: bool = False,
    min_score: float | str = 0.0,
    *,
    with_options: bool = False,
) -> Proposal:
    """The optimal assignment of mentors to ``mentee_keys`` (default: everyone ``looking``).

    ``min_score`` may be a form's text ("0.12"); ValidationError unless it is a number from 0 to 1.

    with_options: also list each mentee's eligible mentors (for the admin page's selects).
    """
    min_score = _check_min_score(min_score)
    mentees = _selected(mentee_keys)
    index = current_index()
    mentees = [p for p in mentees if p.key in index]
    keys = [p.key for p in mentees]
    context = cohort_context([p.id for p in mentees])
    result = assign_cohort(index, keys, context, min_score=min_score, spread_load=bool(spread_load))
    capacities = mentor_capacities(index, context)
    options: dict[str, list[tuple[str, float]]] = {}
    if with_options:
        options = _options(index, keys, capacities, context, result)
    named = {a.mentor for a in (*result.assignments, *result.greedy)} | {
        k for rows in options.values() for k, _s in rows
    }
    partnerships = {p.key: p for p in mentees}
    partnerships.update(profile_service.by_keys(named - partnerships.keys()))
    return Proposal(
        result, mentees, partnerships, capacities, options, bool(spread_load), min_score
    )


def _options(index, keys, capacities, context, result) -> dict[str, list[tuple[str, float]]]:
    """Per mentee: its best allowed mentors (any score above 0), plus its proposed and greedy ones."""
    mentors = list(capacities)
    scores = score_matrix(index, keys, mentors, context)
    allowed = allowed_pairs(keys, mentors, scores, context.excluded)
    must = {(a.mentee, a.mentor) for a in (*result.assignments, *result.greedy)}
    out = {}
    for i, key in enumerate(keys):
        cols = np.flatnonzero(allowed[i])
        order = (
            cols[np.lexsort((np.array([mentors[j] for j in cols], dtype=object), -scores[i, cols]))]
            if cols.size
            else cols
        )
        chosen = [int(j) for j in order[:OPTION_LIMIT]]
        chosen += [int(j) for j in order[OPTION_LIMIT:] if (key, mentors[j]) in must]
        out[key] = [(mentors[j], float(scores[i, j])) for j in chosen]
    return out


# --- approval ------------------------------------------------------------------------------------


class CapacityError(ValidationError):
    """Approved rows would give a mentor more introductions than it has room for; nothing was made."""

    def __init__(self, overfull: list[tuple[Partnership, int, int]]) -> None:
        self.overfull = overfull  # (mentor, room left, rows choosing it)
        fields = {
            mentor.key: _(
                "%(name)s has room for %(room)d more introduction(s), but %(count)d rows choose it",
                name=mentor.name,
                room=room,
                count=count,
            )
            for mentor, room, count in overfull
        }
        super().__init__(fields, "; ".join(fields.values()))


@dataclass(frozen=True)
class Refusal:
    """A cohort row that did not become an introduction, and why (``error``)."""

    mentee: str
    mentor: str
    error: intro_service.TransitionError
    mentee_name: str = ""
    mentor_name: str = ""

    @property
    def message(self) -> str:
        """Why the row was refused, as text."""
        return str(self.error)


@dataclass
class ApplyResult:
    """What ``apply`` did: the introductions it made and the rows it refused."""

    created: list[Introduction] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)


def _row(row) -> tuple[str, str]:
    if isinstance(row, Assignment):
        return row.mentee, row.mentor
    mentee, mentor = row[0], row[1]
    return str(mentee).strip(), str(mentor or "").strip()


def apply(rows: Iterable[Assignment | tuple], actor: User, message: str = "") -> ApplyResult:
    """Create the introductions of approved (mentee, mentor) rows as ``actor`` (an admin).

    A row whose mentor is empty is skipped. Capacities are checked for the rows together first:
    if any mentor would be overfilled nothing is made (``CapacityError``). Then each row goes
    through ``request_introduction(..., by_admin=True)``; a row it refuses — or a rejected or
    dismissed pair — is reported in ``refused`` and the others are still made.
    """
    if not actor.is_admin:
        raise intro_service.NotAllowed("only an admin can approve a cohort")
    pairs = [p for p in (_row(r) for r in rows) if p[0] and p[1]]
    found = profile_service.by_keys({k for pair in pairs for k in pair})
    _check_capacity(pairs, found)
    excluded = excluded_pairs(None)
    outcome = ApplyResult()
    seen: set[str] = set()
    for mentee_key, mentor_key in pairs:
        mentee, mentor = found.get(mentee_key), found.get(mentor_key)
        duplicate = mentee_key in seen
        seen.add(mentee_key)
        if mentee is None or mentor is None:
            missing = mentee_key if mentee is None else mentor_key
            error = intro_service.TransitionError(
                _("unknown partnership key %(key)s", key=missing), code="not_found"
            )
        elif duplicate:
            error = intro_service.TransitionError(
                _("this partnership has more than one row in the cohort"), code="duplicate"
            )
        elif (mentee_key, mentor_key) in excluded:
            error = intro_service.TransitionError(
                intro_service.REFUSALS["excluded"], code="excluded"
            )
        else:
            try:
                outcome.created.append(
                    intro_service.request_introduction(
                        mentee, mentor, message, actor, by_admin=True
                    )
                )
                continue
            except intro_service.TransitionError as exc:
                db.session.rollback()
                error = exc
            except ValidationError as exc:
                db.session.rollback()
                error = intro_service.TransitionError(str(exc), code="bad_request")
        outcome.refused.append(
            Refusal(
                mentee_key,
                mentor_key,
                error,
                mentee.name if mentee else "",
                mentor.name if mentor else "",
            )
        )
    return outcome


def _check_capacity(pairs: list[tuple[str, str]], found: dict[str, Partnership]) -> None:
    wanted = Counter(mentor for _mentee, mentor in pairs)
    load = mentor_load()
    overfull = []
    for key, count in wanted.items():
        mentor = found.get(key)
        if mentor is None:
            continue  # reported per row
        room = max(0, mentor.mentor_capacity - load.get(key, 0))
        if count > room and count > 1:
            overfull.append((mentor, room, count))
    if overfull:
        raise CapacityError(sorted(overfull, key=lambda item: item[0].name.lower()))
