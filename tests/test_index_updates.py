"""Keeping the index current without refitting: the overlay, the change log, drift and refits.

Also checks that the fast fitting path (analysis.py, fit.py, vectors.py) gives what the reference
analyser with scikit-learn's TfidfVectorizer gives.
"""

import json
from pathlib import Path

import numpy as np
import pytest
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize as l2_normalize
from sqlalchemy import text

from matchmaker.extensions import db
from matchmaker.matching import analysis, fit
from matchmaker.matching import vectors

from . import reference_analysis as reference
from matchmaker.matching.compounds import generality_factors
from matchmaker.matching.eligibility import MatchContext
from matchmaker.matching.engine import build_index
from matchmaker.matching.fit import DESCRIPTION_WEIGHT
from matchmaker.matching.profile import Profile
from matchmaker.models import Partnership
from matchmaker.services import change_log
from matchmaker.services import matching as matching_service
from matchmaker.services import profiles as profile_service

from .conftest import MENTORS, NEWCOMERS, load, profile

ROOT = Path(__file__).resolve().parent.parent
CTX = MatchContext(current_year=2026)
ODD_TEXTS = [
    "",
    "   ",
    "kort",
    "Ça va? Straße ﬁnancieel — ‘quote’ `x´ één, coördinatie–test «naïef» İstanbul ΣΑΣ 5e-jaars 's-Hertogenbosch",
    "De leraar-in-opleiding en de werkplekbegeleider; stagebeoordeling, plattelandsscholen, starterscoach.",
    "Newly qualified teachers leave early; we want an induction programme with a buddy and a coach.",
    "--a-- a''b 2025 12345 x" * 3,
]


def _texts() -> list[str]:
    records = []
    for path in (ROOT / "seeds" / "partnerships.json", ROOT / "eval" / "holdout.json"):
        records += json.loads(path.read_text(encoding="utf-8"))["partnerships"]
    return [r[f] for r in records for f in ("challenges", "experiences", "description")] + ODD_TEXTS


@pytest.fixture(scope="module")
def seed_profiles():
    path = ROOT / "seeds" / "partnerships.json"
    return [
        Profile.from_dict(r) for r in json.loads(path.read_text(encoding="utf-8"))["partnerships"]
    ]


# --- the fast path gives the reference's results ---------------------------------------------


def test_fast_normalise_tokenise_and_detect_match_the_reference():
    texts = _texts()
    assert [analysis.fast_normalize(t) for t in texts] == [reference.normalize(t) for t in texts]
    assert [analysis.fast_tokenize(t) for t in texts] == [reference.tokenize(t) for t in texts]
    assert analysis.detect_languages(texts) == [reference.detect_language(t) for t in texts]
    assert analysis.BackgroundLanguages(texts).all() == [
        reference.detect_language(t) for t in texts
    ]


def test_fitting_in_two_processes_gives_the_same_vectors(seed_profiles):
    one = fit.fit_vectors(seed_profiles, analysis.FastAnalyzer(), split_above=10**9)
    two = fit.fit_vectors(
        seed_profiles, analysis.FastAnalyzer(), split_above=1
    )  # forks when it may
    assert list(one.vocabulary) == list(two.vocabulary)
    assert abs(one.need - two.need).max() == 0 and abs(one.offer - two.offer).max() == 0
    assert (one.langs == two.langs).all()
    assert abs(one.passages.rows - two.passages.rows).max() == 0
    for part in ("ptr", "spans", "source", "story"):
        assert (getattr(one.passages, part) == getattr(two.passages, part)).all(), part
    assert (
        abs(
            one.chars.vectors(one.offer_words) @ one.chars.vectors(one.need_words).T
            - two.chars.vectors(two.offer_words) @ two.chars.vectors(two.need_words).T
        ).max()
        < 1e-6
    )


def test_fast_analyser_gives_the_reference_features_in_order():
    slow, fast = reference.ReferenceAnalyzer(), analysis.FastAnalyzer()
    for t in _texts():
        assert fast.features(t) == slow.features(t)
        assert sorted(fast(t)) == sorted(slow(t))
        first = {}
        for f in slow.features(t):
            first.setdefault(f.name, f.surface)
        assert fast.surfaces(t) == first
    words = {w for t in _texts() for w in reference.tokenize(t)} | {
        "stagebeoordelingscriteria",
        "leerkrachtentekort",
    }
    assert all(analysis.split_compound(w) == reference.split_compound(w) for w in words)


def _balanced_idf(profiles, analysed, names):
    """scikit-learn's smoothed idf with each language's texts weighing alike (fit.language_balanced_df)."""
    column = {name: i for i, name in enumerate(names)}
    per_lang, texts = {}, {}
    for p, triple in zip(profiles, analysed):
        for field_text, features in zip((p.challenges, p.offer_text, p.description), triple):
            if not features:
                continue
            lang = reference.detect_language(field_text)
            texts[lang] = texts.get(lang, 0) + 1
            counts = per_lang.setdefault(lang, np.zeros(len(names)))
            counts[[column[f] for f in set(features)]] += 1
    total = sum(texts.values())
    df = np.mean([per_lang[lang] / texts[lang] for lang in texts], axis=0) * total
    return np.log((1 + total) / (1 + df)) + 1


def test_fitted_vectors_are_scikit_learns(seed_profiles):
    """The views equal TfidfVectorizer over the reference analyser, as the matcher was first written."""
    index = build_index(seed_profiles)
    slow = reference.ReferenceAnalyzer()
    analysed = [
        (slow(p.challenges), slow(p.offer_text), slow(p.description)) for p in seed_profiles
    ]  # stories count as offer
    words = TfidfVectorizer(analyzer=lambda f: f, sublinear_tf=True, norm=None, dtype=np.float32)
    words.fit([f for triple in analysed for f in triple if f])
    names = list(words.get_feature_names_out())
    common = slow.commonness(
        t for p in seed_profiles for t in (p.challenges, p.offer_text, p.description)
    )
    words.idf_ = _balanced_idf(seed_profiles, analysed, names) * generality_factors(
        names, common
    )  # everyday words count less
    assert list(index.vocabulary) == list(words.get_feature_names_out())
    chal, exp, desc = (words.transform([a[i] for a in analysed]) for i in range(3))
    need = l2_normalize(chal + DESCRIPTION_WEIGHT * desc)
    offer = l2_normalize(exp + DESCRIPTION_WEIGHT * desc)
    assert abs(index.need.tocsr() - need).max() < 1e-6
    assert abs(index.offer.tocsr() - offer).max() < 1e-6
    chars = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, dtype=np.float32
    )
    chars.fit(
        [reference.char_text(t) for p in seed_profiles for t in (p.challenges, p.offer_text) if t]
    )
    need_chars = chars.transform([reference.char_text(p.challenges) for p in seed_profiles])
    offer_chars = chars.transform([reference.char_text(p.offer_text) for p in seed_profiles])
    ours = index.need_chars.tocsr() @ index.offer_chars.tocsr().T
    assert abs(ours - need_chars @ offer_chars.T).max() < 1e-5


# --- the overlay (engine) --------------------------------------------------------------------


def _profiles(*records):
    return [Profile.from_dict(r) for r in records]


def test_an_edited_profile_is_patched_in_without_refitting():
    index = build_index(_profiles(*MENTORS, *NEWCOMERS))
    assert index.rank("nieuw-starters", CTX)[0].key == "starters-oost"
    experiences = (
        "Startende leraren en jonge docenten houden we vast met een coach en een startersacademie."
    )
    edited = Profile.from_dict({**MENTORS[2], "experiences": experiences})
    patched = index.with_changes([edited])
    assert patched._offer_t is index._offer_t and patched.vocabulary is index.vocabulary  # no refit
    assert patched.changes == 1 and index.changes == 0  # the old index is untouched
    assert patched.profile("krimp-noord") == edited
    top = patched.rank("nieuw-starters", CTX, limit=2)
    assert {s.key for s in top} == {"krimp-noord", "starters-oost"}
    assert patched.offer[patched.position["krimp-noord"]].nnz > 0
    assert index.rank("nieuw-starters", CTX)[0].key == "starters-oost"


def test_a_new_profile_is_added_and_a_removed_one_disappears():
    index = build_index(_profiles(*MENTORS, *NEWCOMERS))
    newcomer = Profile.from_dict(
        profile(key="nieuwe-mentor", experiences=MENTORS[0]["experiences"])
    )
    patched = index.with_changes([newcomer], removed=["beoordeling-west"])
    assert "nieuwe-mentor" in patched and "beoordeling-west" not in patched
    assert len(patched) == len(index)
    keys = [s.key for s in patched.rank("nieuw-assessment", CTX, limit=10)]
    assert keys[0] == "nieuwe-mentor" and "beoordeling-west" not in keys
    assert not patched.eligible_mask(patched.profile("nieuw-assessment"), CTX)[
        index.position["beoordeling-west"]
    ]
    again = patched.with_changes([Profile.from_dict(MENTORS[0])])  # back, in its old place
    assert again.position["beoordeling-west"] == index.position["beoordeling-west"]
    assert again.rank("nieuw-assessment", CTX)[0].key in {"beoordeling-west", "nieuwe-mentor"}


def test_row_views_combine_base_and_overlay():
    index = build_index(_profiles(*MENTORS, *NEWCOMERS))
    added = Profile.from_dict(profile(key="extra", challenges="Praktijkonderzoek met studenten."))
    patched = index.with_changes([added])
    rows = np.array([patched.position["extra"], 0, patched.position["onderzoek-zuid"]])
    assert patched.need[rows].shape == (3, len(index.vocabulary))
    assert (patched.need[rows][1] != index.need[0]).nnz == 0
    assert patched.need_chars[rows].shape[0] == 3
    assert patched.need.tocsr().shape[0] == len(patched.profiles)


# --- the service: change log, drift and refits ------------------------------------------------


@pytest.fixture
def overlay_app(network):
    """The network with patching switched on for a small index (normally it simply refits)."""
    network.config.update(INDEX_SYNC_REFIT_BELOW=0, INDEX_REFIT_SHARE=0.9)
    return network


def _edit(key: str, **changes) -> None:
    p = profile_service.get_partnership(key)
    profile_service.save_profile({**profile_service.to_record(p), **changes}, existing=p)


def test_an_edit_is_visible_at_once_without_a_full_refit(overlay_app):
    with overlay_app.app_context():
        cache = matching_service.index_cache()
        assert matching_service.suggest("nieuw-starters")[0].key == "starters-oost"
        _edit(
            "krimp-noord",
            experiences="Startende leraren en jonge docenten houden we vast met een coach.",
        )
        keys = [s.key for s in matching_service.suggest("nieuw-starters", limit=2)]
        assert "krimp-noord" in keys
        assert (cache.builds, cache.updates) == (1, 1)
        assert matching_service.current_index().changes == 1


def test_the_change_log_names_the_edited_keys(overlay_app):
    with overlay_app.app_context():
        before = profile_service.data_version()
        _edit("krimp-noord", sectors=["po", "so"])  # a change of sectors only
        assert matching_service.changed_keys(before, profile_service.data_version()) == [
            "krimp-noord"
        ]
        matching_service.current_index()
        p = profile_service.get_partnership("onderzoek-zuid")
        profile_service.save_profile(
            {**profile_service.to_record(p), "key": "onderzoek-zuid-2"}, existing=p
        )
        version = profile_service.data_version()
        assert matching_service.changed_keys(version - 1, version) == [
            "onderzoek-zuid",
            "onderzoek-zuid-2",
        ]
        index = matching_service.current_index()
        assert "onderzoek-zuid-2" in index and "onderzoek-zuid" not in index
        assert index.profile("krimp-noord").sectors == ("po", "so")


def test_deactivated_and_deleted_mentors_are_no_longer_suggested(overlay_app):
    with overlay_app.app_context():
        assert matching_service.suggest("nieuw-assessment")[0].key == "beoordeling-west"
        profile_service.set_active(profile_service.get_partnership("beoordeling-west"), False)
        keys = [s.key for s in matching_service.suggest("nieuw-assessment", limit=10)]
        assert "beoordeling-west" not in keys
        with pytest.raises(profile_service.NotFound):
            matching_service.suggest("beoordeling-west")
        db.session.delete(profile_service.get_partnership("starters-oost"))
        profile_service.bump_data_version()
        db.session.commit()
        keys = [s.key for s in matching_service.suggest("nieuw-starters", limit=10)]
        assert "starters-oost" not in keys
        assert matching_service.index_cache().builds == 1


def test_drift_past_the_threshold_refits_in_the_background(overlay_app):
    overlay_app.config["INDEX_REFIT_SHARE"] = 0.3  # 6 profiles: the second change refits
    with overlay_app.app_context():
        cache = matching_service.index_cache()
        matching_service.current_index()
        _edit("krimp-noord", experiences="Kleine scholen delen een schoolopleider.")
        assert matching_service.current_index().changes == 1
        _edit("onderzoek-zuid", experiences="Samen praktijkonderzoek doen met studenten.")
        assert matching_service.current_index().changes == 2
        cache.wait_for_refit(timeout=30)
        index = matching_service.current_index()
        assert cache.builds == 2 and index.changes == 0
        assert index.profile("onderzoek-zuid").experiences.startswith("Samen praktijkonderzoek")


def test_a_small_index_simply_refits(network):
    with network.app_context():
        cache = matching_service.index_cache()
        matching_service.current_index()
        _edit("krimp-noord", experiences="Startende leraren houden we vast met een coach.")
        assert "krimp-noord" in [s.key for s in matching_service.suggest("nieuw-starters", limit=2)]
        assert (cache.builds, cache.updates) == (2, 0)


def test_bulk_changes_and_a_missing_log_refit(overlay_app, monkeypatch):
    with overlay_app.app_context():
        cache = matching_service.index_cache()
        matching_service.current_index()
        monkeypatch.setattr(change_log, "MAX_LOGGED_KEYS", 2)
        load(profile(key="bulk-a"), profile(key="bulk-b"), profile(key="bulk-c"))
        version = profile_service.data_version()
        assert matching_service.changed_keys(version - 1, version) is None
        assert "bulk-c" in matching_service.current_index() and cache.builds == 2
        _edit("krimp-noord", experiences="Iets nieuws.")
        db.session.commit()
        with db.engine.begin() as conn:  # as if the log had been pruned
            conn.execute(text("DELETE FROM profile_change"))
        assert matching_service.current_index().profile("krimp-noord").experiences == "Iets nieuws."
        assert cache.builds == 3


def test_a_rolled_back_edit_logs_nothing(overlay_app):
    with overlay_app.app_context():
        p = profile_service.get_partnership("krimp-noord")
        p.experiences = "Nooit bewaard."
        profile_service.bump_data_version()
        db.session.flush()
        db.session.rollback()
        load(profile(key="los"))
        version = profile_service.data_version()
        assert matching_service.changed_keys(version - 1, version) == ["los"]
        assert db.session.get(Partnership, p.id).experiences != "Nooit bewaard."


def test_candidates_are_rescored_alike_with_and_without_scipys_compiled_routines(
    seed_profiles, monkeypatch
):
    index = build_index(seed_profiles)
    pool = np.flatnonzero(index._can_mentor)[::-1].copy()
    query = index._query(index.profile("opleidingsschool-distelvlinder"))[1]
    fast = index._char_scores(pool, query)
    monkeypatch.setattr(vectors, "_sparsetools", None)
    assert np.abs(index._char_scores(pool, query) - fast).max() < 1e-6
    slow = index.chars.scores(
        index._offer_words, pool, index.chars.norms(index._offer_words[pool]), query
    )
    assert np.abs(slow - fast).max() < 1e-5 and fast.max() > 0


def test_sparse_row_views_are_sparse_matrices():
    index = build_index(_profiles(*MENTORS, *NEWCOMERS))
    assert sparse.issparse(index.need[0]) and index.need[0].shape == (1, len(index.vocabulary))
