"""Request and response schemas of /api/v1 (marshmallow), for parsing and the OpenAPI document.

Input schemas check types and shape only; the rules of a profile live in one place,
services/validation.py, which the API calls like the web forms and the importer do.
"""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields as f
from marshmallow import validate as v

from ..domain import LANGUAGES, SECTORS, TEXT_LIMIT

SECTOR = v.OneOf(SECTORS)
TEXT = TEXT_LIMIT


class StrictSchema(ma.Schema):
    """An input schema that refuses unknown fields and keeps the fields in declaration order."""

    class Meta:
        unknown = ma.RAISE
        ordered = True


class ErrorBody(ma.Schema):
    """What went wrong: a machine-readable code, a message and per-field messages."""

    code = f.String(
        required=True, metadata={"description": "machine-readable error code, e.g. not_found"}
    )
    message = f.String(required=True, metadata={"description": "what went wrong, for people"})
    # Named apart from ``Schema.fields`` (the schema's own field table); sent as "fields".
    field_messages = f.Dict(
        data_key="fields",
        keys=f.String(),
        values=f.String(),
        required=True,
        metadata={"description": "per-field messages for bad input (empty otherwise)"},
    )


class ErrorSchema(ma.Schema):
    """The one shape of every API error: ``{"error": {"code", "message", "fields"}}``."""

    error = f.Nested(ErrorBody, required=True)


class PartnershipRef(ma.Schema):
    """A partnership as others refer to it: its key and name."""

    key = f.String(required=True)
    name = f.String(required=True)


class Contact(ma.Schema):
    """A partnership's contact person: name and email."""

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
    language = f.String(required=True, validate=v.OneOf(LANGUAGES))
    visibility = f.String(required=True, validate=v.OneOf(["public", "members"]))


class Profile(PublicPartnership):
    """The caller's own profile in the exchange format, contact and every story included."""

    contact = f.Nested(Contact, required=True)
    stories = f.List(f.Nested(Story), required=True)


class PartnershipPage(ma.Schema):
    """One page of active partnerships, with the total over all pages."""

    items = f.List(f.Nested(PublicPartnership), required=True)
    page = f.Integer(required=True)
    per_page = f.Integer(required=True)
    total = f.Integer(required=True)


class PartnershipQuery(StrictSchema):
    """The query string of /partnerships: filters, search text and the page."""

    sector = f.String(validate=SECTOR)
    region = f.String(validate=v.Length(max=100))
    q = f.String(
        validate=v.Length(max=200),
        metadata={"description": "text search in name, challenges, experiences"},
    )
    page = f.Integer(load_default=1, validate=v.Range(min=1, max=100_000))
    per_page = f.Integer(load_default=20, validate=v.Range(min=1, max=100))


class ContactInput(StrictSchema):
    """A profile's contact person as sent: name and email, both optional."""

    name = f.String(allow_none=True, validate=v.Length(max=200))
    email = f.String(allow_none=True, validate=v.Length(max=254))


class StoryInput(StrictSchema):
    """One story as sent, in the exchange format."""

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
        validate=v.OneOf(LANGUAGES), metadata={"description": "detected when absent"}
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
    """The caller's account and own profile."""

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
    """The query string of the suggestion endpoints: how many, and filters."""

    limit = f.Integer(
        load_default=None,
        validate=v.Range(min=1, max=50),
        metadata={"description": "how many (default: the SUGGESTION_LIMIT setting, 10)"},
    )
    sector = f.String(validate=SECTOR)
    region = f.String(validate=v.Length(max=100))


class Reason(ma.Schema):
    """One reason a mentor is suggested, in the reader's language."""

    kind = f.String(
        required=True, metadata={"description": "term | theme | sector | region | review | rating"}
    )
    text = f.String(required=True, metadata={"description": "in the reader's language"})


class Evidence(ma.Schema):
    """A passage of the mentor's profile that answers a request of the asking partnership."""

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
    """A suggested mentor with its score, reasons and evidence."""

    key = f.String(required=True)
    name = f.String(required=True)
    score = f.Float(required=True, validate=v.Range(min=0, max=1))
    reasons = f.List(f.Nested(Reason), required=True)
    evidence = f.List(f.Nested(Evidence), required=True, metadata={"description": "best first"})


class Suggestion(PublicSuggestion):
    """A suggested mentor for the caller, with the state of the caller's latest introduction to it."""

    introduction_state = f.String(allow_none=True, required=True)


class IntroductionContacts(ma.Schema):
    """Both sides' contact details, once an introduction is accepted."""

    mentee = f.Nested(Contact, required=True)
    mentor = f.Nested(Contact, required=True)


class Introduction(ma.Schema):
    """An introduction between a mentee and a mentor, with what the caller may do next."""

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
    """One page of the caller's introductions, with the total."""

    items = f.List(f.Nested(Introduction), required=True)
    total = f.Integer(required=True)


class IntroductionQuery(StrictSchema):
    """The query string of /introductions: a state to filter on and the page."""

    state = f.String(
        validate=v.OneOf(
            ["requested", "awaiting_admin", "accepted", "declined", "withdrawn", "completed"]
        )
    )
    page = f.Integer(load_default=1, validate=v.Range(min=1, max=100_000))


class IntroductionInput(StrictSchema):
    """A request for an introduction: the mentor and a message."""

    mentor = f.String(
        required=True, validate=v.Length(min=1, max=64), metadata={"description": "mentor's key"}
    )
    message = f.String(load_default="", validate=v.Length(max=2000))


class AdminIntroductionInput(IntroductionInput):
    """An admin's introduction: the mentee as well as the mentor."""

    mentee = f.String(required=True, validate=v.Length(min=1, max=64))


class NoteInput(StrictSchema):
    """An optional note that goes with an action on an introduction."""

    note = f.String(load_default="", validate=v.Length(max=2000))


class CompleteInput(StrictSchema):
    """Completing an introduction: an optional rating (1–5) and feedback."""

    rating = f.Integer(
        allow_none=True, load_default=None, strict=True, validate=v.Range(min=1, max=5)
    )
    feedback = f.String(load_default="", validate=v.Length(max=2000))


class ReviewInput(StrictSchema):
    """An admin's decision on a mentee–mentor pair, with a note."""

    mentee = f.String(required=True, validate=v.Length(min=1, max=64))
    mentor = f.String(required=True, validate=v.Length(min=1, max=64))
    decision = f.String(required=True, validate=v.OneOf(["endorsed", "rejected"]))
    note = f.String(load_default="", validate=v.Length(max=2000))


class Review(ma.Schema):
    """An admin's decision on a mentee–mentor pair, as recorded."""

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


class NearDuplicate(ma.Schema):
    """Two mentors whose experiences are near-identical: suggestions show one of them."""

    key = f.String(required=True)
    other = f.String(required=True)
    similarity = f.Float(required=True, metadata={"description": "cosine of the two offers"})


class ImportResult(ma.Schema):
    """How many profiles an import created and updated, and near-identical mentors among them
    (``duplicate_check_skipped``: more than 5,000 profiles in the document, not checked)."""

    created = f.Integer(required=True)
    updated = f.Integer(required=True)
    near_duplicates = f.List(f.Nested(NearDuplicate), required=True)
    duplicate_check_skipped = f.Boolean(required=True)
