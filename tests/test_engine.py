"""The matcher alone: plain profiles in, ranked suggestions out. No Flask, no database."""

import numpy as np
import pytest

from matchmaker.matching import eligibility
from matchmaker.matching.eligibility import MatchContext, ineligibility
from matchmaker.matching.engine import build_index
from matchmaker.matching.ranking import REGION_BOOST, SECTOR_BOOST
from matchmaker.matching.profile import Profile

from .conftest import MENTORS, NEWCOMERS

CTX = MatchContext(current_year=2026)


def P(key, **kw):
    defaults = dict(name=key.title(), sectors=("vo",), founded=2010)
    defaults.update(kw)
    return Profile(key=key, **defaults)


@pytest.fixture(scope="module")
def index():
    return build_index([Profile.from_dict(r) for r in MENTORS + NEWCOMERS])


def keys(suggestions):
    return [s.key for s in suggestions]


def test_engine_imports_no_flask_or_sqlalchemy():
    import subprocess
    import sys

    code = (
        "import sys, matchmaker.matching.engine, matchmaker.matching.evaluate;"
        "bad=[m for m in sys.modules if m.split('.')[0] in ('flask','sqlalchemy','flask_sqlalchemy')];"
        "print(','.join(bad)); sys.exit(1 if bad else 0)"
    )
    # Import the engine modules directly, without the package's Flask app factory.
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import importlib.util, sys; " + code.replace("import sys, ", "import sys; "),
        ],
        capture_output=True,
        text=True,
    )
    assert "flask" not in result.stdout.lower()


def test_best_mentor_first_for_each_newcomer(index):
    assert keys(index.rank("nieuw-assessment", CTX))[0] == "beoordeling-west"
    assert keys(index.rank("nieuw-starters", CTX))[0] == "starters-oost"


def test_scores_are_in_unit_interval_and_sorted(index):
    for mentee in ("nieuw-assessment", "nieuw-starters"):
        scores = [s.score for s in index.rank(mentee, CTX, limit=10)]
        assert all(0.0 <= s <= 1.0 for s in scores)
        assert scores == sorted(scores, reverse=True)


def test_reasons_are_surface_words_and_facets(index):
    top = index.rank("nieuw-assessment", CTX)[0]
    texts = top.reason_texts()
    assert any("beoordel" in t.lower() for t in texts)
    assert "zelfde sector: vo" in texts
    term_texts = [r.text for r in top.reasons if r.kind == "term"]
    # surface words as written, not stems: every term appears in one of the two texts
    source = (MENTORS[0]["experiences"] + " " + NEWCOMERS[0]["challenges"]).lower()
    for t in term_texts:
        for word in t.split(" ↔ "):
            assert word.lower() in source


def test_english_reasons_available(index):
    top = index.rank("nieuw-assessment", CTX)[0]
    assert any(r.as_text("en").startswith("same sector") for r in top.reasons)


def test_direction_matters():
    # A needs what B offers; B needs nothing A offers.
    a = P(
        "a",
        founded=2010,
        challenges="Wij zoeken hulp bij het beoordelen van stagiairs.",
        experiences="Wij hebben een goede jaarplanning.",
    )
    b = P(
        "b",
        founded=2010,
        challenges="Onze ouders zijn weinig betrokken.",
        experiences="Een gedeelde rubric voor het beoordelen van stagiairs.",
    )
    idx = build_index([a, b])
    [ab] = idx.rank("a", CTX)
    assert ab.key == "b" and ab.text_score > 0.2
    assert idx.rank("b", CTX) == []  # A offers nothing B asks: no suggestion on sector alone


def test_boosts_break_ties_but_do_not_beat_a_clearly_better_match():
    mentee = P(
        "m",
        sectors=("po",),
        region="Drenthe",
        founded=2025,
        challenges="Hoe begeleiden we beginnende leraren zodat ze niet uitvallen?",
    )
    strong = P(
        "strong",
        sectors=("vo",),
        region="Zeeland",
        experiences="Beginnende leraren krijgen begeleiding van een coach; zo vallen minder leraren uit.",
    )
    weak_local = P(
        "weak",
        sectors=("po",),
        region="Drenthe",
        experiences="Wij begeleiden studenten bij hun onderzoek.",
    )
    idx = build_index([mentee, strong, weak_local])
    ranked = idx.rank("m", CTX, limit=10)
    assert keys(ranked) == ["strong", "weak"]
    by_key = {s.key: s for s in ranked}
    assert by_key["weak"].score - by_key["weak"].text_score == pytest.approx(
        SECTOR_BOOST + REGION_BOOST, abs=1e-5
    )
    assert by_key["strong"].score == pytest.approx(by_key["strong"].text_score, abs=1e-6)


def test_ties_are_broken_by_key_deterministically():
    idx = build_index([P("m"), P("z"), P("y"), P("x")])
    pool = np.array([1, 2, 3])  # z, y, x
    chosen = idx._best(pool, np.array([0.5, 0.5, 0.2], dtype=np.float32), 2)
    assert [idx.profiles[pool[j]].key for j in chosen] == ["y", "z"]


def test_the_same_mentor_under_two_keys_is_shown_once():
    m = P("m", founded=2025, challenges="Hoe maken we een jaarplanning voor het overleg?")
    text = "Wij hebben een jaarplanning voor het overleg tussen school en opleiding."
    idx = build_index(
        [
            m,
            P("copy", founded=2015, experiences=text),
            P("original", founded=2008, experiences=text),
        ]
    )
    [shown] = idx.rank("m", CTX)
    assert shown.key == "original" and shown.duplicates == ("copy",)  # the older one


@pytest.mark.parametrize(
    ("candidate", "context", "reason"),
    [
        (P("c", open_to_mentor=False, experiences="rubric"), CTX, eligibility.CLOSED),
        (P("c", experiences="   "), CTX, eligibility.NO_EXPERIENCES),
        (P("c", founded=2024, experiences="rubric"), CTX, eligibility.TOO_YOUNG),
        (
            P("c", mentor_capacity=1, experiences="rubric"),
            MatchContext(2026, load={"c": 1}),
            eligibility.FULL,
        ),
        (P("c", mentor_capacity=0, experiences="rubric"), CTX, eligibility.FULL),
        (P("m", experiences="rubric"), CTX, eligibility.SELF),
        (
            P("c", experiences="rubric"),
            MatchContext(2026, excluded=frozenset({("m", "c")})),
            eligibility.EXCLUDED,
        ),
    ],
)
def test_ineligible_mentors_are_never_suggested(candidate, context, reason):
    mentee = P("m", founded=2025, challenges="Wij willen een rubric.")
    assert ineligibility(candidate, mentee, context) == reason
    profiles = [mentee] if candidate.key == "m" else [mentee, candidate]
    idx = build_index(profiles)
    assert "c" not in keys(idx.rank(mentee, context))


def test_exactly_min_years_is_old_enough():
    mentee = P("m", founded=2025, challenges="rubric")
    assert ineligibility(P("c", founded=2023, experiences="rubric"), mentee, CTX) is None
    assert (
        ineligibility(
            P("c", founded=2021, experiences="rubric"), mentee, MatchContext(2026, min_years=5)
        )
        is None
    )
    assert (
        ineligibility(
            P("c", founded=2022, experiences="rubric"), mentee, MatchContext(2026, min_years=5)
        )
        == "too_young"
    )


def test_exclusion_is_per_mentee():
    mentee = P("m", founded=2025, challenges="rubric")
    other = P("o", founded=2025, challenges="rubric")
    mentor = P("c", experiences="rubric beoordelen")
    ctx = MatchContext(2026, excluded=frozenset({("m", "c")}))
    idx = build_index([mentee, other, mentor])
    assert keys(idx.rank("m", ctx)) == []
    assert keys(idx.rank("o", ctx)) == ["c"]


def test_vectorised_mask_agrees_with_the_rules(index):
    mentee = index.profile("nieuw-starters")
    ctx = MatchContext(
        2026, load={"starters-oost": 2}, excluded=frozenset({("nieuw-starters", "krimp-noord")})
    )
    mask = index.eligible_mask(mentee, ctx)
    expected = np.array([ineligibility(p, mentee, ctx) is None for p in index.profiles])
    assert (mask == expected).all()
    assert not mask[index.position["starters-oost"]]


def test_filters_by_sector_and_region(index):
    assert keys(index.rank("nieuw-assessment", CTX, limit=10, sectors=["po"])) == ["krimp-noord"]
    assert keys(index.rank("nieuw-starters", CTX, limit=10, region="gelderland")) == [
        "starters-oost"
    ]
    assert (
        keys(index.rank("nieuw-assessment", CTX, limit=10, region="limburg")) == []
    )  # shares nothing
    assert keys(index.rank("nieuw-assessment", CTX, limit=10, region="Atlantis")) == []


def test_unknown_profile_is_transformed_with_the_fitted_vocabulary(index):
    outsider = P(
        "outsider", founded=2025, challenges="Hoe organiseren we praktijkonderzoek met leraren?"
    )
    assert keys(index.rank(outsider, CTX))[0] == "onderzoek-zuid"


def test_profile_without_challenges_gets_only_boosted_scores(index):
    silent = P("silent", founded=2025)
    ranked = index.rank(silent, CTX, limit=10)
    assert all(s.text_score == 0 for s in ranked)


def test_empty_index():
    idx = build_index([])
    assert len(idx) == 0
    assert idx.rank(P("x"), CTX) == []


def test_limit(index):
    assert len(index.rank("nieuw-assessment", CTX, limit=2)) == 2
    assert index.rank("nieuw-assessment", CTX, limit=0) == []


def test_duplicate_keys_rejected():
    with pytest.raises(ValueError):
        build_index([P("a"), P("a")])


def test_offer_signatures_are_the_two_heaviest_features_of_each_row():
    from scipy import sparse

    from matchmaker.matching.duplicates import offer_signatures

    offer = sparse.csr_matrix(
        np.array([[0.1, 0.7, 0.0, 0.7], [0.0, 0.0, 0.9, 0.0], [0, 0, 0, 0]], np.float32)
    )
    offer.sort_indices()
    assert offer_signatures(offer).tolist() == [[1, 3], [2, -1], [-1, -1]]


def test_offer_signatures_agree_with_a_row_by_row_sort_on_ties():
    from scipy import sparse

    from matchmaker.matching.duplicates import offer_signatures

    rng = np.random.default_rng(1)
    offer = sparse.random(2000, 500, density=0.01, format="csr", random_state=rng, dtype=np.float32)
    offer.data = np.round(offer.data * 5) / 5  # many ties
    offer.sort_indices()
    expected = np.full((offer.shape[0], 2), -1, np.int32)
    for r in range(offer.shape[0]):
        cols = offer.indices[offer.indptr[r] : offer.indptr[r + 1]]
        weights = offer.data[offer.indptr[r] : offer.indptr[r + 1]]
        best = cols[np.lexsort((cols, -weights))[:2]]
        expected[r, : best.size] = best
    assert np.array_equal(offer_signatures(offer), expected)
