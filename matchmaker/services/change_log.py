"""Which profiles changed: the ProfileChange log, written by session hooks in the same transaction
as the change, and the counters that tell a process to read the versions again.

Every commit of this process counts (``commits``): after one, the data version is read again.
Every transaction that touches a partnership, its sectors or its stories bumps the data version
at commit (``bump_data_version``; no service has to remember it) and logs the keys of the
partnerships it touched (or "refit" for a bulk change); one that changed introductions, reviews or dismissals bumps the
context version. ``changed_keys`` reads the log back for the index cache (services/matching.py).
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Iterable, Sequence
from itertools import chain, islice

from sqlalchemy import Engine, delete, event, insert, inspect, select, update

from ..extensions import db
from ..models import (
    DataVersion,
    Dismissal,
    Introduction,
    MatchReview,
    Partnership,
    PartnershipSector,
    ProfileChange,
    Story,
    utcnow,
)

MAX_LOGGED_KEYS = 1000  # a transaction changing more profiles logs "refit" instead of every key
KEEP_LOG_VERSIONS = 10_000  # log rows older than this many versions are pruned


commits = [0]  # transactions committed by this process: after one, the data version is read again


@event.listens_for(Engine, "commit")
def _count_commit(_connection) -> None:
    commits[0] += 1


_CHANGED = "matchmaker.changed_keys"
_CHANGED_IDS = "matchmaker.changed_partnership_ids"
_BUMPED = "matchmaker.data_version_bumped"
_CONTEXT = "matchmaker.context_changed"
CONTEXT_MODELS = (Introduction, MatchReview, Dismissal)  # what ContextSnapshot is read from
_log_table: weakref.WeakKeyDictionary = (
    weakref.WeakKeyDictionary()
)  # engine -> (exists, checked at)


def _has_log_table(connection) -> bool:
    """Whether ``profile_change`` exists (before its migration ran it does not: then refit as before)."""
    engine = connection.engine
    known = _log_table.get(engine)
    if known is not None and (known[0] or time.monotonic() - known[1] < 60):
        return known[0]
    exists = inspect(connection).has_table(ProfileChange.__tablename__)
    _log_table[engine] = (exists, time.monotonic())
    return exists


def changed_keys(since: int, until: int) -> list[str] | None:
    """Keys of the partnerships changed after version ``since`` up to ``until``; None when unknown."""
    if not _has_log_table(db.session.connection()):
        return None
    rows = db.session.execute(
        select(ProfileChange.version, ProfileChange.key).where(
            ProfileChange.version > since, ProfileChange.version <= until
        )
    ).all()
    if len({version for version, _ in rows}) != until - since or any(
        key is None for _, key in rows
    ):
        return None  # a version bumped without a log (pruned, or not through the ORM), or a bulk change
    return sorted({key for _, key in rows})


@event.listens_for(db.session, "after_flush")
def _collect_changes(session, _context) -> None:
    """Remember which partnerships this transaction touched and whether it bumped the data version."""
    keys = session.info.setdefault(_CHANGED, set())
    owners = session.info.setdefault(_CHANGED_IDS, set())
    new = session.new
    for obj in chain(new, session.dirty, session.deleted):
        if isinstance(obj, DataVersion):
            session.info[_BUMPED] = True
        elif isinstance(obj, CONTEXT_MODELS):
            session.info[_CONTEXT] = True
        elif len(keys) > MAX_LOGGED_KEYS:
            continue  # a bulk change: logged as "refit" anyway
        elif isinstance(obj, Partnership):
            if obj.key:
                keys.add(obj.key)
            if obj not in new:  # a renamed key: the old one is gone
                old_keys: Sequence[str] = inspect(obj).attrs.key.history.deleted or ()
                keys.update(k for k in old_keys if k)
        elif isinstance(obj, (PartnershipSector, Story)) and obj.partnership_id is not None:
            owners.add(obj.partnership_id)


def note_written(keys: Iterable[str], session=None) -> None:
    """Remember partnerships written without ORM objects (``importing.insert_new``) in the
    transaction of ``session``, as ``_collect_changes`` remembers those flushed: the commit then
    bumps the data version and logs them (beyond MAX_LOGGED_KEYS, "refit")."""
    changed = (session or db.session).info.setdefault(_CHANGED, set())
    room = MAX_LOGGED_KEYS + 1 - len(changed)
    if room > 0:
        changed.update(islice(keys, room))


def bump_data_version(session=None) -> None:
    """Mark the profiles as changed, in the transaction of ``session`` (default: the app's); the
    commit hook does this for every transaction that touched a partnership, its sectors or stories."""
    session = session or db.session
    row = session.get(DataVersion, 1)
    if row is None:
        session.add(DataVersion(id=1, version=1, updated_at=utcnow()))
    else:
        row.version = DataVersion.version + 1  # atomic in SQL, safe across workers
        row.updated_at = utcnow()


@event.listens_for(db.session, "before_commit")
def _before_commit(session) -> None:
    session.flush()  # what the commit would flush anyway: _collect_changes then knows the whole transaction
    touched = session.info.get(_CHANGED) or session.info.get(_CHANGED_IDS)
    if touched and not session.info.get(_BUMPED):
        bump_data_version(session)
        session.flush()
    _log_changes(session)
    _bump_context_version(session)


def _bump_context_version(session) -> None:
    """Bump the context version in a transaction that changed introductions, reviews or dismissals."""
    if not session.info.pop(_CONTEXT, False):
        return
    bump = (
        update(DataVersion)
        .where(DataVersion.id == 1)
        .values(
            context_version=DataVersion.context_version + 1
        )  # atomic in SQL, safe across workers
        .execution_options(synchronize_session=False)
    )
    if session.execute(bump).rowcount == 0:  # no profile was ever saved: the row is not there yet
        session.execute(
            insert(DataVersion).values(id=1, version=0, context_version=1, updated_at=utcnow())
        )


def _log_changes(session) -> None:
    """Write the ProfileChange rows of a transaction that bumped the data version."""
    if not (
        session.info.get(_BUMPED) or session.info.get(_CHANGED) or session.info.get(_CHANGED_IDS)
    ):
        return
    keys = session.info.pop(_CHANGED, set())
    ids = session.info.pop(_CHANGED_IDS, set())
    if not session.info.pop(_BUMPED, False):
        return  # profiles changed without a version bump: no worker would look anyway
    connection = session.connection()
    if not _has_log_table(connection):
        return
    if ids and len(keys) <= MAX_LOGGED_KEYS:
        owners = select(Partnership.key).where(Partnership.id.in_(list(ids)[: MAX_LOGGED_KEYS + 1]))
        keys |= set(session.scalars(owners))
    version = session.scalar(select(DataVersion.version).where(DataVersion.id == 1))
    if version is None:
        return
    if keys and len(keys) <= MAX_LOGGED_KEYS:
        rows = [{"version": version, "key": key} for key in sorted(keys)]
    else:
        rows = [{"version": version, "key": None}]  # refit
    session.execute(insert(ProfileChange), rows)
    if version % 100 == 0:
        session.execute(
            delete(ProfileChange).where(ProfileChange.version <= version - KEEP_LOG_VERSIONS)
        )


@event.listens_for(db.session, "after_soft_rollback")
def _forget_changes(session, _previous_transaction) -> None:
    for name in (_CHANGED, _CHANGED_IDS, _BUMPED, _CONTEXT):
        session.info.pop(name, None)
