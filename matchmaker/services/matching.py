"""Suggestions: the matcher's index kept per data version, and the per-request context.

The change log lives in ``change_log`` and the context's queries in ``suggestion_context``.

The index is fitted once and shared by every request of the process (and, with ``gunicorn
--preload``, by every worker). Requests compare the data version in the database with the
index's (one primary-key read, at most every ``INDEX_VERSION_TTL`` seconds, and always after
this process committed anything), so a change made by any worker or host is seen by all within
a second. When the version moved, the profiles changed since are read from the
``ProfileChange`` log (written in the same transaction as the change, by the session hooks
below) and patched into the index's overlay, which takes milliseconds; nothing is refitted
per edit. Once enough has drifted, the index is refitted in a background thread (or at once,
when it is small), and changes the log cannot name (a bulk import, SQL without the ORM, a
pruned log) refit at once.

What else suggestions read (open introductions per mentor, rejected and dismissed pairs,
endorsements, ratings) is kept per process as one ``ContextSnapshot`` keyed by a second counter,
the context version, which the session hooks bump in the same transaction as any change to
introductions, reviews or dismissals. It is read in the same primary-key read as the data
version, so a suggestion makes no database round trip while nothing changed, and a change made
anywhere is seen everywhere within the same second.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import date
from itertools import chain

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..matching.eligibility import MatchContext
from ..matching.engine import MatchIndex, Suggestion, build_index
from ..matching.feedback import feedback_priors
from ..matching.profile import Profile
from ..matching.results import Reason
from ..models import SECTORS, Partnership, PartnershipSector, Story
from ..provinces import province_part
from . import change_log
from .change_log import changed_keys
from .profiles import NotFound, data_version, to_engine_profile, versions
from .suggestion_context import ContextSnapshot, excluded_pairs, mentor_load, read_context

__all__ = [  # what other modules use; the change log and the context's queries live in their own modules
    "NotFound",
    "changed_keys",
    "current_index",
    "excluded_pairs",
    "index_cache",
    "load_profiles",
    "match_context",
    "mentor_load",
    "near_duplicates",
    "pair_evidence",
    "profiles_by_key",
    "suggest",
    "too_little_text",
]

log = logging.getLogger(__name__)

# Settings (app.config keys in brackets):
VERSION_TTL = 0.5  # seconds a data version read is trusted if this process committed nothing [INDEX_VERSION_TTL]
REFIT_SHARE = 0.02  # refit once this share of the fitted profiles changed [INDEX_REFIT_SHARE]
SYNC_REFIT_BELOW = 2000  # a smaller index refits at once, in < 0.5 s [INDEX_SYNC_REFIT_BELOW]


# --- the index per process ---------------------------------------------------------------------


@dataclass
class _Cached:
    version: int
    index: MatchIndex


class IndexCache:
    """One fitted index per process, brought up to date when the data version in the database moves."""

    def __init__(self) -> None:
        self._cached: _Cached | None = None
        self._lock = threading.Lock()
        self._refit: threading.Thread | None = None
        self._checked_at = float("-inf")  # when the versions were last read (monotonic)
        self._commits_seen = -1
        self._data_version = 0  # as last read
        self._context_version = 0
        self._context: ContextSnapshot | None = None
        self._context_lock = threading.Lock()
        self.builds = 0  # full fits
        self.updates = 0  # overlay patches
        self.context_reads = 0  # context snapshots read
        self.last_error: str | None = None  # why the last background fit failed, for /readyz

    def _read_versions(self) -> None:
        """Read the versions again unless they were read moments ago and nothing was committed here since."""
        commits = change_log.commits[0]
        if commits == self._commits_seen and time.monotonic() - self._checked_at < _setting(
            "INDEX_VERSION_TTL", VERSION_TTL
        ):
            return
        checked_at = time.monotonic()
        self._data_version, self._context_version = versions()
        self._checked_at, self._commits_seen = checked_at, commits

    def get(self, progress=None) -> MatchIndex:
        """The index for the current data version: the one held, the held one with the profiles
        changed since patched in, or a fresh fit (``progress`` reports on a fit)."""
        self._read_versions()
        version = self._data_version
        cached = self._cached
        if cached is not None and cached.version == version:
            return cached.index
        with self._lock:
            cached = self._cached
            if cached is not None and cached.version == version:
                return cached.index
            if cached is not None and cached.version < version:
                index = self._patch(cached, version)
                if index is not None:
                    return index
            return self._build(version, progress)

    def context(self) -> ContextSnapshot:
        """Loads, exclusions, endorsements and ratings of all partnerships, read again only when
        the context version moved (any change to introductions, reviews or dismissals bumps it)."""
        self._read_versions()
        version = self._context_version
        snapshot = self._context
        if snapshot is not None and snapshot.version == version:
            return snapshot
        with self._context_lock:
            snapshot = self._context
            if snapshot is None or snapshot.version != version:
                # Read after the version: a change committed in between is in the data and moves
                # the version again, so a snapshot is never older than its version says.
                snapshot = self._context = read_context(version)
                self.context_reads += 1
        return snapshot

    def _build(self, version: int, progress=None) -> MatchIndex:
        index = build_index(load_profiles(), progress=progress)
        self._cached = _Cached(version, index)
        self.builds += 1
        return index

    def _patch(self, cached: _Cached, version: int) -> MatchIndex | None:
        """The cached index with the profiles changed since its version patched in, or None to refit."""
        keys = changed_keys(cached.version, version)
        if keys is None:
            return None
        index = cached.index
        drifted = index.changes + len(keys) >= max(
            1, _setting("INDEX_REFIT_SHARE", REFIT_SHARE) * index.fitted_size
        )
        if drifted and index.fitted_size < _setting("INDEX_SYNC_REFIT_BELOW", SYNC_REFIT_BELOW):
            return None  # small: refitting now is as cheap as patching
        current = profiles_by_key(keys)
        index = index.with_changes(
            [current[k] for k in keys if k in current], [k for k in keys if k not in current]
        )
        self._cached = _Cached(version, index)
        self.updates += 1
        if drifted:
            self._refit_in_background()
        return index

    def _refit_in_background(self) -> None:
        if self._refit is not None and self._refit.is_alive():
            return
        # The app itself, not the context-bound proxy (which the thread could not use); Flask's
        # stubs type current_app as Flask, without the proxy's method.
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        self._refit = threading.Thread(
            target=self._refit_now, args=(app,), name="index-refit", daemon=True
        )
        self._refit.start()

    def _refit_now(self, app) -> None:
        try:
            with app.app_context():
                version = data_version()  # read first: changes after it are patched in later
                index = build_index(load_profiles())
            with self._lock:
                cached = self._cached
                if cached is None or cached.index.changes > 0 or cached.version < version:
                    self._cached = _Cached(version, index)
                    self._checked_at = float(
                        "-inf"
                    )  # changes after ``version`` are patched in next
                    self.builds += 1
            self.last_error = None
        except Exception as exc:  # the patched index keeps serving; the next drift tries again
            self.last_error = (
                f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300]
            )
            log.exception("background refit of the matching index failed")

    def build_in_background(self) -> None:
        """Fit the index in a thread when this process has none (for readiness checks)."""
        if self._cached is None and (self._refit is None or not self._refit.is_alive()):
            self._refit_in_background()

    def wait_for_refit(self, timeout: float | None = None) -> None:
        """Block until a background refit (if any) is done: for tests and benchmarks."""
        if self._refit is not None:
            self._refit.join(timeout)

    def clear(self) -> None:
        """Forget the index and context this process holds; the next call reads the versions
        again and fits anew."""
        self._cached = None
        self._context = None
        self._checked_at = float("-inf")

    @property
    def version(self) -> int | None:
        """The data version of the index this process holds (None: none yet)."""
        cached = self._cached
        return cached.version if cached else None

    @property
    def size(self) -> int:
        """How many profiles the held index has (0: none yet)."""
        cached = self._cached
        return len(cached.index) if cached else 0


def _setting(name: str, default):
    return current_app.config.get(name, default)


def index_cache() -> IndexCache:
    """This app's IndexCache (one per process, made by ``create_app``)."""
    return current_app.extensions["matchmaker.index"]


def current_index(progress=None) -> MatchIndex:
    """The fitted index for the data as it is now."""
    return index_cache().get(progress=progress)


def _profiles(where) -> list[Profile]:
    """Engine profiles of the partnerships matching ``where``, read without ORM objects."""
    columns = (
        Partnership.id,
        Partnership.key,
        Partnership.name,
        Partnership.founded,
        Partnership.region,
        Partnership.description,
        Partnership.challenges,
        Partnership.experiences,
        Partnership.open_to_mentor,
        Partnership.mentor_capacity,
    )
    rows = db.session.execute(select(*columns).where(where).order_by(Partnership.id)).all()
    sectors: dict[int, set[str]] = {}
    ids = select(Partnership.id).where(where).scalar_subquery()
    stmt = select(PartnershipSector.partnership_id, PartnershipSector.sector).where(
        PartnershipSector.partnership_id.in_(ids)
    )
    for pid, sector in db.session.execute(stmt):
        sectors.setdefault(pid, set()).add(sector)
    stories: dict[int, list] = {}
    public_stories = (
        select(Story.partnership_id, Story.title, Story.text, Story.visibility)
        .where(Story.partnership_id.in_(ids), Story.visibility == "public")
        .order_by(Story.partnership_id, Story.position, Story.id)
    )
    for story in db.session.execute(public_stories):
        stories.setdefault(story.partnership_id, []).append(story)
    return [
        to_engine_profile(
            row, [s for s in SECTORS if s in sectors.get(row.id, ())], stories.get(row.id, ())
        )
        for row in rows
    ]


def load_profiles() -> list[Profile]:
    """Every active partnership as the engine sees it."""
    return _profiles(Partnership.active.is_(True))


def profiles_by_key(keys) -> dict[str, Profile]:
    """The active partnerships among ``keys``."""
    keys = list(keys)
    out: dict[str, Profile] = {}
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        out.update(
            (p.key, p) for p in _profiles(Partnership.active.is_(True) & Partnership.key.in_(chunk))
        )
    return out


def match_context(mentee_key: str | None = None, *, as_of: int | None = None) -> MatchContext:
    """Everything the matcher needs besides the index (feedback priors included), for one mentee
    or, with None, for all: from this process's ContextSnapshot, so no round trip while nothing
    changed."""
    snapshot = index_cache().context()
    if mentee_key is not None:
        mentees = [mentee_key]
        excluded = snapshot.excluded.get(mentee_key, frozenset())
        endorsed = snapshot.endorsed.get(mentee_key, [])
    else:  # a rating applies to every mentee
        mentees = list(
            db.session.scalars(select(Partnership.key).where(Partnership.active.is_(True)))
        )
        excluded = frozenset(chain.from_iterable(snapshot.excluded.values()))
        endorsed = list(chain.from_iterable(snapshot.endorsed.values()))
    year = as_of or date.today().year  # eligibility counts years from here
    context = MatchContext(year, current_app.config["MENTOR_MIN_YEARS"], snapshot.load, excluded)
    return feedback_priors(mentees, endorsed, snapshot.ratings).apply(context)


def _index_holding(key: str) -> MatchIndex:
    """The current index, which holds exactly the active partnerships of the current data
    version; NotFound when ``key`` is not one of them."""
    index = current_index()
    if key not in index:
        raise NotFound(f"unknown partnership key {key!r}")
    return index


def suggest(
    key: str,
    *,
    limit: int | None = None,
    sectors=None,
    region: str | None = None,
    as_of: int | None = None,
) -> list[Suggestion]:
    """Ranked mentor suggestions for the partnership ``key`` (NotFound if unknown).

    Empty when its challenges say too little to match on (see ``too_little_text``)."""
    index = _index_holding(key)
    limit = limit or current_app.config["SUGGESTION_LIMIT"]
    region = province_part(region)  # the engine's profiles carry the province only
    return index.rank(
        key, match_context(key, as_of=as_of), limit=limit, sectors=sectors, region=region
    )


def near_duplicates(keys) -> list[tuple[str, str, float]]:
    """Mentors among ``keys`` whose experiences are near-identical to another mentor's."""
    return current_index().near_duplicates(keys)


def too_little_text(key: str) -> bool:
    """Whether the partnership's challenges say too little to suggest anyone (NotFound if unknown)."""
    return _index_holding(key).too_little_text(key)


def challenge_themes(key: str) -> list[Reason]:
    """The glossary themes the partnership's challenges name, most often first (NotFound if
    unknown): what the matcher reads in them."""
    return _index_holding(key).challenge_themes(key)


TOO_LITTLE_TEXT = _l(
    "Describe in the challenges what the partnership struggles with or wants to learn: "
    "with so little text nobody can be suggested."
)


def pair_evidence(mentee_key: str, mentor_key: str) -> list:
    """The matcher's evidence for one pair: passages of the mentor that meet the mentee's
    challenges (``Evidence`` with ``mentor_text``/``own_text``), or [] when there are none.

    Asked whatever the mentor's current load, age or exclusions (an introduction under way
    fills the mentor's capacity itself): ranking the mentee against this one mentor only."""
    return current_index().pair_evidence(mentee_key, mentor_key)
