"""The data version moves for every committed change to a partnership, its sectors or its stories,
whoever makes it: no service has to remember to bump it (other workers reload on it)."""

from matchmaker.extensions import db
from matchmaker.models import PartnershipSector
from matchmaker.services import profiles as profile_service

from .conftest import load, profile


def test_any_committed_profile_change_moves_the_data_version(app):
    with app.app_context():
        load(profile(key="een"), profile(key="twee"))
        p = profile_service.get_partnership("een")

        def moved_by(change) -> bool:
            before = profile_service.data_version()
            change()
            db.session.commit()
            return profile_service.data_version() == before + 1

        assert moved_by(lambda: setattr(p, "open_to_mentor", False))
        assert moved_by(lambda: db.session.add(PartnershipSector(partnership_id=p.id, sector="po")))
        assert moved_by(lambda: db.session.delete(profile_service.get_partnership("twee")))


def test_a_commit_without_profile_changes_leaves_it(app):
    with app.app_context():
        load(profile(key="een"))
        before = profile_service.data_version()
        db.session.commit()
        assert profile_service.data_version() == before
