"""Two real app servers on one database: a change made elsewhere shows in both within a second.

Each server is gunicorn with ``gunicorn.conf.py`` (preloaded app, index fitted in the master)
on its own loopback port, like two hosts behind a proxy. The profile is changed by a third
process, ``flask import-profiles``, through the same service the web uses. The database is
TEST_DATABASE_URL (PostgreSQL) when set, else one SQLite file shared by the processes.
"""

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import MENTORS
from .live_server import free_port, stop

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _env(database_url: str, **extra) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "multiprocess-test-secret-key-0123456789",
    }
    env.update({"GUNICORN_WORKERS": "1", "GUNICORN_ACCESSLOG": "", "LOG_LEVEL": "WARNING", **extra})
    return env


def _get(url: str, timeout: float = 5.0) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def _suggested(base: str, key: str) -> list[str]:
    status, html = _get(f"{base}/partnerships/{key}")
    assert status == 200, html[:500]
    section = html.split('class="suggestions"', 1)[1]
    return list(dict.fromkeys(re.findall(r'href="/partnerships/([a-z0-9-]+)"', section)))


@pytest.fixture
def servers(network, database_url, tmp_path):
    """Two gunicorn servers on loopback ports, ready (database reachable, index fitted)."""
    processes, bases, logs = [], [], []
    try:
        for i in range(2):
            port = free_port()
            log = open(tmp_path / f"server-{i}.log", "w")  # noqa: SIM115 (closed below)
            logs.append(log)
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                    cwd=ROOT,
                    env=_env(database_url, GUNICORN_BIND=f"127.0.0.1:{port}"),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
            bases.append(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 90
        for process, base in zip(processes, bases):
            while True:
                assert process.poll() is None, (tmp_path / "server-0.log").read_text()[-2000:]
                try:
                    if _get(f"{base}/readyz", timeout=2)[0] == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, "server did not become ready"
                time.sleep(0.2)
        yield bases
    finally:
        for process in processes:
            stop(process, timeout=20)
        for log in logs:
            log.close()


def test_a_profile_changed_elsewhere_shows_in_both_servers_within_a_second(
    servers, database_url, tmp_path
):
    first, second = servers
    assert _suggested(first, "nieuw-starters")[0] == "starters-oost"
    assert _suggested(second, "nieuw-starters")[0] == "starters-oost"
    edited = {
        **MENTORS[2],
        "experiences": "Startende leraren en jonge docenten stoppen bij ons niet meer: elke beginnende docent "
        "krijgt een coach, een startersacademie en een vaste mentor, en we houden jonge docenten vast.",
    }
    path = tmp_path / "edit.json"
    path.write_text(json.dumps({"partnerships": [edited]}, ensure_ascii=False), encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "import-profiles", str(path)],
        cwd=ROOT,
        env=_env(database_url),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    changed = time.monotonic()
    seen = {}
    while len(seen) < 2 and time.monotonic() - changed < 1.0:
        for base in servers:
            if base not in seen and _suggested(base, "nieuw-starters")[0] == "krimp-noord":
                seen[base] = time.monotonic() - changed
    assert set(seen) == set(servers), f"seen after {seen} s"
    assert _suggested(second, "nieuw-starters")[0] == "krimp-noord"
    assert _get(f"{second}/healthz")[0] == 200


def test_a_rejection_made_through_one_server_shows_in_the_other_within_a_second(servers, network):
    """The context (reviews, dismissals, open introductions) is cached per context version too."""
    from matchmaker.services import accounts

    first, second = servers
    with network.app_context():
        admin = accounts.create_admin("admin@example.org", "correct horse battery")
        _row, token = accounts.create_token(admin, "multiprocess")
    assert _suggested(second, "nieuw-assessment")[0] == "beoordeling-west"
    body = json.dumps(
        {
            "mentee": "nieuw-assessment",
            "mentor": "beoordeling-west",
            "decision": "rejected",
            "note": "x",
        }
    )
    request = urllib.request.Request(
        f"{first}/api/v1/admin/reviews",
        data=body.encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    changed = time.monotonic()
    while "beoordeling-west" in _suggested(second, "nieuw-assessment"):
        assert time.monotonic() - changed < 1.0, (
            "the rejection did not reach the other server within a second"
        )
    assert "beoordeling-west" not in _suggested(first, "nieuw-assessment")


# --- health checks and request ids (what the proxy and the orchestrator see) -------------------


def test_healthz_needs_no_database(empty_app):
    response = empty_app.test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_readyz_waits_for_the_index_then_reports_it(network):
    client = network.test_client()
    cache = network.extensions["matchmaker.index"]
    first = client.get("/readyz")
    if first.status_code == 503:  # the index is being fitted in the background
        assert first.get_json()["index"] == "building"
        cache.wait_for_refit(timeout=60)
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["index"]["profiles"] == 6


def test_readyz_says_why_the_index_cannot_be_built(empty_app):
    """A database whose schema is not there (or older than the code): not ready, and why."""
    client = empty_app.test_client()
    cache = empty_app.extensions["matchmaker.index"]
    assert client.get("/readyz").status_code == 503
    cache.wait_for_refit(timeout=60)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["index"] == "failed"
    assert "data_version" in body["error"] or "partnership" in body["error"], body
    cache.wait_for_refit(timeout=60)


def test_readyz_is_503_when_the_database_is_unreachable(tmp_path):
    from matchmaker import create_app
    from matchmaker.config import TEST_CONFIG

    app = create_app(
        {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/x.db"}
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("abc-123_proxy.1", True), ("x" * 200, False), ("bad id with spaces", False), (None, False)],
)
def test_request_ids_are_kept_or_made_and_echoed(client, sent, kept):
    response = client.get("/healthz", headers={"X-Request-ID": sent} if sent else {})
    echoed = response.headers["X-Request-ID"]
    assert (echoed == sent) is kept
    assert re.fullmatch(r"[A-Za-z0-9._:@/+=-]{1,128}", echoed)


def test_logs_are_json_lines_with_the_request_id(app):
    import logging

    from matchmaker.logging_setup import JsonFormatter, RequestIdFilter

    formatter, request_filter = JsonFormatter(), RequestIdFilter()
    with app.test_request_context("/healthz", headers={"X-Request-ID": "req-42"}):
        app.preprocess_request()
        record = logging.LogRecord(
            "matchmaker", logging.WARNING, __file__, 1, "index %s", ("stale",), None
        )
        request_filter.filter(record)
        line = json.loads(formatter.format(record))
    assert (
        line["message"] == "index stale"
        and line["request_id"] == "req-42"
        and line["level"] == "WARNING"
    )
    atoms = {
        "h": "127.0.0.1",
        "m": "GET",
        "U": "/healthz",
        "q": "",
        "H": "HTTP/1.1",
        "s": "200",
        "B": 16,
        "f": "-",
        "a": "curl",
        "D": 1500,
        "{x-request-id}o": "req-42",
    }
    access = logging.LogRecord(
        "gunicorn.access", logging.INFO, __file__, 1, "%(h)s", (atoms,), None
    )
    line = json.loads(formatter.format(access))
    assert (
        line["path"] == "/healthz" and line["duration_ms"] == 1.5 and line["request_id"] == "req-42"
    )


def test_secret_links_never_reach_the_access_log():
    """A reset, invitation or confirmation token in the request line, path or referrer is
    hidden before gunicorn's access record is written, in JSON and in text alike."""
    import logging

    from matchmaker.logging_setup import (
        JsonFormatter,
        SecretPathFilter,
        gunicorn_log_config,
        hide_secrets,
    )

    token = "Zk3-secret_TOKEN.value"
    atoms = {
        "h": "127.0.0.1",
        "m": "POST",
        "U": f"/password/reset/{token}",
        "r": f"POST /invitation/{token}?x=1 HTTP/1.1",
        "q": "x=1",
        "s": "302",
        "f": f"https://matchmaker.example.org/register/confirm/{token}",
        "a": "browser",
        "D": 1000,
    }
    for text in (False, True):
        config = gunicorn_log_config(text=text)
        access = config["handlers"]["access"]
        assert (
            "secrets" in access["filters"]
            and config["filters"]["secrets"]["()"] is SecretPathFilter
        )
        record = logging.LogRecord(
            "gunicorn.access",
            logging.INFO,
            __file__,
            1,
            '"%(r)s" %(f)s %(U)s',
            (dict(atoms),),
            None,
        )
        assert SecretPathFilter().filter(record)
        line = JsonFormatter().format(record) if not text else record.getMessage()
        assert token not in line and "/password/reset/[hidden]" in line
        assert "/register/confirm/[hidden]" in line  # the referrer
        assert ("/invitation/[hidden]?x=1" in line) is text  # the request line: text only
    for written in ("/password/rese%74/", "//password/reset/", "/./invitation/", "/invitation%2F"):
        assert token not in hide_secrets(f"GET {written}{token} HTTP/1.1")
    assert hide_secrets("GET /login?next=/home HTTP/1.1") == "GET /login?next=/home HTTP/1.1"
    forged = hide_secrets('GET /%69nvitation/T%0A10.0.0.9 "POST /admin/x HTTP/1.1" 200 HTTP/1.1')
    assert "\n" not in forged and "\r" not in forged  # decoding must not forge a log line
    assert "\n" not in hide_secrets("/x/%0A/%69nvitation/T")
    other = logging.LogRecord("matchmaker", logging.INFO, __file__, 1, "kept %s", ("as is",), None)
    assert SecretPathFilter().filter(other) and other.getMessage() == "kept as is"
