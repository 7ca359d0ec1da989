"""Behind a real nginx: the site in deploy/ in front of gunicorn in production settings.

Debian's nginx (``/usr/sbin/nginx``, installed by ``.ci/run``) runs as a foreground process on
free loopback ports with ``deploy/nginx/matchmaker.conf`` — only its ports, upstream,
certificate paths and static folder replaced — and a self-signed certificate for the site's
name. Behind it, gunicorn runs with ``gunicorn.conf.py`` and ``MATCHMAKER_ENV=production``,
``PROXY_FIX_HOPS=1`` as the README says, its own database, and a local SMTP server.

Without nginx (or openssl) every test here is skipped with the reason; with
``MATCHMAKER_REQUIRE_NGINX=1`` (CI) they fail instead.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .conftest import _Inbox, csrf_token_of, second_app
from .live_server import free_port, own_database, smtp_server, stop

ROOT = Path(__file__).resolve().parent.parent
SITE = ROOT / "deploy" / "nginx" / "matchmaker.conf"
ENV_EXAMPLE = ROOT / "deploy" / "matchmaker.env.example"
UNIT = ROOT / "deploy" / "systemd" / "matchmaker-web.service"
NGINX = os.environ.get("MATCHMAKER_NGINX") or "/usr/sbin/nginx"  # Debian's; override elsewhere
REQUIRE_NGINX = os.environ.get("MATCHMAKER_REQUIRE_NGINX") == "1"
NAME = "matchmaker.example.org"  # the site's name in the template, kept: the client sends it
BASE_URL = f"https://{NAME}"
PASSWORD = "correct horse battery staple"
# The test client connects from this loopback address, nginx reaches gunicorn from 127.0.0.1:
# the app must see the client's address (through nginx's X-Forwarded-For), not nginx's.
CLIENT = "127.0.0.2"

pytestmark = pytest.mark.slow


def _unavailable(reason: str):
    if REQUIRE_NGINX:
        pytest.fail(f"MATCHMAKER_REQUIRE_NGINX=1 but {reason}", pytrace=False)
    pytest.skip(f"the nginx tests need Debian's nginx at {NGINX} and openssl: {reason}")


# --- the site file, as deployed --------------------------------------------------------------


def test_the_deploy_files_agree_with_each_other():
    """The nginx upstream is where the unit's gunicorn listens; one proxy, so one hop."""
    site = SITE.read_text()
    env = dict(
        line.split("=", 1)
        for line in ENV_EXAMPLE.read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert env["MATCHMAKER_ENV"] == "production" and env["PROXY_FIX_HOPS"] == "1"
    assert f"server {env['GUNICORN_BIND']};" in site
    assert env["BASE_URL"] == BASE_URL and f"server_name {NAME};" in site
    unit = UNIT.read_text()
    assert "ExecStart=/srv/matchmaker/.venv/bin/gunicorn -c gunicorn.conf.py wsgi:app" in unit
    assert "EnvironmentFile=/etc/matchmaker/matchmaker.env" in unit
    # Every forwarded header is set by nginx, none appended to what the client sent.
    assert "$proxy_add_x_forwarded_for" not in site
    for header in (
        "X-Forwarded-For",
        "X-Forwarded-Proto",
        "X-Forwarded-Host",
        "X-Forwarded-Port",
        "X-Forwarded-Prefix",
        "Forwarded",
        "Host",
    ):
        assert re.search(rf"proxy_set_header\s+{header}\s", site), header


def render_site(https_port: int, http_port: int, upstream_port: int, cert: Path, key: Path) -> str:
    """deploy/nginx/matchmaker.conf with test ports, upstream, certificate and static folder."""
    site = SITE.read_text()
    replacements = {
        "listen 80 default_server;": f"listen 127.0.0.1:{http_port} default_server;",
        "listen 443 ssl default_server;": f"listen 127.0.0.1:{https_port} ssl default_server;",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{upstream_port};",
        f"/etc/letsencrypt/live/{NAME}/fullchain.pem": str(cert),
        f"/etc/letsencrypt/live/{NAME}/privkey.pem": str(key),
        "alias /srv/matchmaker/static/;": f"alias {ROOT / 'static'}/;",
        "/var/log/nginx/matchmaker.access.log": str(cert.parent / "matchmaker.access.log"),
    }
    for old, new in replacements.items():
        assert old in site, f"the site template no longer contains {old!r}: update this test"
        site = site.replace(old, new)
    # No IPv6 on every test machine's loopback.
    return "\n".join(line for line in site.splitlines() if "listen [::]:" not in line) + "\n"


def nginx_conf(work: Path, site: Path) -> str:
    """A main nginx.conf around the site: foreground, everything in ``work``."""
    user = ""
    if os.geteuid() == 0:  # as root, workers would switch to "nobody"; keep them as this user
        import grp
        import pwd

        user = f"user {pwd.getpwuid(os.getuid()).pw_name} {grp.getgrgid(os.getgid()).gr_name};"
    temp = "\n".join(
        f"    {name}_temp_path {work / name};"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user}
daemon off;
worker_processes 1;
pid {work / "nginx.pid"};
error_log {work / "error.log"} info;
events {{ worker_connections 128; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {work / "access.log"};
{temp}
    include {site};
}}
"""


# --- the stack -------------------------------------------------------------------------------


@dataclass
class Stack:
    https_port: int
    http_port: int
    inbox: _Inbox
    gunicorn_log: Path
    cafile: Path
    member: str
    cookies: dict = field(default_factory=dict)

    def request(
        self,
        method: str,
        path: str,
        *,
        host: str = NAME,
        sni: str = NAME,
        headers: dict | None = None,
        body: dict | None = None,
        port: int | None = None,
        tls: bool = True,
    ):
        """One request through nginx; returns (status, headers as a list of pairs, body text)."""
        if tls:
            context = ssl.create_default_context(cafile=str(self.cafile))
            connection = _Connection(
                "127.0.0.1",
                port or self.https_port,
                sni=sni,
                context=context,
                timeout=30,
                source_address=(CLIENT, 0),
            )
        else:
            connection = http.client.HTTPConnection(
                "127.0.0.1", port or self.http_port, timeout=30, source_address=(CLIENT, 0)
            )
        sent = {"Host": host, **(headers or {})}
        if self.cookies:
            sent.setdefault("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        data = None
        if body is not None:
            from urllib.parse import urlencode

            data = urlencode(body)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=data, headers=sent)
            response = connection.getresponse()
            payload = response.read().decode("utf-8", "replace")
            pairs = response.getheaders()
        finally:
            connection.close()
        for name, value in pairs:
            if name.lower() == "set-cookie":
                cookie_name, _, rest = value.partition("=")
                self.cookies[cookie_name] = rest.split(";", 1)[0]
        return response.status, pairs, payload

    def csrf(self, path: str = "/login") -> str:
        status, _, html = self.request("GET", path)
        assert status == 200, html[:500]
        return csrf_token_of(html)

    def post_form(self, path: str, body: dict, **kwargs):
        """A form post as a browser sends it on this site (CSRF token, same-origin Referer)."""
        headers = {"Referer": f"{BASE_URL}{path}", "Origin": BASE_URL, **kwargs.pop("headers", {})}
        return self.request(
            "POST", path, body={"csrf_token": self.csrf(path), **body}, headers=headers, **kwargs
        )


class _Connection(http.client.HTTPSConnection):
    """HTTPS to a loopback port, with the site's name as SNI and as the name to verify."""

    def __init__(self, host, port, *, sni: str, **kwargs):
        super().__init__(host, port, **kwargs)
        self._sni = sni

    def connect(self):
        sock = socket.create_connection((self.host, self.port), self.timeout, self.source_address)
        self.sock = self._context.wrap_socket(sock, server_hostname=self._sni)


def _certificate(work: Path) -> tuple[Path, Path]:
    cert, key = work / "cert.pem", work / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            f"/CN={NAME}",
            "-addext",
            f"subjectAltName=DNS:{NAME}",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


def _wait(check, what: str, process: subprocess.Popen, log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            pytest.fail(
                f"{what} exited with {process.returncode}:\n{log.read_text()[-3000:]}",
                pytrace=False,
            )
        try:
            if check():
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not become ready:\n{log.read_text()[-3000:]}", pytrace=False)
        time.sleep(0.2)


@pytest.fixture(scope="module")
def stack_database(tmp_path_factory):
    """Its own SQLite file; on PostgreSQL (TEST_DATABASE_URL) a schema of its own."""
    with own_database(tmp_path_factory.mktemp("nginx-db"), "nginx") as url:
        yield url


@pytest.fixture(scope="module")
def stack(tmp_path_factory, stack_database):
    if not (os.path.isfile(NGINX) and os.access(NGINX, os.X_OK)):
        _unavailable(f"{NGINX} is missing (apt-get install nginx)")
    if shutil.which("openssl") is None:
        _unavailable("openssl is missing (apt-get install openssl)")
    work = tmp_path_factory.mktemp("nginx")
    cert, key = _certificate(work)
    https_port, http_port, app_port = free_port(), free_port(), free_port()
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SMTP_", "MAIL_", "GUNICORN_", "PROXY_"))
        },
        "MATCHMAKER_ENV": "production",
        "SECRET_KEY": "nginx-test-secret-key-0123456789abcdef0123456789",
        "DATABASE_URL": stack_database,
        "BASE_URL": BASE_URL,
        "PROXY_FIX_HOPS": "1",
        "GUNICORN_BIND": f"127.0.0.1:{app_port}",
        # With Redis (as in production and CI) two workers share the limits' counts; without
        # it each worker would count alone, so one worker.
        "GUNICORN_WORKERS": "2" if os.environ.get("REDIS_URL") else "1",
        "LOG_LEVEL": "INFO",
        "RATELIMIT_KEY_PREFIX": f"nginx-test-{uuid.uuid4().hex}",  # fresh counts in a shared Redis
    }
    env.pop("TEST_DATABASE_URL", None)

    # The schema through the migrations, as in production; then one confirmed member.
    migrate = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "init-db"],
        cwd=ROOT,
        env={**env, "SMTP_HOST": "127.0.0.1"},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    member = "coordinator@example.org"
    with second_app(stack_database) as app, app.app_context():
        from matchmaker.services.accounts import create_user

        create_user(member, PASSWORD)

    inbox = _Inbox()
    with smtp_server(inbox) as smtp_port:
        env.update(SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp_port))
        gunicorn_log = work / "gunicorn.log"
        nginx_log = work / "error.log"
        site = work / "site.conf"
        site.write_text(render_site(https_port, http_port, app_port, cert, key))
        conf = work / "nginx.conf"
        conf.write_text(nginx_conf(work, site))
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (work / name).mkdir()
        nginx_cmd = [NGINX, "-p", str(work), "-e", str(nginx_log), "-c", str(conf)]
        checked = subprocess.run([*nginx_cmd, "-t"], capture_output=True, text=True, timeout=30)
        assert checked.returncode == 0, f"nginx refuses the site from deploy/:\n{checked.stderr}"
        with open(gunicorn_log, "w") as log:
            app_server = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            proxy = subprocess.Popen(
                nginx_cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            # The mail worker beside the web server, as deploy/systemd runs it.
            mail_worker = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--interval", "0.2"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                live = Stack(https_port, http_port, inbox, gunicorn_log, cert, member)
                _wait(
                    lambda: live.request("GET", "/readyz")[0] == 200,
                    "gunicorn behind nginx",
                    app_server,
                    gunicorn_log,
                )
                _wait(lambda: True, "nginx", proxy, nginx_log, timeout=1)
                yield live
            finally:
                stop(proxy)
                stop(mail_worker, timeout=20)
                stop(app_server, timeout=20)


@pytest.fixture
def client(stack):
    """A fresh cookie jar on the running stack."""
    stack.cookies = {}
    return stack


def header(pairs, name: str) -> list[str]:
    return [value for key, value in pairs if key.lower() == name.lower()]


def wait_for_mail(inbox: _Inbox, address: str, timeout: float = 10) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if inbox.to(address):
            return inbox.to(address)
        time.sleep(0.1)
    return []


# --- through nginx -----------------------------------------------------------------------------


def test_pages_come_through_nginx_over_https_with_secure_cookies(client):
    status, headers, html = client.request("GET", "/login")
    assert status == 200 and 'name="csrf_token"' in html
    cookies = header(headers, "Set-Cookie")
    assert cookies, "no session cookie"
    for cookie in cookies:
        flags = {part.strip().lower() for part in cookie.split(";")[1:]}
        assert {"secure", "httponly", "samesite=lax"} <= flags, cookie
    assert header(headers, "Strict-Transport-Security")
    assert header(headers, "Server") == ["nginx"]  # server_tokens off: no version
    status, headers, _ = client.request("GET", "/static/style.css")
    assert status == 200 and header(headers, "Cache-Control") == ["max-age=3600", "public"]


def test_a_real_log_in_works_through_nginx(client):
    """CSRF's same-origin check passes: the app sees https and the site's own host."""
    status, headers, _ = client.post_form("/login", {"email": client.member, "password": PASSWORD})
    assert status == 302 and header(headers, "Location") == ["/home"], (status, headers)
    status, _, html = client.request("GET", "/account/password")
    assert status == 200 and 'name="current_password"' in html


def test_plain_http_redirects_to_the_canonical_https_address(client):
    status, headers, _ = client.request("GET", "/login?next=/home", tls=False)
    assert status == 301 and header(headers, "Location") == [f"{BASE_URL}/login?next=/home"]


@pytest.mark.parametrize("forged_host", ["evil.example", f"{NAME}.evil.example", "127.0.0.1"])
def test_a_forged_host_never_reaches_the_app(client, forged_host):
    client.inbox.clear()
    seen = client.gunicorn_log.read_text().count("/password/forgot")
    status, _, _ = client.request(
        "POST",
        "/password/forgot",
        host=forged_host,
        body={"email": client.member},
        headers={"Referer": f"https://{forged_host}/password/forgot"},
    )
    assert status == 421  # nginx's catch-all answers; gunicorn never sees the request
    assert client.gunicorn_log.read_text().count("/password/forgot") == seen
    # Plain HTTP with a forged Host: the connection is closed without an answer.
    with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
        client.request("GET", "/", host=forged_host, tls=False)
    # A TLS handshake for another name gets no certificate at all.
    with pytest.raises(ssl.SSLError):
        client.request("GET", "/", host=forged_host, sni="evil.example")
    assert client.inbox.messages == []


def test_emailed_links_carry_base_url_whatever_the_headers_say(client):
    client.inbox.clear()
    forged = {
        "X-Forwarded-Host": "evil.example",
        "X-Forwarded-Proto": "http",
        "X-Forwarded-Prefix": "/evil",
        "X-Forwarded-Port": "8080",
        "Forwarded": "for=203.0.113.9;host=evil.example;proto=http",
    }
    status, _, _ = client.post_form("/password/forgot", {"email": client.member}, headers=forged)
    assert status == 302
    mails = wait_for_mail(client.inbox, client.member)
    assert len(mails) == 1, client.inbox.messages
    links = re.findall(r"https?://\S+", mails[0]["body"])
    assert links and all(link.startswith(f"{BASE_URL}/") for link in links), links
    assert "evil" not in mails[0]["body"] and "8080" not in mails[0]["body"]


def test_a_forged_x_forwarded_for_gains_nothing_against_the_log_in_limit(client):
    """The limit counts the client's real address (nginx's view of it), whatever it claims.

    Every attempt claims another address (and another account, so only the per-address limit
    can be what stops it): the 11th failure within a minute is refused all the same."""
    statuses = []
    for attempt in range(11):
        forged = f"203.0.113.{attempt + 1}"
        status, headers, _ = client.post_form(
            "/login",
            {"email": f"nobody{attempt}@example.org", "password": "wrong password"},
            headers={
                "X-Forwarded-For": forged,
                "X-Real-IP": forged,
                "Forwarded": f"for={forged}",
                "Client-IP": forged,
            },
        )
        statuses.append(status)
    assert statuses[:10] == [401] * 10, statuses
    assert statuses[10] == 429, statuses
    assert header(headers, "Retry-After")
    log = client.gunicorn_log.read_text()
    failed = [line for line in log.splitlines() if "failed log-in" in line]
    assert len(failed) >= 10 and all(f"from {CLIENT}" in line for line in failed), failed[:3]
    assert "203.0.113." not in log  # no forged address reached the app's view of the client
    # gunicorn's peer is nginx (127.0.0.1), so the client's own address can only have come from
    # the header nginx set; the access log shows it as well.
    access = [
        json.loads(line) for line in log.splitlines() if '"logger": "gunicorn.access"' in line
    ]
    posts = [entry for entry in access if entry["method"] == "POST" and entry["path"] == "/login"]
    assert len(posts) >= 11 and {entry["remote"] for entry in posts} == {CLIENT}


def test_secret_links_stay_out_of_nginx_and_gunicorn_logs(client):
    """The token of a reset, invitation or confirmation link is in neither access log: not in
    the request line, not in the referrer of the page's next request."""
    reset, invited = "resetTOKEN-abc_123456789012345", "inviteTOKEN-def_123456789012345"
    page = f"https://{NAME}/invitation/{invited}"
    for path in (
        f"/password/reset/{reset}",
        f"/register/confirm/{reset}?x=1",
        # written other ways that nginx and the app still route to the same pages
        f"//password/reset/{reset}",
        f"/password/rese%74/{reset}",
        f"/./invitation/{invited}",
        f"/invitation%2F{invited}",
    ):
        status, _, _ = client.request("GET", path, headers={"Referer": page})
        assert status < 500
    nginx_log = client.gunicorn_log.parent / "matchmaker.access.log"
    deadline = time.monotonic() + 5  # both write their line after the answer went out
    while time.monotonic() < deadline and not all(
        "/register/confirm/" in log.read_text() for log in (nginx_log, client.gunicorn_log)
    ):
        time.sleep(0.1)
    for log in (nginx_log, client.gunicorn_log):
        text = log.read_text()
        assert "/password/reset/[hidden]" in text and "/register/confirm/[hidden]" in text, log
        assert "/invitation/[hidden]" in text, log
        assert reset not in text and invited not in text, log
