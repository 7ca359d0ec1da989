"""Fitting the matcher's vectors over many profiles: Python touches each text once, numpy does the rest.

Every text is read once into a table of distinct (language, token) pairs (``tokens``); features,
multi-word thesaurus terms and the character view's words then come from that table for the
whole corpus at once, as sparse matrices built from integer ids (``vectors``, ``chars``). The
result is what the reference analyser with scikit-learn's ``TfidfVectorizer`` would give.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from scipy import sparse

from . import evidence
from .frames import framed_shares
from .analysis import FastAnalyzer
from .chars import CharView
from .compounds import generality_factors
from .passage_cut import CutPassages, cut_and_read
from .profile import Profile
from .text import LANGUAGES
from .tokens import (
    SPLIT_ABOVE,
    Progress,
    TokenTable,
    can_fork,
    in_child,
    tokenize_all,
)
from .vectors import count_matrix, gather_rows, idf_from_df, l2_rows, sorted_vocabulary, tfidf

FIELDS = ("challenges", "experiences", "description")  # the columns of ``Fitted.langs``
DESCRIPTION_WEIGHT = 0.35  # how much the free description counts beside challenges/experiences
BALANCE_LANGUAGES = True  # document frequencies per language, averaged (see language_balanced_df)

Phrase = tuple[np.ndarray, tuple[str, ...]]  # (stem ids or texts, concept features)


@dataclass
class Fitted:
    """Everything the index keeps from a fit: vocabulary and idf, the word rows, the character
    view and its word counts, each text's language, and the mentors' passages."""

    vocabulary: np.ndarray  # feature names, sorted (as scikit-learn orders them)
    idf: np.ndarray
    need: sparse.csr_matrix  # profile × feature: challenges + a little description, l2-normalised
    offer: sparse.csr_matrix  # profile × feature: experiences + a little description, l2-normalised
    need_words: sparse.csr_matrix  # profile × character-view word counts of the challenges
    offer_words: sparse.csr_matrix  # the same for the experiences
    chars: CharView
    offer_gram_lengths: np.ndarray  # distinct n-grams of each profile's experiences
    langs: np.ndarray  # profile × field: index into LANGUAGES
    fitted: bool  # False when no text had a single feature
    passages: Passages | None = None  # the mentors' passages (see ``passage_rows``)
    keyword_lists: np.ndarray | None = None  # per profile: is its offer a keyword list


@dataclass
class Passages:
    """The passages of the mentors' offers as one matrix: rows ``ptr[i]:ptr[i + 1]`` are profile i's."""

    rows: sparse.csr_matrix  # passage × feature: sublinear tf-idf, unit length
    ptr: np.ndarray  # int64, profiles + 1
    spans: np.ndarray  # int32 (passages, 2): start and end in the source text
    source: np.ndarray  # int8: passages.OFFER / STORY / DESCRIPTION
    story: np.ndarray  # int16: which story, or -1


def fit_vectors(
    profiles: Sequence[Profile],
    analyzer: FastAnalyzer,
    progress: Progress | None = None,
    split_above: int = SPLIT_ABOVE,
) -> Fitted:
    """The word and character views over ``profiles``."""
    n = len(profiles)
    texts = (
        [p.challenges for p in profiles]
        + [p.offer_text for p in profiles]
        + [p.description for p in profiles]
    )
    table = TokenTable(analyzer)  # text t is field t // n of profile t % n
    tokens_of, text_ptr, langs = tokenize_all(texts, table, progress, split_above)
    lang_codes = {lang: i for i, lang in enumerate(LANGUAGES)}
    text_langs = (
        np.array([lang_codes[lang] for lang in langs], dtype=np.int8).reshape(3, n).T.copy()
    )
    del langs
    release_free_memory()  # the language detection's buffers

    tokens = np.frombuffer(tokens_of, dtype=np.int32)
    ptr = np.frombuffer(text_ptr, dtype=np.int64)
    features = count_matrix(table.feature_ptr, table.feature_ids, len(table.features))
    stem_of = np.frombuffer(table.stem_of, dtype=np.int32)
    word_of = np.frombuffer(table.word_of, dtype=np.int32)
    phrases = table.phrases()
    feature_names = table.features
    field_ptrs = [ptr[f * n : (f + 1) * n + 1] for f in range(3)]
    matches = [_phrase_matches(tokens, p, stem_of, phrases) for p in field_ptrs]
    for found in matches:  # multi-word terms become features too
        for _rows, names in found:
            for name in names:
                feature_names.setdefault(name, len(feature_names))
    vocabulary, remap = sorted_vocabulary(list(feature_names))
    counts = []
    for p, found in zip(
        field_ptrs, matches
    ):  # one field at a time: its (text, feature) pairs are large
        rows, cols, weights = _field_features(tokens, p, features, found, feature_names, remap)
        counts.append(_counts(rows, cols, n, len(vocabulary), weights))
        del rows, cols, weights
    docs = sum(int(np.count_nonzero(np.diff(c.indptr))) for c in counts)
    df = (
        language_balanced_df(counts, text_langs, len(vocabulary))
        if BALANCE_LANGUAGES
        else (sum(np.bincount(c.indices, minlength=len(vocabulary)) for c in counts))
    )
    idf = idf_from_df(np.asarray(df), docs) * generality_factors(vocabulary, table.commonness())
    chal, exp, desc = (tfidf(c, idf, copy=False) for c in counts)
    del counts
    desc.data *= np.float32(DESCRIPTION_WEIGHT)
    need = l2_rows(chal + desc)
    del chal
    offer = l2_rows(exp + desc)
    del exp, desc
    fitted = docs > 0
    mentors = [
        i
        for i, p in enumerate(profiles)
        if p.open_to_mentor and p.experiences.strip() and p.mentor_capacity > 0
    ]
    found_passages = None
    if fitted:
        found_passages = passage_rows(
            profiles,
            mentors,
            text_langs,
            table,
            features,
            stem_of,
            phrases,
            feature_names,
            remap,
            idf,
            max(1, split_above // 3),  # three texts per profile
        )
    offer_tokens = [ptr[n : 2 * n + 1]]
    keyword_lists = _keyword_lists(texts[n : 2 * n], tokens, offer_tokens[0], word_of)
    words = table.words if fitted else {}
    word_counts = []
    for f in (0, 1):
        if not fitted:
            word_counts.append(sparse.csr_matrix((n, 0), dtype=np.float32))
            continue
        part = tokens[ptr[f * n] : ptr[(f + 1) * n]]
        text_of = np.repeat(np.arange(n, dtype=np.int32), np.diff(ptr[f * n : (f + 1) * n + 1]))
        ids = word_of[part]
        keep = ids >= 0
        word_counts.append(_counts(text_of[keep], ids[keep], n, len(words)))
    char_docs = sum(bool(t) for t in texts[: 2 * n]) if fitted else 0
    chars, gram_lengths = CharView.fit(words, word_counts, char_docs)
    return Fitted(
        vocabulary,
        idf,
        need,
        offer,
        word_counts[0],
        word_counts[1],
        chars,
        gram_lengths[1],
        text_langs,
        fitted,
        found_passages,
        keyword_lists,
    )


def language_balanced_df(
    counts: Sequence[sparse.csr_matrix], langs: np.ndarray, width: int
) -> np.ndarray:
    """Document frequencies as if every language present had as many texts as the others.

    A word's share of the texts is taken per language and averaged over the languages that have
    texts, then scaled back to the whole corpus. In a corpus of one language this is the plain
    document frequency. In a mostly Dutch corpus with a few English texts, a word every English
    text uses (teachers, programme, trainees) is common among English texts, and its idf says so,
    instead of looking rare because English is: the language a text is written in is then no
    reason for two texts to meet.
    """
    per_lang = np.zeros((len(LANGUAGES), width), dtype=np.float64)
    texts = np.zeros(len(LANGUAGES), dtype=np.int64)
    for field, c in enumerate(counts):
        has_text = np.diff(c.indptr) > 0
        rows = np.repeat(np.arange(c.shape[0]), np.diff(c.indptr))
        for code in range(len(LANGUAGES)):
            in_lang = langs[:, field] == code
            texts[code] += int(np.count_nonzero(in_lang & has_text))
            per_lang[code] += np.bincount(c.indices[in_lang[rows]], minlength=width)
    present = texts > 0
    if present.sum() <= 1:
        return per_lang.sum(axis=0)
    share = (per_lang[present] / texts[present, None]).mean(axis=0)
    return share * texts.sum()


def passage_rows(
    profiles: Sequence[Profile],
    mentors: Sequence[int],
    langs: np.ndarray,
    table: TokenTable,
    features: sparse.csr_matrix,
    stem_of: np.ndarray,
    phrases: list[Phrase],
    feature_names: dict[str, int],
    remap: np.ndarray,
    idf: np.ndarray,
    split_above: int,
) -> Passages:
    """Every mentor's passages as TF-IDF rows, through the token table the fit already filled.
    From ``split_above`` mentors, in a process that may fork, a child cuts and reads the second
    half."""
    half = len(mentors) // 2 if len(mentors) >= split_above and can_fork() else len(mentors)
    rest = (
        in_child(cut_and_read, profiles, mentors[half:], langs, table)
        if half < len(mentors)
        else None
    )
    cut = cut_and_read(profiles, mentors[:half], langs, table)
    if rest is not None:
        cut = CutPassages.joined(cut, rest())
    known = features.shape[0]
    tokens, ptr = cut.tokens, cut.ptr
    if (tokens >= known).any():  # a token the whole texts never had: leave it out
        keep = tokens < known
        lengths = (
            np.add.reduceat(keep.astype(np.int64), ptr[:-1])
            if tokens.size
            else np.zeros(cut.count, np.int64)
        )
        lengths[np.diff(ptr) == 0] = 0
        tokens = tokens[keep]
        ptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    found = _phrase_matches(
        tokens,
        ptr,
        stem_of,
        [(ids, names) for ids, names in phrases if all(n in feature_names for n in names)],
    )
    rows, cols, weights = _field_features(tokens, ptr, features, found, feature_names, remap)
    counts = _counts(rows, cols, cut.count, idf.size, weights)
    matrix = l2_rows(tfidf(counts, idf, copy=False))
    per_profile = np.bincount(cut.owner, minlength=len(profiles))
    profile_ptr = np.zeros(len(profiles) + 1, dtype=np.int64)
    np.cumsum(per_profile, out=profile_ptr[1:])
    return Passages(matrix, profile_ptr, cut.spans.reshape(-1, 2), cut.source, cut.story)


def _keyword_lists(
    texts: Sequence[str], tokens: np.ndarray, ptr: np.ndarray, word_of: np.ndarray
) -> np.ndarray:
    """Per text, whether it is a keyword list (see ``evidence.keyword_list``), from the fit's tokens."""
    lengths = np.diff(ptr)
    part = tokens[ptr[0] : ptr[-1]]
    text_of = np.repeat(np.arange(lengths.size), lengths)
    is_function = word_of[part] < 0  # stop words (and numbers)
    function = np.bincount(text_of[is_function], minlength=lengths.size)
    items = np.array([evidence.list_items(t) for t in texts], dtype=np.int64)
    framed = framed_shares(tokens, ptr, is_function)
    return evidence.keyword_list(lengths, function, items, framed)


def _phrase_matches(
    tokens: np.ndarray, ptr: np.ndarray, stem_of: np.ndarray, phrases: list[Phrase]
) -> list[Phrase]:
    """(texts, concept features) of every multi-word term found in the texts between ``ptr``."""
    lengths = np.diff(ptr)
    part = tokens[ptr[0] : ptr[-1]]
    if not phrases or not part.size:
        return []
    text_of = np.repeat(np.arange(lengths.size, dtype=np.int32), lengths)
    seq = stem_of[part]
    end = np.repeat(ptr[1:] - ptr[0], lengths)  # where each token's text ends
    firsts = np.array([ids[0] for ids, _ in phrases], dtype=np.int64)
    is_first = np.zeros(int(max(stem_of.max(initial=0), firsts.max())) + 1, dtype=bool)
    is_first[firsts] = True
    starts = np.flatnonzero(is_first[seq])
    # The starts grouped by their first stem, once: each term then reads only its own group.
    starts = starts[np.argsort(seq[starts], kind="stable")]
    first_of = seq[starts]
    lo = np.searchsorted(first_of, firsts, side="left")
    hi = np.searchsorted(first_of, firsts, side="right")
    found: list[Phrase] = []
    for (ids, names), a, b in zip(phrases, lo.tolist(), hi.tolist()):
        at = starts[a:b]
        at = at[at + ids.size <= end[at]]
        for k in range(1, ids.size):
            at = at[seq[at + k] == ids[k]]
        if at.size:
            found.append((text_of[at], names))
    return found


def _field_features(
    tokens: np.ndarray,
    ptr: np.ndarray,
    features: sparse.csr_matrix,
    found: list[Phrase],
    feature_names: dict[str, int],
    remap: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(text, feature id, count) of the features of the texts between ``ptr``, words and phrases."""
    lengths = np.diff(ptr)
    part = tokens[ptr[0] : ptr[-1]]
    text_of = np.repeat(np.arange(lengths.size, dtype=np.int32), lengths)
    which, cols, times = gather_rows(features, part)
    rows = [text_of[which]]
    columns = [remap[cols]]
    counts = [times.astype(np.float32)]
    for texts, names in found:
        for name in names:
            rows.append(texts)
            columns.append(np.full(texts.size, remap[feature_names[name]], dtype=np.int32))
            counts.append(np.ones(texts.size, dtype=np.float32))
    return np.concatenate(rows), np.concatenate(columns), np.concatenate(counts)


def _counts(
    rows: np.ndarray,
    cols: np.ndarray,
    n_rows: int,
    n_cols: int,
    weights: np.ndarray | None = None,
) -> sparse.csr_matrix:
    """A float32 CSR matrix of the (row, column, weight) entries, duplicates summed."""
    if weights is None:
        weights = np.ones(rows.size, dtype=np.float32)
    matrix = sparse.csr_matrix((weights, (rows, cols)), shape=(n_rows, n_cols), dtype=np.float32)
    matrix.sum_duplicates()
    matrix.sort_indices()
    return matrix


@lru_cache(maxsize=1)
def _libc() -> Any:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None


def release_free_memory() -> None:
    """Hand freed heap memory back to the operating system (glibc keeps it otherwise).

    Fitting frees a few hundred megabytes of buffers, some in a helper thread's heap; without
    this the process keeps them as resident memory although nothing uses them.
    """
    libc = _libc()
    if libc is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)
