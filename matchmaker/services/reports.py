"""Programme reports: unmet needs, and the figures behind the admin's charts.

Every chart is one ``Report``: stable English column names and plain rows, so the page's table,
the SVG chart and the CSV download show the same numbers. Presentation (titles, labels in the
reader's language) belongs to the web layer.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from statistics import median
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import distinct, func, select

from ..extensions import db
from ..matching import topics
from ..matching.assignment import mentor_capacities
from ..models import (
    OPEN_INTRO_STATES,
    SECTORS,
    Introduction,
    IntroductionEvent,
    Partnership,
    PartnershipSector,
    PracticeSession,
)
from .matching import current_index, match_context
from .validation import ValidationError

FUNNEL_STAGES = ("suggested", "requested", "accepted", "completed")
ANSWERED_STATES = ("accepted", "completed", "declined")
ACCEPTED_STATES = ("accepted", "completed")


# --- unmet needs ---------------------------------------------------------------------------------


@dataclass
class UnmetNeeds:
    """The partnerships whose best suggestion scores below ``threshold``, grouped into themes,
    with every considered partnership's best score."""

    threshold: float
    groups: list[topics.NeedGroup]
    best_scores: dict[
        str, float
    ]  # every partnership with challenges -> its best suggestion's score
    partnerships: dict[str, Partnership]  # by key

    @property
    def count(self) -> int:
        """How many partnerships the groups hold together."""
        return sum(g.size for g in self.groups)

    def to_dict(self) -> dict:
        """The report as plain data, each group with its partnerships' best scores (for
        ``flask unmet-needs --json``)."""
        return {
            "threshold": self.threshold,
            "considered": len(self.best_scores),
            "groups": [
                {
                    **g.to_dict(),
                    "best_scores": {k: round(self.best_scores[k], 4) for k in g.mentee_keys},
                }
                for g in self.groups
            ],
        }


def _with_challenges() -> list[Partnership]:
    stmt = (
        select(Partnership)
        .where(Partnership.active.is_(True), Partnership.challenges != "")
        .order_by(Partnership.created_at, Partnership.id)
    )
    return list(db.session.scalars(stmt))


def check_threshold(threshold: float | str) -> float:
    """``threshold`` (a number, or a form's text of one) as a float; ValidationError unless it is
    from 0 to 1."""
    try:
        value = float(threshold)
    except (TypeError, ValueError):
        value = float("nan")
    if not 0.0 <= value <= 1.0:
        raise ValidationError({"threshold": _("must be a number from 0 to 1")})
    return value


def unmet_needs(threshold: float | str = topics.WEAK_SCORE) -> UnmetNeeds:
    """Partnerships whose best suggestion scores below ``threshold`` (a number, or a form's text
    of one), grouped into themes."""
    threshold = check_threshold(threshold)
    index = current_index()
    partnerships = {p.key: p for p in _with_challenges() if p.key in index}
    best = topics.best_suggestion_scores(index, list(partnerships), match_context(None))
    groups = topics.unmet_needs(index, best, threshold=threshold)
    return UnmetNeeds(threshold, groups, best, partnerships)


# --- charts --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """One chart's figures: its name, column names and rows (also its table and CSV)."""

    name: str
    columns: tuple[str, ...]
    rows: list[tuple]

    def column(self, name: str) -> list:
        """The values of one column, in row order."""
        i = self.columns.index(name)
        return [row[i] for row in self.rows]


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """One CSV cell that no spreadsheet runs as a formula: text starting with = + - @, a tab
    or a carriage return gets a leading apostrophe (numbers stay numbers). Every CSV writer
    passes its cells through here."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(report: Report) -> str:
    """The report as CSV text with a header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_cell(c) for c in report.columns])
    for row in report.rows:
        writer.writerow([csv_cell(v) for v in row])
    return out.getvalue()


def funnel() -> Report:
    """Suggested → requested → accepted → completed.

    suggested: partnerships with challenges that have at least one eligible suggestion now; the
    other stages: introductions that ever reached that state (recorded transitions).
    """
    index = current_index()
    context = match_context(None)
    mentors = set(
        mentor_capacities(index, context)
    )  # who may mentor now, before per-pair exclusions
    excluded: dict[str, set[str]] = {}
    for mentee, mentor in context.excluded:
        excluded.setdefault(mentee, set()).add(mentor)
    suggested = sum(
        1
        for p in _with_challenges()
        if p.key in index and mentors - {p.key} - excluded.get(p.key, set())
    )
    reached = dict(
        db.session.execute(
            select(
                IntroductionEvent.to_state, func.count(distinct(IntroductionEvent.introduction_id))
            )
            .where(IntroductionEvent.to_state.in_(FUNNEL_STAGES[1:]))
            .group_by(IntroductionEvent.to_state)
        )
        .tuples()
        .all()
    )
    counts = {"suggested": suggested, **{s: reached.get(s, 0) for s in FUNNEL_STAGES[1:]}}
    return Report("funnel", ("stage", "count"), [(s, counts[s]) for s in FUNNEL_STAGES])


def _local(moment: datetime) -> datetime:
    if moment.tzinfo is None:  # SQLite hands back naive datetimes; they are stored in UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC"))


def over_time() -> Report:
    """Introductions made per month (by creation, in the programme's time zone), gaps filled."""
    created = db.session.scalars(select(Introduction.created_at)).all()
    months = Counter(_local(c).strftime("%Y-%m") for c in created if c is not None)
    if not months:
        return Report("over-time", ("month", "introductions"), [])
    first, last = min(months), max(months)
    year, month = int(first[:4]), int(first[5:])
    rows = []
    while f"{year:04d}-{month:02d}" <= last:
        key = f"{year:04d}-{month:02d}"
        rows.append((key, months.get(key, 0)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return Report("over-time", ("month", "introductions"), rows)


def _by_mentee_sector():
    """(sector, state, created_at, responded_at) for every introduction, once per mentee sector."""
    return db.session.execute(
        select(
            PartnershipSector.sector,
            Introduction.state,
            Introduction.created_at,
            Introduction.responded_at,
        ).join(Introduction, Introduction.mentee_id == PartnershipSector.partnership_id)
    ).all()


def acceptance() -> Report:
    """Per sector of the mentee: answered requests, accepted ones, and the acceptance rate."""
    answered: Counter = Counter()
    accepted: Counter = Counter()
    for sector, state, _created, _responded in _by_mentee_sector():
        if state in ANSWERED_STATES:
            answered[sector] += 1
        if state in ACCEPTED_STATES:
            accepted[sector] += 1
    rows = [
        (s, answered[s], accepted[s], round(accepted[s] / answered[s], 4) if answered[s] else None)
        for s in SECTORS
    ]
    return Report("acceptance", ("sector", "answered", "accepted", "acceptance_rate"), rows)


def reply_time() -> Report:
    """Per sector of the mentee: how many requests were answered and the median days to the answer."""
    days: dict[str, list[float]] = {s: [] for s in SECTORS}
    for sector, _state, created, responded in _by_mentee_sector():
        if created is not None and responded is not None:
            days[sector].append(
                max(0.0, (_local(responded) - _local(created)).total_seconds() / 86400)
            )
    rows = [(s, len(days[s]), round(median(days[s]), 2) if days[s] else None) for s in SECTORS]
    return Report("reply-time", ("sector", "replies", "median_reply_days"), rows)


def mentor_load() -> Report:
    """Open introductions against capacity, per mentor with open introductions or room to mentor."""
    load = dict(
        db.session.execute(
            select(Introduction.mentor_id, func.count())
            .where(Introduction.state.in_(OPEN_INTRO_STATES))
            .group_by(Introduction.mentor_id)
        )
        .tuples()
        .all()
    )
    mentors = db.session.scalars(select(Partnership).where(Partnership.active.is_(True))).all()
    rows = [
        (p.key, p.name, load.get(p.id, 0), p.mentor_capacity)
        for p in mentors
        if load.get(p.id, 0) > 0 or (p.open_to_mentor and p.mentor_capacity > 0)
    ]
    rows.sort(key=lambda r: (-r[2], -r[3], r[1].lower(), r[0]))
    return Report("mentor-load", ("key", "name", "open_introductions", "capacity"), rows)


def regions() -> Report:
    """Active partnerships per region, most first (an empty region is "")."""
    counts: Counter = Counter()
    for region, n in db.session.execute(
        select(Partnership.region, func.count())
        .where(Partnership.active.is_(True))
        .group_by(Partnership.region)
    ):
        counts[region or ""] += n
    rows = sorted(counts.items(), key=lambda r: (-r[1], r[0].lower()))
    return Report("regions", ("region", "partnerships"), rows)


REPORTS: dict[str, Callable[[], Report]] = {
    "funnel": funnel,
    "over-time": over_time,
    "acceptance": acceptance,
    "reply-time": reply_time,
    "mentor-load": mentor_load,
    "regions": regions,
}


def report(name: str) -> Report:
    """One report by its name (KeyError when there is no such report)."""
    return REPORTS[name]()


@dataclass
class SessionRow:
    """One upcoming Praktijk-in-zicht session for the admin: who offers it, places and sign-ups."""

    session: PracticeSession
    confirmed: int
    waiting: int

    @property
    def free(self) -> int:
        """Places not yet taken by a confirmed sign-up (never below zero)."""
        return max(self.session.capacity - self.confirmed, 0)


def upcoming_sessions() -> list[SessionRow]:
    """Upcoming sessions with their confirmed and waiting sign-ups (services/practice_sessions.py)."""
    from . import practice_sessions

    sessions = practice_sessions.upcoming()
    counts = practice_sessions.counts(sessions)
    return [SessionRow(s, counts[s.id]["confirmed"], counts[s.id]["waiting"]) for s in sessions]
