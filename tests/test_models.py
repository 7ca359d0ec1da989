"""Constraints live in the database too, and migrations build the same schema as the models."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert, inspect
from sqlalchemy.exc import IntegrityError

from matchmaker.extensions import db
from matchmaker.models import Introduction, Partnership, PartnershipSector

from .conftest import load, profile


def _partnership_row(**kw):
    row = dict(
        key="p",
        name="P",
        founded=2010,
        institutions=[],
        description="",
        challenges="",
        experiences="",
        open_to_mentor=True,
        mentor_capacity=2,
        active=True,
    )
    row.update(kw)
    return row


@pytest.mark.parametrize(
    "row",
    [
        _partnership_row(mentor_capacity=21),
        _partnership_row(founded=1800),
        _partnership_row(schools_count=0),
        _partnership_row(key=""),
    ],
)
def test_partnership_checks_in_the_database(app, row):
    from matchmaker.models import utcnow

    row.update(created_at=utcnow(), updated_at=utcnow())
    with app.app_context():
        with pytest.raises(IntegrityError):
            db.session.execute(insert(Partnership).values(**row))
            db.session.flush()
        db.session.rollback()


def test_unknown_sector_refused_by_the_database(app):
    with app.app_context():
        load(profile(key="a"))
        pid = db.session.scalar(db.select(Partnership.id))
        with pytest.raises(IntegrityError):
            db.session.execute(insert(PartnershipSector).values(partnership_id=pid, sector="hbo"))
            db.session.flush()
        db.session.rollback()


def test_one_open_introduction_per_pair(app):
    with app.app_context():
        load(profile(key="a"), profile(key="b"))
        a, b = (
            db.session.scalar(db.select(Partnership.id).where(Partnership.key == k)) for k in "ab"
        )
        db.session.add(Introduction(mentee_id=a, mentor_id=b, state="declined"))
        db.session.add(Introduction(mentee_id=a, mentor_id=b, state="requested"))
        db.session.commit()
        db.session.add(Introduction(mentee_id=a, mentor_id=b, state="accepted"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_introduction_to_self_refused(app):
    with app.app_context():
        load(profile(key="a"))
        a = db.session.scalar(db.select(Partnership.id))
        db.session.add(Introduction(mentee_id=a, mentor_id=a, state="requested"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_migrations_match_the_models(empty_app):
    runner = empty_app.test_cli_runner()
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    with empty_app.app_context():
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert diff == []
        tables = set(inspect(db.engine).get_table_names())
    assert {
        "partnership",
        "user_account",
        "introduction",
        "match_review",
        "alembic_version",
    } <= tables


def test_init_db_is_idempotent(empty_app):
    runner = empty_app.test_cli_runner()
    assert runner.invoke(args=["init-db"]).exit_code == 0
    assert runner.invoke(args=["init-db"]).exit_code == 0


def test_provenance_migration_marks_deactivated_and_registered_partnerships(empty_app):
    """c9d0e1f2a3b4 on existing rows: an inactive partnership without an unconfirmed account was
    deactivated by an admin; one with an account that did not come through an invitation was
    registered (its contact address proves nothing to an import)."""
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    directory = empty_app.extensions["migrate"].directory
    partnerships = {  # key: (active, account: None, "unconfirmed", "registered", "invited")
        "wacht": (False, "unconfirmed"),
        "gestopt": (False, None),
        "gestopt-team": (False, "invited"),
        "zelf": (True, "registered"),
        "uitgenodigd": (True, "invited"),
        "leeg": (True, None),
    }
    with empty_app.app_context():
        upgrade(directory=directory, revision="b8c9d0e1f2a3")
        with db.engine.begin() as conn:
            for ident, (key, (active, account)) in enumerate(partnerships.items(), start=1):
                conn.execute(
                    text(
                        "INSERT INTO partnership (id, key, name, founded, institutions, description, "
                        "challenges, experiences, open_to_mentor, mentor_capacity, active, version, "
                        "created_at, updated_at) VALUES (:i, :k, :k, 2001, '[]', '', '', '', true, 2, "
                        ":a, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {"i": ident, "k": key, "a": active},
                )
                if account is None:
                    continue
                conn.execute(
                    text(
                        "INSERT INTO user_account (id, email, password_hash, role, partnership_id, "
                        "active, session_version, email_confirmed_at, created_at, updated_at) VALUES "
                        "(:i, :e, 'x', 'coordinator', :i, true, 1, "
                        + ("NULL" if account == "unconfirmed" else "CURRENT_TIMESTAMP")
                        + ", CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                    ),
                    {"i": ident, "e": f"{key}@example.org"},
                )
                if account == "invited":
                    conn.execute(
                        text(
                            "INSERT INTO invitation (partnership_id, email, token_hash, created_at, "
                            "sent_at, expires_at, accepted_at, user_id, role) VALUES (:i, :e, :h, "
                            "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, "
                            "CURRENT_TIMESTAMP, :i, 'coordinator')"
                        ),
                        {"i": ident, "e": f"{key}@example.org", "h": f"h{ident}"},
                    )
        upgrade(directory=directory, revision="c9d0e1f2a3b4")
        with db.engine.begin() as conn:
            rows = conn.execute(
                text(
                    "SELECT key, deactivated_at IS NOT NULL, registered_at IS NOT NULL FROM partnership"
                )
            ).all()
        assert {key: (bool(d), bool(r)) for key, d, r in rows} == {
            "wacht": (False, True),
            "gestopt": (True, False),
            "gestopt-team": (True, False),
            "zelf": (False, True),
            "uitgenodigd": (False, False),
            "leeg": (False, False),
        }
        downgrade(directory=directory, revision="b8c9d0e1f2a3")
        upgrade(directory=directory)
