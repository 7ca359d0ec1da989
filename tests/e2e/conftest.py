"""Browser tests: Playwright driving Debian's Chromium against a live Matchmaker server.

* Chromium is ``/usr/bin/chromium`` (installed by ``.ci/run``). Never ``playwright install``.
* Without Chromium or the ``playwright`` package every test here is skipped with the reason;
  with ``MATCHMAKER_REQUIRE_BROWSER=1`` (CI) a missing or broken browser fails them instead.
* One live server for the whole session (werkzeug, threaded) with CSRF on, real SMTP delivery
  to an aiosmtpd server on localhost, the demo seed data, an admin and a mentor's coordinator.
  The database is a temporary SQLite file, or — when ``TEST_DATABASE_URL`` is set — a schema of
  its own on that PostgreSQL server (never the schema the unit tests drop and recreate).
* Every test gets a fresh browser context (fresh cookies); ``new_page()`` opens more, e.g. the
  mentor's side of a journey. Screenshots go to ``test-artifacts/screenshots/<name>.png``.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ..conftest import _Inbox
from ..live_server import closed_before_sent, own_database, smtp_server

try:  # the package is in requirements-dev.txt, but a bare runtime install may lack it
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright
except ImportError as exc:  # pragma: no cover - depends on the environment
    sync_playwright = None
    PlaywrightError = Exception
    PLAYWRIGHT_IMPORT_ERROR = str(exc)
else:
    PLAYWRIGHT_IMPORT_ERROR = None

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = (
    os.environ.get("MATCHMAKER_CHROMIUM") or "/usr/bin/chromium"
)  # Debian's; override for other systems
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REQUIRE_BROWSER = os.environ.get("MATCHMAKER_REQUIRE_BROWSER") == "1"
TIMEOUT_MS = 15_000  # per action; the first suggestions after a profile change refit the matcher

PASSWORD = "correct horse battery staple"
ADMIN_EMAIL = "beheer@example.org"
# An experienced partnership from seeds/partnerships.json, open to mentoring (capacity 3).
MENTOR_KEY = "eikenrode-opleidingsschool"


def _unavailable(reason: str):
    if REQUIRE_BROWSER:
        pytest.fail(f"MATCHMAKER_REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(f"browser tests need Chromium at {CHROMIUM} and the playwright package: {reason}")


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session (Debian's, never a downloaded one)."""
    if PLAYWRIGHT_IMPORT_ERROR is not None:
        _unavailable(f"the playwright package is not installed ({PLAYWRIGHT_IMPORT_ERROR})")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    pw = sync_playwright().start()
    try:
        try:
            chromium = pw.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
        except PlaywrightError as exc:
            # Present but unable to start: a real problem, so this fails rather than skips.
            pytest.fail(f"{CHROMIUM} is installed but could not be started: {exc}", pytrace=False)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        pw.stop()


# --- the live server ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def e2e_smtp():
    """A real SMTP server on 127.0.0.1 for the whole session; yields (port, inbox)."""
    inbox = _Inbox()
    with smtp_server(inbox) as port:
        yield port, inbox


@pytest.fixture(scope="session")
def e2e_database_url(tmp_path_factory):
    """A temporary SQLite file; on PostgreSQL (TEST_DATABASE_URL) a schema of this run's own."""
    with own_database(tmp_path_factory.mktemp("e2e"), "e2e") as url:
        yield url


@dataclass
class Account:
    email: str
    password: str = PASSWORD


@dataclass
class LiveServer:
    """The running app, its SMTP inbox and helpers that act through the app's services."""

    app: object
    url: str
    inbox: _Inbox
    admin: Account
    mentor: Account
    mentor_key: str
    _members: dict = field(default_factory=dict)

    def member_for(self, key: str) -> Account:
        """A coordinator account for the partnership ``key`` (made once, through the services)."""
        if key not in self._members:
            from matchmaker.services import profiles
            from matchmaker.services.accounts import create_user

            account = Account(f"coordinator+{key}@example.org")
            with self.app.app_context():
                create_user(
                    account.email, account.password, partnership=profiles.get_partnership(key)
                )
            self._members[key] = account
        return self._members[key]

    def answer_request(self, mentee_key: str, action: str = "decline") -> None:
        """An introduction the admin makes for ``mentee_key`` with its best mentor, then answers
        with ``action`` — through the same state machine the pages use."""
        from matchmaker.services import introductions, profiles
        from matchmaker.services.accounts import find_user
        from matchmaker.services.matching import suggest

        with self.app.app_context():
            admin = find_user(self.admin.email)
            mentee = profiles.get_partnership(mentee_key)
            mentor = profiles.get_partnership(suggest(mentee_key, limit=1)[0].key)
            intro = introductions.request_introduction(mentee, mentor, "", admin, by_admin=True)
            introductions.transition(intro, action, admin)

    def contact(self, key: str) -> tuple[str, str]:
        """(contact name, contact email) of a partnership, as stored."""
        from matchmaker.services import profiles

        with self.app.app_context():
            p = profiles.get_partnership(key)
            return p.contact_name, p.contact_email


@pytest.fixture(scope="session")
def live_server(e2e_database_url, e2e_smtp):
    from werkzeug.serving import make_server

    from matchmaker import create_app
    from matchmaker.config import TEST_CONFIG
    from matchmaker.extensions import db
    from matchmaker.services import profiles
    from matchmaker.services.accounts import create_admin, create_user
    from matchmaker.services.matching import current_index

    smtp_port, inbox = e2e_smtp
    app = create_app(
        {
            **TEST_CONFIG,
            "WTF_CSRF_ENABLED": True,  # real forms in a real browser: CSRF stays on
            "SQLALCHEMY_DATABASE_URI": e2e_database_url,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": smtp_port,
            "MAIL_DELIVER_AFTER_COMMIT": True,  # the outbox is delivered after each commit, no worker
        }
    )
    admin, mentor = Account(ADMIN_EMAIL), Account(f"coordinator+{MENTOR_KEY}@example.org")
    with app.app_context():
        db.create_all()
        result = app.test_cli_runner().invoke(args=["seed"])
        assert result.exit_code == 0, result.output
        create_admin(admin.email, admin.password)
        create_user(mentor.email, mentor.password, partnership=profiles.get_partnership(MENTOR_KEY))
        current_index()  # fit the matcher once before the first page asks for it

    server = make_server("127.0.0.1", 0, closed_before_sent(app), threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = url  # the port is known only once the socket is bound
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    live = LiveServer(app, url, inbox, admin, mentor, MENTOR_KEY, {MENTOR_KEY: mentor})
    try:
        yield live
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


# --- browser contexts and pages ------------------------------------------------------------------


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    """test-artifacts/screenshots/ (each run overwrites its files; nothing is deleted, so runs
    side by side do not pull the folder from under each other)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def shot(screenshot_dir):
    """shot(page, "name") saves a full-page screenshot as test-artifacts/screenshots/name.png."""

    def take(page, name: str) -> Path:
        path = screenshot_dir / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def new_page(browser, live_server):
    """new_page(**context options) → a page in a fresh browser context (own cookies), Dutch by
    default like a browser in the Netherlands. Every context is closed after the test."""
    contexts = []

    def open_page(**options):
        settings = {
            "base_url": live_server.url,
            "locale": "nl-NL",
            "viewport": {"width": 1280, "height": 900},
        }
        settings.update(options)
        context = browser.new_context(**settings)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()
