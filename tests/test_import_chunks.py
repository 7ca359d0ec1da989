"""A large import is written a chunk at a time in one transaction: memory stays flat, a failure in a
later chunk leaves nothing written, and a partnership it creates (one multi-row INSERT per table)
is stored exactly as the profile form would store it."""

import pytest
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import Partnership, PartnershipSector, Story
from matchmaker.services import importing
from matchmaker.services import profiles as profile_service

from .conftest import profile
from .test_stories import INTERN, RUBRIC

N = importing.IMPORT_CHUNK * 2 + 7


def records(n=N):
    return [
        profile(key=f"bulk-{i}", name=f"Bulk {i}", experiences=f"Ervaring nummer {i}.")
        for i in range(n)
    ]


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Partnership)) or 0


def test_every_chunk_is_written_and_the_session_lets_go_of_them(app):
    with app.app_context():
        result = importing.import_document({"partnerships": records()})
        assert (result.created, result.updated) == (N, 0)
        assert count() == N
        assert len(db.session.identity_map) < importing.IMPORT_CHUNK
        again = importing.import_document({"partnerships": records()})
        assert (again.created, again.updated) == (0, N)
        assert profile_service.data_version() >= 2  # each import moved the data version


def test_a_failure_in_a_later_chunk_writes_nothing(app, monkeypatch):
    insert_new = importing.insert_new

    def failing(records):
        insert_new(records)  # written, then the chunk fails
        if any(record["key"] == f"bulk-{N - 1}" for record in records):
            raise RuntimeError("disk full")

    monkeypatch.setattr(importing, "insert_new", failing)
    with app.app_context():
        version = profile_service.data_version()
        with pytest.raises(RuntimeError):
            importing.import_document({"partnerships": records()})
        assert count() == 0
        assert profile_service.data_version() == version


def test_the_callers_objects_stay_in_the_session(app):
    with app.app_context():
        importing.import_document({"partnerships": records(3)})
        mine = db.session.scalar(select(Partnership).where(Partnership.key == "bulk-1"))
        importing.import_document({"partnerships": records()})
        assert mine in db.session and mine.name == "Bulk 1"


def test_a_failure_while_updating_a_later_chunk_changes_nothing(app, monkeypatch):
    with app.app_context():
        importing.import_document({"partnerships": records()})
        version = profile_service.data_version()
    apply = profile_service.apply_profile

    def failing(row, record):
        if record["key"] == f"bulk-{N - 1}":
            raise RuntimeError("disk full")
        return apply(row, record)

    monkeypatch.setattr(profile_service, "apply_profile", failing)
    renamed = [{**r, "name": "Nieuw " + r["name"]} for r in records()]
    with app.app_context():
        with pytest.raises(RuntimeError):
            importing.import_document({"partnerships": renamed})
        names = db.session.scalars(select(Partnership.name).where(Partnership.name.like("Nieuw %")))
        assert list(names) == []
        assert profile_service.data_version() == version


STORIES = [RUBRIC, INTERN]  # a public story and a members-only one


@pytest.mark.parametrize(
    "overrides",
    [
        {},  # no stories field, no visibility: "public"
        {"challenges_visibility": "members", "sectors": ["so", "po"], "stories": STORIES},
        {"institutions": ["Hogeschool A", "Universiteit B"], "schools_count": None, "stories": []},
    ],
)
def test_an_imported_partnership_is_stored_as_the_form_stores_it(app, overrides):
    with app.app_context():
        imported = profile(key="via-import", **overrides)
        importing.import_document({"partnerships": [imported]})
        profile_service.save_profile({**imported, "key": "via-form"})
        a = profile_service.get_partnership("via-import")
        b = profile_service.get_partnership("via-form")
        record_a, record_b = profile_service.to_record(a), profile_service.to_record(b)
        assert record_a.pop("key") == "via-import" and record_b.pop("key") == "via-form"
        assert record_a == record_b
        for column in ("active", "version", "open_to_mentor", "mentor_capacity"):
            assert getattr(a, column) == getattr(b, column)
        assert a.created_at is not None and a.updated_at is not None
        sectors = select(func.count()).select_from(PartnershipSector)
        assert db.session.scalar(sectors.where(PartnershipSector.partnership_id == a.id)) == len(
            b.sectors
        )
        positions = db.session.scalars(
            select(Story.position).where(Story.partnership_id == a.id).order_by(Story.position)
        )
        assert list(positions) == list(range(len(overrides.get("stories", []))))
