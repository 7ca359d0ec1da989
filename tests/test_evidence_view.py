"""How a suggestion's evidence reads on a page: the mentor's passage and the partnership's own
phrase with the shared words marked; a passage that shares no key word says so instead of
looking like a match on words."""

from matchmaker.matching.evidence import Evidence


def _render(app, evidence, locale="nl"):
    class Suggestion:
        pass

    s = Suggestion()
    s.evidence = evidence
    with app.test_request_context(headers={"Accept-Language": locale}):
        macros = app.jinja_env.get_template("_macros.html").module
        return str(macros.evidence_list(s))


def test_shared_words_are_marked_and_a_passage_without_them_is_said_to_be_loose(app):
    marked = Evidence(
        "Wij kalibreren twee keer per jaar.",
        "Hoe kalibreren jullie?",
        ("kalibreren",),
        ("kalibreren",),
    )
    loose = Evidence("Nu zijn er vaste afspraken:", "Ze klampen zich vast aan het boek.", (), ())
    html = _render(app, [marked, loose])
    assert html.count("<mark>kalibreren</mark>") == 2
    assert html.count("Geen gedeeld kernwoord") == 1
    assert html.index("Geen gedeeld kernwoord") > html.index("Ze klampen zich vast")
    assert "No key word shared; this passage is the closest" in _render(app, [loose], locale="en")
    assert "Geen gedeeld kernwoord" not in _render(app, [marked])
