"""Flask extensions, created unbound; ``create_app`` binds them with ``init_app``."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    # Named constraints, so migrations can alter them on SQLite and PostgreSQL alike.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
# Storage comes from RATELIMIT_STORAGE_URI: Redis (shared by all workers) when REDIS_URL is set.
# No X-RateLimit-* headers on every response: computing them read the storage again on every
# request of every route (0.2-0.6 ms each); a refused request gets Retry-After (web/errors.py).
limiter = Limiter(key_func=get_remote_address, headers_enabled=False)


def allow_once(window: str, *key: str) -> bool:
    """May the action named by ``key`` happen now, at most once per ``window`` ("1 per 15
    minutes")? Counted in the rate limiter's storage (Redis when configured), so every worker
    agrees. Always yes when rate limiting is off, or when its storage cannot be reached (one
    notice too many rather than none)."""
    from limits import parse

    if not limiter.enabled:
        return True
    try:
        return bool(limiter.limiter.hit(parse(window), "once", *key))
    except Exception:  # noqa: BLE001  (a storage outage must not break the caller)
        return True
