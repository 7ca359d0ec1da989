"""Configuration from the environment, with development defaults that work on a fresh machine."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


class ConfigError(RuntimeError):
    """The environment asks for something unsafe or impossible; the app refuses to start."""


def database_url(raw: str | None, instance_path: str) -> str:
    """DATABASE_URL as SQLAlchemy wants it; the default is a SQLite file in ``instance/``."""
    if not raw:
        return "sqlite:///" + str(Path(instance_path) / "matchmaker.db")
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    return raw


def secret_key(env: dict, instance_path: str, production: bool) -> str:
    """SECRET_KEY from the environment; in development one is generated once into instance/."""
    key = env.get("SECRET_KEY")
    if key:
        if production and len(key) < 32:
            raise ConfigError("SECRET_KEY must be at least 32 characters in production")
        return key
    if production:
        raise ConfigError(
            "SECRET_KEY is not set: refusing to start in production without a real key"
        )
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(env: dict, name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc


def _int_between(env: dict, name: str, default: int, low: int, high: int) -> int:
    value = _int(env, name, default)
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}")
    return value


def _number(env: dict, name: str, default: float, low: float, high: float) -> float:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low:g} and {high:g}, got {raw!r}")
    return value


def _rate(env: dict, name: str, default: str) -> str:
    """A rate limit such as "10 per minute" (the ``limits`` notation), checked at start-up."""
    from limits import parse_many

    raw = (env.get(name) or "").strip() or default
    try:
        parse_many(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a rate such as '10 per minute', got {raw!r}") from exc
    return raw


def base_url(env: dict, production: bool) -> str:
    """BASE_URL, the address every emailed link starts with (never the request's Host).

    Required in production; in development it defaults to the local server."""
    from urllib.parse import urlsplit

    raw = (env.get("BASE_URL") or "").strip()
    if not raw:
        if production:
            raise ConfigError(
                "BASE_URL is not set: refusing to start in production without the site's own address"
            )
        return "http://localhost:5000"
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(
            f"BASE_URL must be an address such as https://matchmaker.example.org, got {raw!r}"
        )
    if production and parts.scheme != "https":
        raise ConfigError(f"BASE_URL must start with https:// in production, got {raw!r}")
    return raw.rstrip("/")


def mail_settings(env: dict, production: bool) -> dict:
    """SMTP_* and MAIL_FILE_DIR. Production sends mail over SMTP, or writes it to files when
    MAIL_FILE_DIR says so explicitly; it refuses to start with neither."""
    host = env.get("SMTP_HOST") or None
    file_dir = env.get("MAIL_FILE_DIR") or None
    if production and not host and not file_dir:
        raise ConfigError(
            "SMTP_HOST is not set: refusing to start in production without a way to send mail "
            "(set SMTP_HOST, or MAIL_FILE_DIR to write messages to files)"
        )
    return {
        "SMTP_HOST": host,
        "SMTP_PORT": _int(env, "SMTP_PORT", 25),
        "SMTP_USERNAME": env.get("SMTP_USERNAME") or None,
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD") or None,
        "SMTP_STARTTLS": _bool(env.get("SMTP_STARTTLS")),
        "MAIL_FILE_DIR": file_dir,
        "MAIL_FROM": env.get("MAIL_FROM", "Matchmaker <matchmaker@localhost>"),
        # Deliver the outbox right after each commit that wrote to it, in the same process: the
        # development default without SMTP_HOST (.eml files, no worker needed). Production runs
        # `flask --app wsgi worker` instead.
        "MAIL_DELIVER_AFTER_COMMIT": _bool(
            env.get("MAIL_DELIVER_AFTER_COMMIT"), default=not production and not host
        ),
    }


def from_environment(instance_path: str, env: dict | None = None) -> dict:
    """All settings, read from ``env`` (default: os.environ)."""
    env = dict(os.environ if env is None else env)
    production = env.get("MATCHMAKER_ENV", "development").lower() == "production"
    return {
        "MATCHMAKER_ENV": "production" if production else "development",
        "SECRET_KEY": secret_key(env, instance_path, production),
        "SQLALCHEMY_DATABASE_URI": database_url(env.get("DATABASE_URL"), instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "MENTOR_MIN_YEARS": _int(env, "MENTOR_MIN_YEARS", 3),
        "SUGGESTION_LIMIT": _int(env, "SUGGESTION_LIMIT", 10),
        "REQUIRE_ADMIN_APPROVAL": _bool(env.get("REQUIRE_ADMIN_APPROVAL")),
        "INVITATION_DAYS": _int_between(env, "INVITATION_DAYS", 14, 1, 365),
        # Reminders by the worker (services/reminders.py): a mentor after REMINDER_DAYS without an
        # answer, admins after twice that; both sides FOLLOWUP_DAYS after acceptance.
        "REMINDER_DAYS": _int_between(env, "REMINDER_DAYS", 7, 1, 365),
        "FOLLOWUP_DAYS": _int_between(env, "FOLLOWUP_DAYS", 30, 1, 365),
        "REDIS_URL": env.get("REDIS_URL") or None,
        "RATELIMIT_STORAGE_URI": env.get("REDIS_URL") or "memory://",
        "RATELIMIT_KEY_PREFIX": env.get("RATELIMIT_KEY_PREFIX", "matchmaker"),
        # A moving window: "20 per hour" means at most 20 in any hour. A fixed window forgets its
        # count when it ends, so nearly twice the limit could come in a few seconds at its edge.
        "RATELIMIT_STRATEGY": "moving-window",
        # Redis down: count in this process's memory until it is back, never a 500 (the
        # connection's timeouts are in security.py).
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "LOGIN_RATE_LIMIT": _rate(env, "LOGIN_RATE_LIMIT", "10 per minute"),
        "LOGIN_ACCOUNT_RATE_LIMIT": _rate(env, "LOGIN_ACCOUNT_RATE_LIMIT", "20 per hour"),
        "SUGGESTIONS_RATE_LIMIT": _rate(env, "SUGGESTIONS_RATE_LIMIT", "120 per minute"),
        **mail_settings(env, production),
        "BASE_URL": base_url(env, production),
        "MAX_CONTENT_LENGTH": _int(env, "MAX_CONTENT_LENGTH", 2 * 1024 * 1024),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "BABEL_DEFAULT_LOCALE": "nl",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Amsterdam",
        "PROXY_FIX_HOPS": _int(env, "PROXY_FIX_HOPS", 0),
        # Take the host from X-Forwarded-Host only when the proxy overwrites it (security.py).
        "PROXY_TRUST_FORWARDED_HOST": _bool(env.get("PROXY_TRUST_FORWARDED_HOST")),
        # The matching index per worker (see services/matching.py).
        "INDEX_VERSION_TTL": _number(env, "INDEX_VERSION_TTL", 0.5, 0.0, 60.0),
        "INDEX_REFIT_SHARE": _number(env, "INDEX_REFIT_SHARE", 0.02, 0.0, 1.0),
        "INDEX_SYNC_REFIT_BELOW": _int(env, "INDEX_SYNC_REFIT_BELOW", 2000),
    }


TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key-that-is-long-enough-for-tests",
    "WTF_CSRF_ENABLED": False,
    "RATELIMIT_ENABLED": False,
    # Cheap hashing keeps the suite fast; production uses scrypt (see test_production_hashing).
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    # Mail stays in the outbox as in production; tests deliver it (tests/conftest.py: mail_app).
    "MAIL_DELIVER_AFTER_COMMIT": False,
}
