"""The suggestions' context (open introductions, reviews, dismissals, ratings) kept per context version.

Any change to those tables bumps the version in its own transaction; a process reads the context
again only then, so a suggestion needs no database round trip while nothing changed.
"""

from contextlib import contextmanager

from sqlalchemy import event

from matchmaker.extensions import db
from matchmaker.models import Introduction
from matchmaker.services import dismissals, matching, reviews
from matchmaker.services import introductions as intro_service
from matchmaker.services import profiles as profile_service
from matchmaker.services.profiles import versions

from .conftest import MENTORS, make_user, second_app


@contextmanager
def counted_statements():
    seen = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def context_version() -> int:
    return versions()[1]


def test_changes_to_introductions_reviews_and_dismissals_bump_the_context_version(network):
    get = profile_service.get_partnership
    with network.app_context():
        user = make_user(partnership_key="nieuw-assessment")
        admin = make_user("admin@example.org", role="admin")
        data_before, before = versions()
        intro = intro_service.request_introduction(
            get("nieuw-assessment"), get("beoordeling-west"), "Hallo", user
        )
        assert context_version() == before + 1
        intro_service.transition(intro, "withdraw", user)
        assert context_version() == before + 2
        reviews.review_pair(get("nieuw-starters"), get("starters-oost"), "endorsed", "goed", admin)
        assert context_version() == before + 3
        dismissals.dismiss(get("nieuw-starters"), get("krimp-noord"))
        assert context_version() == before + 4
        assert versions()[0] == data_before  # the profiles did not change


def test_profile_edits_and_accounts_leave_the_context_version_alone(network):
    with network.app_context():
        before = context_version()
        make_user("someone@example.org")
        record = profile_service.to_record(profile_service.get_partnership("krimp-noord"))
        profile_service.save_profile(
            dict(record, experiences=record["experiences"] + " Ook mentoraat."),
            existing=profile_service.get_partnership("krimp-noord"),
        )
        assert context_version() == before


def test_a_rolled_back_change_bumps_nothing(network):
    with network.app_context():
        before = context_version()
        user = make_user(partnership_key="nieuw-assessment")
        get = profile_service.get_partnership
        db.session.add(
            Introduction(
                mentee_id=get("nieuw-assessment").id,
                mentor_id=get("beoordeling-west").id,
                state="requested",
                message="x",
                created_by_id=user.id,
            )
        )
        db.session.flush()
        db.session.rollback()
        make_user("other@example.org")  # a later, unrelated commit
        assert context_version() == before


def test_suggestions_make_no_round_trip_while_nothing_changed(network):
    # Within the version TTL, that is: the default half second can pass during three rankings
    # on a loaded machine (it did once in CI), and then one version read is right.
    network.config["INDEX_VERSION_TTL"] = 60
    with network.app_context():
        matching.suggest("nieuw-assessment")  # reads the versions, fits, reads the context
        cache = matching.index_cache()
        reads = cache.context_reads
        with counted_statements() as statements:
            for key in ("nieuw-assessment", "nieuw-starters", "nieuw-assessment"):
                assert matching.suggest(key)
        assert statements == []
        assert cache.context_reads == reads


def test_a_change_is_read_once_then_served_from_memory(network):
    get = profile_service.get_partnership
    with network.app_context():
        assert matching.suggest("nieuw-assessment")[0].key == "beoordeling-west"
        cache = matching.index_cache()
        reads = cache.context_reads
        dismissals.dismiss(get("nieuw-assessment"), get("beoordeling-west"))
        assert "beoordeling-west" not in [s.key for s in matching.suggest("nieuw-assessment")]
        assert cache.context_reads == reads + 1
        matching.suggest("nieuw-starters")
        assert cache.context_reads == reads + 1


def test_a_change_made_by_another_app_is_seen_after_the_ttl(network, database_url):
    """Another worker or host: its commit is not counted here, so the TTL decides when to look."""
    get = profile_service.get_partnership
    network.config["INDEX_VERSION_TTL"] = 0.0
    with network.app_context():
        assert matching.suggest("nieuw-assessment")[0].key == "beoordeling-west"
    with second_app(database_url) as other, other.app_context():
        admin = make_user("admin@example.org", role="admin")
        reviews.review_pair(
            get("nieuw-assessment"), get("beoordeling-west"), "rejected", "nee", admin
        )
    with network.app_context():
        assert "beoordeling-west" not in [s.key for s in matching.suggest("nieuw-assessment")]


def test_full_mentors_leave_the_suggestions_at_once(network):
    """Open introductions count against a mentor's capacity (here 2) as soon as they are made."""
    get = profile_service.get_partnership
    with network.app_context():
        assert "beoordeling-west" in [s.key for s in matching.suggest("nieuw-starters", limit=10)]
        for key in ("nieuw-assessment", "krimp-noord"):
            user = make_user(f"{key}@example.org", partnership_key=key)
            intro_service.request_introduction(get(key), get("beoordeling-west"), "Hallo", user)
        assert "beoordeling-west" not in [
            s.key for s in matching.suggest("nieuw-starters", limit=10)
        ]
        assert MENTORS[0]["mentor_capacity"] == 2
