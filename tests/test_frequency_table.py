"""The frozen word-frequency tables (matchmaker/matching/data/zipf_<lang>.tsv.gz), which replace
the wordfreq package at run time (scripts/make_frequency_table.py made them from wordfreq 3.1.1)."""

from __future__ import annotations

from importlib import resources

import pytest

from matchmaker.matching import text
from matchmaker.matching.text import MIN_LISTED_ZIPF, zipf, zipf_table, zipf_table_path

# Words per language in wordfreq 3.1.1's "best" lists with a Zipf frequency of at least 3.0.
SIZES = {"nl": 29_400, "en": 29_269}


@pytest.mark.parametrize("lang", sorted(SIZES))
def test_table_loads_with_the_expected_size(lang):
    table = zipf_table(lang)
    assert len(table) == SIZES[lang]
    assert zipf_table(lang) is table  # read once
    values = list(table.values())
    assert values == sorted(values, reverse=True)  # most common first
    assert min(values) == MIN_LISTED_ZIPF and max(values) < 8.0
    assert all(round(v, 2) == v for v in values)


def test_the_files_are_package_data():
    for lang in SIZES:
        path = zipf_table_path(lang)
        assert path.is_file()
        assert path.name == f"zipf_{lang}.tsv.gz"
    data = resources.files(text.__name__.rpartition(".")[0]).joinpath("data")
    assert data.joinpath("FREQUENCIES.md").is_file()  # source and licence, next to the data


def test_common_dutch_words_have_plausible_frequencies():
    assert 7.0 < zipf("de") < 8.0  # the most common Dutch word
    assert 6.5 < zipf("het") < 8.0
    assert 5.0 < zipf("school") < 6.5
    assert 4.0 < zipf("leraar") < 5.5
    assert 3.0 <= zipf("beoordeling") < 5.0
    assert zipf("de") > zipf("school") > zipf("leraar")
    # Exact values of wordfreq 3.1.1, as the matcher used them before the table was frozen.
    assert zipf("de") == 7.73
    assert zipf("van") == 7.51


def test_english_table():
    assert 7.0 < zipf("the", "en") < 8.0
    assert 4.0 < zipf("teacher", "en") < 6.0
    assert zipf("teacher", "nl") < zipf("teacher", "en")


def test_rare_words_are_absent():
    # A compound the analyser has to split: too rare to be listed (Zipf < 3.0).
    assert "stagebeoordeling" not in zipf_table("nl")
    assert zipf("stagebeoordeling") == 0.0
    assert zipf("xqzvwk") == 0.0
    assert zipf("xqzvwk", "en") == 0.0


def test_other_languages_are_refused():
    with pytest.raises(ValueError, match="no word frequencies"):
        zipf_table_path("de")
