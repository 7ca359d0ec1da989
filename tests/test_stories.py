"""Stories in the data layer: their rules, import and export, the engine's view and the index."""

import copy
import json

import pytest
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.matching.profile import Story as EngineStory
from matchmaker.models import Partnership, Story
from matchmaker.services import accounts
from matchmaker.services import matching as matching_service
from matchmaker.services import importing
from matchmaker.services import profiles as profile_service
from matchmaker.services.validation import ValidationError, validate_document, validate_profile

from .conftest import load, make_user, profile

RUBRIC = {
    "title": "Eén beoordelingsformulier voor zeven scholen",
    "text": "Elke school beoordeelde stagiairs anders. We maakten samen één rubric; de weerstand van "
    "ervaren beoordelaars verdween toen zij hem zelf mochten aanscherpen.",
    "tips": [3, 5],
    "outcome": "worked",
    "language": "nl",
    "visibility": "public",
}
COACH = {
    "title": "Starting teachers with a coach",
    "text": "Every new teacher got a coach from another school. Timetables made the meetings hard; "
    "what worked was a fixed hour every fortnight.",
    "tips": [],
    "outcome": "partly",
    "language": "en",
    "visibility": "public",
}
INTERN = {
    "title": "Interne evaluatie van de opleidingsdag",
    "text": "Alleen voor leden: wat de opleidingsdag kostte en waarom we hem hebben afgeschaft.",
    "tips": [1],
    "outcome": "did_not_work",
    "language": "nl",
    "visibility": "members",
}


def story(**overrides) -> dict:
    """A valid story with ``overrides`` applied (a value of ``...`` removes the field)."""
    record = copy.deepcopy(RUBRIC)
    record.update(overrides)
    return {k: v for k, v in record.items() if v is not ...}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- the rules --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stories", "field", "fragment"),
    [
        ("een verhaal", "stories", "list"),
        ({"title": "x"}, "stories", "list"),
        (None, "stories", "list"),
        ([story()] * 51, "stories", "50"),
        (["geen object"], "stories[0]", "object"),
        ([story(title=...)], "stories[0].title", "required"),
        ([story(title="")], "stories[0].title", "required"),
        ([story(title="   ")], "stories[0].title", "required"),
        ([story(title="t" * 201)], "stories[0].title", "200"),
        ([story(title=["t"])], "stories[0].title", "text"),
        ([story(title="Twee\nregels")], "stories[0].title", "control"),
        ([story(title="Tab\there")], "stories[0].title", "control"),
        ([story(title="Bel\x07")], "stories[0].title", "control"),
        ([story(title="C1\x85teken")], "stories[0].title", "control"),
        ([story(title="Nul\x00")], "stories[0].title", "NUL"),
        ([story(text=...)], "stories[0].text", "required"),
        ([story(text="")], "stories[0].text", "required"),
        ([story(text="t" * 5001)], "stories[0].text", "5000"),
        ([story(text=12)], "stories[0].text", "text"),
        ([story(text="Nul\x00byte")], "stories[0].text", "NUL"),
        ([story(tips=...)], "stories[0].tips", "required"),
        ([story(tips=None)], "stories[0].tips", "required"),
        ([story(tips="3")], "stories[0].tips", "1 to 5"),
        ([story(tips=[0])], "stories[0].tips", "1 to 5"),
        ([story(tips=[6])], "stories[0].tips", "1 to 5"),
        ([story(tips=[True])], "stories[0].tips", "1 to 5"),
        ([story(tips=[2.0])], "stories[0].tips", "1 to 5"),
        ([story(tips=["2"])], "stories[0].tips", "1 to 5"),
        ([story(tips=[3, 3])], "stories[0].tips", "twice"),
        ([story(outcome=...)], "stories[0].outcome", "required"),
        ([story(outcome="failed")], "stories[0].outcome", "worked, partly or did_not_work"),
        ([story(outcome=True)], "stories[0].outcome", "worked, partly or did_not_work"),
        ([story(language="de")], "stories[0].language", "nl or en"),
        ([story(language="NL")], "stories[0].language", "nl or en"),
        ([story(visibility="private")], "stories[0].visibility", "public or members"),
        ([story(visibility=False)], "stories[0].visibility", "public or members"),
        ([story(author="Piet")], "stories[0].author", "unknown field"),
        ([story(), story(), story(outcome="mislukt")], "stories[2].outcome", "worked"),
    ],
)
def test_each_story_rule_names_its_field(stories, field, fragment):
    with pytest.raises(ValidationError) as err:
        validate_profile(profile(stories=stories))
    assert field in err.value.fields, err.value.fields
    assert fragment in err.value.fields[field]


def test_a_story_is_cleaned_and_defaults_are_filled_in():
    clean = validate_profile(
        profile(stories=[story(title="  Titel  ", tips=[5, 1, 3], visibility=..., language=...)])
    )
    (only,) = clean["stories"]
    assert list(only) == ["title", "text", "tips", "outcome", "language", "visibility"]
    assert only["title"] == "Titel"
    assert only["tips"] == [1, 3, 5]
    assert only["visibility"] == "public"
    assert only["language"] == "nl"


@pytest.mark.parametrize(("example", "language"), [(RUBRIC, "nl"), (COACH, "en")])
def test_the_language_is_detected_when_absent(example, language):
    record = {k: v for k, v in example.items() if k != "language"}
    assert validate_profile(profile(stories=[record]))["stories"][0]["language"] == language


def test_a_given_language_is_kept():
    record = story(language="en")  # the Dutch text is not second-guessed
    assert validate_profile(profile(stories=[record]))["stories"][0]["language"] == "en"


def test_absent_stories_and_an_empty_list_differ():
    assert "stories" not in validate_profile(profile())
    assert validate_profile(profile(stories=[]))["stories"] == []
    assert len(validate_profile(profile(stories=[story()] * 50))["stories"]) == 50


def test_document_errors_name_the_record_and_the_story_field():
    doc = {
        "partnerships": [
            profile(key="goed", stories=[story()]),
            profile(key="fout", stories=[story(), story(), story(outcome="x")]),
        ]
    }
    with pytest.raises(ValidationError) as err:
        validate_document(doc)
    assert "record 1 (key 'fout'): stories[2].outcome" in str(err.value)
    assert "goed" not in str(err.value)


def test_validate_document_takes_this_year():
    doc = {"partnerships": [profile(founded=2026)]}
    assert validate_document(doc, this_year=2026)[0]["founded"] == 2026
    with pytest.raises(ValidationError) as err:
        validate_document(doc, this_year=2025)
    assert "record 0 (key 'voorbeeld'): founded" in str(err.value)


# --- import and export ------------------------------------------------------------------------

DOCUMENT = {
    "partnerships": [
        profile(key="met-verhalen", stories=[RUBRIC, COACH, INTERN]),
        profile(
            key="zonder-taal",
            stories=[{k: v for k, v in COACH.items() if k not in ("language", "visibility")}],
        ),
        profile(key="geen-verhalen", stories=[]),
    ]
}


def test_import_with_stories_then_export_gives_the_same_profiles(app):
    with app.app_context():
        expected = {
            r["key"]: {**r, "challenges_visibility": "public"} for r in validate_document(DOCUMENT)
        }
        load(*DOCUMENT["partnerships"])
        exported = profile_service.export_document()
        assert {r["key"]: r for r in exported["partnerships"]} == expected
        first = exported["partnerships"][1]
        assert first["key"] == "met-verhalen" and first["stories"] == [RUBRIC, COACH, INTERN]
        assert list(first["stories"][0]) == [
            "title",
            "text",
            "tips",
            "outcome",
            "language",
            "visibility",
        ]
        assert (
            exported["partnerships"][2]["stories"][0]["language"] == "en"
        )  # detected, then exported

        text = json.dumps(exported, ensure_ascii=False)  # through JSON, as the commands do
        for p in db.session.scalars(select(Partnership)):
            db.session.delete(p)
        db.session.commit()
        assert count(Partnership) == count(Story) == 0
        importing.import_document(json.loads(text))
        assert profile_service.export_document() == exported
        assert count(Story) == 4


def test_export_and_import_through_the_commands(app, runner, tmp_path):
    source = tmp_path / "in.json"
    source.write_text(json.dumps(DOCUMENT, ensure_ascii=False), encoding="utf-8")
    assert runner.invoke(args=["import-profiles", str(source)]).exit_code == 0
    out = tmp_path / "out.json"
    result = runner.invoke(args=["export-profiles", str(out)])
    assert result.exit_code == 0, result.output
    exported = json.loads(out.read_text(encoding="utf-8"))
    with app.app_context():
        assert exported == profile_service.export_document()
        assert next(r for r in exported["partnerships"] if r["key"] == "met-verhalen")[
            "stories"
        ] == [RUBRIC, COACH, INTERN]


def test_absent_stories_leave_them_and_an_empty_list_removes_them(app):
    with app.app_context():
        load(profile(key="a", stories=[RUBRIC, INTERN]))
        story_ids = [s.id for s in profile_service.get_partnership("a").stories]

        load(profile(key="a", name="Nieuwe naam"))  # no "stories": they stay
        a = profile_service.get_partnership("a")
        assert a.name == "Nieuwe naam"
        assert [s.title for s in a.stories] == [RUBRIC["title"], INTERN["title"]]
        assert [s.id for s in a.stories] == story_ids

        load(profile(key="a", stories=[COACH]))  # a list replaces them, in order
        assert [s.title for s in profile_service.get_partnership("a").stories] == [COACH["title"]]
        assert count(Story) == 1

        load(profile(key="a", stories=[]))
        assert profile_service.get_partnership("a").stories == []
        assert profile_service.to_record(profile_service.get_partnership("a"))["stories"] == []
        assert count(Story) == 0


def test_reimporting_the_same_stories_rewrites_nothing(app):
    with app.app_context():
        load(profile(key="a", stories=[RUBRIC, COACH]))
        before = [
            (s.id, s.position, s.updated_at) for s in profile_service.get_partnership("a").stories
        ]
        load(profile(key="a", stories=[RUBRIC, COACH]))
        db.session.expire_all()
        assert [
            (s.id, s.position, s.updated_at) for s in profile_service.get_partnership("a").stories
        ] == before
        load(profile(key="a", stories=[COACH, RUBRIC, INTERN]))  # reordered and one more
        stories = profile_service.get_partnership("a").stories
        assert [s.title for s in stories] == [COACH["title"], RUBRIC["title"], INTERN["title"]]
        assert [s.position for s in stories] == [0, 1, 2]


def test_a_bad_story_rejects_the_whole_file_and_writes_nothing(app, runner, tmp_path):
    with app.app_context():
        load(profile(key="bestaand", stories=[RUBRIC]))
        before = profile_service.export_document()
        doc = {
            "partnerships": [
                profile(key="nieuw", stories=[COACH]),
                profile(key="bestaand", stories=[]),
                profile(key="kapot", stories=[COACH, story(tips=[7])]),
            ]
        }
        with pytest.raises(ValidationError) as err:
            importing.import_document(doc)
        assert "record 2 (key 'kapot'): stories[1].tips" in str(err.value)
        db.session.rollback()
        assert profile_service.export_document() == before
        assert count(Partnership) == 1 and count(Story) == 1

    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(args=["import-profiles", str(path)])
    assert result.exit_code != 0
    assert "record 2 (key 'kapot'): stories[1].tips" in result.output
    assert "nothing was written" in result.output
    with app.app_context():
        assert profile_service.export_document() == before


def test_deleting_a_partnership_deletes_its_stories(app):
    with app.app_context():
        load(profile(key="a", stories=[RUBRIC, COACH]), profile(key="b", stories=[INTERN]))
        db.session.delete(profile_service.get_partnership("a"))
        db.session.commit()
        assert db.session.scalars(select(Story.title)).all() == [INTERN["title"]]


def test_the_database_refuses_an_unknown_outcome(app):
    with app.app_context():
        load(profile(key="a"))
        a = profile_service.get_partnership("a")
        a.stories.append(
            Story(
                position=0,
                title="T",
                text="T",
                tips=[],
                outcome="misschien",
                language="nl",
                visibility="public",
            )
        )
        with pytest.raises(Exception) as err:
            db.session.commit()
        assert "outcome" in str(err.value)
        db.session.rollback()


# --- the engine's view and the index ----------------------------------------------------------


def test_the_engine_profile_gets_public_stories_only_in_order(app):
    public = (
        EngineStory(RUBRIC["title"], RUBRIC["text"]),
        EngineStory(COACH["title"], COACH["text"]),
    )
    with app.app_context():
        load(
            profile(key="a", stories=[RUBRIC, INTERN, COACH]),
            profile(key="b", stories=[INTERN]),
            profile(key="c"),
        )
        assert (
            profile_service.to_engine_profile(profile_service.get_partnership("a")).stories
            == public
        )
        loaded = {p.key: p for p in matching_service.load_profiles()}  # the index's bulk read
        assert loaded["a"].stories == public
        assert loaded["b"].stories == () and loaded["c"].stories == ()
        assert matching_service.profiles_by_key(["a"])["a"].stories == public
        assert matching_service.current_index().profile("a").stories == public


@pytest.fixture
def overlay_app(app):
    """Patching switched on for a small index (normally it simply refits)."""
    app.config.update(
        INDEX_SYNC_REFIT_BELOW=0, INDEX_REFIT_SHARE=10.0
    )  # four edits of three profiles: no background refit
    with app.app_context():
        load(
            profile(key="a", stories=[RUBRIC, INTERN]),
            profile(key="b"),
            profile(key="c", stories=[COACH]),
        )
    return app


def _edit_stories(key: str, stories: list[dict]) -> None:
    p = profile_service.get_partnership(key)
    profile_service.save_profile({**profile_service.to_record(p), "stories": stories}, existing=p)


def test_the_index_sees_an_edited_story(overlay_app):
    with overlay_app.app_context():
        cache = matching_service.index_cache()
        assert matching_service.current_index().profile("a").stories[0].text == RUBRIC["text"]
        before = profile_service.data_version()
        _edit_stories("a", [story(text="Een nieuwe versie van het verhaal."), INTERN])
        after = profile_service.data_version()
        assert matching_service.changed_keys(before, after) == ["a"]  # only a story changed
        index = matching_service.current_index()
        assert index.profile("a").stories == (
            EngineStory(RUBRIC["title"], "Een nieuwe versie van het verhaal."),
        )
        assert (cache.builds, cache.updates) == (1, 1)

        _edit_stories("c", [])  # removed
        assert matching_service.current_index().profile("c").stories == ()
        _edit_stories("b", [COACH])  # added
        assert matching_service.current_index().profile("b").stories == (
            EngineStory(COACH["title"], COACH["text"]),
        )
        _edit_stories("a", [RUBRIC, {**INTERN, "visibility": "public"}])  # made public
        assert len(matching_service.current_index().profile("a").stories) == 2
        assert (cache.builds, cache.updates) == (1, 4)


def test_a_story_row_changed_alone_marks_its_partnership_changed(overlay_app):
    with overlay_app.app_context():
        matching_service.current_index()
        before = profile_service.data_version()
        row = profile_service.get_partnership("c").stories[0]
        row.text = "Rechtstreeks in de tabel gewijzigd."
        profile_service.bump_data_version()
        db.session.commit()
        assert matching_service.changed_keys(before, before + 1) == ["c"]
        assert (
            matching_service.current_index().profile("c").stories[0].text
            == "Rechtstreeks in de tabel gewijzigd."
        )

        db.session.delete(profile_service.get_partnership("c").stories[0])
        profile_service.bump_data_version()
        db.session.commit()
        assert matching_service.changed_keys(before + 1, before + 2) == ["c"]
        assert matching_service.current_index().profile("c").stories == ()


# --- the API ----------------------------------------------------------------------------------


@pytest.fixture
def api_headers(app):
    with app.app_context():
        load(profile(key="eigen", stories=[RUBRIC, INTERN]))
        user = make_user(partnership_key="eigen")
        _, token = accounts.create_token(user, "tests")
    return {"Authorization": f"Bearer {token}"}


BODY = {"name": "Eigen school", "sectors": ["vo"], "founded": 2012}


def test_api_put_keeps_stories_when_absent_and_replaces_them_when_given(client, api_headers):
    mine = client.get("/api/v1/me", headers=api_headers).json["partnership"]
    assert mine["stories"] == [RUBRIC, INTERN]  # the owner sees members-only stories too

    response = client.put("/api/v1/me/partnership", json=BODY, headers=api_headers)
    assert response.status_code == 200, response.json
    assert response.json["stories"] == [RUBRIC, INTERN]

    given = {k: v for k, v in COACH.items() if k not in ("language", "visibility")}
    response = client.put(
        "/api/v1/me/partnership", json={**BODY, "stories": [given]}, headers=api_headers
    )
    assert response.status_code == 200, response.json
    assert response.json["stories"] == [COACH]

    response = client.put(
        "/api/v1/me/partnership", json={**BODY, "stories": []}, headers=api_headers
    )
    assert response.status_code == 200 and response.json["stories"] == []


@pytest.mark.parametrize(
    ("stories", "field"),
    [
        ([story(outcome="x")], "stories.0.outcome"),
        ([story(tips=[True])], "stories.0.tips.0"),
        ([story(tips=[9])], "stories.0.tips.0"),
        ([story(title="")], "stories.0.title"),
        ([story(author="Piet")], "stories.0.author"),
        ([story(tips=[2, 2])], "stories[0].tips"),  # a rule of the service, named as in the format
        ([story(title="Twee\nregels")], "stories[0].title"),
        ([story()] * 51, "stories"),
        ("geen lijst", "stories"),
    ],
)
def test_api_bad_story_names_the_field_and_writes_nothing(client, api_headers, stories, field):
    before = client.get("/api/v1/me", headers=api_headers).json["partnership"]
    response = client.put(
        "/api/v1/me/partnership", json={**BODY, "stories": stories}, headers=api_headers
    )
    assert response.status_code == 422
    assert field in response.json["error"]["fields"], response.json
    assert client.get("/api/v1/me", headers=api_headers).json["partnership"] == before


def test_public_api_shows_no_stories(client, api_headers):
    response = client.get("/api/v1/partnerships/eigen")
    assert response.status_code == 200
    assert "stories" not in response.json and "contact" not in response.json
