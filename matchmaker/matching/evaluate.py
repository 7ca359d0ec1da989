"""How well the matcher ranks a labelled set (see eval/README.md): hit@1, hit@3, MRR and margins.

A labels document maps each newcomer's key to ``{"primary": key, "acceptable": [keys],
"category": "..."}`` (category optional); a top-level ``"_decoys"`` lists partnerships that must
never be suggested in the first three places. Keys starting with ``_`` are not newcomers.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Ranked:
    """One newcomer's ranking as the evaluation needs it: keys best first, their scores."""

    keys: list[str]
    scores: list[float]
    eligible: frozenset[str] = frozenset()  # who could have been suggested (empty: not checked)
    explained: int | None = (
        None  # how many of the first three carry evidence or a text reason (None: not asked)
    )


@dataclass
class EvalResult:
    """The measures of one labelled set, with each newcomer's row in ``details``."""

    hit_at_1: float
    hit_at_3: float
    mrr: float
    n: int
    details: dict
    mrr_acceptable: float = 0.0
    ineligible: int = 0  # suggestions of partnerships that could not mentor
    decoys_in_top3: int = 0
    unexplained_top3: int = 0
    smallest_margin: float | None = None  # the closest win of a primary at rank 1
    categories: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        """The summary as JSON-ready numbers, rounded (without the per-newcomer details)."""
        return {
            "hit@1": round(self.hit_at_1, 4),
            "hit@3": round(self.hit_at_3, 4),
            "mrr": round(self.mrr, 4),
            "mrr_acceptable": round(self.mrr_acceptable, 4),
            "n": self.n,
            "ineligible": self.ineligible,
            "decoys_in_top3": self.decoys_in_top3,
            "unexplained_top3": self.unexplained_top3,
            "smallest_margin": None
            if self.smallest_margin is None
            else round(self.smallest_margin, 4),
            "categories": self.categories,
        }


LABEL_FIELDS = {"primary", "acceptable", "category"}


def label_problems(labels: object, known: set[str]) -> list[str]:
    """What is wrong with a labels document (eval/README.md) for a data set whose partnerships
    are ``known``; empty when nothing is. Each problem names its place."""
    if not isinstance(labels, Mapping):
        return ["the labels must be a JSON object of newcomer keys"]
    problems: list[str] = []
    decoys = labels.get("_decoys", [])
    if not isinstance(decoys, list) or not all(isinstance(k, str) for k in decoys):
        problems.append("_decoys: must be a list of partnership keys")
    else:
        problems += [f"_decoys: {k!r} is not in the data" for k in decoys if k not in known]
    for key, label in labels.items():
        if key.startswith("_"):
            continue
        if key not in known:
            problems.append(f"{key}: not in the data")
        if not isinstance(label, Mapping):
            problems.append(f"{key}: must be an object with primary, acceptable and category")
            continue
        problems += [f"{key}.{field}: unknown field" for field in sorted(set(label) - LABEL_FIELDS)]
        primary = label.get("primary")
        if not isinstance(primary, str):
            problems.append(f"{key}.primary: must be a partnership key")
        elif primary not in known:
            problems.append(f"{key}.primary: {primary!r} is not in the data")
        elif primary == key:
            problems.append(f"{key}.primary: a partnership is never suggested to itself")
        acceptable = label.get("acceptable", [])
        if not isinstance(acceptable, list) or not all(isinstance(k, str) for k in acceptable):
            problems.append(f"{key}.acceptable: must be a list of partnership keys")
        else:
            problems += [
                f"{key}.acceptable: {k!r} is not in the data" for k in acceptable if k not in known
            ]
        if not isinstance(label.get("category", ""), str):
            problems.append(f"{key}.category: must be text")
    if not newcomers(labels):
        problems.append("the labels name no newcomer")
    return problems


def newcomers(labels: Mapping[str, object]) -> dict[str, Mapping]:
    """The labelled newcomers of a labels document (keys starting with ``_`` are metadata)."""
    return {k: v for k, v in labels.items() if not k.startswith("_") and isinstance(v, Mapping)}


def _summary(rows: Sequence[dict]) -> dict:
    n = len(rows) or 1
    return {
        "n": len(rows),
        "hit@1": round(sum(r["rank"] == 1 for r in rows) / n, 4),
        "hit@3": round(sum(r["hit3"] for r in rows) / n, 4),
        "mrr": round(sum(1.0 / r["rank"] if r["rank"] else 0.0 for r in rows) / n, 4),
    }


def evaluate(
    ranked: Callable[[str], Ranked | list[str]], labels: Mapping[str, object]
) -> EvalResult:
    """Score a ranking function (newcomer key -> its ranking) against ``labels``."""
    listed = labels.get("_decoys") or ()
    decoys = set(listed) if isinstance(listed, Iterable) else set()
    rows: dict[str, dict] = {}
    ineligible = decoys_top3 = unexplained = 0
    margins: list[float] = []
    for mentee, label in newcomers(labels).items():
        result = ranked(mentee)
        if not isinstance(result, Ranked):
            result = Ranked(list(result), [0.0] * len(result))
        order = result.keys
        primary = label["primary"]
        acceptable = set(label.get("acceptable", ())) | {primary}
        rank = order.index(primary) + 1 if primary in order else None
        first_ok = next((i + 1 for i, k in enumerate(order) if k in acceptable), None)
        margin = None
        if rank == 1 and len(order) > 1:
            margin = result.scores[0] - result.scores[1]
            margins.append(margin)
        elif rank and rank > 1:
            margin = result.scores[rank - 1] - result.scores[0]
        if result.eligible:
            ineligible += sum(k not in result.eligible for k in order)
        decoys_top3 += sum(k in decoys for k in order[:3])
        if result.explained is not None:
            unexplained += max(0, min(3, len(order)) - result.explained)
        rows[mentee] = {
            "rank": rank,
            "first_acceptable": first_ok,
            "hit3": any(k in acceptable for k in order[:3]),
            "top3": order[:3],
            "margin": None if margin is None else round(margin, 4),
            "category": label.get("category", ""),
        }
    n = len(rows) or 1
    by_category: dict[str, list[dict]] = defaultdict(list)
    for row in rows.values():
        if row["category"]:
            by_category[row["category"]].append(row)
    return EvalResult(
        hit_at_1=sum(r["rank"] == 1 for r in rows.values()) / n,
        hit_at_3=sum(r["hit3"] for r in rows.values()) / n,
        mrr=sum(1.0 / r["rank"] if r["rank"] else 0.0 for r in rows.values()) / n,
        n=len(rows),
        details=rows,
        mrr_acceptable=sum(
            1.0 / r["first_acceptable"] if r["first_acceptable"] else 0.0 for r in rows.values()
        )
        / n,
        ineligible=ineligible,
        decoys_in_top3=decoys_top3,
        unexplained_top3=unexplained,
        smallest_margin=min(margins) if margins else None,
        categories={c: _summary(r) for c, r in sorted(by_category.items())},
    )
