"""Matching quality gates on the labelled sets in eval/, near the measured figures (see README,
"Quality"), and the attacks the matcher must withstand: a keyword list, a mentor under two keys,
a challenge that says nothing. Through the same engine and eligibility as `flask evaluate`."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from matchmaker.matching.eligibility import MatchContext
from matchmaker.matching.engine import build_index
from matchmaker.matching.profile import Profile
from matchmaker.services.profiles import record_to_engine_profile

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "eval"
AS_OF = 2026  # the sets were written in 2026; eligibility counts years from here
ATTACK = json.loads((EVAL / "attack-keywords.json").read_text("utf-8"))["partnerships"][0]

# (set, hit@1, hit@3, MRR) at least: the measured figure less about one newcomer's worth.
# Each comment: the figure measured once, blind (and before the change measured with it), and now.
GATES = [  # "now": with the hub correction and variety, ranked as the service ranks (README, "Quality")
    ("dev", 0.9, 1.0, 0.95),  # 1/1/1 (before the hub correction .900/1/.950)
    ("holdout", 0.5, 0.83, 0.66),  # .583/.917/.711 (before .667/.917/.748)
    ("tune-c", 0.57, 0.69, 0.66),  # .606/.727/.689 (before .606/.697/.681)
    ("blind-a", 0.53, 0.69, 0.64),  # 1bd0cda .577/.731/.656; now .577/.769/.681
    ("blind-b", 0.69, 0.8, 0.75),  # 1bd0cda .538/.692/.630; now .731/.885/.779
    ("blind-d", 0.57, 0.8, 0.71),  # b521321 .462/.692/.594; now .615/.846/.735
    ("blind-e", 0.57, 0.69, 0.66),  # 8277916 .500/.731/.612; now .615/.769/.702
    ("blind-f", 0.73, 0.84, 0.79),  # 3814430 .731/.846/.786; now .769/.923/.822
    ("blind-g", 0.92, 0.92, 0.93),  # 3814430 .923/.962/.946; now .962/.962/.966
    ("blind-h", 0.76, 0.92, 0.85),  # 021cdba .769/1.0/.865; now .808/1.0/.885
    ("blind-i", 0.65, 0.8, 0.76),  # 021cdba .692/.846/.785; now .692/.846/.788
    ("blind-j", 0.73, 0.84, 0.8),  # a0786f8 .769/.846/.824; now .769/.846/.832
    ("blind-k", 0.69, 0.92, 0.79),  # a0786f8 .692/.885/.790; now .731/.962/.818
    ("blind-l", 0.53, 0.76, 0.67),  # 70eaf7c .577/.808/.696 (CLI, top 10); now .577/.808/.707
    ("blind-m", 0.69, 0.84, 0.77),  # 70eaf7c .654/.885/.766; now .731/.885/.805 (shared features)
    ("blind-n", 0.57, 0.8, 0.7),  # c7c3893 .615/.846/.728 (CLI, top 10); now .615/.885/.738
    ("blind-o", 0.57, 0.73, 0.68),  # c7c3893 .615/.769/.710; now .615/.808/.718
    ("blind-p", 0.61, 0.76, 0.71),  # 8f36d22 .654/.808/.745 (CLI, top 10); now .654/.846/.751
    ("blind-r", 0.53, 0.69, 0.65),  # 10cc36f .577/.731/.686 (CLI, top 10); now .577/.731/.688
    ("blind-s", 0.65, 0.8, 0.75),  # 10cc36f .692/.846/.786; now .692/.846/.788
    ("blind-t", 0.53, 0.61, 0.6),  # 5d45de9 .577/.654/.627 (CLI); now .577/.654/.637
    ("blind-u", 0.61, 0.65, 0.66),  # 5d45de9 .654/.692/.687; now .654/.692/.700
    ("blind-v", 0.5, 0.73, 0.63),  # 538084b .538/.769/.667; now .538/.769/.673
    ("blind-w", 0.5, 0.8, 0.64),  # 538084b .538/.846/.674; now .538/.846/.679
    ("blind-x", 0.53, 0.73, 0.64),  # 43654f4 .577/.769/.676 (CLI); now .577/.769/.682
    ("blind-y", 0.69, 0.76, 0.74),  # 43654f4 .731/.808/.784; now .731/.808/.791
    ("blind-q", 0.61, 0.8, 0.72),  # 8f36d22 .654/.846/.755; now .654/.808/.761
    ("blind-z", 0.76, 0.84, 0.83),  # dd5fd7c .808/.885/.867 (CLI); now .808/.885/.867
    ("blind-aa", 0.76, 0.96, 0.84),  # dd5fd7c .808/1.0/.875; now .808/1.0/.875
    ("blind-bb", 0.73, 0.88, 0.8),  # ed5c0e5 .769/.923/.840 (CLI); now .769/.923/.840
    ("blind-cc", 0.84, 0.92, 0.89),  # ed5c0e5 .885/.962/.928; now .885/.962/.928
    ("blind-dd", 0.8, 0.88, 0.85),  # 6e1569c .846/.923/.892 (CLI); now .846/.923/.895
    ("blind-ee", 0.88, 0.92, 0.89),  # 6e1569c .923/.962/.928; now .923/.962/.931
]
# Decoys allowed in some newcomer's top 3, per set (none now; blind-d had its keyword list third
# once when it was measured, before the lexicon).
DECOYS_SEEN: dict[str, int] = {}
LARGE = [
    "tune-c",
    "blind-a",
    "blind-b",
    "blind-d",
    "blind-e",
    "blind-f",
    "blind-g",
    "blind-h",
    "blind-i",
    "blind-j",
    "blind-k",
    "blind-l",
    "blind-m",
    "blind-n",
    "blind-o",
    "blind-p",
    "blind-q",
    "blind-r",
    "blind-s",
    "blind-t",
    "blind-u",
    "blind-v",
    "blind-w",
    "blind-x",
    "blind-y",
    "blind-z",
    "blind-aa",
    "blind-bb",
    "blind-cc",
    "blind-dd",
    "blind-ee",
]  # sets with 24 or more newcomers: a top-3 count means something there
# Words the issue named as chips that mean nothing to a coordinator.
MEANINGLESS = {
    "week",
    "klas",
    "scholen",
    "stap",
    "vast",
    "visie",
    "zin",
    "ver",
    "start",
    "lijn",
    "school",
    "jaar",
}


def _load(name: str):
    data = json.loads((EVAL / f"{name}.json").read_text("utf-8"))
    labels = json.loads((EVAL / f"{name}-labels.json").read_text("utf-8"))
    return [record_to_engine_profile(r) for r in data["partnerships"]], labels


def _newcomers(labels: dict) -> dict:
    return {k: v for k, v in labels.items() if not k.startswith("_")}


@pytest.fixture(scope="module", params=[g[0] for g in GATES])
def labelled(request):
    profiles, labels = _load(request.param)
    return request.param, build_index(profiles), labels


def test_quality_stays_near_the_measured_figures(runner, labelled):
    name, _index, _labels = labelled
    _name, hit1, hit3, mrr = next(g for g in GATES if g[0] == name)
    result = runner.invoke(
        args=[
            "evaluate",
            str(EVAL / f"{name}.json"),
            str(EVAL / f"{name}-labels.json"),
            "--as-of",
            str(AS_OF),
            "--json",
        ]
    )
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output.splitlines()[-1])
    assert scores["hit@1"] >= hit1 and scores["hit@3"] >= hit3 and scores["mrr"] >= mrr, scores
    assert scores["ineligible"] == 0 and scores["unexplained_top3"] == 0
    assert scores["decoys_in_top3"] <= DECOYS_SEEN.get(name, 0)


def test_evidence_is_verbatim_and_chips_mean_something(labelled):
    _name, index, labels = labelled
    context = MatchContext(AS_OF)
    chips = meaningless = 0
    for key in _newcomers(labels):
        mentee = index.profile(key)
        for s in index.rank(mentee, context, limit=3):
            mentor = index.profile(s.key)
            assert s.evidence, (key, s.key)
            for e in s.evidence:
                assert e.mentor_text in mentor.offer_text or e.mentor_text in mentor.description
                assert e.own_text in mentee.challenges
                for word in e.words:
                    assert re.search(re.escape(word), e.mentor_text, re.IGNORECASE)
            quoted = " ".join(e.mentor_text for e in s.evidence)
            for r in s.reasons:
                if r.kind == "term":
                    chips += 1
                    meaningless += any(w.lower() in MEANINGLESS for w in re.split(r"[ ↔]+", r.text))
                    # the mentor's side of a word chip is written in a passage the page quotes
                    theirs = r.text.split(" ↔ ")[-1]
                    assert re.search(re.escape(theirs), quoted, re.IGNORECASE), (key, s.key, r.text)
    assert meaningless <= 0.05 * max(chips, 1)


TERMS = [t.strip() for t in ATTACK["experiences"].split(",")]
_FRAMES = (
    "Wij hebben veel ervaring met {}.",
    "Ook op het gebied van {} kunnen wij andere partnerschappen helpen.",
    "Onze scholen werken al jaren aan {}.",
    "Daarnaast delen we graag wat we leerden over {}.",
)
# The same terms dressed as sentences: a frame filled in with one term after another.
DRESSES = {
    "as a list": ATTACK["experiences"],
    "one sentence per term": " ".join(f"Wij hebben veel ervaring met {t}." for t in TERMS),
    "a two-word frame": " ".join(f"Ervaring met {t}." for t in TERMS),
    "bullets": "\n".join(f"- We hebben een aanpak ontwikkeld voor {t} die werkt" for t in TERMS),
    "four frames in turn": " ".join(_FRAMES[i % 4].format(t) for i, t in enumerate(TERMS)),
    "in English": " ".join(f"We have a lot of experience with {t}." for t in TERMS),
}


@pytest.mark.parametrize("name", LARGE)
def test_a_keyword_list_does_not_reach_the_top(name):
    """However it is dressed: at most 2 of 24 newcomers see it in their top 3, and wherever it is
    listed admins see it flagged."""
    profiles, labels = _load(name)
    index = build_index(profiles)
    context = MatchContext(AS_OF)
    newcomers = list(_newcomers(labels))
    for dress, experiences in DRESSES.items():
        attacked = index.with_changes([Profile.from_dict(dict(ATTACK, experiences=experiences))])
        listed = [
            s
            for k in newcomers
            for s in attacked.rank(k, context, limit=10)
            if s.key == ATTACK["key"]
        ]
        top3 = sum(
            ATTACK["key"] in [s.key for s in attacked.rank(k, context, limit=3)] for k in newcomers
        )
        assert top3 <= round(2 / 24 * len(newcomers)), dress  # at most 2 of 24
        assert all("keyword_list" in s.flags for s in listed), dress


def test_a_mentor_under_two_keys_is_shown_once(labelled):
    _name, index, labels = labelled
    context = MatchContext(AS_OF)
    key = next(iter(_newcomers(labels)))
    first = index.rank(key, context, limit=1)[0]
    mentor = index.profile(first.key)
    twin = replace(
        mentor, key=mentor.key + "-kopie", name=mentor.name + " (kopie)", founded=mentor.founded + 1
    )
    keys = [s.key for s in index.with_changes([twin]).rank(key, context, limit=10)]
    # Shown once, as the older one. (Its place may move: the twin doubles its words' document
    # frequency, which lowers their weight for every mentor; in blind-j it went from 1 to 4.)
    assert mentor.key in keys and twin.key not in keys


@pytest.mark.parametrize(
    "challenge", ["", "hulp gezocht", "Help! Wie kan ons helpen?", "tips graag"]
)
def test_a_challenge_that_says_nothing_gets_no_list(labelled, challenge):
    _name, index, _labels = labelled
    asking = Profile(
        key="leeg",
        name="Leeg",
        sectors=("po",),
        founded=2025,
        challenges=challenge,
        open_to_mentor=False,
    )
    assert index.rank(asking, MatchContext(AS_OF), limit=10) == []
    assert index.too_little_text(asking)
