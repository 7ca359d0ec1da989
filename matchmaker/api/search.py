"""/api/v1/search: partnerships and public stories that meet a text, on the same blueprint and in
the same error shape as the other endpoints (blueprint.py). Thin: the rules live in services/search.py."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response, jsonify
from marshmallow import fields as f
from marshmallow import validate as v

from ..domain import LANGUAGES
from ..models import SECTORS, STORY_OUTCOMES
from ..security import suggestions_limited
from ..services import search as search_service
from ..services.validation import ValidationError
from . import schemas as s
from .blueprint import bad_input, blp, errors


class SearchQuery(s.StrictSchema):
    """The query string of /search: the text, filters and how many results."""

    q = f.String(
        required=True,
        validate=v.Length(min=1, max=search_service.QUERY_LIMIT),
        metadata={"description": "what you are looking for, in your own words (Dutch or English)"},
    )
    type = f.String(
        validate=v.OneOf(search_service.TYPES),
        metadata={"description": "only partnerships or only stories"},
    )
    sector = f.String(validate=v.OneOf(SECTORS))
    region = f.String(validate=v.Length(max=100))
    tip = f.Integer(
        validate=v.Range(min=1, max=5),
        metadata={"description": "stories touching this tip of the seed publication"},
    )
    outcome = f.String(validate=v.OneOf(STORY_OUTCOMES))
    language = f.String(
        validate=v.OneOf(LANGUAGES),
        metadata={"description": "stories written in this language"},
    )
    limit = f.Integer(load_default=10, validate=v.Range(min=1, max=search_service.MAX_RESULTS))


class PartnershipHit(ma.Schema):
    """A partnership that met the text, with the passages that did."""

    key = f.String(required=True)
    name = f.String(required=True)
    score = f.Float(required=True)
    evidence = f.List(
        f.Nested(s.Evidence),
        required=True,
        metadata={
            "description": "the partnership's passages that met the query (own_text: the part of the query), best first"
        },
    )


class StoryHit(ma.Schema):
    """A public story that met the text, with the passages that did."""

    partnership = f.String(
        required=True, metadata={"description": "the key of the partnership that wrote it"}
    )
    name = f.String(required=True, metadata={"description": "the partnership's name"})
    id = f.Integer(required=True)
    title = f.String(required=True)
    outcome = f.String(required=True, validate=v.OneOf(STORY_OUTCOMES))
    tips = f.List(f.Integer(), required=True)
    language = f.String(required=True)
    score = f.Float(required=True)
    evidence = f.List(f.Nested(s.Evidence), required=True)


class SearchResults(ma.Schema):
    """What /search answers: partnerships and stories, each best first."""

    partnerships = f.List(f.Nested(PartnershipHit), required=True)
    stories = f.List(
        f.Nested(StoryHit), required=True, metadata={"description": "public stories only"}
    )
    too_little_text = f.Boolean(
        required=True, metadata={"description": "the query says too little to search on"}
    )


@blp.get("/search")
@suggestions_limited
@blp.arguments(SearchQuery, location="query", as_kwargs=True)
@blp.response(200, SearchResults)
@errors(422)
def search(q: str, limit: int, **filters: Any) -> Response:
    """Partnerships and public stories that meet a text, best first, with the passage that matched.

    Read as a challenge is read: lemmas, compounds, the glossary's themes and abbreviations, Dutch
    and English. Not limited to partnerships that can mentor now."""
    try:
        return jsonify(search_service.search(q, limit=limit, **filters))
    except ValidationError as exc:
        bad_input(exc)
