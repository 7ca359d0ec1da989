"""Health checks for load balancers and orchestrators.

``/healthz``: the process answers (no database, nothing else): restart it when this fails.
``/readyz``: the database answers and this process has its matching index: send it traffic
only then. A process without an index starts building it in the background, so readiness
follows without a user request having to wait for it.
"""

from __future__ import annotations

from flask import Blueprint, current_app
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..services.matching import index_cache

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    return {"status": "ok"}, 200, {"Cache-Control": "no-store"}


@bp.get("/readyz")
def readyz():
    headers = {"Cache-Control": "no-store"}
    try:
        db.session.execute(select(text("1"))).scalar()
    except SQLAlchemyError:
        db.session.rollback()
        current_app.logger.warning("readiness: database unreachable", exc_info=True)
        return {"status": "unavailable", "database": "unreachable"}, 503, headers
    cache = index_cache()
    if cache.version is None:
        failed = cache.last_error
        cache.build_in_background()  # try again: the cause (say, migrations not yet run) may be gone
        if failed:
            # Most often the schema is older than the code: run `flask --app wsgi init-db`.
            return {"status": "unavailable", "database": "ok", "index": "failed", "error": failed}, 503, headers
        return {"status": "unavailable", "database": "ok", "index": "building"}, 503, headers
    index = {"version": cache.version, "profiles": cache.size}
    return {"status": "ready", "database": "ok", "index": index}, 200, headers
