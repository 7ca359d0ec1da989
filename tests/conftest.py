"""Fixtures in the style of the Flask tutorial: a fresh app and database for every test.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set, e.g.
``TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test pytest``.
"""

from __future__ import annotations

import copy
import os
import re
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text

from matchmaker import create_app
from matchmaker.config import TEST_CONFIG
from matchmaker.extensions import db
from matchmaker.services import importing
from matchmaker.services import profiles as profile_service
from matchmaker.services.accounts import create_user

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
# In CI (.ci/run) Redis must be there: without it the Redis tests fail instead of skipping.
REQUIRE_REDIS = os.environ.get("MATCHMAKER_REQUIRE_REDIS") == "1"


def skip_unless_required(required: bool, reason: str) -> None:
    """Skip a test whose real part (Redis, a browser, nginx) is missing, or fail it where the
    environment says that part is required."""
    if required:
        pytest.fail(f"required but missing: {reason}", pytrace=False)
    pytest.skip(reason)


def _drop_everything() -> None:
    db.drop_all()
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))


@pytest.fixture(scope="session")
def postgres_url():
    """On PostgreSQL, a schema of this test run's own, so parallel runs on one database do not
    trip over each other. The schema travels in the URL, so subprocesses use it too."""
    if not TEST_DATABASE_URL:
        yield None
        return
    schema = f"test_{os.getpid()}"
    engine = create_engine(TEST_DATABASE_URL)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in TEST_DATABASE_URL else "?"
    yield f"{TEST_DATABASE_URL}{separator}options=-csearch_path%3D{schema}"
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture
def database_url(tmp_path, postgres_url) -> str:
    return postgres_url or f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def empty_app(database_url, tmp_path):
    """An app whose database has no tables yet (for migration tests)."""
    app = create_app(
        {
            **TEST_CONFIG,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "MAIL_FILE_DIR": str(tmp_path / "mail"),
        }
    )
    with app.app_context():
        _drop_everything()
    yield app
    app.extensions["matchmaker.index"].wait_for_refit(
        timeout=60
    )  # no thread may outlive its tables
    with app.app_context():
        db.session.remove()
        _drop_everything()
        db.engine.dispose()


@contextmanager
def second_app(database_url: str, **config):
    """Another app on the test database with its own settings; its connections are closed after."""
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, **config})
    try:
        yield app
    finally:
        app.extensions["matchmaker.index"].wait_for_refit(timeout=60)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(empty_app):
    with empty_app.app_context():
        db.create_all()
    return empty_app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


BASE_PROFILE = {
    "key": "voorbeeld",
    "name": "Opleidingsschool Voorbeeld",
    "sectors": ["vo"],
    "region": "Utrecht",
    "founded": 2010,
    "schools_count": 10,
    "institutions": ["Hogeschool Utrecht"],
    "description": "",
    "challenges": "",
    "experiences": "",
    "open_to_mentor": True,
    "mentor_capacity": 2,
    "contact": {"name": "Coördinator Voorbeeld", "email": "voorbeeld@example.org"},
}


# A CSRF field as the pages write it, whatever the order of its attributes (base.html writes
# name before type, WTForms type after name) and whatever its prefix (claim-csrf_token).
_CSRF_VALUE = re.compile(r'(csrf_token"[^>]*?\bvalue=")([^"]*)"')


def csrf_token_of(html: str) -> str:
    """The value of the page's first ``csrf_token`` field."""
    found = re.search(r'name="csrf_token"[^>]*?\bvalue="([^"]*)"', html)
    assert found, html[:500]
    return found.group(1)


def without_csrf_tokens(html: str) -> str:
    """The page with every CSRF token blanked: a token is signed with the second it was made."""
    return _CSRF_VALUE.sub(r'\1"', html)


def profile(**overrides) -> dict:
    """A valid exchange-format record with ``overrides`` applied."""
    record = copy.deepcopy(BASE_PROFILE)
    record.update(overrides)
    if "key" in overrides and "contact" not in overrides:
        record["contact"] = {
            "name": f"Contact {overrides['key']}",
            "email": f"{overrides['key']}@example.org",
        }
    return record


# Four mentors on distinct themes and two newcomers: small enough to reason about.
MENTORS = [
    profile(
        key="beoordeling-west",
        name="Beoordelingsnetwerk West",
        region="Noord-Holland",
        # The last clause shares a little with nieuw-starters: a weak but real match.
        experiences="Alle scholen beoordelen stagiairs met één gedeelde rubric; beoordelaars worden elk jaar samen geschoold. "
        "Ook docenten leren daarvan.",
    ),
    profile(
        key="starters-oost",
        name="Startersnetwerk Oost",
        region="Gelderland",
        experiences="Elke beginnende docent krijgt een coach en bezoekt de startersacademie; de uitval is gehalveerd.",
    ),
    profile(
        key="krimp-noord",
        name="Dorpsscholen Noord",
        sectors=["po"],
        region="Groningen",
        experiences="Kleine plattelandsscholen in een krimpgebied delen één schoolopleider en stageplekken.",
    ),
    profile(
        key="onderzoek-zuid",
        name="Onderzoeksschool Zuid",
        region="Limburg",
        experiences="Leraren en studenten doen samen praktijkonderzoek en presenteren het op een onderzoeksdag.",
    ),
]
NEWCOMERS = [
    profile(
        key="nieuw-assessment",
        name="Nieuw Assessmentnetwerk",
        founded=2025,
        open_to_mentor=False,
        mentor_capacity=0,
        challenges="Onze stagebeoordeling verschilt per school: we willen dezelfde criteria voor iedereen.",
    ),
    profile(
        key="nieuw-starters",
        name="Nieuwe Startersgroep",
        founded=2025,
        region="Gelderland",
        open_to_mentor=False,
        mentor_capacity=0,
        challenges="Startende leraren stoppen na een jaar; hoe houden we jonge docenten vast?",
    ),
]


def load(*records: dict) -> None:
    """Import records through the same service as the command line."""
    importing.import_document({"partnerships": list(records)})


@pytest.fixture
def network(app):
    with app.app_context():
        load(*MENTORS, *NEWCOMERS)
    return app


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, email="member@example.org", password="correct horse battery"):
        return self._client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


def make_user(
    email="member@example.org", password="correct horse battery", role=None, partnership_key=None
):
    """An account; with a partnership and no role, its coordinator (as whoever registers it)."""
    partnership = profile_service.get_partnership(partnership_key) if partnership_key else None
    return create_user(email, password, role=role, partnership=partnership)


class _Inbox:
    """Messages received by a real SMTP server on localhost (aiosmtpd)."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        from email import message_from_bytes
        from email.policy import default

        msg = message_from_bytes(envelope.content, policy=default)
        self.messages.append(
            {
                "to": list(envelope.rcpt_tos),
                "subject": msg["Subject"],
                "body": msg.get_body(("plain",)).get_content(),
                "message": msg,
            }
        )
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[dict]:
        return [m for m in self.messages if address in m["to"]]

    def clear(self) -> None:
        self.messages.clear()


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1 (random free port); yields (host, port, inbox)."""
    from .live_server import smtp_server as running_smtp_server

    inbox = _Inbox()
    with running_smtp_server(inbox) as port:
        yield "127.0.0.1", port, inbox


DELIVER_AT_ONCE = {"MAIL_DELIVER_AFTER_COMMIT": True}
"""Settings for tests that read mail right after an action: the outbox is delivered after each
commit that wrote to it (as in development); tests/test_outbox.py covers the worker path."""


@pytest.fixture
def mail_app(app, smtp_server):
    """The app configured to send mail to the test SMTP server, delivered after each commit; yields (app, inbox)."""
    host, port, inbox = smtp_server
    app.config.update(SMTP_HOST=host, SMTP_PORT=port, **DELIVER_AT_ONCE)
    return app, inbox
