"""A partnership's stories (praktijkverhalen): write, edit and delete them, and read them as the
caller may.

One story is checked by the same rules as a story in an imported file (services/validation.py);
its errors name the story's own field (``title``, ``tips`` …). Every change bumps the
partnership's version (an edit of the profile or an API PUT based on the older version is then
refused instead of undoing it) and the data version (the matcher's index sees the change, the
ProfileChange log names the partnership). Who may write is decided by ``may_write`` alone;
members-only stories are read by ``may_read_members_stories`` alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import String, cast, func, select, update
from sqlalchemy.orm.exc import StaleDataError

from ..extensions import db
from ..domain import LANGUAGES
from ..models import (
    SECTORS,
    STORY_OUTCOMES,
    Partnership,
    PartnershipSector,
    Story,
    get_by_id,
)
from .permissions import require_act_for
from .profiles import NotFound, get_partnership
from .validation import MAX_STORIES, STORY_FIELDS, TIPS, ValidationError
from .validation import _story as _clean_story  # the import's rules for one story

PER_PAGE = 20


def may_write(user, partnership: Partnership) -> None:
    """Raise NotCoordinator unless ``user`` may write the stories of ``partnership``."""
    require_act_for(user, partnership.id)


def may_read_members_stories(user) -> bool:
    """May ``user`` read stories meant for signed-in partnerships only?"""
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and getattr(user, "active", False)
    )


def validate_story(data) -> dict:
    """One story cleaned by the import's rules; ValidationError names its fields (``title``, ``tips`` …)."""
    errors: dict[str, str] = {}
    clean = _clean_story(data, "story", errors)
    if errors:
        raise ValidationError(
            {field.removeprefix("story."): message for field, message in errors.items()}
        )
    return clean


def _claim(partnership: Partnership) -> None:
    """Bump the partnership's version in one UPDATE: it also locks the row until the commit, so
    two writers of the same partnership's stories take turns (positions stay distinct)."""
    stmt = (
        update(Partnership)
        .where(Partnership.id == partnership.id)
        .values(version=Partnership.version + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(stmt)
    db.session.expire(partnership, ["version"])


def create_story(partnership: Partnership, data: dict, by) -> Story:
    """Add a story after the partnership's others; returns the stored row."""
    may_write(by, partnership)
    clean = validate_story(data)
    try:
        _claim(partnership)
        count = (
            db.session.scalar(select(func.count()).where(Story.partnership_id == partnership.id))
            or 0
        )
        if count >= MAX_STORIES:
            raise ValidationError(
                {"stories": _("must list at most %(limit)d stories", limit=MAX_STORIES)}
            )
        last = db.session.scalar(
            select(func.max(Story.position)).where(Story.partnership_id == partnership.id)
        )
        story = Story(
            partnership_id=partnership.id, position=0 if last is None else last + 1, **clean
        )
        db.session.add(story)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    db.session.expire(partnership, ["stories"])
    return story


def update_story(story: Story, data: dict, by) -> Story:
    """Replace a story's fields by ``data`` (all of them, as in the exchange format)."""
    partnership = story.partnership
    may_write(by, partnership)
    clean = validate_story(data)
    try:
        _claim(partnership)
        for field in STORY_FIELDS:
            if getattr(story, field) != clean[field]:
                setattr(story, field, clean[field])
        db.session.commit()
    except StaleDataError:  # deleted by someone else meanwhile
        db.session.rollback()
        raise NotFound(f"story {story.id} is gone") from None
    except Exception:
        db.session.rollback()
        raise
    return story


def delete_story(story: Story, by) -> None:
    """Delete a story; the ones after it move up a place (export keeps their order)."""
    partnership = story.partnership
    may_write(by, partnership)
    try:
        _claim(partnership)
        position = story.position
        db.session.delete(story)
        db.session.flush()
        later = select(Story).where(
            Story.partnership_id == partnership.id, Story.position > position
        )
        for row in db.session.scalars(later.order_by(Story.position)):
            row.position -= 1
        db.session.commit()
    except StaleDataError:  # deleted by someone else meanwhile
        db.session.rollback()
        raise NotFound("the story is gone") from None
    except Exception:
        db.session.rollback()
        raise
    db.session.expire(partnership, ["stories"])


def own_story(partnership: Partnership, story_id) -> Story:
    """The partnership's story with this id, or NotFound (another partnership's story too)."""
    story = get_by_id(Story, story_id)
    if story is None or story.partnership_id != partnership.id:
        raise NotFound(f"no story {story_id!r} of {partnership.key!r}")
    return story


def visible_stories(partnership: Partnership, user) -> list[Story]:
    """The partnership's stories ``user`` may read, in their order."""
    members = may_read_members_stories(user)
    return [s for s in partnership.stories if s.visibility == "public" or members]


def get_story(key: str, story_id, user) -> Story:
    """A story of an active partnership as ``user`` may read it, or NotFound."""
    partnership = get_partnership(key)
    story = get_by_id(Story, story_id)
    if story is None or story.partnership_id != partnership.id:
        raise NotFound(f"no story {story_id!r} of {key!r}")
    if story.visibility != "public" and not may_read_members_stories(user):
        raise NotFound(f"story {story_id!r} is for signed-in partnerships only")
    return story


@dataclass(frozen=True)
class StoryFilters:
    """What the list of stories is narrowed to; unknown values are dropped by ``from_args``."""

    tip: int | None = None
    outcome: str | None = None
    sector: str | None = None
    language: str | None = None

    @classmethod
    def from_args(cls, args) -> StoryFilters:
        """Filters from query arguments (a mapping of strings); anything unknown is ignored."""
        tip = args.get("tip", "")
        return cls(
            tip=int(tip) if tip.isdigit() and int(tip) in TIPS else None,
            outcome=args.get("outcome") if args.get("outcome") in STORY_OUTCOMES else None,
            sector=args.get("sector") if args.get("sector") in SECTORS else None,
            language=args.get("language") if args.get("language") in LANGUAGES else None,
        )

    def as_args(self) -> dict:
        """The filters that are set, for links to other pages of the list."""
        return {k: v for k, v in vars(self).items() if v is not None}


def list_stories(filters: StoryFilters, user, *, page: int = 1, per_page: int = PER_PAGE):
    """A page (``db.paginate``) of the stories of active partnerships ``user`` may read, newest first."""
    stmt = select(Story).join(Story.partnership).where(Partnership.active.is_(True))
    if not may_read_members_stories(user):
        stmt = stmt.where(Story.visibility == "public")
    if filters.tip is not None:
        # tips is a JSON list of the digits 1–5 ("[1, 3]"): its text holds the digit exactly
        # when the list holds the tip, on SQLite and PostgreSQL alike.
        stmt = stmt.where(cast(Story.tips, String).like(f"%{filters.tip}%"))
    if filters.outcome:
        stmt = stmt.where(Story.outcome == filters.outcome)
    if filters.language:
        stmt = stmt.where(Story.language == filters.language)
    if filters.sector:
        stmt = stmt.where(
            Story.partnership_id.in_(
                select(PartnershipSector.partnership_id).where(
                    PartnershipSector.sector == filters.sector
                )
            )
        )
    stmt = stmt.order_by(Story.created_at.desc(), Story.id.desc())
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False, count=True)
