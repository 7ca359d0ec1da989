"""Stories in the web interface: the service (write, edit, delete, one rule set with the import)
and the pages (a coordinator writes; everyone reads public stories; members-only stories for
signed-in accounts only; the list of stories with its filters)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from matchmaker.extensions import db
from matchmaker.models import ProfileChange, Story
from matchmaker.services import importing
from matchmaker.services import profiles as profile_service
from matchmaker.services import stories as story_service
from matchmaker.services.accounts import find_user
from matchmaker.services.permissions import NotCoordinator
from matchmaker.services.validation import ValidationError

from .conftest import load, make_user, profile

PASSWORD = "correct horse battery"
KEY, OTHER = "verhalen-oost", "verhalen-west"
COORDINATOR, MEMBER, STRANGER = "coord@example.org", "lid@example.org", "ander@example.org"

STORY = {
    "title": "Eén beoordelingsformulier voor zeven scholen",
    "text": "Elke school beoordeelde anders. We probeerden één formulier; de weerstand was groot, "
    "tot de schoolopleiders het samen herschreven. Dat werkte.",
    "tips": [3, 1],
    "outcome": "worked",
    "language": "nl",
    "visibility": "public",
}


def story(**overrides) -> dict:
    return {**STORY, **overrides}


@pytest.fixture
def world(app):
    """Two partnerships (one in po, one in vo) with a coordinator each, and a read-only member of the first."""
    with app.app_context():
        load(
            profile(key=KEY, name="Verhalen Oost", sectors=["po"]),
            profile(key=OTHER, name="Verhalen West", sectors=["vo"]),
        )
        make_user(COORDINATOR, partnership_key=KEY)
        make_user(MEMBER, role="member", partnership_key=KEY)
        make_user(STRANGER, partnership_key=OTHER)
    return app


def login(client, email):
    assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302


def form_data(data: dict) -> dict:
    return {
        "title": data["title"],
        "text": data["text"],
        "tips": [str(t) for t in data["tips"]],
        "outcome": data["outcome"],
        "language": data.get("language") or "",
        "visibility": data.get("visibility") or "public",
    }


# --- the service ------------------------------------------------------------------------------


def test_create_edit_delete_bump_versions_and_keep_positions(world):
    with world.app_context():
        p = profile_service.get_partnership(KEY)
        user = find_user(COORDINATOR)
        version, data_version = p.version, profile_service.data_version()
        first = story_service.create_story(p, story(), by=user)
        second = story_service.create_story(
            p, story(title="Tweede", outcome="did_not_work", tips=[]), by=user
        )
        assert (first.position, second.position) == (0, 1)
        assert first.tips == [1, 3]  # sorted, as the import stores them
        assert p.version == version + 2 and profile_service.data_version() == data_version + 2
        logged = db.session.scalars(
            select(ProfileChange.key).where(ProfileChange.version == data_version + 2)
        ).all()
        assert logged == [KEY]  # the matcher patches this partnership's entry

        story_service.update_story(
            first, story(title="Nieuwe titel", visibility="members"), by=user
        )
        assert [s.title for s in p.stories] == ["Nieuwe titel", "Tweede"]
        assert profile_service.get_partnership(KEY).stories[0].visibility == "members"

        story_service.delete_story(first, by=user)
        rows = db.session.scalars(select(Story).where(Story.partnership_id == p.id)).all()
        assert [(s.title, s.position) for s in rows] == [("Tweede", 0)]
        assert p.version == version + 4
        exported = profile_service.to_record(profile_service.get_partnership(KEY))["stories"]
        assert exported == [story(title="Tweede", outcome="did_not_work", tips=[])]


def test_language_is_detected_when_not_given(world):
    with world.app_context():
        p = profile_service.get_partnership(KEY)
        text = "We tried one shared assessment form for all schools. Teachers resisted at first, then it worked well."
        row = story_service.create_story(
            p, story(title="A shared form", text=text, language=None), by=find_user(COORDINATOR)
        )
        assert row.language == "en"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "twee\nregels"}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"text": "   "}, "text"),
        ({"text": "x" * 5001}, "text"),
        ({"tips": [6]}, "tips"),
        ({"tips": [1, 1]}, "tips"),
        ({"tips": ["twee"]}, "tips"),
        ({"outcome": "great"}, "outcome"),
        ({"outcome": None}, "outcome"),
        ({"language": "de"}, "language"),
        ({"visibility": "secret"}, "visibility"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_bad_story_names_the_field_and_writes_nothing(world, overrides, field):
    with world.app_context():
        p = profile_service.get_partnership(KEY)
        version, data_version = p.version, profile_service.data_version()
        with pytest.raises(ValidationError) as info:
            story_service.create_story(p, story(**overrides), by=find_user(COORDINATOR))
        assert field in info.value.fields
        assert db.session.scalar(select(Story.id)) is None
        assert (
            profile_service.current_version(p.id) == version
            and profile_service.data_version() == data_version
        )


def test_bad_edit_leaves_the_story_as_it_was(world):
    with world.app_context():
        p = profile_service.get_partnership(KEY)
        row = story_service.create_story(p, story(), by=find_user(COORDINATOR))
        with pytest.raises(ValidationError):
            story_service.update_story(
                row, story(title="Goed", outcome="great"), by=find_user(COORDINATOR)
            )
        db.session.expire_all()
        assert db.session.get(Story, row.id).title == STORY["title"]


@pytest.mark.parametrize("email", [MEMBER, STRANGER])
def test_only_the_partnerships_coordinators_write(world, email):
    with world.app_context():
        p = profile_service.get_partnership(KEY)
        with pytest.raises(NotCoordinator):
            story_service.create_story(p, story(), by=find_user(email))
        row = story_service.create_story(p, story(), by=find_user(COORDINATOR))
        with pytest.raises(NotCoordinator):
            story_service.update_story(row, story(title="Overgenomen"), by=find_user(email))
        with pytest.raises(NotCoordinator):
            story_service.delete_story(row, by=find_user(email))
        assert db.session.get(Story, row.id).title == STORY["title"]


def test_at_most_fifty_stories(world):
    with world.app_context():
        p = profile_service.get_partnership(KEY)
        importing.import_document(
            {
                "partnerships": [
                    profile(
                        key=KEY,
                        name="Verhalen Oost",
                        sectors=["po"],
                        stories=[story(title=f"Verhaal {i}") for i in range(50)],
                    )
                ]
            }
        )
        with pytest.raises(ValidationError) as info:
            story_service.create_story(p, story(), by=find_user(COORDINATOR))
        assert "stories" in info.value.fields
        assert len(profile_service.get_partnership(KEY).stories) == 50


# --- the pages --------------------------------------------------------------------------------


def test_coordinator_writes_edits_and_deletes_a_story(world):
    client = world.test_client()
    login(client, COORDINATOR)
    form = client.get("/profile/stories/new").get_data(as_text=True)
    for words in (
        "werkte deels",
        "werkte niet",
        "alleen ingelogde partnerschappen",
        "Durf te experimenteren",
        "weerstand",
    ):
        assert words in form

    response = client.post("/profile/stories/new", data=form_data(story()))
    assert response.status_code == 302
    with world.app_context():
        story_id = db.session.scalar(select(Story.id))
    assert response.headers["Location"].endswith(f"/partnerships/{KEY}/stories/{story_id}")
    page = client.get(f"/partnerships/{KEY}").get_data(as_text=True)
    assert (
        STORY["title"] in page and "werkte" in page and "Structuur bouwen, vrijheid houden" in page
    )

    assert STORY["title"] in client.get(f"/profile/stories/{story_id}/edit").get_data(as_text=True)
    edited = form_data(story(title="Het formulier, tweede poging", outcome="partly", tips=[2]))
    assert client.post(f"/profile/stories/{story_id}/edit", data=edited).status_code == 302
    detail = client.get(f"/partnerships/{KEY}/stories/{story_id}").get_data(as_text=True)
    assert "Het formulier, tweede poging" in detail and "werkte deels" in detail

    assert client.post(f"/profile/stories/{story_id}/delete").status_code == 302
    assert client.get(f"/partnerships/{KEY}/stories/{story_id}").status_code == 404
    assert "Het formulier" not in client.get(f"/partnerships/{KEY}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": ""}, "title"),
        ({"text": "x" * 5001}, "text"),
        ({"tips": ["7"]}, "tips"),
        ({"tips": ["een"]}, "tips"),
        ({"outcome": ""}, "outcome"),
        ({"outcome": "fantastisch"}, "outcome"),
        ({"language": "de"}, "language"),
        ({"visibility": "geheim"}, "visibility"),
    ],
)
def test_bad_form_shows_the_message_beside_the_field(world, overrides, field):
    client = world.test_client()
    login(client, COORDINATOR)
    response = client.post("/profile/stories/new", data={**form_data(story()), **overrides})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html
    assert html.count('class="field-error"') == 1
    with world.app_context():
        assert db.session.scalar(select(Story.id)) is None


def test_bad_form_names_the_field_in_english_too(world):
    client = world.test_client()
    login(client, COORDINATOR)
    client.post("/language", data={"lang": "en"})
    html = client.post("/profile/stories/new", data={**form_data(story()), "title": ""}).get_data(
        as_text=True
    )
    assert 'id="title-error"' in html and "is required" in html


def test_members_only_stories_are_for_signed_in_readers(world):
    with world.app_context():
        p = profile_service.get_partnership(KEY)
        user = find_user(COORDINATOR)
        public = story_service.create_story(p, story(title="Voor iedereen"), by=user)
        hidden = story_service.create_story(
            p, story(title="Alleen voor leden", visibility="members"), by=user
        )
        public_id, hidden_id = public.id, hidden.id
    anon = world.test_client()
    assert anon.get(f"/partnerships/{KEY}/stories/{hidden_id}").status_code == 404
    assert anon.get(f"/partnerships/{KEY}/stories/{public_id}").status_code == 200
    for page in (f"/partnerships/{KEY}", "/stories"):
        html = anon.get(page).get_data(as_text=True)
        assert "Voor iedereen" in html and "Alleen voor leden" not in html
    reader = world.test_client()
    login(reader, STRANGER)  # another partnership: signed in, so it reads them
    assert reader.get(f"/partnerships/{KEY}/stories/{hidden_id}").status_code == 200
    assert "Alleen voor leden" in reader.get("/stories").get_data(as_text=True)
    assert "Alleen voor leden" in reader.get(f"/partnerships/{KEY}").get_data(as_text=True)


def test_a_story_is_only_reached_through_its_own_partnership(world):
    with world.app_context():
        row = story_service.create_story(
            profile_service.get_partnership(KEY), story(), by=find_user(COORDINATOR)
        )
        story_id = row.id
    client = world.test_client()
    assert client.get(f"/partnerships/{OTHER}/stories/{story_id}").status_code == 404
    assert client.get(f"/partnerships/{KEY}/stories/{2**40}").status_code == 404
    login(client, STRANGER)
    assert client.get(f"/profile/stories/{story_id}/edit").status_code == 404
    assert (
        client.post(
            f"/profile/stories/{story_id}/edit", data=form_data(story(title="Gekaapt"))
        ).status_code
        == 404
    )
    assert client.post(f"/profile/stories/{story_id}/delete").status_code == 404
    with world.app_context():
        assert db.session.get(Story, story_id).title == STORY["title"]


def test_a_read_only_member_reads_but_does_not_write(world):
    with world.app_context():
        story_id = story_service.create_story(
            profile_service.get_partnership(KEY), story(), by=find_user(COORDINATOR)
        ).id
    client = world.test_client()
    login(client, MEMBER)
    mine = client.get("/profile/stories")
    assert mine.status_code == 200 and STORY["title"] in mine.get_data(as_text=True)
    assert "/profile/stories/new" not in mine.get_data(as_text=True)
    assert client.post("/profile/stories/new", data=form_data(story())).status_code == 403
    assert client.post(f"/profile/stories/{story_id}/delete").status_code == 403


@pytest.fixture
def library(world):
    """Stories across both partnerships, sectors, outcomes, tips and languages."""
    with world.app_context():
        oost, west = (profile_service.get_partnership(k) for k in (KEY, OTHER))
        story_service.create_story(
            oost, story(title="Oost werkte", tips=[1, 3]), by=find_user(COORDINATOR)
        )
        story_service.create_story(
            oost,
            story(title="Oost werkte niet", outcome="did_not_work", tips=[2]),
            by=find_user(COORDINATOR),
        )
        story_service.create_story(
            west,
            story(title="West partly in English", outcome="partly", tips=[4, 5], language="en"),
            by=find_user(STRANGER),
        )
    return world


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("", {"Oost werkte", "Oost werkte niet", "West partly in English"}),
        ("?tip=3", {"Oost werkte"}),
        ("?tip=5", {"West partly in English"}),
        ("?outcome=did_not_work", {"Oost werkte niet"}),
        ("?sector=vo", {"West partly in English"}),
        ("?sector=po&outcome=worked", {"Oost werkte"}),
        ("?language=en", {"West partly in English"}),
        (
            "?tip=9&outcome=nonsense&sector=xx&language=de",
            {"Oost werkte", "Oost werkte niet", "West partly in English"},
        ),
        ("?tip=4&sector=po", set()),
    ],
)
def test_story_list_filters(library, query, titles):
    response = library.test_client().get(f"/stories{query}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    shown = {
        t
        for t in ("Oost werkte", "Oost werkte niet", "West partly in English")
        if f">{t}</a>" in html
    }
    assert shown == titles


def test_story_list_is_paged_and_keeps_filters(world):
    with world.app_context():
        importing.import_document(
            {
                "partnerships": [
                    profile(
                        key=KEY,
                        name="Verhalen Oost",
                        sectors=["po"],
                        stories=[story(title=f"Verhaal {i:02d}") for i in range(25)],
                    )
                ]
            }
        )
    client = world.test_client()
    first = client.get("/stories?outcome=worked").get_data(as_text=True)
    assert first.count('class="card story"') == story_service.PER_PAGE
    assert "page=2" in first and "outcome=worked" in first
    second = client.get("/stories?outcome=worked&page=2").get_data(as_text=True)
    assert second.count('class="card story"') == 25 - story_service.PER_PAGE
    assert client.get("/stories?page=99999999999999999999").status_code == 200


def test_stories_of_an_inactive_partnership_are_gone(world):
    with world.app_context():
        p = profile_service.get_partnership(KEY)
        story_id = story_service.create_story(p, story(), by=find_user(COORDINATOR)).id
        profile_service.set_active(p, False)
    client = world.test_client()
    assert client.get(f"/partnerships/{KEY}/stories/{story_id}").status_code == 404
    assert STORY["title"] not in client.get("/stories").get_data(as_text=True)


def test_editing_or_deleting_a_story_deleted_meanwhile_is_not_found(world):
    with world.app_context():
        p = profile_service.get_partnership(KEY)
        user = find_user(COORDINATOR)
        row = story_service.create_story(p, story(), by=user)
        story_id = row.id
        # Another request deletes it while this one still holds the row.
        db.session.execute(Story.__table__.delete().where(Story.id == story_id))
        db.session.commit()
        stale = Story(
            id=story_id, partnership_id=p.id, position=0, **{k: v for k, v in STORY.items()}
        )
        db.session.add(stale)
        db.session.flush()
        db.session.execute(
            Story.__table__.delete().where(Story.id == story_id)
        )  # gone again, behind the ORM's back
        with pytest.raises(story_service.NotFound):
            story_service.update_story(stale, story(title="Te laat"), by=user)
        assert db.session.scalar(select(Story.id)) is None
