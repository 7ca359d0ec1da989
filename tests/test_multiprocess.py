"""Two real app servers on one database: a change made elsewhere shows in both within a second.

Each server is gunicorn with ``gunicorn.conf.py`` (preloaded app, index fitted in the master)
on its own loopback port, like two hosts behind a proxy. The profile is changed by a third
process, ``flask import-profiles``, through the same service the web uses. The database is
TEST_DATABASE_URL (PostgreSQL) when set, else one SQLite file shared by the processes.
"""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import MENTORS

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(database_url: str, **extra) -> dict:
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "multiprocess-test-secret-key-0123456789"}
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
            port = _free_port()
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
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in logs:
            log.close()


def test_a_profile_changed_elsewhere_shows_in_both_servers_within_a_second(servers, database_url, tmp_path):
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
