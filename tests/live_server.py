"""A real HTTP server on 127.0.0.1 around an app, for tests that talk over the network."""

from __future__ import annotations

import os
import socket
import subprocess
from contextlib import contextmanager


def free_port() -> int:
    """A loopback port nobody listens on (free at the time of asking)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(process: subprocess.Popen, timeout: float = 10) -> None:
    """Ask a server process to stop; kill it if it does not within ``timeout`` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def closed_before_sent(app):
    """The app, with each response read whole and closed before the server sends it.

    werkzeug's development server drains the request socket in a ``finally`` before it calls the
    response's ``close()``. When the browser resets the connection (it navigates away while the
    favicon is still in flight), that drain raises and ``close()`` is skipped, so the static file
    stays open and its ResourceWarning fails whichever test runs when it is collected. The app
    streams nothing, so reading each response whole changes nothing the browser sees.
    """

    def buffered(environ, start_response):
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()

    return buffered


@contextmanager
def serve_process(database_url: str, *, env: dict | None = None, timeout: float = 60):
    """Run the real app (``flask --app wsgi run``) in its own process on a free loopback port."""
    import os
    import sys
    import time
    import urllib.request
    from pathlib import Path

    port = free_port()
    root = Path(__file__).resolve().parent.parent
    environment = dict(
        os.environ,
        DATABASE_URL=database_url,
        SECRET_KEY="live-server-secret-key-for-tests-only-0123456789",
    )
    environment["MAIL_DELIVER_AFTER_COMMIT"] = (
        "0"  # mail stays in the outbox: no .eml files in instance/
    )
    environment.update(env or {})
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "wsgi",
            "run",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=root,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(base_url + "/api/v1/openapi.json", timeout=5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the app server did not start") from None
                time.sleep(0.2)
        yield base_url
    finally:
        stop(process)


@contextmanager
def smtp_server(handler):
    """A real SMTP server (aiosmtpd) on a free loopback port, delivering to ``handler``; yields the port."""
    from aiosmtpd.controller import Controller

    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port
    finally:
        controller.stop()


@contextmanager
def own_database(directory, name: str):
    """A database URL of one's own: a SQLite file in ``directory``, or on PostgreSQL
    (TEST_DATABASE_URL) a schema named after ``name`` and this process, dropped afterwards."""
    from sqlalchemy import create_engine, text

    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{directory / (name + '.db')}"
        return
    schema = f"{name}_{os.getpid()}"
    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()
