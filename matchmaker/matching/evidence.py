"""Passage scores and evidence: which request of a challenge meets which passage of a mentor.

Each span (a request of the challenge, a passage of the mentor's experiences, description or
stories) becomes a small TF-IDF vector under the index's fitted vocabulary and idf. A request's
score is its best passage's cosine; the passage score of a mentor is the weighted mean of its
requests' scores (main requests weigh more, see ``passages``). The best pairs, quoted verbatim
with the words they share, are the evidence shown with a suggestion.

Also here: what makes a challenge too thin to match, what makes an offer a keyword list rather
than an account of practice, and which shared words are worth showing to a coordinator.
"""

from __future__ import annotations

import math

import numpy as np
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache


from . import passages
from .frames import FRAME_SHARE, framed_share
from .analysis import FastAnalyzer, fast_normalize, fast_tokenize
from .text import CONCEPT_PREFIX, stopwords, zipf

EXPERIENCES, DESCRIPTION, STORY = "experiences", "description", "story"
SOURCE_WEIGHT = {EXPERIENCES: 1.0, STORY: 1.0, DESCRIPTION: 0.6}
GENERIC_ZIPF = (
    3.8  # a word this common in its language (klas, lessen, aanpak, merken) explains nothing alone
)
MIN_CONTENT_WORDS = 2  # a challenge needs this many content words (one, if it names a theme)
# Words that ask for help without saying for what: general language, not domain terms.
_REQUEST_WORDS = frozenset(
    """hulp help helpen gezocht zoeken zoek zoekt vraag vragen advies adviezen tip tips idee ideeen
    ondersteuning support looking need needs advice ideas hallo hoi hello dag groet groeten bedankt
    thanks iets alles dingen things iemand someone anyone ervaring ervaringen experience experiences
    partner partners partnerschap contact graag willen welkom""".split()
)
# Themes every profile in this field touches: a word of theirs (leraren, studenten) explains nothing.
# (primary: pabo and basisschool name a sector, which the sector reason already shows.)
GENERAL_CONCEPTS = frozenset(
    {CONCEPT_PREFIX + c for c in ("teacher", "student_teacher", "primary")}
)


@dataclass(frozen=True)
class Evidence:
    """One request of the asking partnership met by one passage of the mentor, both verbatim."""

    mentor_text: str
    own_text: str
    words: tuple[str, ...]  # shared words as the mentor wrote them
    own_words: tuple[str, ...] = ()  # the same words as the asking partnership wrote them
    source: str = EXPERIENCES  # experiences | description | story
    story_title: str = ""
    score: float = 0.0

    def to_dict(self) -> dict:
        """The evidence as JSON: both texts and the shared words (and the story's title)."""
        out = {
            "mentor_text": self.mentor_text,
            "own_text": self.own_text,
            "words": list(self.words),
        }
        if self.source == STORY:
            out["story"] = self.story_title
        return out


@dataclass
class SpanVector:
    """A span of text (a request or a passage) with its language and TF-IDF vector."""

    span: passages.Span
    lang: str
    vector: dict[int, float]  # feature id -> weight, unit length
    surfaces: dict | None = None  # analyzer.surfaces of the span, once asked
    _row: tuple[np.ndarray, np.ndarray] | None = None

    def row(self) -> tuple[np.ndarray, np.ndarray]:
        """The vector as (sorted feature ids, weights), made once."""
        if self._row is None:
            ids = np.fromiter(sorted(self.vector), dtype=np.int64, count=len(self.vector))
            self._row = (ids, np.array([self.vector[i] for i in ids.tolist()], dtype=np.float32))
        return self._row


def request_weights(requests: list[SpanVector]) -> np.ndarray:
    """The weight of each request (a main need weighs more), as float32."""
    return np.array([r.span.weight for r in requests], dtype=np.float32)


class Vectorizer:
    """Spans to unit TF-IDF vectors with the index's vocabulary and idf (sublinear counts)."""

    def __init__(self, analyzer: FastAnalyzer, vocab: Mapping[str, int], idf) -> None:
        self.analyzer = analyzer
        self.vocab = vocab
        self.idf = idf

    def vector(self, text: str, lang: str) -> dict[int, float]:
        """The unit TF-IDF vector of ``text`` as feature id → weight (empty without known words)."""
        counts: dict[int, int] = {}
        get = self.vocab.get
        for name in self.analyzer.names(text, lang):
            i = get(name)
            if i is not None:
                counts[i] = counts.get(i, 0) + 1
        if not counts:
            return {}
        idf = self.idf
        weights = {i: (1.0 + math.log(c)) * float(idf[i]) for i, c in counts.items()}
        norm = math.sqrt(sum(w * w for w in weights.values()))
        return {i: w / norm for i, w in weights.items()}

    def spans(self, text: str, lang: str, split: Callable) -> list[SpanVector]:
        """The spans ``split`` cuts ``text`` into (requests or passages), each with its vector."""
        return [SpanVector(s, lang, self.vector(s.text, lang)) for s in split(text)]


def cosine(a: dict[int, float], b: dict[int, float]) -> float:
    """The dot product of two sparse vectors (their cosine when both have unit length)."""
    if len(a) > len(b):
        a, b = b, a
    get = b.get
    return sum(w * get(i, 0.0) for i, w in a.items())


REPEATED_COSINE = 0.35  # a request this close to another says the same need again
REPEATED_FACTOR = 1.3


def stress_repeated(requests: list[SpanVector]) -> list[SpanVector]:
    """A need the writer comes back to weighs more: a request close to another request of the same
    challenge is stressed (at most to the weight of a need marked as the main one)."""
    for i, a in enumerate(requests):
        if a.span.weight >= passages.MAIN_WEIGHT or not a.vector:
            continue
        if any(
            j != i and b.vector and cosine(a.vector, b.vector) >= REPEATED_COSINE
            for j, b in enumerate(requests)
        ):
            weight = min(passages.MAIN_WEIGHT, a.span.weight * REPEATED_FACTOR)
            a.span = passages.Span(a.span.start, a.span.end, a.span.text, weight)
    return requests


# --- words worth showing ------------------------------------------------------------------------


@lru_cache(maxsize=100_000)
def is_generic(word: str, lang: str) -> bool:
    """A stop word, a very common word of its language, or too short to mean anything alone."""
    norm = fast_normalize(word).replace("-", "")
    if len(norm) < 4 or norm in stopwords() or norm in _REQUEST_WORDS:
        return True
    return zipf(norm, lang) >= GENERIC_ZIPF


def shared_words(
    analyzer: FastAnalyzer,
    vocabulary,
    request: SpanVector,
    passage: SpanVector,
    theirs: dict | None = None,
    ours: dict | None = None,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Words both spans share, as each wrote them: whole words or glossary terms, never a fragment
    of a compound or a generic word. Best (heaviest for the request) first. ``theirs`` and
    ``ours`` are the spans' ``analyzer.surfaces`` when the caller has them already."""
    theirs = analyzer.surfaces(passage.span.text, passage.lang) if theirs is None else theirs
    common = sorted(
        (i for i in request.vector if vocabulary[i] in theirs), key=lambda i: -request.vector[i]
    )
    if not common:
        return (), ()
    ours = analyzer.surfaces(request.span.text, request.lang) if ours is None else ours
    mentor_words: list[str] = []
    own_words: list[str] = []
    for i in common:
        name = vocabulary[i]
        t, o = theirs.get(name), ours.get(name)
        if not t or not o:
            continue
        if name.startswith(CONCEPT_PREFIX):
            if name in GENERAL_CONCEPTS or (
                is_generic(t, passage.lang) and is_generic(o, request.lang)
            ):
                continue  # a theme both texts name in glossary words (werkplekbegeleider ↔ wpb)
        elif not (
            worth_showing(analyzer, t, name, passage.lang)
            and worth_showing(analyzer, o, name, request.lang)
        ):
            continue  # a fragment (intervisie ↔ visie), a word of every profile, or an everyday word
        if t.lower() not in (w.lower() for w in mentor_words):
            mentor_words.append(t)
        if o.lower() not in (w.lower() for w in own_words):
            own_words.append(o)
    return tuple(mentor_words), tuple(own_words)


@lru_cache(maxsize=200_000)
def worth_showing(analyzer: FastAnalyzer, surface: str, feature: str, lang: str) -> bool:
    """Whether a shared word, as written, explains a suggestion to a coordinator: a whole word (not
    a part of a compound) that is a glossary term of a real theme, or a specific word (not an
    everyday one: Zipf below GENERIC_ZIPF, not a stop word)."""
    if not is_whole(analyzer, surface, feature, lang):
        return False
    tokens = fast_tokenize(surface)
    if set(analyzer.word(tokens[0], lang)[2]) - GENERAL_CONCEPTS:
        return True  # a glossary term: begroting, feedback, starters
    return not is_generic(surface, lang)


def is_whole(analyzer: FastAnalyzer, surface: str, feature: str, lang: str) -> bool:
    """Whether ``surface`` is one word whose own stem is ``feature`` (not a part of a compound),
    and not a word every profile of the field uses (leraar, student)."""
    tokens = fast_tokenize(surface)
    if len(tokens) != 1:
        return False
    stem, _names, concepts = analyzer.word(tokens[0], lang)
    return stem == feature and not GENERAL_CONCEPTS.intersection(concepts)


# --- text that cannot be matched, and text that games the matcher -------------------------------


def content_words(text: str) -> list[str]:
    """Words that say something: no stop words, numbers or words that only ask for help."""
    stops = stopwords()
    return [
        t
        for t in fast_tokenize(text)
        if len(t) >= 3 and not t.isdigit() and t not in stops and t not in _REQUEST_WORDS
    ]


def too_little_text(text: str, has_theme: bool) -> bool:
    """Whether a challenge says too little to match on ("hulp gezocht", an empty field)."""
    words = set(content_words(text))
    return len(words) < (1 if has_theme else MIN_CONTENT_WORDS)


def list_items(text: str) -> int:
    """How many comma-, semicolon-, bullet- or line-separated items a text has."""
    return 1 + sum(text.count(sep) for sep in ",;|•·\n")


def keyword_list(tokens, function_words, items, framed=0.0):
    """The rule for a keyword list, on counts (numbers or numpy arrays): at least 25 words, and
    almost no function words, or many items of two or three words, or mostly one or a few
    frames filled in with terms (``framed``: see ``framed_share``). Such an offer is a list of
    terms rather than an account of practice: flagged to admins and not rewarded."""
    tokens = np.asarray(tokens)
    function_share = np.asarray(function_words) / np.maximum(tokens, 1)
    words_per_item = tokens / np.maximum(np.asarray(items), 1)
    return (tokens >= 25) & (
        (function_share < 0.12)
        | ((np.asarray(items) >= 12) & (words_per_item <= 2.5))
        | (np.asarray(framed) >= FRAME_SHARE)
    )


def is_keyword_list(text: str) -> bool:
    """``keyword_list`` of one text."""
    stops = stopwords()
    tokens = fast_tokenize(text)
    function = [t in stops or t.isdigit() for t in tokens]
    framed = framed_share(tokens, function)
    return bool(keyword_list(len(tokens), sum(function), list_items(text), framed))
