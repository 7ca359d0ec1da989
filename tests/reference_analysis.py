"""The reference analyser: the slow, plain statement of what a text's features are.

It lived in the package until the fast analyser (``matchmaker/matching/analysis.py``) became the
only one there; here it is the oracle the fast path is compared with (test_index_updates.py).
"""

from __future__ import annotations

import re
from functools import lru_cache

from matchmaker.matching.analysis import verbatim_phrase
from matchmaker.matching.text import (
    _COMMON_WORD,
    _LINKS,
    _MIN_PART,
    _MIN_ZIPF,
    CONCEPT_PREFIX,
    Feature,
    Thesaurus,
    default_thesaurus,
    detect_language,
    normalize,
    stem,
    stopwords,
    tokenize,
    zipf,
)


@lru_cache(maxsize=200_000)
def split_compound(word: str, _depth: int = 0) -> tuple[str, ...]:
    """Split a Dutch compound into known words: ``stagebeoordeling`` → (stage, beoordeling).

    A split is kept only when the whole word is uncommon and every part is a common Dutch word
    (by Zipf frequency, ``text.zipf``: wordfreq's list frozen in ``matching/data/zipf_nl.tsv.gz``,
    the same table the package uses), allowing the linking ``s``/``en``/``e``
    (``plattelandsscholen`` → platteland, scholen). The head may split once more, so three-part
    words work. Returns () when no good split exists.
    """
    if len(word) < 2 * _MIN_PART + 1 or not word.isalpha():
        return ()
    if _depth == 0 and zipf(word) >= _COMMON_WORD:
        return ()
    best: tuple[float, tuple[str, ...]] | None = None
    for i in range(_MIN_PART, len(word) - _MIN_PART + 1):
        left, right = word[:i], word[i:]
        candidates = [(left, right)]
        for link in _LINKS:
            if left.endswith(link) and len(left) - len(link) >= _MIN_PART:
                candidates.append((left[: -len(link)], right))
        for modifier, head in candidates:
            mod_f = zipf(modifier)
            if mod_f < _MIN_ZIPF:
                continue
            head_parts: tuple[str, ...] = (head,)
            head_f = zipf(head)
            if head_f < _MIN_ZIPF:
                if _depth >= 1:
                    continue
                head_parts = split_compound(head, _depth + 1)
                if not head_parts:
                    continue
                head_f = min(zipf(p) for p in head_parts) - 1.0  # fewer parts win
            # Long parts beat short ones: "starters|coach", not "star|ters|coach".
            score = min(mod_f, head_f) + 0.25 * min(len(modifier), len(head_parts[0]))
            if best is None or score > best[0]:
                best = (score, (modifier, *head_parts))
    return best[1] if best else ()


class ReferenceAnalyzer:
    """Turns text into weighted features for TF-IDF; picklable, no state besides the thesaurus."""

    def __init__(self, thesaurus: Thesaurus | None = None) -> None:
        self.thesaurus = thesaurus or default_thesaurus()

    def features(self, text: str) -> list[Feature]:
        """Features of a text, each with the surface word that produced it."""
        if not text or not text.strip():
            return []
        lang = detect_language(text)
        stops = stopwords()
        out: list[Feature] = []
        sequence: list[tuple[str, str]] = []  # (stem, surface) of every word in reading order
        singles: list[
            tuple
        ] = []  # content stems (compound parts included), with the language of their concepts
        # a word as written, without a hyphen or apostrophe at either end ("AI-" is "AI")
        written = (w.strip("'’‐‑-") for w in re.findall(r"[\w'’‐‑-]+", text))
        surface_of = {normalize(w): w for w in written}
        for token in tokenize(text):
            surface = surface_of.get(token, token)
            token_start = len(singles)
            if token in stops or len(token) < 2 or token.isdigit():
                sequence.append((stem(token, lang), surface))
                continue
            whole = stem(token.replace("-", ""), lang)
            out.append(Feature(whole, surface))
            sequence.append((whole, surface))
            singles.append((whole, surface))
            parts = [p for p in re.split(r"[-']", token) if p and p not in stops]
            pieces: list[str] = parts if len(parts) > 1 else []
            if lang == "nl":
                for piece in parts:
                    pieces.extend(split_compound(piece))
            for piece in pieces:
                if piece in stops or len(piece) < 3:
                    continue
                piece_stem = stem(piece, lang)
                if piece_stem != whole:
                    out.append(Feature(piece_stem, surface))
                    singles.append((piece_stem, surface))
            expansion = self.thesaurus.expansion_of(token, whole, lang)
            if (
                expansion
            ):  # wpb, workload: the features of "werkplekbegeleider", "werkdruk", in Dutch
                th = self.thesaurus
                own = {feature for feature, *_rest in singles[token_start:]}
                seen = {cid for feature in own for cid in th.concepts_of(feature, lang)}
                extra_concepts = []
                dutch = [
                    f
                    for word in expansion
                    if word not in stops
                    for f in self.features_of_word(word, "nl")
                ]
                if not self.keeps_own_stem(
                    token, lang
                ):  # a translated English word counts as its Dutch words only
                    out.remove(Feature(whole, surface))  # its concepts stay: they come from singles
                for feature in dutch:
                    if feature != whole:
                        out.append(Feature(feature, surface))
                        extra_concepts.extend(th.concepts_of(feature, "nl"))
                for cid in extra_concepts + sorted(th.expansion_concepts(expansion)):
                    if cid not in seen:  # a theme the word already names is not counted twice
                        seen.add(cid)
                        singles.append((CONCEPT_PREFIX + cid, surface, ""))
        out.extend(self._concepts(singles, sequence, lang, text))
        return out

    def keeps_own_stem(self, token: str, lang: str) -> bool:
        """False for a word of an English text that the lexicon translates into other Dutch words."""
        whole = stem(token.replace("-", ""), lang)
        expansion = self.thesaurus.expansion_of(token, whole, lang)
        if lang != "en" or not expansion or token in self.thesaurus.abbreviations:
            return True
        dutch = [
            f
            for word in expansion
            if word not in stopwords()
            for f in self.features_of_word(word, "nl")
        ]
        return whole in dutch or all(f == whole for f in dutch)

    def commonness(self, texts) -> dict[str, float]:
        """Stem → Zipf frequency of the most common word of ``texts`` written with it (the words
        whose own stem is a feature)."""
        out: dict[str, float] = {}
        for text in texts:
            if not text or not text.strip():
                continue
            lang = detect_language(text)
            for token in tokenize(text):
                if (
                    token in stopwords()
                    or len(token) < 2
                    or token.isdigit()
                    or not self.keeps_own_stem(token, lang)
                ):
                    continue
                whole = stem(token.replace("-", ""), lang)
                out[whole] = max(out.get(whole, 0.0), zipf(token, lang))
        return out

    def features_of_word(self, word: str, lang: str) -> list[str]:
        """Stem and compound-part stems of one normalised content word."""
        whole = stem(word.replace("-", ""), lang)
        names = [whole]
        parts = [p for p in re.split(r"[-']", word) if p and p not in stopwords()]
        pieces = parts if len(parts) > 1 else []
        if lang == "nl":
            for piece in parts:
                pieces.extend(split_compound(piece))
        for piece in pieces:
            if len(piece) >= 3 and piece not in stopwords() and stem(piece, lang) != whole:
                names.append(stem(piece, lang))
        return names

    def _concepts(
        self,
        singles: list[tuple[str, str]],
        sequence: list[tuple[str, str]],
        lang: str,
        text: str = "",
    ) -> list[Feature]:
        found: list[Feature] = []
        th = self.thesaurus
        for entry in singles:
            stem_, surface = entry[0], entry[1]
            if stem_.startswith(CONCEPT_PREFIX):  # a concept an abbreviation's expansion names
                found.append(Feature(stem_, surface))
                continue
            for cid in th.concepts_of(stem_, entry[2] if len(entry) > 2 else lang):
                found.append(Feature(CONCEPT_PREFIX + cid, surface))
        for i in range(len(sequence)):
            for n in range(2, th.max_phrase + 1):
                window = sequence[i : i + n]
                if len(window) < n:
                    break
                for cid in th.phrase_concepts(tuple(s for s, _ in window), lang):
                    found.append(
                        Feature(CONCEPT_PREFIX + cid, verbatim_phrase(text, [w for _, w in window]))
                    )
        return found

    def __call__(self, text: str) -> list[str]:
        """The analyser scikit-learn's vectoriser calls: feature names only."""
        return [f.name for f in self.features(text)]


def char_text(text: str) -> str:
    """Text for the character n-gram view: normalised, stop words removed."""
    stops = stopwords()
    return " ".join(
        t.replace("-", "") for t in tokenize(text) if t not in stops and not t.isdigit()
    )
