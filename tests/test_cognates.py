"""English words Dutch shares as loanwords: found by rule, accepted only when Dutch has the word."""

import pytest

from matchmaker.matching.cognates import dutch_cognate


@pytest.mark.parametrize(
    "english, dutch",
    [
        ("calibration", "kalibratie"),
        ("sceptical", "sceptisch"),
        ("quality", "kwaliteit"),
        ("qualities", "kwaliteit"),
        ("aggressive", "agressief"),
        ("professional", "professioneel"),
        ("structure", "structuur"),
        ("national", "nationaal"),
        ("critical", "kritisch"),
        ("practical", "praktisch"),
        ("motivate", "motiveren"),
        ("organised", "organiseren"),
        ("intervision", "intervisie"),
        ("psychology", "psychologie"),
        ("flexible", "flexibel"),
        ("nervous", "nerveus"),
    ],
)
def test_a_regular_ending_gives_the_dutch_word(english, dutch):
    assert dutch_cognate(english) == dutch


@pytest.mark.parametrize(
    "english",
    [
        "stage",  # the same spelling is another Dutch word (internship): never taken
        "teacher",  # no loanword ending
        "school",
        "experience",  # *experientie* is no Dutch word
        "policy",  # *policie* is none either
        "feedback",
        "sessies",  # not an English word with an English ending
        "ic",  # too short
        "co-teaching",
    ],
)
def test_no_cognate_is_invented(english):
    assert dutch_cognate(english) is None
