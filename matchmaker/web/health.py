"""Health checks for load balancers and orchestrators.

``/healthz``: the process answers (no database, nothing else): restart it when this fails.
``/readyz``: the database answers and this process has its matching index: send it traffic
only then. A process without an index starts building it in the background, so readiness
follows without a user request having to wait for it. It also reports Redis (``REDIS_URL``),
which holds the shared rate-limit counts: when Redis is down the limits are counted per process
until it is back, so the process stays ready and the answer says ``"redis": "unreachable"``.
"""

from __future__ import annotations

import redis
from flask import Blueprint, current_app
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..security import redis_client_options
from ..services.matching import index_cache

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return {"status": "ok"}, 200, {"Cache-Control": "no-store"}


def redis_state() -> str | None:
    """ "ok" or "unreachable" for REDIS_URL (half a second at most); None without Redis."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    try:
        client = redis.Redis.from_url(url, **redis_client_options())
        try:
            client.ping()
        finally:
            client.close()
    except Exception:
        current_app.logger.warning("readiness: Redis unreachable at %s", url.rsplit("@", 1)[-1])
        return "unreachable"
    return "ok"


@bp.get("/readyz")
def readyz():
    headers = {"Cache-Control": "no-store"}
    redis_now = redis_state()
    extra = {} if redis_now is None else {"redis": redis_now}
    try:
        db.session.execute(select(text("1"))).scalar()
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.warning("readiness: database unreachable", exc_info=True)
        return {"status": "unavailable", "database": "unreachable", **extra}, 503, headers
    cache = index_cache()
    if cache.version is None:
        failed = cache.last_error
        cache.build_in_background()  # try again: the cause (say, migrations not yet run) may be gone
        if failed:
            # Most often the schema is older than the code: run `flask --app wsgi init-db`.
            return (
                {
                    "status": "unavailable",
                    "database": "ok",
                    "index": "failed",
                    "error": failed,
                    **extra,
                },
                503,
                headers,
            )
        return (
            {"status": "unavailable", "database": "ok", "index": "building", **extra},
            503,
            headers,
        )
    index = {"version": cache.version, "profiles": cache.size}
    return {"status": "ready", "database": "ok", "index": index, **extra}, 200, headers
