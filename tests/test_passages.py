"""Passages and requests: spans are verbatim, bullets and sentences split, the main need weighs most."""

import pytest

from matchmaker.matching import passages
from matchmaker.matching.profile import Profile, Story


def test_spans_are_verbatim_and_split_on_bullets_sentences_and_lines():
    text = "Wij doen veel, o.a. intervisie. En lesbezoeken!\n- een rubric voor alle scholen\n* korte lijnen met de pabo"
    spans = passages.split(text)
    assert [s.text for s in spans] == [
        "Wij doen veel, o.a. intervisie.",  # o.a. is no sentence end
        "En lesbezoeken!",
        "een rubric voor alle scholen",
        "korte lijnen met de pabo",
    ]
    assert all(text[s.start : s.end] == s.text for s in spans)


def test_a_short_piece_joins_its_neighbour():
    spans = passages.split("Aanpak:\nElke starter krijgt een coach.\nGroet")
    assert [s.text for s in spans] == ["Aanpak:\nElke starter krijgt een coach.\nGroet"]


def test_a_piece_of_exactly_min_words_stands_alone():
    spans = passages.split("Elke starter krijgt een coach.\nMet groet\n-- Jan --")
    assert passages.MIN_WORDS == 2
    assert [s.text for s in spans] == ["Elke starter krijgt een coach.", "Met groet\n-- Jan --"]


@pytest.mark.parametrize(
    ("text", "main"),
    [
        (
            "Wij hebben weinig stageplekken. Het grootste knelpunt is de werkdruk van starters. Ook willen we onderzoek.",
            1,
        ),
        ("Placements are scarce. Most urgent: our beginning teachers leave within a year.", 1),
        (
            "Starters haken af na een jaar. Dat is meteen ook het grootste knelpunt. Daarnaast nog iets over ouders.",
            0,
        ),
    ],
)
def test_the_main_need_weighs_most_and_side_remarks_least(text, main):
    requests = passages.requests(text)
    weights = [r.weight for r in requests]
    assert weights[main] == max(weights) == passages.MAIN_WEIGHT
    if requests[-1].text.startswith(("Ook", "Daarnaast")):
        assert weights[-1] == passages.SIDE_WEIGHT


def test_without_a_marked_need_the_first_request_weighs_a_little_more():
    weights = [
        r.weight
        for r in passages.requests("Beoordelen is lastig. Wij willen een rubric. Graag tips.")
    ]
    assert weights[0] == passages.FIRST_WEIGHT and weights[1] == 1.0


def test_offer_passages_index_the_offer_text_and_the_description():
    p = Profile(
        "k",
        "K",
        ("po",),
        2000,
        experiences="Wij doen A. En B doen we ook.",
        description="Beschrijving, lang genoeg.",
        stories=(Story("Eén formulier", "Het werkte. Deels."),),
    )
    for source, span, story in passages.offer_passages(p.experiences, p.stories, p.description):
        base = p.description if source == passages.DESCRIPTION else p.offer_text
        assert base[span.start : span.end] == span.text
        assert (story == 0) == (source == passages.STORY)


def test_a_need_the_writer_comes_back_to_weighs_more():
    from matchmaker.matching.engine import build_index

    mentee = Profile(
        "m",
        "M",
        ("vo",),
        2025,
        open_to_mentor=False,
        challenges="Onze werkplekbegeleiders hebben geen tijd. Ouders bellen vaak. Die werkplekbegeleiders krijgen geen uren.",
    )
    idx = build_index(
        [
            mentee,
            Profile(
                "c", "C", ("vo",), 2010, experiences="Werkplekbegeleiders krijgen uren en tijd."
            ),
        ]
    )
    weights = [r.span.weight for r in idx._requests(mentee)]
    assert (
        weights[0] > 1.0 and weights[2] > 1.0 and weights[1] == 1.0
    )  # the first is also first: 1.25 × 1.3
