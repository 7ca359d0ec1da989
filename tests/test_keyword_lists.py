"""What makes an offer a keyword list: almost no function words, many short items, or one or a
few frames filled in with term after term ("Ervaring met …. Ervaring met …."). The fit decides it
for every profile at once from its token ids; an edit decides it for one text; both must agree."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from matchmaker.matching import evidence
from matchmaker.matching.analysis import fast_tokenize
from matchmaker.matching.engine import build_index
from matchmaker.matching.frames import framed_share, framed_shares
from matchmaker.matching.profile import Profile
from matchmaker.matching.text import stopwords

from .test_quality import ATTACK, DRESSES

ROOT = Path(__file__).resolve().parent.parent
SEEDS = json.loads((ROOT / "seeds" / "partnerships.json").read_text("utf-8"))["partnerships"]


def _share(text: str) -> float:
    tokens = fast_tokenize(text)
    stops = stopwords()
    return framed_share(tokens, [t in stops or t.isdigit() for t in tokens])


def test_words_in_a_pair_written_four_times_are_framed():
    text = "Ervaring met rubrics. Ervaring met kalibratie. Ervaring met werkdruk. Ervaring met lio."
    assert _share(text) == pytest.approx(8 / 12)  # "ervaring met" four times, in 12 words


def test_a_pair_written_three_times_is_no_frame():
    text = "Ervaring met rubrics. Ervaring met kalibratie. Ervaring met werkdruk. Verder lio."
    assert _share(text) == 0


def test_a_pair_of_function_words_is_no_frame():
    # "van de" comes back in any Dutch account of practice
    text = (
        "De rol van de mentor. Het belang van de opleider. De stem van de leerling. "
        "De taak van de directeur. Het werk van de coach."
    )
    assert _share(text) == 0


def test_no_offer_of_the_seeds_is_framed_and_every_dress_of_the_attack_is():
    for p in SEEDS:
        text = Profile.from_dict(p).offer_text
        assert _share(text) < 0.1, p["key"]
        assert not evidence.is_keyword_list(text), p["key"]
    for dress, text in DRESSES.items():
        assert evidence.is_keyword_list(text), dress


def test_the_fit_and_an_edit_decide_alike():
    texts = [Profile.from_dict(p).offer_text for p in SEEDS] + list(DRESSES.values())
    texts += ["", "kort", "met rubrics " * 5, "Ervaring met a. " * 3 + "ervaring"]
    profiles = [
        Profile.from_dict(dict(ATTACK, key=f"p{i}", experiences=t)) for i, t in enumerate(texts)
    ]
    index = build_index(profiles)
    fitted = [bool(index._keyword_lists[index.position[p.key]]) for p in profiles]
    assert fitted == [evidence.is_keyword_list(p.offer_text) for p in profiles]
    edited = index.with_changes(
        [Profile.from_dict(dict(ATTACK, key="p0", experiences=DRESSES["a two-word frame"]))]
    )
    assert edited._keyword_lists[edited.position["p0"]]
    assert not fitted[0]


@pytest.mark.parametrize("chunk", [1 << 20, 1, 7, 16])
def test_the_vectorised_share_is_the_share_of_each_text(monkeypatch, chunk):
    """In one pass and in passes of a few texts (a text longer than a pass is one pass)."""
    monkeypatch.setattr("matchmaker.matching.frames.FRAME_CHUNK", chunk)
    texts = [
        "Ervaring met rubrics. Ervaring met kalibratie. Ervaring met werkdruk. Ervaring met lio.",
        "ervaring met",  # with the text before, a fifth "ervaring met", but in another text
        "",
        "Wij delen graag wat werkte. " * 4,
        DRESSES["bullets"],
    ]
    stops = stopwords()
    vocabulary: dict[str, int] = {}
    tokens, ptr, function = [], [0], []
    for text in texts:
        words = fast_tokenize(text)
        tokens += [vocabulary.setdefault(w, len(vocabulary)) for w in words]
        function += [w in stops or w.isdigit() for w in words]
        ptr.append(len(tokens))
    shares = framed_shares(
        np.array(tokens, dtype=np.int32), np.array(ptr, dtype=np.int64), np.array(function)
    )
    assert shares == pytest.approx([_share(t) for t in texts])
    assert shares[1] == 0 and shares[0] == pytest.approx(8 / 12)
