"""Partnership profiles: look-up, create/update from validated data, the exchange format's
records (importing.py writes whole documents) and export."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any, cast

from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import ColumnElement, CursorResult, func, or_, select, update

from ..extensions import db
from ..matching.profile import Profile
from ..matching.profile import Story as EngineStory
from ..models import DataVersion, Partnership, PartnershipSector, Story, utcnow
from ..provinces import normalize, province_part
from .change_log import bump_data_version as bump_data_version  # tests and tools
from .validation import KEY_RE, STORY_FIELDS, ValidationError, validate_profile


class NotFound(LookupError):
    """No such partnership (or it is not visible to the caller)."""


class StaleProfile(Exception):
    """The profile was saved by someone else after the version an edit was based on; the edit
    wrote nothing. ``current`` is the version stored now."""

    def __init__(self, current: int) -> None:
        super().__init__(
            f"the profile was saved by someone else in the meantime (now version {current})"
        )
        self.current = current


def data_version() -> int:
    """The profiles' data version now (0 when no profile was ever saved); see DataVersion."""
    return db.session.scalar(select(DataVersion.version).where(DataVersion.id == 1)) or 0


def versions() -> tuple[int, int]:
    """(profile data version, context version) in one primary-key read (see DataVersion)."""
    row = db.session.execute(
        select(DataVersion.version, DataVersion.context_version).where(DataVersion.id == 1)
    ).first()
    return (row[0], row[1]) if row is not None else (0, 0)


def _literal(text: str) -> str:
    """``text`` for a LIKE pattern (escape character backslash): its wildcards taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains(text: str) -> str:
    """A LIKE pattern (escape character backslash) matching ``text`` anywhere, literally."""
    return f"%{_literal(text.strip().lower())}%"


def get_partnership(key: str, *, include_inactive: bool = False) -> Partnership:
    """The partnership with this key; NotFound when there is none, or it is inactive and
    ``include_inactive`` is not set."""
    stmt = select(Partnership).where(Partnership.key == key)
    partnership = db.session.scalar(stmt)
    if partnership is None or (not partnership.active and not include_inactive):
        raise NotFound(f"unknown partnership key {key!r}")
    return partnership


def challenges_visibility(key: str) -> str:
    """Who may read the challenges of the active partnership ``key`` ("public" or "members"), in
    one indexed read of one column; NotFound when there is no such partnership."""
    visibility = db.session.scalar(
        select(Partnership.challenges_visibility).where(
            Partnership.key == key, Partnership.active.is_(True)
        )
    )
    if visibility is None:
        raise NotFound(f"unknown partnership key {key!r}")
    return visibility


def list_partnerships(
    *,
    sector: str | None = None,
    region: str | None = None,
    q: str | None = None,
    include_inactive: bool = False,
    page: int = 1,
    per_page: int = 50,
    signed_in: bool = True,
) -> Pagination:
    """A page (``db.paginate``) of partnerships by name, filtered; a page past the last is empty.

    ``region`` is a province (or "Provincie, Plaats": its province counts); the text search
    reads members-only challenges only for ``signed_in`` callers."""
    stmt = select(Partnership)
    if not include_inactive:
        stmt = stmt.where(Partnership.active.is_(True))
    if sector:
        stmt = stmt.where(
            Partnership.id.in_(
                select(PartnershipSector.partnership_id).where(PartnershipSector.sector == sector)
            )
        )
    if region:
        province = (province_part(region) or "").lower()
        like = _literal(province) + ", %"
        stmt = stmt.where(
            or_(
                func.lower(Partnership.region) == province,
                func.lower(Partnership.region).like(like, escape="\\"),
            )
        )
    if q:
        like = contains(q)
        challenges: ColumnElement[bool] = func.lower(Partnership.challenges).like(like, escape="\\")
        if not signed_in:
            challenges = challenges & (Partnership.challenges_visibility == "public")
        stmt = stmt.where(
            or_(
                func.lower(Partnership.name).like(like, escape="\\"),
                challenges,
                func.lower(Partnership.experiences).like(like, escape="\\"),
                func.lower(Partnership.description).like(like, escape="\\"),
            )
        )
    stmt = stmt.order_by(func.lower(Partnership.name), Partnership.key)
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False, count=True)


def regions() -> list[str]:
    """The provinces in use (by active partnerships), for filters: "Gelderland, Apeldoorn" counts
    as Gelderland. An old region that maps to no province is listed as it is."""
    rows = db.session.scalars(
        select(Partnership.region)
        .where(Partnership.active.is_(True), Partnership.region.is_not(None))
        .distinct()
    )
    provinces = {province_part(r) for r in rows}  # None for a blank region
    return sorted({p for p in provinces if p is not None}, key=str.lower)


def key_from_name(name: str) -> str:
    """A key (URL name) made from a name: lower case, accents stripped, anything else '-'."""
    key = "-".join(normalize(name or "").split())[:64].strip("-")
    return key or "partnerschap"


def unique_key(name: str) -> str:
    """``key_from_name``, made unique with -2, -3 … when taken."""
    base = key_from_name(name)
    taken = set(
        db.session.scalars(
            select(Partnership.key).where(
                or_(Partnership.key == base, Partnership.key.like(base[:58] + "-%"))
            )
        )
    )
    if base not in taken:
        return base
    n = 2
    while f"{base[: 64 - len(str(n)) - 1]}-{n}" in taken:
        n += 1
    return f"{base[: 64 - len(str(n)) - 1]}-{n}"


def challenges_for(p: Partnership, user) -> str | None:
    """The challenges text as ``user`` may read it: None when it is for signed-in partnerships only."""
    return p.challenges if p.challenges_visible_to(user) else None


def profile_columns(data: dict) -> dict[str, Any]:
    """A validated record's values of the partnership table, by column name (sectors and stories
    are rows of their own). ``challenges_visibility`` only when the record gives one."""
    columns = {
        "key": data["key"],
        "name": data["name"],
        "region": data["region"],
        "founded": data["founded"],
        "schools_count": data["schools_count"],
        "institutions": list(data["institutions"]),
        "description": data["description"],
        "challenges": data["challenges"],
        "experiences": data["experiences"],
        "open_to_mentor": data["open_to_mentor"],
        "mentor_capacity": data["mentor_capacity"],
        "contact_name": data["contact"]["name"],
        "contact_email": data["contact"]["email"],
    }
    if "challenges_visibility" in data:
        columns["challenges_visibility"] = data["challenges_visibility"]
    return columns


def story_columns(data: dict) -> dict[str, Any]:
    """A validated story's values of the story table, by column name (position and owner apart)."""
    return {field: list(data[field]) if field == "tips" else data[field] for field in STORY_FIELDS}


def apply_profile(partnership: Partnership, data: dict) -> Partnership:
    """Copy a validated record onto a partnership row (new or existing)."""
    for column, value in profile_columns(data).items():
        setattr(partnership, column, value)
    if partnership.challenges_visibility is None:  # absent: an existing profile keeps its choice
        partnership.challenges_visibility = "public"
    partnership.sectors = data["sectors"]
    if "stories" in data:  # absent: the stories stay as they are
        apply_stories(partnership, data["stories"])
    return partnership


def apply_stories(partnership: Partnership, stories: list[dict]) -> None:
    """Replace a partnership's stories by validated ones, in order.

    Rows are rewritten in place by position and the surplus deleted, so an unchanged story
    writes nothing and an import of the same file changes no row."""
    rows = list(partnership.stories)
    for position, data in enumerate(stories):
        if position < len(rows):
            row = rows[position]
        else:
            row = Story()
            rows.append(row)
        if row.position != position:
            row.position = position
        for field, value in story_columns(data).items():
            if getattr(row, field) != value:
                setattr(row, field, value)
    partnership.stories = rows[: len(stories)]


def save_profile(
    record: dict,
    *,
    existing: Partnership | None = None,
    commit: bool = True,
    expected_version: int | None = None,
) -> Partnership:
    """Validate and store one profile (create, or update ``existing``).

    An update first bumps the partnership's version in one conditional update, which also locks
    the row until the commit. With ``expected_version`` (the version the editor read) it is a
    compare-and-set: when someone saved in between, StaleProfile is raised and nothing is
    written. Without it the edit replaces whatever is stored."""
    data = validate_profile(record)
    if existing is None or existing.key != data["key"]:
        clash = db.session.scalar(select(Partnership.id).where(Partnership.key == data["key"]))
        if clash is not None and (existing is None or clash != existing.id):
            raise ValidationError({"key": _("is already used by another partnership")})
    if existing is not None:
        _claim_version(existing, expected_version)
    partnership = existing or Partnership()
    apply_profile(partnership, data)
    db.session.add(partnership)
    if commit:
        db.session.commit()
    return partnership


def _claim_version(partnership: Partnership, expected: int | None) -> None:
    stmt = update(Partnership).where(Partnership.id == partnership.id)
    if expected is not None:
        stmt = stmt.where(Partnership.version == expected)
    stmt = stmt.values(version=Partnership.version + 1).execution_options(synchronize_session=False)
    if cast(CursorResult[Any], db.session.execute(stmt)).rowcount != 1:
        db.session.rollback()
        raise StaleProfile(current_version(partnership.id))
    db.session.expire(partnership, ["version"])


def current_version(partnership_id: int) -> int:
    """The stored version of a partnership's profile (0 when it is gone)."""
    return (
        db.session.scalar(select(Partnership.version).where(Partnership.id == partnership_id)) or 0
    )


def set_active(partnership: Partnership, active: bool) -> None:
    """Activate or deactivate a partnership and commit; its suggestions follow at once (the data
    version moves)."""
    partnership.active = active
    partnership.deactivated_at = None if active else utcnow()
    db.session.commit()


def to_record(p: Partnership) -> dict:
    """A partnership in the exchange format (contact details included: for export only)."""
    return {
        "key": p.key,
        "name": p.name,
        "sectors": p.sectors,
        "region": p.region,
        "founded": p.founded,
        "schools_count": p.schools_count,
        "institutions": list(p.institutions or []),
        "description": p.description,
        "challenges": p.challenges,
        "challenges_visibility": p.challenges_visibility or "public",
        "experiences": p.experiences,
        "open_to_mentor": p.open_to_mentor,
        "mentor_capacity": p.mentor_capacity,
        "contact": {"name": p.contact_name, "email": p.contact_email},
        "stories": [story_record(story) for story in p.stories],
    }


def story_record(story: Story) -> dict:
    """A story in the exchange format, its fields in the format's order."""
    return {
        field: list(story.tips or []) if field == "tips" else getattr(story, field)
        for field in STORY_FIELDS
    }


def export_document(keys: Iterable[str] | None = None) -> dict:
    """Every active partnership (or those with ``keys``) in the exchange format, by key."""
    stmt = select(Partnership).where(Partnership.active.is_(True)).order_by(Partnership.key)
    if keys is not None:
        stmt = stmt.where(Partnership.key.in_(list(keys)))
    return {"partnerships": [to_record(p) for p in db.session.scalars(stmt)]}


def to_engine_profile(
    p, sectors: Iterable[str] | None = None, stories: Iterable | None = None
) -> Profile:
    """The engine's view of a partnership: an ORM object, or a row with the same columns and its
    ``sectors`` and ``stories`` (rows with title, text and visibility, in order) given.

    Only public stories reach the engine: it quotes them to anyone."""
    if stories is None:
        stories = p.stories
    return Profile(
        key=p.key,
        name=p.name,
        sectors=_shared_sectors(tuple(p.sectors if sectors is None else sectors)),
        founded=p.founded,
        region=province_part(p.region),  # the same-region bonus and filter compare provinces
        description=p.description or "",
        challenges=p.challenges or "",
        experiences=p.experiences or "",
        open_to_mentor=p.open_to_mentor,
        mentor_capacity=p.mentor_capacity,
        stories=tuple(EngineStory(s.title, s.text) for s in stories if s.visibility == "public"),
    )


_SECTOR_SETS: dict[tuple[str, ...], tuple[str, ...]] = {}


def _shared_sectors(sectors: tuple[str, ...]) -> tuple[str, ...]:
    """One tuple per combination of sectors (at most 2⁴), shared by every profile that has it:
    an index of 100,000 profiles then holds 15 tuples, not 100,000."""
    return _SECTOR_SETS.setdefault(sectors, sectors)


def record_to_engine_profile(record: dict) -> Profile:
    """The engine's view of a record of the exchange format, as ``to_engine_profile`` gives it
    for the stored partnership: public stories only, the region as its province."""
    profile = Profile.from_dict(record)
    return replace(profile, region=province_part(profile.region))


def by_keys(keys: Iterable[str], *, active_only: bool = False) -> dict[str, Partnership]:
    """Partnerships by key. Text that cannot be a key (e.g. with a NUL byte) is never sent to the
    database."""
    wanted = [k for k in dict.fromkeys(keys) if isinstance(k, str) and KEY_RE.fullmatch(k)]
    if not wanted:
        return {}
    stmt = select(Partnership).where(Partnership.key.in_(wanted))
    if active_only:
        stmt = stmt.where(Partnership.active.is_(True))
    return {p.key: p for p in db.session.scalars(stmt)}
