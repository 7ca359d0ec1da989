"""The everyday cues of data/cues.json keep the glossary's rules: each names a known theme and a
source it was seen in, none is a stop word, a single-word cue belongs to one theme only, and the
analyser reads every cue as its theme."""

from __future__ import annotations

import pytest

from matchmaker.matching.analysis import FastAnalyzer
from matchmaker.matching.text import (
    CONCEPT_PREFIX,
    _load_data,
    default_thesaurus,
    stem,
    stopwords,
    tokenize,
    with_cues,
)

CUES = _load_data("cues.json")
GLOSSARY = _load_data("glossary.json")


def _term(t):
    return t["term"] if isinstance(t, dict) else t


def test_every_cue_names_a_theme_and_a_source():
    concepts = {c["id"] for c in GLOSSARY["concepts"]}
    assert CUES["cues"], "data/cues.json holds no cue"
    for cue in CUES["cues"]:
        assert cue["concept"] in concepts, cue
        source = CUES["sources"][cue["source"]]
        assert source["url"].startswith("http") and source["title"], cue
        assert cue["lang"] in ("nl", "en"), cue
    used = {cue["source"] for cue in CUES["cues"]}
    assert used == set(CUES["sources"]), "a source no cue cites"


def test_no_cue_is_a_stop_word_or_a_glossary_term_again():
    stops = stopwords()
    terms = {" ".join(tokenize(_term(t))) for c in GLOSSARY["concepts"] for t in c["terms"]}
    for cue in CUES["cues"]:
        words = tokenize(cue["cue"])
        assert words and not all(w in stops for w in words), cue
        assert " ".join(words) not in terms, cue


def test_a_single_word_cue_belongs_to_one_theme():
    owners: dict[tuple[str, str], set[str]] = {}
    for concept in with_cues(GLOSSARY["concepts"], CUES["cues"]):
        for term in concept["terms"]:
            words = tokenize(_term(term))
            if len(words) == 1:
                for lang in ("nl", "en"):
                    key = (lang, stem(words[0].replace("-", ""), lang))
                    owners.setdefault(key, set()).add(concept["id"])
    for cue in CUES["cues"]:
        words = tokenize(cue["cue"])
        if len(words) == 1:
            for lang in ("nl", "en"):
                key = (lang, stem(words[0].replace("-", ""), lang))
                assert owners[key] == {cue["concept"]}, (cue, owners[key])


@pytest.mark.parametrize("cue", CUES["cues"][::7], ids=lambda c: c["cue"])
def test_the_analyser_reads_a_cue_as_its_theme(cue):
    analyzer = FastAnalyzer(default_thesaurus())
    names = analyzer(f"Wij merken dit: {cue['cue']}.", cue["lang"])
    assert CONCEPT_PREFIX + cue["concept"] in names
