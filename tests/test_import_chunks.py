"""A large import is written a chunk at a time in one transaction: memory stays flat, and a failure
in a later chunk leaves nothing written."""

import pytest
from sqlalchemy import func, select

from matchmaker.extensions import db
from matchmaker.models import Partnership
from matchmaker.services import profiles as profile_service

from .conftest import profile

N = profile_service.IMPORT_CHUNK * 2 + 7


def records(n=N):
    return [
        profile(key=f"bulk-{i}", name=f"Bulk {i}", experiences=f"Ervaring nummer {i}.")
        for i in range(n)
    ]


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Partnership)) or 0


def test_every_chunk_is_written_and_the_session_lets_go_of_them(app):
    with app.app_context():
        result = profile_service.import_document({"partnerships": records()})
        assert (result.created, result.updated) == (N, 0)
        assert count() == N
        assert len(db.session.identity_map) < profile_service.IMPORT_CHUNK
        again = profile_service.import_document({"partnerships": records()})
        assert (again.created, again.updated) == (0, N)
        assert profile_service.data_version() >= 2  # each import moved the data version


def test_a_failure_in_a_later_chunk_writes_nothing(app, monkeypatch):
    apply = profile_service.apply_profile

    def failing(row, record):
        if record["key"] == f"bulk-{N - 1}":
            raise RuntimeError("disk full")
        return apply(row, record)

    monkeypatch.setattr(profile_service, "apply_profile", failing)
    with app.app_context():
        version = profile_service.data_version()
        with pytest.raises(RuntimeError):
            profile_service.import_document({"partnerships": records()})
        assert count() == 0
        assert profile_service.data_version() == version


def test_the_callers_objects_stay_in_the_session(app):
    with app.app_context():
        profile_service.import_document({"partnerships": records(3)})
        mine = db.session.scalar(select(Partnership).where(Partnership.key == "bulk-1"))
        profile_service.import_document({"partnerships": records()})
        assert mine in db.session and mine.name == "Bulk 1"
