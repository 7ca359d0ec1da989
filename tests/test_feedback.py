"""Feedback as a prior: endorsements lift, bad ratings lower, and the prior stays small."""

import itertools

import pytest

from matchmaker.matching.eligibility import MatchContext
from matchmaker.matching.engine import build_index
from matchmaker.matching.feedback import (
    ENDORSEMENT_PRIOR,
    MAX_PRIOR,
    MAX_SWING,
    RATING_PRIOR,
    RatingSummary,
    feedback_priors,
    mentor_priors,
    rating_prior,
    rating_reason,
    summarise_ratings,
)
from matchmaker.matching.profile import Profile

CTX = MatchContext(current_year=2026)
BEST = RatingSummary(5.0, 50)
WORST = RatingSummary(1.0, 50)


def P(key, **kw):
    defaults = dict(name=key.title(), sectors=("vo",), founded=2010, region="Utrecht")
    defaults.update(kw)
    return Profile(key=key, **defaults)


@pytest.fixture(scope="module")
def index():
    return build_index(
        [
            P(
                "vraag",
                founded=2025,
                open_to_mentor=False,
                mentor_capacity=0,
                challenges="Onze stagebeoordeling verschilt per school: we willen dezelfde criteria en één rubric voor iedereen.",
            ),
            P(
                "rubric",
                experiences="Alle scholen beoordelen stagiairs met één gedeelde rubric; beoordelaars worden elk jaar samen geschoold op dezelfde criteria.",
            ),
            P(
                "beoordelaars",
                experiences="Onze beoordelaars kalibreren twee keer per jaar met video's van lessen.",
            ),
            P(
                "kalibratie",
                experiences="Twee keer per jaar bekijken de beoordelaars samen video's van lessen en kalibreren hun oordeel.",
            ),
            P(
                "starters",
                experiences="Elke beginnende docent krijgt een coach en bezoekt de startersacademie.",
            ),
            P(
                "onderzoek",
                experiences="Leraren en studenten doen samen praktijkonderzoek op school.",
            ),
            P(
                "krimp",
                experiences="Kleine plattelandsscholen delen één schoolopleider en stageplekken per school.",
            ),
        ]
    )


def ranked(index, context):
    return {s.key: s for s in index.rank("vraag", context, limit=10)}


# --- the numbers -------------------------------------------------------------------------------


def test_endorsement_lifts_only_its_pair():
    fb = feedback_priors(["a", "b"], endorsements=[("a", "x")])
    assert fb.priors == {("a", "x"): ENDORSEMENT_PRIOR}
    assert [r.text for r in fb.prior_notes[("a", "x")]] == ["aanbevolen door de beheerder"]
    assert fb.prior_notes[("a", "x")][0].text_en == "recommended by the admin"
    assert fb.prior_notes[("a", "x")][0].kind == "review"


def test_ratings_apply_to_every_mentee_of_that_mentor():
    fb = feedback_priors(["a", "b", "x"], ratings={"x": RatingSummary(4.5, 4)})
    assert set(fb.priors) == {("a", "x"), ("b", "x")}  # never to the mentor itself
    assert fb.priors[("a", "x")] == fb.priors[("b", "x")] > 0
    assert fb.prior_notes[("a", "x")][0].kind == "rating"


def test_good_ratings_lift_and_bad_ratings_lower():
    assert rating_prior(RatingSummary(4.5, 4)) > 0
    assert rating_prior(RatingSummary(3.0, 10)) == 0
    assert rating_prior(RatingSummary(1.5, 4)) < 0
    assert rating_prior(RatingSummary(4.0, 0)) == 0


def test_few_ratings_count_for_less_than_many():
    priors = [rating_prior(RatingSummary(5.0, n)) for n in (1, 2, 5, 20, 1000)]
    assert priors == sorted(priors)
    assert priors[0] < RATING_PRIOR / 2  # one enthusiastic partnership is not the whole story
    assert priors[-1] == pytest.approx(RATING_PRIOR, rel=0.01)


@pytest.mark.parametrize(
    "mean, count", list(itertools.product([1.0, 1.7, 3.0, 4.4, 5.0, 9.0, -2.0], [1, 3, 50, 10_000]))
)
def test_rating_prior_is_bounded(mean, count):
    assert abs(rating_prior(RatingSummary(mean, count))) <= RATING_PRIOR + 1e-12


def test_total_prior_is_bounded():
    fb = feedback_priors(
        ["a"], endorsements=[("a", "x"), ("a", "x"), ("a", "y")], ratings={"x": BEST, "y": WORST}
    )
    assert fb.priors[("a", "x")] == MAX_PRIOR  # 0.04 + ~0.03, clipped
    assert abs(fb.priors[("a", "y")]) <= MAX_PRIOR
    assert all(abs(v) <= MAX_PRIOR for v in fb.priors.values())
    assert [r.kind for r in fb.prior_notes[("a", "x")]] == ["review", "rating"]  # endorsed once
    assert MAX_PRIOR <= 0.06 and MAX_SWING <= 0.09


@pytest.mark.parametrize(
    "summary, nl, en",
    [
        (
            RatingSummary(4.5, 4),
            "gewaardeerd met 4,5 door 4 partnerschappen",
            "rated 4.5 by 4 partnerships",
        ),
        (
            RatingSummary(4.0, 1),
            "gewaardeerd met 4,0 door 1 partnerschap",
            "rated 4.0 by 1 partnership",
        ),
        (
            RatingSummary(11 / 3, 3),
            "gewaardeerd met 3,7 door 3 partnerschappen",
            "rated 3.7 by 3 partnerships",
        ),
    ],
)
def test_rating_reason_texts(summary, nl, en):
    reason = rating_reason(summary)
    assert (reason.text, reason.text_en) == (nl, en)
    assert reason.as_text("en") == en
    assert reason.weight == pytest.approx(rating_prior(summary))


def test_summarise_ratings_counts_each_partnership_once_with_its_latest_rating():
    rows = [("a", "x", 2), ("b", "x", 5), ("a", "x", 4), ("c", "y", 1)]
    assert summarise_ratings(rows) == {"x": RatingSummary(4.5, 2), "y": RatingSummary(1.0, 1)}
    assert summarise_ratings([]) == {}


@pytest.mark.parametrize("rating", [0, 6, -1])
def test_summarise_ratings_rejects_ratings_off_the_scale(rating):
    with pytest.raises(ValueError, match="rating"):
        summarise_ratings([("a", "x", rating)])


def test_mentor_priors_are_per_mentor():
    out = mentor_priors({"x": RatingSummary(4.5, 4), "y": RatingSummary(2.0, 0)})
    assert set(out) == {"x"}
    value, reason = out["x"]
    assert value == rating_prior(RatingSummary(4.5, 4)) and reason.kind == "rating"


def test_apply_merges_into_an_existing_context_within_the_bound():
    base = MatchContext(current_year=2026, priors={("a", "x"): 0.05}, prior_notes={("a", "x"): ()})
    context = feedback_priors(["a"], endorsements=[("a", "x"), ("a", "y")]).apply(base)
    assert context.prior("a", "x") == MAX_PRIOR
    assert context.prior("a", "y") == ENDORSEMENT_PRIOR
    assert [r.text for r in context.prior_reasons("a", "y")] == ["aanbevolen door de beheerder"]
    assert context.current_year == 2026 and base.prior("a", "y") == 0.0


# --- in the ranking ----------------------------------------------------------------------------


def test_endorsement_lifts_a_pair_in_the_ranking_and_says_so(index):
    plain = ranked(index, CTX)
    context = feedback_priors(["vraag"], endorsements=[("vraag", "beoordelaars")]).apply(CTX)
    lifted = ranked(index, context)
    assert lifted["beoordelaars"].score == pytest.approx(
        plain["beoordelaars"].score + ENDORSEMENT_PRIOR
    )
    assert lifted["beoordelaars"].text_score == plain["beoordelaars"].text_score
    assert "aanbevolen door de beheerder" in lifted["beoordelaars"].reason_texts()
    assert lifted["krimp"].score == plain["krimp"].score


def test_bad_ratings_lower_a_mentor_and_say_so(index):
    plain = ranked(index, CTX)
    context = feedback_priors(["vraag"], ratings={"krimp": RatingSummary(1.5, 6)}).apply(CTX)
    lowered = ranked(index, context)
    assert lowered["krimp"].score < plain["krimp"].score
    assert "gewaardeerd met 1,5 door 6 partnerschappen" in lowered["krimp"].reason_texts()


def test_feedback_reorders_close_matches(index):
    plain = ranked(index, CTX)
    close = [
        (hi, lo)
        for hi, lo in itertools.combinations(plain, 2)
        if plain[hi].score - plain[lo].score < ENDORSEMENT_PRIOR
    ]
    assert close, "the fixture needs two mentors whose scores are close"
    for hi, lo in close:
        context = feedback_priors(["vraag"], endorsements=[("vraag", lo)]).apply(CTX)
        order = list(ranked(index, context))
        assert order.index(lo) < order.index(hi)


def test_feedback_never_buries_a_much_better_text_match(index):
    plain = ranked(index, CTX)
    order = list(plain)
    far = [
        (hi, lo)
        for hi, lo in itertools.combinations(order, 2)
        if plain[hi].score - plain[lo].score > MAX_SWING
    ]
    assert far, "the fixture needs a clearly better match"
    for hi, lo in far:
        # the worst case: the weaker mentor endorsed and top-rated, the better one rated badly
        context = feedback_priors(
            ["vraag"], endorsements=[("vraag", lo)], ratings={lo: BEST, hi: WORST}
        ).apply(CTX)
        order_after = list(ranked(index, context))
        assert order_after.index(hi) < order_after.index(lo), (hi, lo)
