"""The language a text is written in must not itself be a reason (matching/fairness.py): an
English challenge meets English- and Dutch-written mentors on the same features."""

import numpy as np
import pytest
from scipy import sparse

from matchmaker.matching import fairness, ranking
from matchmaker.matching.eligibility import MatchContext
from matchmaker.matching.engine import build_index
from matchmaker.matching.profile import Profile
from matchmaker.matching.results import CHALLENGES, EXPERIENCES
from matchmaker.matching.text import LANGUAGES

NL, EN = LANGUAGES.index("nl"), LANGUAGES.index("en")
CTX = MatchContext(current_year=2026)


def _mentor(key: str, experiences: str) -> Profile:
    return Profile(key=key, name=key, sectors=("vo",), founded=2012, experiences=experiences)


PROFILES = [
    Profile(
        key="new-en",
        name="Newcomer",
        sectors=("vo",),
        founded=2025,
        challenges=(
            "We keep losing the young teachers we hired straight from college: within a year or "
            "two many of them have left for other jobs. How do we support beginning teachers in "
            "their first years so that they stay?"
        ),
    ),
    _mentor(
        "nl-inductie",
        "Wij verloren jarenlang veel beginnende leraren binnen twee jaar. Sinds 2016 krijgt elke "
        "startende leraar een inductieprogramma van drie jaar: een coach, minder lesuren in het "
        "eerste jaar en intervisie met andere starters. Het verloop is gehalveerd.",
    ),
    _mentor(
        "en-bilingual",
        "Our bilingual stream kept losing the young native speakers we hired straight from "
        "college: within a year or two many had left for other jobs abroad. Now they stay: we "
        "give them an English department of their own, exchange trips and international "
        "projects for their pupils.",
    ),
    _mentor(
        "en-research",
        "Teachers in our schools carry out small research projects with a university: each year "
        "two teams study a question from their own classroom and present it at a conference.",
    ),
    _mentor(
        "nl-beoordeling",
        "Onze scholen beoordelen studenten met één rubric en kalibreren twee keer per jaar samen "
        "met de lerarenopleiding op opgenomen lessen.",
    ),
    _mentor(
        "nl-onderzoek",
        "Docenten doen bij ons praktijkonderzoek in een kenniskring met de hogeschool en "
        "presenteren hun resultaten op een jaarlijkse onderzoeksmiddag.",
    ),
    _mentor(
        "nl-zijinstroom",
        "Zij-instromers krijgen bij ons een persoonlijk opleidingsplan, een coach en een "
        "geschiktheidsonderzoek voordat ze voor de klas gaan.",
    ),
]


def test_which_candidates_meet_on_the_shared_features():
    mixed = np.array([NL, EN, NL, EN])
    assert fairness.needs_shared_space(NL, mixed) is None  # a Dutch challenge: nothing changes
    assert fairness.needs_shared_space(EN, mixed).tolist() == [False, True, False, True]
    assert fairness.needs_shared_space(EN, np.array([EN, EN])) is None  # one language only
    assert fairness.needs_shared_space(EN, np.array([NL, NL])) is None


def test_shared_features_are_those_of_dutch_texts():
    need = sparse.csr_matrix(np.array([[1, 0, 0, 0], [0, 1, 0, 0]], np.float32))
    offer = sparse.csr_matrix(np.array([[0, 0, 1, 0], [0, 0, 0, 1]], np.float32))
    langs = np.array([[NL, EN, NL], [EN, NL, NL]], np.int8)
    # row 0: Dutch challenge (feature 0), English offer; row 1: English challenge, Dutch offer (3)
    assert fairness.shared_features(need, offer, langs).tolist() == [True, False, False, True]


@pytest.fixture(scope="module")
def index():
    built = build_index(PROFILES)
    assert built._langs[built.position["new-en"], CHALLENGES] == EN
    assert built._langs[built.position["en-bilingual"], EXPERIENCES] == EN
    return built


def test_an_english_challenge_is_not_drawn_to_english_words_on_another_subject(index, monkeypatch):
    ranked = [s.key for s in index.rank("new-en", CTX, limit=3)]
    assert ranked[0] == "nl-inductie", ranked
    # Without the rule the English-written mentor wins on "young", "hired", "college", "jobs".
    monkeypatch.setattr(ranking, "needs_shared_space", lambda query_lang, mentor_langs: None)
    assert [s.key for s in index.rank("new-en", CTX, limit=3)][0] == "en-bilingual"


def test_the_assignment_scores_follow_the_same_rule(index):
    rows = np.array([index.position["new-en"]])
    cols = np.array([index.position[k] for k in ("nl-inductie", "en-bilingual")])
    pair = index.pair_text_scores(rows, cols)[0]
    ranked = {s.key: s.text_score for s in index.rank("new-en", CTX, limit=10)}
    assert np.allclose(pair, [ranked["nl-inductie"], ranked.get("en-bilingual", 0.0)], atol=1e-5)
