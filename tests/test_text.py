"""The language layer alone: no app, no database."""

import pytest

from matchmaker.matching.analysis import FastAnalyzer as Analyzer
from matchmaker.matching.compounds import generality_factors, split_compound
from matchmaker.matching.text import (
    CONCEPT_PREFIX,
    detect_language,
    normalize,
    stem,
    stopwords,
    tokenize,
)


def feature_names(text):
    return set(Analyzer()(text))


def test_normalize_strips_accents_and_case():
    assert normalize("Één Enquête, Coördinator") == "een enquete, coordinator"


def test_tokenize_keeps_hyphenated_words():
    assert tokenize("Zij-instromers en NT2!") == ["zij-instromers", "en", "nt2"]


def test_stop_words_of_both_languages_are_removed():
    names = feature_names("de het een the and of")
    assert names == set()
    assert "de" in stopwords() and "the" in stopwords()


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("stagebeoordeling", ("stage", "beoordeling")),
        ("plattelandsscholen", ("platteland", "scholen")),
        ("kwaliteitshandboek", ("kwaliteit", "handboek")),
        ("krimpgebied", ("krimp", "gebied")),
    ],
)
def test_dutch_compounds_split_into_known_words(word, parts):
    assert split_compound(word) == parts


@pytest.mark.parametrize("word", ["organiseren", "samenwerking", "beoordeling", "leraren", "xq"])
def test_common_and_simple_words_are_not_split(word):
    assert split_compound(word) == ()


def test_compound_meets_its_parts():
    compound = feature_names("stagebeoordeling")
    assert compound & feature_names("beoordelen")
    assert compound & feature_names("stage")


def test_synonyms_meet_through_the_thesaurus():
    ours = {f for f in feature_names("startende leraren") if f.startswith(CONCEPT_PREFIX)}
    theirs = {f for f in feature_names("beginnende docenten") if f.startswith(CONCEPT_PREFIX)}
    assert CONCEPT_PREFIX + "beginner" in ours & theirs


def test_english_and_dutch_meet_through_the_thesaurus():
    en = feature_names("We need a shared assessment rubric for student teachers.")
    nl = feature_names("Wij beoordelen stagiairs op alle scholen op dezelfde manier.")
    assert CONCEPT_PREFIX + "assessment" in en & nl


def test_features_remember_surface_words():
    feats = Analyzer().features("Kleine plattelandsscholen delen een opleider.")
    surfaces = {f.surface for f in feats}
    assert "plattelandsscholen" in surfaces
    assert all(f.surface for f in feats)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Jonge docenten stoppen vaak na een jaar; hoe begeleiden we starters?", "nl"),
        ("Our new bilingual network needs teachers who can teach in English.", "en"),
        ("kort", "nl"),
        ("", "nl"),
    ],
)
def test_language_detection(text, lang):
    assert detect_language(text) == lang


def test_empty_text_has_no_features():
    assert Analyzer()("   ") == []


def test_begeleiding_and_beleid_stay_apart():
    # Snowball's newer Dutch stemmer strips ge-: begeleiding would become beleid (policy).
    assert stem("begeleiding") != stem("beleid")
    assert stem("begeleiding") == stem("begeleiden")


def test_lemmas_undo_irregular_forms():
    assert stem("leraren") == stem("leraar")
    assert stem("gezocht") == stem("zoeken")
    assert stem("taught", "en") == stem("teach", "en")


def test_an_abbreviation_carries_the_words_it_stands_for():
    assert feature_names("Onze wpb heeft geen tijd.") & feature_names(
        "De werkplekbegeleider heeft geen tijd."
    ) - {stem("tijd")}
    assert CONCEPT_PREFIX + "student_teacher" in feature_names("Elke lio krijgt een eigen klas.")


def test_everyday_words_count_less_than_specific_ones():
    school, rubric, concept = generality_factors(
        ["school", "rubric", CONCEPT_PREFIX + "assessment"]
    )
    assert school < 1.0 == rubric and concept >= 1.0


def test_a_phrase_is_quoted_as_the_text_writes_it():
    from matchmaker.matching.analysis import FastAnalyzer, verbatim_phrase

    text = (
        "Onze scholen voor (voortgezet) speciaal onderwijs; later: Voortgezet Speciaal Onderwijs."
    )
    assert verbatim_phrase(text, ["voortgezet", "speciaal", "onderwijs"]) == (
        "voortgezet) speciaal onderwijs"
    )
    assert verbatim_phrase(text, ["Voortgezet", "Speciaal", "Onderwijs"]) == (
        "Voortgezet Speciaal Onderwijs"
    )
    assert verbatim_phrase(text, ["onderwijs", "voortgezet"]) == "onderwijs voortgezet"
    for surface in FastAnalyzer().surfaces(text, "nl").values():
        assert surface.lower() in text.lower()


def test_a_word_written_with_a_hyphen_at_its_end_keeps_how_it_was_written():
    # "AI- en digiwerkplaats": the hyphen belongs to the elided compound, not to the word
    surfaces = Analyzer().surfaces("Een AI- en digiwerkplaats, 'Inductie' voor starters-", "nl")
    assert surfaces["ai"] == "AI"
    assert surfaces["inductie"] == "Inductie" and surfaces["starter"] == "starters"
