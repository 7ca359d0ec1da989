"""hit@1, hit@3 and MRR of the matcher over a labelled set (see shared/eval/README.md)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class EvalResult:
    hit_at_1: float
    hit_at_3: float
    mrr: float
    n: int
    details: dict

    def as_dict(self) -> dict:
        return {"hit@1": round(self.hit_at_1, 4), "hit@3": round(self.hit_at_3, 4), "mrr": round(self.mrr, 4), "n": self.n}


def evaluate(ranked: Callable[[str], list[str]], labels: Mapping[str, Mapping]) -> EvalResult:
    """Score a ranking function (mentee key -> mentor keys, best first, eligible only)."""
    hits1 = hits3 = 0
    rr = 0.0
    details = {}
    for mentee, label in labels.items():
        order = ranked(mentee)
        primary = label["primary"]
        acceptable = set(label.get("acceptable", ())) | {primary}
        rank = order.index(primary) + 1 if primary in order else None
        hits1 += rank == 1
        hits3 += any(k in acceptable for k in order[:3])
        rr += 1.0 / rank if rank else 0.0
        details[mentee] = {"rank": rank, "top3": order[:3]}
    n = len(labels) or 1
    return EvalResult(hits1 / n, hits3 / n, rr / n, len(labels), details)
