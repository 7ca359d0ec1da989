"""/api/v1/introductions/<id>/messages: an introduction's conversation, on the same blueprint and
in the same error shape as the other introduction endpoints (introductions.py). Thin: the rules
live in services/conversations.py."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask_login import current_user
from marshmallow import fields as f
from marshmallow import validate as v

from ..models import MESSAGE_SIDES, IntroductionMessage
from ..services import conversations
from ..services import introductions as intro_service
from ..services.validation import ValidationError
from . import schemas as s
from .blueprint import bad_input, blp, errors, ref, signed_in
from .introductions import transition_error, visible_intro


class MessageInput(s.StrictSchema):
    """A message as written: its plain-text body."""

    body = f.String(
        required=True,
        metadata={
            "description": f"plain text, 1 to {intro_service.MESSAGE_LIMIT} characters after trimming"
        },
    )


class Message(ma.Schema):
    """One message of the conversation as sent back: who wrote it, what and when."""

    id = f.Integer(required=True)
    author_side = f.String(required=True, validate=v.OneOf(MESSAGE_SIDES))
    author = f.Nested(
        s.PartnershipRef,
        allow_none=True,
        required=True,
        metadata={"description": "the partnership that wrote it; null for an admin"},
    )
    body = f.String(required=True)
    created_at = f.DateTime(required=True)


def message_out(message: IntroductionMessage) -> dict[str, Any]:
    """A message in the documented shape; the author is the partnership of its side."""
    intro = message.introduction
    author = {"mentee": intro.mentee, "mentor": intro.mentor}.get(message.author_side)
    return {
        "id": message.id,
        "author_side": message.author_side,
        "author": ref(author) if author else None,
        "body": message.body,
        "created_at": message.created_at,
    }


@blp.get("/introductions/<int:intro_id>/messages")
@signed_in
@blp.response(200, Message(many=True))
@errors(401, 404)
def list_messages(intro_id: int) -> list[dict[str, Any]]:
    """The introduction's conversation, oldest first (for both partnerships and admins)."""
    return [
        message_out(m) for m in conversations.messages_of(visible_intro(intro_id), current_user)
    ]


@blp.post("/introductions/<int:intro_id>/messages")
@signed_in
@blp.arguments(MessageInput)
@blp.response(201, Message)
@errors(401, 403, 404, 409, 422)
def post_message(data: dict[str, Any], intro_id: int) -> dict[str, Any]:
    """Write in the conversation; the other side is emailed. 409 once declined, withdrawn or completed."""
    intro = visible_intro(intro_id)
    try:
        message = conversations.post_message(intro, current_user, data["body"])
    except ValidationError as exc:
        bad_input(exc)
    except intro_service.TransitionError as exc:  # NotAllowed: 403; closed: 409
        transition_error(exc)
    return message_out(message)
