"""What every part of the index reads: its fitted data, its rows by position, and a query's word
and character scores against the offers.

``IndexRows`` is the base of ``MatchIndex`` and of its parts (``explain``, ``duplicates``,
``ranking``): it declares the index's attributes, which ``MatchIndex`` sets when it is built or
patched (``engine``). An edited profile's rows are kept in an *overlay* (``_Rows`` per position)
that replaces the fitted rows; ``transform`` makes them with the fitted vocabulary and idf.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from . import evidence as ev
from .analysis import FastAnalyzer, char_words, fast_tokenize
from .chars import CharView
from .fit import DESCRIPTION_WEIGHT
from .hubness import HubReference
from .passage_index import Block, PassageIndex
from .profile import Profile
from .results import CHALLENGES, SparseRow
from .text import LANGUAGES, detect_language, stopwords
from .vectors import RowView, count_matrix, l2_rows, stack_rows, tfidf, weighted_row_sum

_LANG_CODE = {lang: i for i, lang in enumerate(LANGUAGES)}


def _lang_code(text: str) -> int:
    """The language of a text as an index into LANGUAGES (0 for an empty text)."""
    return _LANG_CODE[detect_language(text)] if text and text.strip() else 0


@dataclass
class _Rows:
    """One profile's vectors, for the overlay."""

    need: sparse.csr_matrix
    offer: sparse.csr_matrix
    need_chars: sparse.csr_matrix
    offer_chars: sparse.csr_matrix
    langs: tuple[int, int, int]


class IndexRows:
    """The index's data and its rows by position (see the module docstring).

    ``need``/``offer`` (words) and ``need_chars``/``offer_chars`` (characters) give rows by
    position like sparse matrices; ``profiles[i]`` and ``position[key]`` agree with them.
    """

    # The profiles, by position; a removed profile stays as an empty tombstone.
    analyzer: FastAnalyzer
    profiles: list[Profile]
    position: dict[str, int]  # key → position, present profiles only
    _slots: dict[str, int]  # every key ever placed, removed ones included
    changes: int  # profiles changed or removed since the fit (drift)
    _n_base: int  # profiles in the fit
    # Per position.
    _can_mentor: np.ndarray  # bool: open, with experiences and capacity
    _alive: np.ndarray  # bool: not removed
    founded: np.ndarray
    sector_masks: np.ndarray  # int8: bits of ``ranking.SECTOR_BITS``
    region_ids: np.ndarray  # int32: ids of ``_region_ids``
    _region_ids: dict[str, int]  # lower-case region → id
    _empty_region: int  # the id of "no region", or -1
    _keyword_lists: np.ndarray  # bool: the offer is a keyword list
    _hub: np.ndarray  # float32: the offer's hub score, centred (see ``hubness``)
    _signatures: np.ndarray  # int32 (profiles, 2): the offer's two heaviest features, or -1
    _langs: np.ndarray  # int8 (profiles, 3): language of challenges, offer, description
    # The fit.
    _fitted: bool  # False when no text had a single feature
    vocabulary: np.ndarray
    _vocab: dict[str, int]
    _idf: np.ndarray
    _need: sparse.csr_matrix  # profile × feature, fitted rows
    _offer: sparse.csr_matrix
    _offer_t: sparse.csr_matrix  # feature × profile: a query touches only its postings
    _vectorizer: ev.Vectorizer
    _passages: PassageIndex
    _hub_reference: HubReference
    _shared_features: np.ndarray  # bool per feature: some Dutch text of the fit has it (fairness)
    _hub_centre: float
    chars: CharView
    _need_words: sparse.csr_matrix  # profile × character-view word counts
    _offer_words: sparse.csr_matrix
    _offer_grams: sparse.csr_matrix  # mentors' n-gram counts (see CharView.gram_counts)
    _offer_char_norms: np.ndarray
    # The overlay of edited profiles and the views over base and overlay.
    _overlay: dict[int, _Rows]
    need: RowView
    offer: RowView
    need_chars: RowView
    offer_chars: RowView
    _ov_positions: np.ndarray  # overlay positions, sorted
    _ov_offer: sparse.csr_matrix  # their word offers, in that order
    _ov_offer_chars: dict[int, sparse.csr_matrix]
    _base_rows: np.ndarray  # bool per fitted position: its fitted row is current
    # Made on use.
    _surface_cache: dict[tuple[int, ...], dict[str, str]]
    _mentors_by_cutoff: dict[int, np.ndarray]  # open, experienced, present and old enough
    _searchable: np.ndarray | None  # has something to share (see searchable_mask)
    _extra_blocks: dict[int, Block]  # passages of non-mentors, made when search reads them

    def _views(self) -> None:
        """(Re)build the row views and overlay arrays after the overlay changed."""
        n, base = len(self.profiles), self._n_base
        ov = self._overlay

        def rows_of(matrix: sparse.csr_matrix):
            return lambda rows: matrix[rows]

        def chars_of(matrix: sparse.csr_matrix, chars: CharView = self.chars):
            # no reference back to self: old copies die at once
            return lambda rows: chars.vectors(matrix[rows])

        width, grams = len(self.vocabulary), self.chars.n_features
        self.need = RowView(rows_of(self._need), {p: r.need for p, r in ov.items()}, n, width)
        self.offer = RowView(rows_of(self._offer), {p: r.offer for p, r in ov.items()}, n, width)
        self.need_chars = RowView(
            chars_of(self._need_words), {p: r.need_chars for p, r in ov.items()}, n, grams
        )
        self.offer_chars = RowView(
            chars_of(self._offer_words), {p: r.offer_chars for p, r in ov.items()}, n, grams
        )
        replaced = np.array(sorted(ov), dtype=np.int64)
        self._ov_positions = replaced
        self._ov_offer = stack_rows([ov[p].offer for p in replaced.tolist()], width)
        self._ov_offer_chars = {p: ov[p].offer_chars for p in replaced.tolist()}
        self._base_rows = np.ones(base, dtype=bool)
        self._base_rows[replaced[replaced < base]] = False

    def __len__(self) -> int:
        return len(self.position)

    def __contains__(self, key: str) -> bool:
        return key in self.position

    def profile(self, key: str) -> Profile:
        """The present profile with this key (KeyError when there is none)."""
        return self.profiles[self.position[key]]

    @property
    def fitted_size(self) -> int:
        """How many profiles the vocabulary and idf were fitted on."""
        return self._n_base

    def transform(self, profile: Profile) -> _Rows:
        """A profile's vectors under the fitted vocabulary and idf (unknown words are left out)."""
        texts = (profile.challenges, profile.offer_text, profile.description)
        langs = (_lang_code(texts[0]), _lang_code(texts[1]), _lang_code(texts[2]))
        width = len(self.vocabulary)

        def word_row(text: str, lang: int) -> sparse.csr_matrix:
            ids = [
                i
                for i in map(self._vocab.get, self.analyzer.names(text, LANGUAGES[lang]))
                if i is not None
            ]
            return tfidf(count_matrix([0, len(ids)], ids, width), self._idf)

        chal, exp, desc = (word_row(t, lang) for t, lang in zip(texts, langs))
        stops = stopwords()
        return _Rows(
            need=l2_rows(chal + DESCRIPTION_WEIGHT * desc),
            offer=l2_rows(exp + DESCRIPTION_WEIGHT * desc),
            need_chars=self.chars.text_vector(char_words(fast_tokenize(profile.challenges), stops)),
            offer_chars=self.chars.text_vector(
                char_words(fast_tokenize(profile.offer_text), stops)
            ),
            langs=langs,
        )

    def _is_indexed(self, pos: int, profile: Profile) -> bool:
        """Whether ``profile`` is the indexed one at ``pos`` (usually the very same object)."""
        indexed = self.profiles[pos]
        return indexed is profile or indexed == profile

    def _challenge_lang(self, mentee: Profile) -> int:
        """The language (index in LANGUAGES) the partnership's challenges are written in."""
        pos = self.position.get(mentee.key)
        if pos is not None and self._is_indexed(pos, mentee):
            return int(self._langs[pos, CHALLENGES])
        return _lang_code(mentee.challenges)

    def _query(self, profile: Profile) -> tuple[SparseRow, tuple[np.ndarray, np.ndarray]]:
        """A profile's needs for ranking: the word row, and the character row as (columns, values),
        reusing the indexed rows when the profile is the indexed one."""
        pos = self.position.get(profile.key)
        rows: _Rows | None
        if pos is not None and self._is_indexed(pos, profile):
            rows = self._overlay.get(pos)
            if rows is None:
                start, end = self._need.indptr[pos], self._need.indptr[pos + 1]
                need = SparseRow(self._need.indices[start:end], self._need.data[start:end])
                return need, self.chars.query(self._need_words, pos)
        elif self._fitted:
            rows = self.transform(profile)
        else:
            return SparseRow(np.zeros(0, np.int32), np.zeros(0, np.float32)), (
                np.zeros(0, np.int32),
                np.zeros(0, np.float32),
            )
        need = rows.need.tocsr()
        need.sort_indices()
        return SparseRow(need.indices, need.data), (rows.need_chars.indices, rows.need_chars.data)

    def _offer_row(self, pos: int) -> tuple[np.ndarray, np.ndarray]:
        """(feature ids, weights) of a profile's word offer."""
        rows = self._overlay.get(pos)
        if rows is not None:
            return rows.offer.indices, rows.offer.data
        start, end = self._offer.indptr[pos], self._offer.indptr[pos + 1]
        return self._offer.indices[start:end], self._offer.data[start:end]

    def word_scores(self, need: SparseRow) -> np.ndarray:
        """Word-view cosine of a need row with every profile's offer (the raw sparse product)."""
        n = len(self.profiles)
        if not need.indices.size:
            return np.zeros(n, dtype=np.float32)
        # The weighted sum of the query features' posting rows: one pass over those postings.
        base = weighted_row_sum(self._offer_t, need.indices, need.data)
        if n == self._n_base and not self._ov_positions.size:
            return base
        scores = np.zeros(n, dtype=np.float32)
        scores[: self._n_base] = base
        if self._ov_positions.size:
            scores[self._ov_positions] = self._ov_offer[:, need.indices] @ need.data
        return scores

    def _char_scores(self, pool: np.ndarray, query: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        """Character-view cosine of a need (columns, values) with the offers of ``pool``."""
        out = np.zeros(pool.size, dtype=np.float32)
        if not query[0].size or not pool.size:
            return out
        in_base = pool < self._n_base
        in_base[in_base] = self._base_rows[pool[in_base]]
        if in_base.any():  # candidates are mentors, and an unchanged row's n-gram counts are stored
            rows = pool[in_base]
            out[in_base] = self.chars.stored_scores(
                self._offer_grams, rows, self._offer_char_norms[rows], query
            )
        for j in np.flatnonzero(~in_base).tolist():
            row = self._ov_offer_chars[int(pool[j])]
            _common, a, b = np.intersect1d(
                query[0], row.indices, assume_unique=True, return_indices=True
            )
            out[j] = float(np.dot(query[1][a], row.data[b]))
        return out
