"""Search over partnerships and their public stories, and the stories that fit a partnership's
challenges. One function per surface need; the web page, the API and the CLI all call ``search``.

The engine (matching/search.py) reads the query as it reads a challenge; this layer validates the
input, applies the filters the engine does not know (a story's tips, outcome and language) and
turns hits into plain records.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..matching.search import Results, search as engine_search
from ..domain import LANGUAGES
from ..models import SECTORS, STORY_OUTCOMES, Partnership, Story
from ..provinces import province_part
from .matching import current_index
from .validation import ValidationError

QUERY_LIMIT = 2000  # characters of a search query
TYPES = ("partnerships", "stories")
TIPS = (1, 2, 3, 4, 5)  # the seed publication's five tips
MAX_RESULTS = 50
_STORY_POOL = 50  # stories asked from the engine before the filters on tips, outcome and language


def clean_query(
    q, *, type=None, sector=None, region=None, tip=None, outcome=None, language=None, limit=None
) -> dict:
    """Validated search parameters; ValidationError naming the field otherwise. Values may come
    as strings (query string, CLI) or as their types (API)."""
    errors: dict[str, str] = {}
    text = q.strip() if isinstance(q, str) else ""
    if not text:
        errors["q"] = _("describe what you are looking for")
    elif len(text) > QUERY_LIMIT:
        errors["q"] = _("at most %(num)d characters", num=QUERY_LIMIT)
    if type not in (None, "", *TYPES):
        errors["type"] = _("must be one of %(values)s", values=", ".join(TYPES))
    if sector not in (None, "", *SECTORS):
        errors["sector"] = _("must be one of %(values)s", values=", ".join(SECTORS))
    if region is not None and (not isinstance(region, str) or len(region) > 100):
        errors["region"] = _("must be a region name of at most 100 characters")
    tip_value = None
    if tip not in (None, ""):
        try:
            tip_value = int(tip)
        except (TypeError, ValueError):
            tip_value = 0
        if tip_value not in TIPS:
            errors["tip"] = _("must be a number from 1 to 5")
    if outcome not in (None, "", *STORY_OUTCOMES):
        errors["outcome"] = _("must be one of %(values)s", values=", ".join(STORY_OUTCOMES))
    if language not in (None, "", *LANGUAGES):
        errors["language"] = _("must be one of %(values)s", values=", ".join(LANGUAGES))
    size = 10
    if limit not in (None, ""):
        try:
            size = int(limit)
        except (TypeError, ValueError):
            size = 0
        if not 1 <= size <= MAX_RESULTS:
            errors["limit"] = _("must be a number from 1 to %(num)d", num=MAX_RESULTS)
    if errors:
        raise ValidationError(errors)
    return {
        "q": text,
        "type": type or None,
        "sector": sector or None,
        "region": province_part(region),
        "tip": tip_value,
        "outcome": outcome or None,
        "language": language or None,
        "limit": size,
    }


def search(q, **params) -> dict:
    """Partnerships and public stories that meet ``q``, best first, as plain records:
    ``{"partnerships": [{"key", "name", "score", "evidence"}], "stories": [{"partnership", "name",
    "id", "title", "outcome", "tips", "language", "score", "evidence"}], "too_little_text": bool}``.
    Parameters as ``clean_query``; ``exclude`` (a key) leaves a partnership and its stories out."""
    exclude = params.pop("exclude", None)
    p = clean_query(q, **params)
    want_partnerships = p["type"] in (None, "partnerships")
    want_stories = p["type"] in (None, "stories")
    story_filters = p["tip"] or p["outcome"] or p["language"]
    results = engine_search(
        current_index(),
        p["q"],
        limit=p["limit"] if want_partnerships else 0,
        story_limit=(_STORY_POOL if story_filters else p["limit"]) if want_stories else 0,
        sectors=[p["sector"]] if p["sector"] else None,
        region=p["region"],
        exclude=[exclude] if exclude else (),
    )
    stories = _story_records(results, p) if want_stories else []
    return {
        "partnerships": [
            {
                "key": h.key,
                "name": h.name,
                "score": h.score,
                "evidence": [e.to_dict() for e in h.evidence],
            }
            for h in results.partnerships
        ]
        if want_partnerships
        else [],
        "stories": stories[: p["limit"]],
        "too_little_text": results.too_little_text,
    }


def stories_for(key: str, text: str, limit: int = 5) -> list[dict]:
    """Stories that fit a partnership's challenges ``text``, other partnerships' only, whether or
    not those can mentor now (reading needs no capacity). Empty when the text says too little."""
    if not text or not text.strip():
        return []
    return search(text[:QUERY_LIMIT], type="stories", limit=limit, exclude=key)["stories"]


def _story_records(results: Results, p: dict) -> list[dict]:
    """The engine's story hits with their rows (tips, outcome, language), filtered."""
    if not results.stories:
        return []
    keys = {h.key for h in results.stories}
    rows = db.session.execute(
        select(Partnership.key, Story)
        .join(Story, Story.partnership_id == Partnership.id)
        .where(Partnership.key.in_(keys), Story.visibility == "public")
        .order_by(Story.partnership_id, Story.position, Story.id)
    ).all()
    public: dict[str, list[Story]] = {}
    for key, story in rows:
        public.setdefault(key, []).append(story)
    out = []
    for hit in results.stories:
        stories = public.get(hit.key, [])
        if hit.story >= len(stories) or stories[hit.story].title != hit.title:
            continue  # the profile changed since the index was built; the next version has it right
        row = stories[hit.story]
        tips = sorted(row.tips or [])
        if p["tip"] and p["tip"] not in tips:
            continue
        if (p["outcome"] and row.outcome != p["outcome"]) or (
            p["language"] and row.language != p["language"]
        ):
            continue
        out.append(
            {
                "partnership": hit.key,
                "name": hit.name,
                "id": row.id,
                "title": row.title,
                "outcome": row.outcome,
                "tips": tips,
                "language": row.language,
                "score": hit.score,
                "evidence": [e.to_dict() for e in hit.evidence],
            }
        )
    return out
