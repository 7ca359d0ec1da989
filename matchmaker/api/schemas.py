"""Request and response schemas of /api/v1 (marshmallow), for parsing and the OpenAPI document.

Input schemas check types and shape only; the rules of a profile live in one place,
services/validation.py, which the API calls like the web forms and the importer do.
"""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as f
from marshmallow import validate as v

SECTOR = v.OneOf(["po", "vo", "mbo", "so"])
TEXT = 5000


class StrictSchema(ma.Schema):
    class Meta:
        unknown = ma.RAISE
        ordered = True


class ErrorBody(ma.Schema):
    code = f.String(
        required=True, metadata={"description": "machine-readable error code, e.g. not_found"}
    )
    message = f.String(required=True, metadata={"description": "what went wrong, for people"})
    fields = f.Dict(
        keys=f.String(),
        values=f.String(),
        required=True,
        metadata={"description": "per-field messages for bad input (empty otherwise)"},
    )


class ErrorSchema(ma.Schema):
    error = f.Nested(ErrorBody, required=True)


class PartnershipRef(ma.Schema):
    key = f.String(required=True)
    name = f.String(required=True)


class Contact(ma.Schema):
    name = f.String(allow_none=True)
    email = f.String(allow_none=True)


class PublicPartnership(ma.Schema):
    """A profile as anyone may see it: never contact details."""

    key = f.String(required=True)
    name = f.String(required=True)
    sectors = f.List(f.String(validate=SECTOR), required=True)
    region = f.String(allow_none=True, required=True)
    founded = f.Integer(required=True)
    schools_count = f.Integer(allow_none=True, required=True)
    institutions = f.List(f.String(), required=True)
    description = f.String(required=True)
    challenges = f.String(
        required=True,
        allow_none=True,
        metadata={
            "description": "null for an anonymous caller when the partnership shows its challenges to signed-in partnerships only"
        },
    )
    challenges_visibility = f.String(
        required=True,
        validate=v.OneOf(["public", "members"]),
        metadata={
            "description": "who may read the challenges: everyone (public) or signed-in partnerships (members)"
        },
    )
    experiences = f.String(required=True)
    open_to_mentor = f.Boolean(required=True)
    mentor_capacity = f.Integer(required=True)


class Story(ma.Schema):
    """One of a partnership's stories, in the exchange format."""

    title = f.String(required=True)
    text = f.String(required=True)
    tips = f.List(
        f.Integer(),
        required=True,
        metadata={"description": "the seed document's tips (1–5) it touches"},
    )
    outcome = f.String(required=True, validate=v.OneOf(["worked", "partly", "did_not_work"]))
    language = f.String(required=True, validate=v.OneOf(["nl", "en"]))
    visibility = f.String(required=True, validate=v.OneOf(["public", "members"]))


class Profile(PublicPartnership):
    """The caller's own profile in the exchange format, contact and every story included."""

    contact = f.Nested(Contact, required=True)
    stories = f.List(f.Nested(Story), required=True)


class PartnershipPage(ma.Schema):
    items = f.List(f.Nested(PublicPartnership), required=True)
    page = f.Integer(required=True)
    per_page = f.Integer(required=True)
    total = f.Integer(required=True)


class PartnershipQuery(StrictSchema):
    sector = f.String(validate=SECTOR)
    region = f.String(validate=v.Length(max=100))
    q = f.String(
        validate=v.Length(max=200),
        metadata={"description": "text search in name, challenges, experiences"},
    )
    page = f.Integer(load_default=1, validate=v.Range(min=1, max=100_000))
    per_page = f.Integer(load_default=20, validate=v.Range(min=1, max=100))


class ContactInput(StrictSchema):
    name = f.String(allow_none=True, validate=v.Length(max=200))
    email = f.String(allow_none=True, validate=v.Length(max=254))


class StoryInput(StrictSchema):
    title = f.String(required=True, validate=v.Length(min=1, max=200))
    text = f.String(required=True, validate=v.Length(min=1, max=TEXT))
    tips = f.List(
        f.Integer(strict=True, validate=v.Range(min=1, max=5)),
        required=True,
        validate=v.Length(max=5),
        metadata={"description": "the seed document's tips (1–5) it touches; may be empty"},
    )
    outcome = f.String(required=True, validate=v.OneOf(["worked", "partly", "did_not_work"]))
    language = f.String(
        validate=v.OneOf(["nl", "en"]), metadata={"description": "detected when absent"}
    )
    visibility = f.String(
        validate=v.OneOf(["public", "members"]), metadata={"description": "default public"}
    )


class ProfileInput(StrictSchema):
    """The caller's profile in the exchange format, without the key (a key never changes)."""

    name = f.String(required=True, validate=v.Length(max=200))
    sectors = f.List(f.String(validate=SECTOR), required=True, validate=v.Length(max=4))
    region = f.String(allow_none=True, validate=v.Length(max=100))
    founded = f.Integer(required=True, strict=True)
    schools_count = f.Integer(allow_none=True, strict=True)
    institutions = f.List(f.String(validate=v.Length(max=200)), validate=v.Length(max=20))
    description = f.String(validate=v.Length(max=TEXT))
    challenges = f.String(validate=v.Length(max=TEXT))
    challenges_visibility = f.String(
        validate=v.OneOf(["public", "members"]),
        metadata={
            "description": "public (default for a new profile) or members; absent: unchanged"
        },
    )
    experiences = f.String(validate=v.Length(max=TEXT))
    open_to_mentor = f.Boolean()
    mentor_capacity = f.Integer(strict=True)
    contact = f.Nested(ContactInput, allow_none=True)
    stories = f.List(
        f.Nested(StoryInput),
        validate=v.Length(max=50),
        metadata={
            "description": "replaces the stories; absent: they stay as they are, []: removes them"
        },
    )


class Me(ma.Schema):
    email = f.String(required=True)
    role = f.String(
        required=True,
        validate=v.OneOf(["coordinator", "member", "admin"]),
        metadata={
            "description": "coordinator: edits and acts for the partnership; member: reads and follows"
        },
    )
    can_act = f.Boolean(
        required=True,
        metadata={"description": "whether this account may change things for its partnership"},
    )
    partnership = f.Nested(Profile, allow_none=True, required=True)


class SuggestionQuery(StrictSchema):
    limit = f.Integer(
        load_default=None,
        validate=v.Range(min=1, max=50),
        metadata={"description": "how many (default: the SUGGESTION_LIMIT setting, 10)"},
    )
    sector = f.String(validate=SECTOR)
    region = f.String(validate=v.Length(max=100))


class Reason(ma.Schema):
    kind = f.String(
        required=True, metadata={"description": "term | theme | sector | region | review | rating"}
    )
    text = f.String(required=True, metadata={"description": "in the reader's language"})


class Evidence(ma.Schema):
    mentor_text = f.String(
        required=True, metadata={"description": "a passage of the mentor's profile, verbatim"}
    )
    own_text = f.String(
        required=True,
        metadata={
            "description": "the request of the asking partnership's challenges it answers, verbatim"
        },
    )
    words = f.List(
        f.String(), required=True, metadata={"description": "shared words as the mentor wrote them"}
    )
    story = f.String(
        metadata={"description": "title of the mentor's story the passage comes from, if any"}
    )


class PublicSuggestion(ma.Schema):
    key = f.String(required=True)
    name = f.String(required=True)
    score = f.Float(required=True, validate=v.Range(min=0, max=1))
    reasons = f.List(f.Nested(Reason), required=True)
    evidence = f.List(f.Nested(Evidence), required=True, metadata={"description": "best first"})


class Suggestion(PublicSuggestion):
    introduction_state = f.String(allow_none=True, required=True)


class IntroductionContacts(ma.Schema):
    mentee = f.Nested(Contact, required=True)
    mentor = f.Nested(Contact, required=True)


class Introduction(ma.Schema):
    id = f.Integer(required=True)
    mentee = f.Nested(PartnershipRef, required=True)
    mentor = f.Nested(PartnershipRef, required=True)
    state = f.String(
        required=True,
        validate=v.OneOf(
            ["requested", "awaiting_admin", "accepted", "declined", "withdrawn", "completed"]
        ),
    )
    message = f.String(required=True)
    response = f.String(required=True)
    rating = f.Integer(allow_none=True, required=True)
    feedback = f.String(required=True)
    by_admin = f.Boolean(required=True)
    created_at = f.DateTime(required=True)
    updated_at = f.DateTime(required=True)
    actions = f.List(
        f.String(), required=True, metadata={"description": "what the caller may do next"}
    )
    contacts = f.Nested(
        IntroductionContacts,
        allow_none=True,
        required=True,
        metadata={"description": "only inside an accepted or completed introduction"},
    )


class IntroductionList(ma.Schema):
    items = f.List(f.Nested(Introduction), required=True)
    total = f.Integer(required=True)


class IntroductionQuery(StrictSchema):
    state = f.String(
        validate=v.OneOf(
            ["requested", "awaiting_admin", "accepted", "declined", "withdrawn", "completed"]
        )
    )
    page = f.Integer(load_default=1, validate=v.Range(min=1, max=100_000))


class IntroductionInput(StrictSchema):
    mentor = f.String(
        required=True, validate=v.Length(min=1, max=64), metadata={"description": "mentor's key"}
    )
    message = f.String(load_default="", validate=v.Length(max=2000))


class AdminIntroductionInput(IntroductionInput):
    mentee = f.String(required=True, validate=v.Length(min=1, max=64))


class NoteInput(StrictSchema):
    note = f.String(load_default="", validate=v.Length(max=2000))


class CompleteInput(StrictSchema):
    rating = f.Integer(
        allow_none=True, load_default=None, strict=True, validate=v.Range(min=1, max=5)
    )
    feedback = f.String(load_default="", validate=v.Length(max=2000))


class ReviewInput(StrictSchema):
    mentee = f.String(required=True, validate=v.Length(min=1, max=64))
    mentor = f.String(required=True, validate=v.Length(min=1, max=64))
    decision = f.String(required=True, validate=v.OneOf(["endorsed", "rejected"]))
    note = f.String(load_default="", validate=v.Length(max=2000))


class Review(ma.Schema):
    mentee = f.Nested(PartnershipRef, required=True)
    mentor = f.Nested(PartnershipRef, required=True)
    decision = f.String(required=True)
    note = f.String(required=True)
    reviewer = f.String(allow_none=True, required=True)
    updated_at = f.DateTime(required=True)


class ExchangeDocument(ma.Schema):
    """The exchange format (shared/profile-format.md); validated as a whole by the importer."""

    class Meta:
        unknown = ma.INCLUDE

    partnerships = f.List(f.Dict(), required=True)


class ImportResult(ma.Schema):
    created = f.Integer(required=True)
    updated = f.Integer(required=True)
