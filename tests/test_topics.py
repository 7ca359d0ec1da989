"""Unmet needs: weak partnerships grouped by their challenges, labelled with words they wrote."""

import pytest

from matchmaker.matching.eligibility import MatchContext
from matchmaker.matching.engine import build_index
from matchmaker.matching.profile import Profile
from matchmaker.matching.topics import (
    WEAK_SCORE,
    NeedGroup,
    best_suggestion_scores,
    group_count,
    unmet_needs,
)

THEMES = {
    "beoordeling": [
        "Onze stagebeoordeling verschilt per school; we willen één rubric met dezelfde criteria.",
        "Beoordelaars op verschillende scholen beoordelen studenten heel verschillend.",
        "Hoe kalibreren we beoordelaars zodat de beoordeling van stagiairs eerlijk is?",
        "De criteria in het beoordelingsformulier zijn onduidelijk voor mentoren.",
        "We zoeken een gedeelde rubric voor de beoordeling van de lio-stage.",
        "Beoordelen van stagiairs gebeurt nu zonder gezamenlijke criteria.",
    ],
    "starters": [
        "Startende leraren stoppen vaak na een jaar; de uitval is hoog.",
        "Hoe houden we beginnende docenten vast? Veel starters vertrekken snel.",
        "Onze starters missen begeleiding in het eerste jaar en de uitval stijgt.",
        "Beginnende leraren voelen zich alleen en stoppen binnen twee jaar.",
        "We willen een inductieprogramma zodat startende docenten blijven.",
        "Te veel starters verlaten het onderwijs; behoud van beginnende leraren is ons doel.",
    ],
    "krimp": [
        "Kleine dorpsscholen in een krimpgebied vinden geen stageplekken meer.",
        "Door krimp sluiten scholen op het platteland en verdwijnen stageplaatsen.",
        "Onze plattelandsscholen zijn klein; krimp maakt samenwerken lastig.",
        "In de krimpregio hebben kleine scholen te weinig leerlingen voor een schoolopleider.",
        "Dorpsscholen op het platteland delen nauwelijks iets; krimp treft ons hard.",
        "Het krimpgebied houdt weinig kleine scholen over om studenten te plaatsen.",
    ],
}


def P(key, **kw):
    defaults = dict(name=key.title(), sectors=("po",), founded=2010, region="Drenthe")
    defaults.update(kw)
    return Profile(key=key, **defaults)


NEEDY = {f"{theme}-{i}": text for theme, texts in THEMES.items() for i, text in enumerate(texts)}


@pytest.fixture(scope="module")
def index():
    profiles = [
        P(key, challenges=text, open_to_mentor=False, mentor_capacity=0)
        for key, text in NEEDY.items()
    ]
    profiles += [
        P(
            "zwijgend",
            description="Een netwerk zonder uitdagingen.",
            open_to_mentor=False,
            mentor_capacity=0,
        ),
        P(
            "onderzoek",
            experiences="Leraren en studenten doen samen praktijkonderzoek op een onderzoeksdag.",
        ),
        P(
            "ouders",
            experiences="Ouders zijn welkom bij oudergesprekken die studenten voorbereiden.",
        ),
    ]
    return build_index(profiles)


def weak(keys, score=0.1):
    return dict.fromkeys(keys, score)


def written(index, keys):
    return " ".join(
        index.profile(k).challenges + " " + index.profile(k).description for k in keys
    ).lower()


def concept_labels(index):
    return {c.label_nl for c in index.analyzer.thesaurus.concepts.values()}


def test_no_weak_partnerships_no_groups(index):
    assert unmet_needs(index, {}) == []
    assert unmet_needs(index, dict.fromkeys(NEEDY, 0.9)) == []  # all above the threshold


def test_one_weak_partnership_is_one_labelled_group(index):
    [group] = unmet_needs(index, {"krimp-0": 0.05, "starters-0": 0.9})
    assert group.mentee_keys == ("krimp-0",)
    assert group.mean_best_score == pytest.approx(0.05)
    assert group.label_words
    assert group.size == 1


def test_two_weak_partnerships_are_grouped_without_error(index):
    groups = unmet_needs(index, {"krimp-0": 0.1, "starters-1": 0.15})
    assert sorted(k for g in groups for k in g.mentee_keys) == ["krimp-0", "starters-1"]
    assert all(g.label_words for g in groups)
    assert sum(g.size for g in groups) == 2


def test_themes_are_recovered(index):
    groups = unmet_needs(index, weak(NEEDY))
    assert len(groups) == 3 == group_count(len(NEEDY))
    found = {frozenset(g.mentee_keys) for g in groups}
    assert found == {frozenset(k for k in NEEDY if k.startswith(theme)) for theme in THEMES}
    assert [g.size for g in groups] == sorted((g.size for g in groups), reverse=True)


def test_labels_are_words_people_wrote_or_theme_names(index):
    concepts = concept_labels(index)
    groups = unmet_needs(index, weak(NEEDY), top_words=6)
    for g in groups:
        assert 1 <= len(g.label_words) <= 6
        assert len({w.lower() for w in g.label_words}) == len(g.label_words)
        text = written(index, g.mentee_keys)
        for word in g.label_words:
            assert not word.startswith("~")
            assert word in concepts or word.lower() in text, word
    by_theme = {g.mentee_keys[0].split("-")[0]: g for g in groups}
    assert any(
        w.startswith("beoordel") for w in by_theme["beoordeling"].label_words
    )  # the concept, or the word as written
    assert "krimp" in by_theme["krimp"].label_words
    assert "beoordel" not in by_theme["beoordeling"].label_words  # never a stem
    beginners = index.analyzer.thesaurus.concepts["beginner"]
    assert beginners.label_nl in by_theme["starters"].label_words  # a theme shown by its name
    assert beginners.label_en in by_theme["starters"].label_words_en
    assert by_theme["starters"].label("en") == ", ".join(by_theme["starters"].label_words_en)


def test_generic_themes_do_not_label_a_group(index):
    # "leraren" may be a word someone wrote, but the catch-all themes (teachers, student
    # teachers) explain nothing; their English names show they were not used.
    for g in unmet_needs(index, weak(NEEDY), top_words=20):
        assert "teachers" not in g.label_words_en and "student teachers" not in g.label_words_en


def test_partnerships_without_challenges_come_last_unlabelled(index):
    # "zwijgend" has a description but wrote no challenges: no need to group
    groups = unmet_needs(index, {**weak(NEEDY), "zwijgend": 0.0, "onbekend": 0.0})
    assert groups[-1].mentee_keys == ("zwijgend",)  # keys not in the index are ignored
    assert groups[-1].label_words == ()
    assert groups[-1].label() == ""


def test_mean_best_score_and_threshold(index):
    scores = {k: (0.05 if k.startswith("krimp") else 0.15) for k in NEEDY}
    groups = unmet_needs(index, scores, threshold=0.1)
    assert {k for g in groups for k in g.mentee_keys} == {k for k in NEEDY if k.startswith("krimp")}
    assert len(groups) == group_count(6) == 2
    assert all(g.mean_best_score == pytest.approx(0.05) for g in groups)
    assert WEAK_SCORE > 0.1


def test_deterministic(index):
    assert unmet_needs(index, weak(NEEDY)) == unmet_needs(index, weak(NEEDY))


def test_to_dict(index):
    data = unmet_needs(index, {"krimp-0": 0.1234567})[0].to_dict()
    assert data["mentees"] == ["krimp-0"] and data["mean_best_score"] == 0.1235
    assert isinstance(data["label_words"], list)


@pytest.mark.parametrize("n, k", [(0, 1), (1, 1), (2, 1), (5, 2), (18, 3), (50, 5), (10_000, 12)])
def test_group_count_grows_slowly_with_the_count(n, k):
    assert group_count(n) == k


def test_best_suggestion_scores(index):
    scores = best_suggestion_scores(index, ["krimp-0", "zwijgend"], MatchContext(current_year=2026))
    assert set(scores) == {"krimp-0", "zwijgend"}
    assert all(0.0 <= s <= 1.0 for s in scores.values())


def test_need_group_is_plain_data():
    g = NeedGroup(("a", "b"), ("x",), 0.1)
    assert g.label() == "a, b" and g.label("en") == "a, b"
