"""Fitting the matcher's vectors over many profiles: Python touches each text once, numpy does the rest.

Each text is tokenised and its tokens are looked up in a table of distinct (language, token)
pairs; a token seen for the first time is analysed once (``FastAnalyzer.word``). Features,
multi-word thesaurus terms and the character view's words then come from that table for the
whole corpus at once. With many texts a forked child process takes half of them (languages,
tokens, its own table, merged afterwards). The result is what the reference analyser with
scikit-learn's ``TfidfVectorizer`` would give.
"""

from __future__ import annotations

import multiprocessing
import pickle
import threading
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from . import evidence, passages
from .analysis import (
    BackgroundLanguages,
    generality_factors,
    FastAnalyzer,
    detect_languages,
    fast_tokenize,
    release_free_memory,
)
from .profile import Profile
from .text import LANGUAGES, stopwords, zipf
from .views import (
    CharView,
    count_matrix,
    gather_rows,
    idf_from_df,
    l2_rows,
    sorted_vocabulary,
    tfidf,
)

FIELDS = ("challenges", "experiences", "description")  # the columns of ``Fitted.langs``
DESCRIPTION_WEIGHT = 0.35  # how much the free description counts beside challenges/experiences
BALANCE_LANGUAGES = True  # document frequencies per language, averaged (see language_balanced_df)
SPLIT_ABOVE = 30_000  # texts from which a child process takes half of them (see _tokenize_all)


@dataclass
class Fitted:
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


def commonness(analyzer: FastAnalyzer, words: Iterable[tuple[str, str]]) -> dict[str, float]:
    """Stem → Zipf frequency of the most common of ``words`` ((language, token) pairs) whose own
    stem it is. A translated English word counts for nothing here: its features are Dutch."""
    out: dict[str, float] = {}
    for lang, token in words:
        seq, names, _concepts = analyzer.word(token, lang)
        if names and names[0] == seq:
            common = zipf(token, lang)
            if common > out.get(seq, 0.0):
                out[seq] = common
    return out


class _TokenTable:
    """Every distinct (language, token) once: features, stem in the reading sequence, character word."""

    def __init__(self, analyzer: FastAnalyzer) -> None:
        self.analyzer = analyzer
        self.stops = stopwords()
        self.ids: dict[str, dict[str, int]] = {lang: {} for lang in LANGUAGES}
        self.keys: list[tuple[str, str]] = []  # (language, token) by id
        self.features: dict[str, int] = {}  # feature name → provisional id
        self.words: dict[str, int] = {}  # character-view word → id
        self.stems: dict[tuple[str, str], int] = {}  # (language, stem) → id
        self.feature_ptr = array("q", [0])
        self.feature_ids = array("i")
        self.stem_of = array("i")
        self.word_of = array("i")

    def learn(self, tokens: list[str], lang: str) -> None:
        table = self.ids[lang]
        for token in tokens:
            if token not in table:
                self._add(token, lang, self.analyzer.word(token, lang))

    def _add(self, token: str, lang: str, analysed: tuple) -> int:
        seq, names, concepts = analysed
        token_id = self.ids[lang][token] = len(self.keys)
        self.keys.append((lang, token))
        self.feature_ids.extend(
            self.features.setdefault(f, len(self.features)) for f in names + concepts
        )
        self.feature_ptr.append(len(self.feature_ids))
        self.stem_of.append(self.stems.setdefault((lang, seq), len(self.stems)))
        word = -1
        if token not in self.stops and not token.isdigit():
            word = self.words.setdefault(token.replace("-", ""), len(self.words))
        self.word_of.append(word)
        return token_id

    def export(self) -> list[tuple[str, str, tuple]]:
        """(language, token, analysis) by id: what another process's table needs to merge this one."""
        return [(lang, token, self.analyzer.word(token, lang)) for lang, token in self.keys]

    def merge(self, entries: list[tuple[str, str, tuple]]) -> np.ndarray:
        """Take in another table's tokens; returns its ids → ids here."""
        mapping = np.empty(len(entries), dtype=np.int32)
        for i, (lang, token, analysed) in enumerate(entries):
            token_id = self.ids[lang].get(token)
            if token_id is None:
                self.analyzer._words[lang].setdefault(token, analysed)
                token_id = self._add(token, lang, analysed)
            mapping[i] = token_id
        return mapping

    def commonness(self) -> dict[str, float]:
        """Stem → Zipf frequency of the most common word of the texts written with it (hoort,
        horen → hor): what ``generality_factors`` needs, since a stem is rarely a word itself."""
        return commonness(self.analyzer, self.keys)

    def phrases(self) -> list[tuple[np.ndarray, tuple[str, ...]]]:
        """Multi-word terms whose stems all occur: (stem ids, concept features)."""
        out = []
        for lang in LANGUAGES:
            for candidates in self.analyzer._phrase_index[lang].values():
                for _n, stems, names in candidates:
                    ids = [self.stems.get((lang, s)) for s in stems]
                    if None not in ids:
                        out.append((np.array(ids, dtype=np.int64), names))
        return out


def _tokenize(texts: Sequence[str], lang_of, table: _TokenTable, items) -> tuple[array, array]:
    """Token ids of ``texts[t]`` for each t in ``items`` (one run, with pointers where each ends)."""
    tokens_of = array("i")
    text_ptr = array("q", [0])
    for t in items:
        text = texts[t]
        if text and text.strip():
            lang = lang_of(t)
            tokens = fast_tokenize(text)
            lookup = table.ids[lang]
            start = len(tokens_of)
            try:
                tokens_of.extend(map(lookup.__getitem__, tokens))
            except KeyError:  # words not seen before: analyse each once
                del tokens_of[start:]
                table.learn(tokens, lang)
                tokens_of.extend(map(lookup.__getitem__, tokens))
        text_ptr.append(len(tokens_of))
    return tokens_of, text_ptr


def _tokenize_in_child(
    texts: Sequence[str], start: int, analyzer: FastAnalyzer, connection
) -> None:
    """In a forked child: languages and tokens of ``texts[start:]``, sent back through ``connection``."""
    langs = detect_languages(texts[start:])
    table = _TokenTable(analyzer)
    tokens_of, text_ptr = _tokenize(
        texts, lambda t: langs[t - start], table, range(start, len(texts))
    )
    codes = bytes(LANGUAGES.index(lang) for lang in langs)
    connection.send_bytes(pickle.dumps((codes, table.export()), protocol=pickle.HIGHEST_PROTOCOL))
    connection.send_bytes(tokens_of.tobytes())
    connection.send_bytes(text_ptr.tobytes())
    connection.close()


def _can_fork() -> bool:
    """A fork is safe in a process with no other threads (and possible on this system)."""
    return threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()


def _tokenize_all(texts: Sequence[str], table: _TokenTable, progress, split_above: int) -> tuple:
    """(token ids, text pointers, language codes) of every text.

    Many texts, in a process that may fork: the second half goes to a child process on the other
    core, whose table is merged into ours afterwards. Otherwise one pass here, with the languages
    detected beside it.
    """
    total = len(texts)
    child = None
    half = total
    if total >= split_above and _can_fork():
        detect_languages(texts[:1])  # load py3langid's model before the fork: the child shares it
        half = total // 2
        context = multiprocessing.get_context("fork")
        receive, send = context.Pipe(duplex=False)
        child = context.Process(
            target=_tokenize_in_child, args=(texts, half, table.analyzer, send), daemon=True
        )
        child.start()
        send.close()
        langs = detect_languages(texts[:half])
        lang_of = langs.__getitem__
    else:
        background = BackgroundLanguages(texts)
        lang_of = background.__getitem__
    items = range(half)
    tokens_of, text_ptr = _tokenize(texts, lang_of, table, progress(items) if progress else items)
    if child is None:
        return tokens_of, text_ptr, background.all()
    try:
        codes, entries = pickle.loads(receive.recv_bytes())
        other_tokens = np.frombuffer(receive.recv_bytes(), dtype=np.int32)
        other_ptr = np.frombuffer(receive.recv_bytes(), dtype=np.int64)
    except (EOFError, OSError):  # the child died: do its half here
        rest = detect_languages(texts[half:])
        more_tokens, more_ptr = _tokenize(
            texts, lambda t: rest[t - half], table, range(half, total)
        )
        codes, entries = bytes(LANGUAGES.index(lang) for lang in rest), []
        other_tokens = np.frombuffer(more_tokens, dtype=np.int32)
        other_ptr = np.frombuffer(more_ptr, dtype=np.int64)
    finally:
        receive.close()
        child.join(timeout=30)
    if entries:
        other_tokens = table.merge(entries)[other_tokens]
    tokens_of.frombytes(other_tokens.astype(np.int32).tobytes())
    text_ptr.frombytes((other_ptr[1:] + text_ptr[-1]).tobytes())
    return tokens_of, text_ptr, langs + [LANGUAGES[c] for c in codes]


def fit_vectors(
    profiles: Sequence[Profile],
    analyzer: FastAnalyzer,
    progress=None,
    split_above: int = SPLIT_ABOVE,
) -> Fitted:
    """The word and character views over ``profiles``."""
    n = len(profiles)
    texts = (
        [p.challenges for p in profiles]
        + [p.offer_text for p in profiles]
        + [p.description for p in profiles]
    )
    table = _TokenTable(analyzer)  # text t is field t // n of profile t % n
    tokens_of, text_ptr, langs = _tokenize_all(texts, table, progress, split_above)
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


def language_balanced_df(counts, langs: np.ndarray, width: int) -> np.ndarray:
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
    profiles, mentors, langs, table, features, stem_of, phrases, feature_names, remap, idf
) -> Passages:
    """Every mentor's passages as TF-IDF rows, through the token table the fit already filled."""
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
    known = features.shape[0]
    tokens_of, text_ptr = _tokenize(texts, text_langs.__getitem__, table, range(len(texts)))
    tokens = np.frombuffer(tokens_of, dtype=np.int32)
    ptr = np.frombuffer(text_ptr, dtype=np.int64)
    if (
        table.feature_ptr and len(table.keys) > known
    ):  # a token the whole texts never had: leave it out
        keep = tokens < known
        lengths = (
            np.add.reduceat(keep.astype(np.int64), ptr[:-1])
            if tokens.size
            else np.zeros(len(texts), np.int64)
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
    counts = _counts(rows, cols, len(texts), idf.size, weights)
    matrix = l2_rows(tfidf(counts, idf, copy=False))
    per_profile = np.bincount(np.frombuffer(owner, dtype=np.int32), minlength=len(profiles))
    profile_ptr = np.zeros(len(profiles) + 1, dtype=np.int64)
    np.cumsum(per_profile, out=profile_ptr[1:])
    return Passages(
        matrix,
        profile_ptr,
        np.frombuffer(spans, dtype=np.int32).reshape(-1, 2).copy(),
        np.frombuffer(source, dtype=np.int8).copy(),
        np.frombuffer(story, dtype=np.int16).copy(),
    )


def _keyword_lists(
    texts: Sequence[str], tokens: np.ndarray, ptr: np.ndarray, word_of: np.ndarray
) -> np.ndarray:
    """Per text, whether it is a keyword list (see ``evidence.keyword_list``), from the fit's tokens."""
    lengths = np.diff(ptr)
    part = tokens[ptr[0] : ptr[-1]]
    text_of = np.repeat(np.arange(lengths.size), lengths)
    function = np.bincount(
        text_of[word_of[part] < 0], minlength=lengths.size
    )  # stop words (and numbers)
    items = np.array([evidence.list_items(t) for t in texts], dtype=np.int64)
    return evidence.keyword_list(lengths, function, items)


def _phrase_matches(tokens, ptr, stem_of, phrases) -> list[tuple[np.ndarray, tuple[str, ...]]]:
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
    found = []
    for ids, names in phrases:
        at = starts[seq[starts] == ids[0]]
        at = at[at + ids.size <= end[at]]
        for k in range(1, ids.size):
            at = at[seq[at + k] == ids[k]]
        if at.size:
            found.append((text_of[at], names))
    return found


def _field_features(tokens, ptr, features, found, feature_names, remap) -> tuple[np.ndarray, ...]:
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
    rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int, weights=None
) -> sparse.csr_matrix:
    if weights is None:
        weights = np.ones(rows.size, dtype=np.float32)
    matrix = sparse.csr_matrix((weights, (rows, cols)), shape=(n_rows, n_cols), dtype=np.float32)
    matrix.sum_duplicates()
    matrix.sort_indices()
    return matrix
