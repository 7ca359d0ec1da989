"""Reproducible synthetic partnership profiles in the exchange format, built from the seeds.

Texts are recombined from the sentences of ``seeds/partnerships.json``: each synthetic text
takes seed sentences of the same field and language until it reaches a length drawn from the
seeds' own lengths, and a share of the content words is swapped for other seed words of that
language (and now and then for a new Dutch compound of two seed words, as real Dutch writing
does, drawn Zipf-weighted from a fixed pool so the vocabulary grows with the corpus as in real
text). Lengths and vocabulary therefore spread like the seeds', while no two profiles are alike.
About 60 % are experienced (founded 1995–2020, mostly open to mentoring), 40 % are new
(founded in the last three years, not mentoring), and about 10 % are written in English.

``python -m bench.generate 1000 --seed 1 > profiles.json`` writes a document.
"""

from __future__ import annotations

import json
import random
import re
import sys
from dataclasses import dataclass
from datetime import date
from itertools import accumulate
from pathlib import Path

from matchmaker.matching.text import detect_language

SEEDS = Path(__file__).resolve().parent.parent / "seeds" / "partnerships.json"
FIELDS = ("description", "challenges", "experiences")
ENGLISH_SHARE = 0.10
EXPERIENCED_SHARE = 0.60
SWAP_SHARE = 0.2  # share of content words replaced by another seed word of the same language
COMPOUND_SHARE = 0.05  # share of content words replaced by a new Dutch compound
COMPOUND_POOL = (
    50_000  # new compounds to draw from, Zipf-weighted: vocabulary grows as in real text
)
SPREAD_SAMPLE = 5000  # words sampled to compare vocabulary spread (the seeds hold about 6,000)

_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9'‘\"(])")
_WORD_RE = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)

NAME_HEADS_NL = (
    "Opleidingsschool",
    "Academische Opleidingsschool",
    "Samen Opleiden",
    "Opleidingsnetwerk",
    "Opleidingsverband",
    "Opleidingskring",
    "Opleidingsalliantie",
    "Leerpact",
    "Partnerschap",
)
NAME_HEADS_EN = (
    "International Teacher Partnership",
    "Bilingual Teacher Network",
    "International Schools Network",
)
PLACES = (
    "Almere",
    "Amersfoort",
    "Apeldoorn",
    "Arnhem",
    "Assen",
    "Breda",
    "Delft",
    "Deventer",
    "Doetinchem",
    "Dordrecht",
    "Drachten",
    "Ede",
    "Eindhoven",
    "Emmen",
    "Enschede",
    "Gouda",
    "Groningen",
    "Haarlem",
    "Heerlen",
    "Helmond",
    "Hengelo",
    "Hilversum",
    "Hoorn",
    "Leeuwarden",
    "Leiden",
    "Lelystad",
    "Maastricht",
    "Middelburg",
    "Nijmegen",
    "Oss",
    "Roermond",
    "Rotterdam",
    "Sittard",
    "Terneuzen",
    "Tilburg",
    "Utrecht",
    "Venlo",
    "Vlissingen",
    "Zaandam",
    "Zeist",
    "Zwolle",
    "Zoetermeer",
    "Den Bosch",
    "Den Helder",
    "Meppel",
    "Harderwijk",
    "Kampen",
    "Tiel",
    "Goes",
    "Sneek",
    "Veendam",
    "Winterswijk",
    "Weert",
    "Bergen op Zoom",
)
NATURE = (
    "Berkenhage",
    "Boterbloem",
    "Distelvlinder",
    "Eikenrode",
    "Hazelaar",
    "Heidebloem",
    "Kievitsveld",
    "Klaverhoeve",
    "Korenbloem",
    "Kraanvogel",
    "Lindenhof",
    "Meidoorn",
    "Merelhof",
    "Ooievaarsnest",
    "Regenboogvis",
    "Rietzanger",
    "Sterrenkroos",
    "Vlinderveld",
    "Waterlelie",
    "Wilgenwaard",
    "Zandhoven",
    "Zilvermeeuw",
    "Zonnedauw",
    "Duinhaven",
    "Maasoever",
    "Schelpenstrand",
    "Brandgans",
    "Paardenbloem",
)


@dataclass(frozen=True)
class _Pools:
    sentences: dict[tuple[str, str, bool], list[str]]  # (field, lang, experienced) -> sentences
    lengths: dict[
        tuple[str, bool], list[int]
    ]  # (field, experienced) -> character lengths in the seeds
    words: dict[
        str, list[str]
    ]  # lang -> content words (lower case, with repeats: keeps the spread)
    distinct: dict[str, list[str]]  # lang -> each content word once
    regions: list[str]
    institutions: list[str]
    schools: list[int]


def _language(text: str) -> str:
    return detect_language(text)


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_RE.split(text) if s.strip()]


def load_pools(path: Path = SEEDS) -> _Pools:
    """Sentence, length and word pools from the seed profiles."""
    seeds = json.loads(path.read_text(encoding="utf-8"))["partnerships"]
    sentences: dict[tuple[str, str, bool], list[str]] = {}
    lengths: dict[tuple[str, bool], list[int]] = {}
    words: dict[str, list[str]] = {"nl": [], "en": []}
    for p in seeds:
        experienced = p["open_to_mentor"] and bool(p["experiences"])
        lang = _language(p["challenges"] + " " + p["description"])
        for field in FIELDS:
            text = p[field]
            lengths.setdefault((field, experienced), []).append(len(text))
            for s in _sentences(text):
                sentences.setdefault((field, lang, experienced), []).append(s)
                words[lang].extend(w.lower() for w in _WORD_RE.findall(s) if len(w) > 3)
    return _Pools(
        sentences=sentences,
        lengths=lengths,
        words=words,
        distinct={lang: sorted(set(ws)) for lang, ws in words.items()},
        regions=sorted({p["region"] for p in seeds if p.get("region")}),
        institutions=sorted({i for p in seeds for i in p["institutions"]}),
        schools=[p["schools_count"] for p in seeds if p.get("schools_count")],
    )


class Generator:
    """Synthetic profiles; the same ``seed`` always gives the same profiles."""

    def __init__(self, seed: int = 1, pools: _Pools | None = None) -> None:
        self.rng = random.Random(seed)
        self.pools = pools or load_pools()
        self.this_year = date.today().year
        words = [w for w in self.pools.distinct["nl"] if w.isalpha()]
        self.compounds = [
            self.rng.choice(words) + self.rng.choice(words) for _ in range(COMPOUND_POOL)
        ]
        self.compound_weights = list(accumulate(1.0 / (rank + 1) for rank in range(COMPOUND_POOL)))

    def _sentence_pool(self, field: str, lang: str, experienced: bool) -> list[str]:
        pools = self.pools.sentences
        for key in (
            (field, lang, experienced),
            (field, lang, not experienced),
            (field, "nl", experienced),
        ):
            if pools.get(key):
                return pools[key]
        return []

    def _mutate(self, sentence: str, lang: str) -> str:
        rng, vocab, distinct = self.rng, self.pools.words[lang], self.pools.distinct[lang]

        def swap(match: re.Match) -> str:
            word = match.group(0)
            if len(word) <= 3 or word[0].isupper():
                return word
            r = rng.random()
            if r < SWAP_SHARE:  # half by frequency (keeps the spread), half from all distinct words
                return rng.choice(vocab if r < SWAP_SHARE / 2 else distinct)
            if lang == "nl" and r < SWAP_SHARE + COMPOUND_SHARE:
                return rng.choices(self.compounds, cum_weights=self.compound_weights)[0]
            return word

        return _WORD_RE.sub(swap, sentence)

    def _text(self, field: str, lang: str, experienced: bool) -> str:
        pool = self._sentence_pool(field, lang, experienced)
        lengths = [n for n in self.pools.lengths[(field, experienced)] if n > 0] or [0]
        if not pool or not lengths[0]:
            return ""
        target = int(self.rng.choice(lengths) * self.rng.uniform(0.8, 1.2))
        parts: list[str] = []
        size = 0
        while not parts or size < target:
            sentence = self._mutate(self.rng.choice(pool), lang)
            if parts and size + len(sentence) / 2 > target:
                break  # closer to the target without it
            parts.append(sentence)
            size += len(sentence) + 1
        return " ".join(parts)[:5000]

    def profile(self, i: int) -> dict:
        rng = self.rng
        lang = "en" if rng.random() < ENGLISH_SHARE else "nl"
        experienced = rng.random() < EXPERIENCED_SHARE
        place = rng.choice(PLACES)
        if lang == "en":
            name = f"{place} {rng.choice(NAME_HEADS_EN)}"
        else:
            name = f"{rng.choice(NAME_HEADS_NL)} {rng.choice(NATURE + (place,))}"
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:48]
        key = f"{slug}-{i:x}"
        sectors = sorted(rng.sample(["po", "vo", "mbo", "so"], k=rng.choice((1, 1, 1, 2))))
        if experienced:
            founded = rng.randint(1995, 2020)
            open_to_mentor = rng.random() < 0.92
            capacity = rng.choice((1, 2, 2, 2, 3, 3, 4))
        else:
            founded = rng.randint(self.this_year - 2, self.this_year)
            open_to_mentor, capacity = False, 0
        description = self._text("description", lang, experienced)
        challenges = self._text("challenges", lang, experienced)
        experiences = self._text("experiences", lang, True) if experienced else ""
        institutions = rng.sample(self.pools.institutions, k=rng.choice((1, 1, 2, 2, 3)))
        return {
            "key": key,
            "name": name,
            "sectors": sectors,
            "region": rng.choice(self.pools.regions),
            "founded": founded,
            "schools_count": rng.choice(self.pools.schools),
            "institutions": institutions,
            "description": description,
            "challenges": challenges,
            "experiences": experiences,
            "open_to_mentor": open_to_mentor,
            "mentor_capacity": capacity,
            "contact": {"name": f"Coördinator {place}", "email": f"{key}@example.org"},
        }

    def profiles(self, n: int) -> list[dict]:
        return [self.profile(i) for i in range(n)]


def document(n: int, seed: int = 1) -> dict:
    """An exchange document of ``n`` synthetic profiles."""
    return {"partnerships": Generator(seed).profiles(n)}


def spread(records: list[dict]) -> dict:
    """Mean length per text field and distinct words per 1,000 words: to compare with the seeds."""
    out: dict = {}
    for field in FIELDS:
        texts = [r[field] for r in records]
        out[f"{field}_chars"] = round(sum(map(len, texts)) / max(1, len(texts)), 1)
    words = [w.lower() for r in records for f in FIELDS for w in _WORD_RE.findall(r[f])]
    sample = random.Random(0).sample(words, min(len(words), SPREAD_SAMPLE))
    out[f"distinct_words_in_{SPREAD_SAMPLE}"] = len(set(sample))
    out["english_share"] = round(
        sum(_language(r["challenges"]) == "en" for r in records) / max(1, len(records)), 3
    )
    out["experienced_share"] = round(
        sum(bool(r["experiences"]) for r in records) / max(1, len(records)), 3
    )
    return out


if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 1
    json.dump(document(size, seed), sys.stdout, ensure_ascii=False, indent=1)
