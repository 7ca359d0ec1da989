"""Importing an exchange document, for every surface that imports (``import-profiles``, ``seed``,
the admin API): validate it whole, write it in one transaction (``import_document``: all or
nothing, new partnerships in bulk), then name the mentors in it whose experiences are
near-identical to another mentor's. Suggestions show such a pair once; the report tells the admin
which ones, so a copy under a second key can be removed."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice

from flask_babel import gettext as _
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Partnership, PartnershipSector, Story, User
from . import matching, profiles
from .change_log import note_written
from .validation import ValidationError, validate_document

DUPLICATE_CHECK_LIMIT = 5000  # profiles per document checked for near-duplicate mentors


class ImportConflict(Exception):
    """Partnerships an import was creating were created by someone else at the same time (another
    import, a registration); the import wrote nothing and may simply be run again. ``keys``: those
    partnerships."""

    def __init__(self, keys: list[str]) -> None:
        shown = ", ".join(keys[:5]) + (f" and {len(keys) - 5} more" if len(keys) > 5 else "")
        super().__init__(
            f"created by someone else while this import ran: {shown}; nothing was written, "
            "run the import again to update them"
        )
        self.keys = keys


@dataclass(frozen=True)
class ImportResult:
    """How many partnerships an import created and how many it updated."""

    created: int
    updated: int

    @property
    def total(self) -> int:
        """Partnerships in the imported document: created and updated together."""
        return self.created + self.updated


IMPORT_CHUNK = 500  # records written at a time, all in the one transaction


def import_document(document, progress=None) -> ImportResult:
    """Validate a whole exchange document, then upsert every record by key in one transaction.

    Nothing is written when any record is invalid (ValidationError names record, key, field).
    Records are written IMPORT_CHUNK at a time: new partnerships with one multi-row INSERT each
    for them, their sectors and their stories (``insert_new``), existing ones through their ORM
    rows, which then leave the session, so memory does not grow with the file. The commit at the
    end makes all of them visible at once.
    """
    records = validate_document(document)
    held = {id(obj) for obj in db.session.identity_map.values()}  # the caller's objects stay
    created = updated = 0
    creating: list[str] = []  # keys this import found free
    problems: dict[str, str] = {}  # records that would take over a team's partnership
    position = 0  # of the chunk's first record in the document
    rows = iter(progress(records) if progress else records)
    try:
        while chunk := list(islice(rows, IMPORT_CHUNK)):
            existing = {
                p.key: p
                for p in db.session.scalars(
                    select(Partnership).where(Partnership.key.in_([r["key"] for r in chunk]))
                )
            }
            problems.update(_taken_over(chunk, existing, position))
            position += len(chunk)
            new = [record for record in chunk if record["key"] not in existing]
            creating.extend(record["key"] for record in new)
            insert_new(new)
            created += len(new)
            for record in chunk:
                row = existing.get(record["key"])
                if row is None:
                    continue
                updated += 1
                before = profiles.to_record(row)
                profiles.apply_profile(row, record)
                if profiles.to_record(row) != before:  # an edit open elsewhere is now stale
                    row.version = Partnership.version + 1
            db.session.flush()
            for obj in list(db.session.identity_map.values()):
                if id(obj) not in held and obj in db.session:  # a cascade may have taken it
                    db.session.expunge(obj)
        if problems:  # nothing written: the transaction is rolled back below
            raise ValidationError(problems, "\n".join(f"{k}: {v}" for k, v in problems.items()))
        db.session.commit()  # the commit hook bumps the data version (services/change_log.py)
    except IntegrityError:
        db.session.rollback()
        taken = _created_meanwhile(creating)
        if taken:  # a racing writer won these keys: the loser says so, no 500
            raise ImportConflict(taken) from None
        raise
    except Exception:
        db.session.rollback()
        raise
    return ImportResult(created, updated)


def _taken_over(chunk: list[dict], existing: dict[str, Partnership], first: int) -> dict[str, str]:
    """Records of ``chunk`` (``first``: the document position of its first record) that would
    overwrite a partnership with a team of its own (an active account) whose accounts do not
    include the record's contact address. Such a partnership keeps its profile itself; an import
    that matches only its key (someone registered the key first, and typed any contact address
    they liked) would hand the imported profile, and its introductions, to that team. The
    record's contact must be one of the team's own confirmed accounts (an address someone
    proved), or, for a partnership that was imported rather than registered through the site,
    the contact address it already has."""
    teams: dict[int, set[str]] = {}
    for partnership_id, email, confirmed in db.session.execute(
        select(User.partnership_id, User.email, User.email_confirmed_at).where(
            User.partnership_id.in_([p.id for p in existing.values()]), User.active.is_(True)
        )
    ):
        known = teams.setdefault(partnership_id, set())
        if confirmed is not None:
            known.add(email.lower())
    problems = {}
    for i, record in enumerate(chunk, start=first):
        row = existing.get(record["key"])
        if row is None or row.id not in teams:
            continue
        contact = ((record.get("contact") or {}).get("email") or "").lower()
        if contact and contact in teams[row.id]:
            continue  # one of the team's own, proven addresses
        if contact and row.registered_at is None and contact == (row.contact_email or "").lower():
            continue  # the contact it was imported with, not one a registrant typed

        problems[f"record {i} (key {record['key']!r}): key"] = _(
            "belongs to a partnership with its own accounts and another contact address; an "
            "import does not take it over. Check whose key this is and use another key; that "
            "partnership's coordinators keep its profile themselves"
        )
    return problems


def _created_meanwhile(keys: list[str]) -> list[str]:
    """Which of ``keys`` exist now, after an import that found them free failed and rolled back."""
    taken: list[str] = []
    for start in range(0, len(keys), IMPORT_CHUNK):
        chunk = keys[start : start + IMPORT_CHUNK]
        taken.extend(db.session.scalars(select(Partnership.key).where(Partnership.key.in_(chunk))))
    db.session.rollback()  # end the read transaction
    return sorted(taken)


def insert_new(records: list[dict]) -> None:
    """Write validated records of partnerships not stored yet, with their sectors and stories: one
    multi-row INSERT per table, the rows as ``profiles.apply_profile`` would fill them, without ORM objects
    (an import of many profiles spends its time there otherwise). Part of the caller's transaction;
    the change log learns the keys (``change_log.note_written``)."""
    if not records:
        return
    partnerships = [
        {"challenges_visibility": "public", **profiles.profile_columns(r)} for r in records
    ]
    ids = db.session.scalars(
        insert(Partnership).returning(Partnership.id, sort_by_parameter_order=True), partnerships
    ).all()
    sectors = [  # validated: known codes, each once, in the order of domain.SECTORS
        {"partnership_id": pid, "sector": sector}
        for pid, record in zip(ids, records)
        for sector in record["sectors"]
    ]
    if sectors:
        db.session.execute(insert(PartnershipSector), sectors)
    stories = [
        {"partnership_id": pid, "position": position, **profiles.story_columns(story)}
        for pid, record in zip(ids, records)
        for position, story in enumerate(record.get("stories") or ())
    ]
    if stories:
        db.session.execute(insert(Story), stories)
    note_written(record["key"] for record in records)


@dataclass(frozen=True)
class ImportReport(ImportResult):
    """What an import wrote (``created``, ``updated``, ``total``), and the near-identical mentor
    pairs among its profiles."""

    near_duplicates: tuple[tuple[str, str, float], ...] = ()  # (key, other key, cosine)
    duplicate_check_skipped: bool = False  # more than DUPLICATE_CHECK_LIMIT profiles


def import_profiles(document, progress=None) -> ImportReport:
    """Import ``document`` (ValidationError, nothing written, when any record is invalid;
    ImportConflict when a racing writer created some of its partnerships), then check its mentors
    for near-duplicates against every mentor in the index."""
    result = import_document(document, progress=progress)
    keys = [r["key"] for r in document.get("partnerships", []) if isinstance(r, dict)]
    if len(keys) > DUPLICATE_CHECK_LIMIT:
        return ImportReport(result.created, result.updated, duplicate_check_skipped=True)
    return ImportReport(result.created, result.updated, tuple(matching.near_duplicates(keys)))
