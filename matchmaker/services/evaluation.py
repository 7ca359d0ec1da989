"""Measure the matcher on a labelled set (see eval/README.md), straight on the engine.

The document is validated as an import would validate it, turned into the engine's profiles and
ranked with the same engine and eligibility rules as the live service, without touching the
database.
"""

from __future__ import annotations

from datetime import date

from flask import current_app

from ..matching.eligibility import MatchContext
from ..matching.engine import build_index
from ..matching.evaluate import EvalResult, Ranked, evaluate, newcomers
from ..matching.profile import Profile
from .validation import validate_document


def evaluate_document(document: dict, labels: dict, *, as_of: int | None = None, progress=None) -> EvalResult:
    """Score the matcher on ``document`` against ``labels``; eligibility counts years from ``as_of``."""
    year = as_of or date.today().year
    records = validate_document(document, this_year=year)
    index = build_index([Profile.from_dict(r) for r in records], progress=progress)
    unknown = [k for k in newcomers(labels) if k not in index]
    if unknown:
        raise KeyError(f"labels name partnerships not in the data: {', '.join(unknown)}")
    context = MatchContext(year, current_app.config["MENTOR_MIN_YEARS"])

    def ranked(key: str) -> Ranked:
        mentee = index.profile(key)
        suggestions = index.rank(mentee, context, limit=len(index))
        eligible = index.eligible_mask(mentee, context)
        explained = sum(bool(s.evidence) or any(r.kind in ("term", "theme") for r in s.reasons) for s in suggestions[:3])
        return Ranked(
            [s.key for s in suggestions],
            [s.score for s in suggestions],
            frozenset(index.profiles[i].key for i in eligible.nonzero()[0]),
            explained,
        )

    return evaluate(ranked, labels)
