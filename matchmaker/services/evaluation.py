"""Measure the matcher on a labelled set (see eval/README.md), straight on the engine.

The document is validated as an import would validate it, turned into the engine's profiles and
ranked with the same engine and eligibility rules as the live service, without touching the
database.
"""

from __future__ import annotations

from datetime import date

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from flask import current_app

from ..matching.eligibility import MatchContext, ineligibility
from ..matching.engine import build_index
from ..matching.evaluate import EvalResult, Ranked, evaluate, label_problems
from ..matching.profile import Profile
from .profiles import record_to_engine_profile
from .validation import validate_document


def _labelled(
    document: dict, labels: dict, as_of: int | None
) -> tuple[list[Profile], MatchContext]:
    """The document's profiles, validated as an import would, and the context years count from;
    KeyError naming every problem of the labels (``label_problems``: shape, and partnerships the
    document lacks)."""
    year = as_of or date.today().year
    profiles = [record_to_engine_profile(r) for r in validate_document(document, this_year=year)]
    problems = label_problems(labels, {p.key for p in profiles})
    if problems:
        shown = problems[:20] + ([f"… and {len(problems) - 20} more"] if len(problems) > 20 else [])
        raise KeyError("the labels are not valid:\n" + "\n".join(shown))
    return profiles, MatchContext(year, current_app.config["MENTOR_MIN_YEARS"])


def evaluate_document(
    document: dict, labels: dict, *, as_of: int | None = None, progress=None
) -> EvalResult:
    """Score the matcher on ``document`` against ``labels``; eligibility counts years from ``as_of``."""
    profiles, context = _labelled(document, labels, as_of)
    index = build_index(profiles, progress=progress)

    def ranked(key: str) -> Ranked:
        mentee = index.profile(key)
        suggestions = index.rank(mentee, context, limit=len(index))
        eligible = index.eligible_mask(mentee, context)
        explained = sum(
            bool(s.evidence) or any(r.kind in ("term", "theme") for r in s.reasons)
            for s in suggestions[:3]
        )
        return Ranked(
            [s.key for s in suggestions],
            [s.score for s in suggestions],
            frozenset(index.profiles[i].key for i in eligible.nonzero()[0]),
            explained,
        )

    return evaluate(ranked, labels)


BASELINES = {
    "tfidf": lambda: TfidfVectorizer(),  # scikit-learn's defaults: words, no stemming
    "chars": lambda: TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True),
}


def evaluate_baseline(
    document: dict, labels: dict, kind: str, *, as_of: int | None = None
) -> EvalResult:
    """A reference ranking for comparison: challenges against experiences by plain TF-IDF
    (``tfidf``) or character n-gram TF-IDF (``chars``), the same eligibility, nothing else."""
    profiles, context = _labelled(document, labels, as_of)
    by_key = {p.key: p for p in profiles}
    vectorizer = BASELINES[kind]()
    vectorizer.fit([t for p in profiles for t in (p.challenges, p.experiences) if t.strip()])
    offers = vectorizer.transform([p.experiences for p in profiles])

    def ranked(key: str) -> Ranked:
        mentee = by_key[key]
        scores = (offers @ vectorizer.transform([mentee.challenges]).T).toarray().ravel()
        order = [
            i
            for i in np.argsort(-scores, kind="stable")
            if ineligibility(profiles[i], mentee, context) is None
        ]
        return Ranked([profiles[i].key for i in order], [float(scores[i]) for i in order])

    return evaluate(ranked, labels)
