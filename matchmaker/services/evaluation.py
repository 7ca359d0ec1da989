"""Measure the matcher on a labelled set, in a throwaway database (see shared/eval/README.md)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import current_app

from ..extensions import db
from ..matching.evaluate import EvalResult, evaluate
from .matching import current_index, match_context
from .profiles import import_document


def evaluate_document(document: dict, labels: dict, progress=None) -> EvalResult:
    """Import ``document`` into a fresh SQLite database and score the ranking against ``labels``."""
    from .. import create_app  # a second app, bound to the throwaway database

    with tempfile.TemporaryDirectory() as tmp:
        config = {
            "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(Path(tmp) / "evaluate.db"),
            "SECRET_KEY": current_app.config["SECRET_KEY"],
            "MENTOR_MIN_YEARS": current_app.config["MENTOR_MIN_YEARS"],
        }
        app = create_app(config)
        with app.app_context():
            db.create_all()
            try:
                import_document(document)
                index = current_index(progress=progress)
                context = match_context()
                unknown = [k for k in labels if k not in index]
                if unknown:
                    raise KeyError(f"labels name partnerships not in the data: {', '.join(unknown)}")
                return evaluate(lambda key: [s.key for s in index.rank(key, context, limit=len(index))], labels)
            finally:
                db.session.remove()
                db.engine.dispose()
