"""A fit's passages: the mentors' texts cut into passages, and the passages' tokens read through
the fit's token table (``passages``, ``tokens``). ``fit.passage_rows`` turns them into TF-IDF rows;
with many mentors a forked child cuts and reads half of them, and the halves are joined.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import passages
from .profile import Profile
from .text import LANGUAGES
from .tokens import TokenTable, tokenize_texts


@dataclass
class CutPassages:
    """Some mentors' passages, cut and read: owner, span, source and story of each passage, and
    their token ids (one run, ``ptr`` where each passage's tokens end)."""

    owner: np.ndarray  # int32
    spans: np.ndarray  # int32, two per passage
    source: np.ndarray  # int8
    story: np.ndarray  # int16
    tokens: np.ndarray  # int32
    ptr: np.ndarray  # int64, passages + 1

    @property
    def count(self) -> int:
        return self.owner.size

    @staticmethod
    def joined(first: CutPassages, second: CutPassages) -> CutPassages:
        return CutPassages(
            np.concatenate([first.owner, second.owner]),
            np.concatenate([first.spans, second.spans]),
            np.concatenate([first.source, second.source]),
            np.concatenate([first.story, second.story]),
            np.concatenate([first.tokens, second.tokens]),
            np.concatenate([first.ptr, second.ptr[1:] + first.ptr[-1]]),
        )


def cut_and_read(
    profiles: Sequence[Profile], mentors: Sequence[int], langs: np.ndarray, table: TokenTable
) -> CutPassages:
    """The passages of ``mentors``, with their tokens read through ``table``."""
    texts: list[str] = []
    text_langs: list[str] = []
    owner = array("i")
    spans = array("i")
    source = array("b")
    story = array("h")
    for i in mentors:
        p = profiles[i]
        offer_lang, desc_lang = LANGUAGES[langs[i, 1]], LANGUAGES[langs[i, 2]]
        for src, span, which in passages.offer_passages(p.experiences, p.stories, p.description):
            texts.append(span.text)
            text_langs.append(desc_lang if src == passages.DESCRIPTION else offer_lang)
            owner.append(i)
            spans.extend((span.start, span.end))
            source.append(src)
            story.append(which)
    tokens_of, text_ptr = tokenize_texts(texts, text_langs.__getitem__, table, range(len(texts)))
    return CutPassages(
        np.frombuffer(owner, dtype=np.int32).copy(),
        np.frombuffer(spans, dtype=np.int32).copy(),
        np.frombuffer(source, dtype=np.int8).copy(),
        np.frombuffer(story, dtype=np.int16).copy(),
        np.frombuffer(tokens_of, dtype=np.int32).copy(),
        np.frombuffer(text_ptr, dtype=np.int64).copy(),
    )
