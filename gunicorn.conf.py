"""Gunicorn settings: ``gunicorn -c gunicorn.conf.py wsgi:app`` (gunicorn reads this file by default).

The app is loaded once in the master (``preload_app``) and the matching index is fitted there
before the workers fork, so every worker starts ready and shares the index's memory
(copy-on-write; ``gc.freeze`` keeps the garbage collector from touching, and so copying, those
pages). Afterwards each worker keeps its index current on its own from the database's data
version (see services/matching.py).

Environment (defaults in brackets):
  GUNICORN_BIND [127.0.0.1:8000]     where to listen; put a proxy in front for anything public
  GUNICORN_WORKERS or WEB_CONCURRENCY [one per CPU core]
  GUNICORN_THREADS [1]                threads per worker (gthread worker when > 1)
  GUNICORN_TIMEOUT [60]               seconds before a silent worker is restarted
  GUNICORN_ACCESSLOG [-]              access log file ("-" = stdout, "" = none)
  LOG_LEVEL [INFO], LOG_FORMAT [json] json or text, for gunicorn's and the app's logs
"""

import gc
import os

from matchmaker.logging_setup import gunicorn_log_config

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(
    os.environ.get("GUNICORN_WORKERS") or os.environ.get("WEB_CONCURRENCY") or os.cpu_count() or 1
)
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
preload_app = True
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5

accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Used as is when LOG_FORMAT=text; the JSON formatter logs the same fields by name.
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(D)sus request_id=%({x-request-id}o)s'
logconfig_dict = gunicorn_log_config(
    level=os.environ.get("LOG_LEVEL", "INFO").upper(),
    text=os.environ.get("LOG_FORMAT", "json") == "text",
    access=accesslog is not None,
)


def when_ready(server):
    """In the master, after the app is loaded and before any worker forks: fit the index once."""
    app = server.app.wsgi()
    try:
        from matchmaker.extensions import db
        from matchmaker.services.matching import current_index

        with app.app_context():
            index = current_index()
            db.engine.dispose()  # no database connection may be shared across the fork
        server.log.info("matching index ready in the master: %d profiles", len(index))
    except Exception:  # e.g. the database is not migrated yet: the workers fit it on first use
        server.log.exception("could not fit the matching index before forking")
    gc.freeze()


def post_fork(server, worker):
    """Each worker starts with an empty connection pool of its own."""
    from matchmaker.extensions import db

    with server.app.wsgi().app_context():
        db.engine.dispose(close=False)
