"""What the engine gives back: suggestions with their reasons, and the intermediate scores of a
query (``TextMatch``); plain data, shared by the engine's modules."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from .evidence import Evidence
from .passage_index import Candidates

CHALLENGES, EXPERIENCES, DESCRIPTION = 0, 1, 2  # columns of the per-text language table


@dataclass
class TextMatch:
    """A query's text scores over a pool of candidates (see ``MatchIndex.text_match``)."""

    need: SparseRow
    pool: np.ndarray  # candidate positions
    raw: np.ndarray  # words and characters, before the language-fair step and passages
    text: np.ndarray  # the text score
    requests: list
    found: Candidates | None  # passages of the best candidates
    top: np.ndarray  # their indices in ``pool``


class SparseRow(NamedTuple):
    """One sparse row as (sorted column ids, values): what a query needs, without a matrix object."""

    indices: np.ndarray
    data: np.ndarray


@dataclass(frozen=True)
class Reason:
    """One reason for a suggestion. kind: term | theme | sector | region | review | rating."""

    kind: str
    text: str  # Dutch
    text_en: str = ""
    weight: float = 0.0

    def as_text(self, lang: str = "nl") -> str:
        """The reason in ``lang`` (English when asked and available, else Dutch)."""
        return self.text_en if lang == "en" and self.text_en else self.text


@dataclass
class Suggestion:
    """One suggested mentor: its final and text scores, the reasons and evidence that explain it,
    admin flags, and the near-identical mentors shown as this one."""

    key: str
    name: str
    score: float
    text_score: float
    reasons: list[Reason] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    flags: tuple[str, ...] = ()  # for admins: "keyword_list"
    duplicates: tuple[str, ...] = ()  # keys of near-identical mentors collapsed into this one

    def reason_texts(self) -> list[str]:
        """The reasons' Dutch texts, in order."""
        return [r.text for r in self.reasons]

    def to_dict(self) -> dict:
        """The suggestion as JSON: key, name, rounded score, reasons and evidence."""
        return {
            "key": self.key,
            "name": self.name,
            "score": round(self.score, 4),
            "reasons": self.reason_texts(),
            "evidence": [e.to_dict() for e in self.evidence],
        }
